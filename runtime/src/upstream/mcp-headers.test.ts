/** The modern request headers: value encoding (the spec's own examples), x-mcp-header validation and extraction. */
import { encodeHeaderValue, paramHeadersOf, paramHeaderValues, standardHeaders } from './mcp-headers';

describe('encodeHeaderValue (transports/streamable-http, Value Encoding examples)', () => {
  test.each([
    ['us-west1', 'us-west1'],
    ['Hello, 世界', '=?base64?SGVsbG8sIOS4lueVjA==?='],
    [' padded ', '=?base64?IHBhZGRlZCA=?='],
    ['line1\nline2', '=?base64?bGluZTEKbGluZTI=?='],
    ['=?base64?literal?=', '=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?='],
    ['tab\there', '=?base64?dGFiCWhlcmU=?='],
    ['a b', 'a b'],
  ])('%j -> %s', (value, encoded) => {
    expect(encodeHeaderValue(value)).toBe(encoded);
  });
});

const obj = (properties: Record<string, unknown>) => ({ type: 'object', properties });

describe('paramHeadersOf: valid annotations', () => {
  test('top-level and nested (properties only) primitives are mirrored with their paths', () => {
    const schema = obj({
      region: { type: 'string', 'x-mcp-header': 'Region' },
      opts: obj({ dryRun: { type: 'boolean', 'x-mcp-header': 'Dry-Run' }, limit: { type: 'integer', 'x-mcp-header': 'Limit' } }),
      query: { type: 'string' },
    });
    expect(paramHeadersOf(schema)).toEqual({
      headers: [
        { name: 'Region', path: ['region'] },
        { name: 'Dry-Run', path: ['opts', 'dryRun'] },
        { name: 'Limit', path: ['opts', 'limit'] },
      ],
    });
  });

  test('a schema without annotations has no mirrors', () => {
    expect(paramHeadersOf(obj({ a: { type: 'string' } }))).toEqual({ headers: [] });
    expect(paramHeadersOf(undefined)).toEqual({ headers: [] });
  });
});

describe('paramHeadersOf: invalid annotations make the tool invalid', () => {
  test.each([
    ['on a number', obj({ n: { type: 'number', 'x-mcp-header': 'N' } }), /not a string, integer or boolean/],
    ['on an object', obj({ o: { type: 'object', 'x-mcp-header': 'O' } }), /not a string, integer or boolean/],
    ['empty name', obj({ a: { type: 'string', 'x-mcp-header': '' } }), /not a header token/],
    ['name with a space', obj({ a: { type: 'string', 'x-mcp-header': 'My Header' } }), /not a header token/],
    ['name with CR LF', obj({ a: { type: 'string', 'x-mcp-header': 'A\r\nB' } }), /not a header token/],
    ['duplicate, case-insensitive', obj({ a: { type: 'string', 'x-mcp-header': 'Region' }, b: { type: 'string', 'x-mcp-header': 'region' } }), /used twice/],
    ['under items', obj({ list: { type: 'array', items: { type: 'string', 'x-mcp-header': 'Item' } } }), /not reachable/],
    ['under anyOf', obj({ a: { anyOf: [{ type: 'string', 'x-mcp-header': 'A' }] } }), /not reachable/],
    ['under $defs', { ...obj({}), $defs: { x: { type: 'string', 'x-mcp-header': 'X' } } }, /not reachable/],
    ['on the root', { type: 'string', 'x-mcp-header': 'Root' }, /not reachable/],
  ])('%s', (_name, schema, reason) => {
    const out = paramHeadersOf(schema);
    expect('invalid' in out ? out.invalid : 'valid').toMatch(reason);
  });
});

describe('paramHeaderValues and standardHeaders', () => {
  const spec = [
    { name: 'Region', path: ['region'] },
    { name: 'Limit', path: ['opts', 'limit'] },
    { name: 'Dry', path: ['opts', 'dry'] },
  ];

  test('values are converted by type, encoded, and omitted when absent or null', () => {
    expect(paramHeaderValues(spec, { region: 'Zürich', opts: { limit: -7, dry: false } })).toEqual({
      'mcp-param-region': '=?base64?WsO8cmljaA==?=',
      'mcp-param-limit': '-7',
      'mcp-param-dry': 'false',
    });
    expect(paramHeaderValues(spec, { region: null, opts: {} })).toEqual({});
    expect(paramHeaderValues(spec, undefined)).toEqual({});
  });

  test('Mcp-Name for the three named methods only, encoded like any value', () => {
    expect(standardHeaders('tools/call', { name: 'get_weather' })).toEqual({ 'mcp-method': 'tools/call', 'mcp-name': 'get_weather' });
    expect(standardHeaders('resources/read', { uri: 'file:///ü.txt' })).toEqual({ 'mcp-method': 'resources/read', 'mcp-name': `=?base64?${Buffer.from('file:///ü.txt').toString('base64')}?=` });
    expect(standardHeaders('prompts/get', { name: 'p' })).toEqual({ 'mcp-method': 'prompts/get', 'mcp-name': 'p' });
    expect(standardHeaders('tools/list', { name: 'ignored' })).toEqual({ 'mcp-method': 'tools/list' });
  });
});
