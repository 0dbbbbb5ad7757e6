/**
 * The modern leg's request checks, table-driven: era classification, the per-request envelope, the routing headers
 * and their Base64 sentinel encoding, and the `Mcp-Param-*` mirrors of `x-mcp-header` tool parameters.
 */
import { GovernanceError } from '../../pipeline/errors';
import { classifyEra } from '../era';
import { readEnvelope } from './envelope';
import { statusOf } from './errors';
import { checkParamHeaders, checkStandardHeaders, decodeHeaderValue, mirroredParams } from './headers';

const V = '2026-07-28';
const meta = (extra: Record<string, unknown> = {}) => ({
  _meta: { 'io.modelcontextprotocol/protocolVersion': V, 'io.modelcontextprotocol/clientCapabilities': {}, ...extra },
});

/** The code and HTTP status a check threw (undefined when it passed). */
function refusal(fn: () => unknown): { code: number; status: number } | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (!(err instanceof GovernanceError)) throw err;
    return { code: err.code, status: statusOf(err) };
  }
}

describe('classifyEra', () => {
  test.each([
    ['initialize without headers', { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25' } }, {}, 'legacy'],
    ['the health check ping', { jsonrpc: '2.0', id: 1, method: 'ping' }, {}, 'legacy'],
    ['a 2025 request with its header', { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { 'mcp-protocol-version': '2025-06-18' }, 'legacy'],
    ['an unknown header version without a claim', { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { 'mcp-protocol-version': '1999-01-01' }, 'legacy'],
    ['a claim-less server/discover', { jsonrpc: '2.0', id: 1, method: 'server/discover' }, {}, 'legacy'],
    ['a response to a relayed request', { jsonrpc: '2.0', id: 'relay-1', result: {} }, {}, 'legacy'],
    ['the modern claim', { jsonrpc: '2.0', id: 1, method: 'tools/list', params: meta() }, { 'mcp-protocol-version': V }, 'modern'],
    ['the modern claim of an unknown version', { jsonrpc: '2.0', id: 1, method: 'tools/list', params: meta({ 'io.modelcontextprotocol/protocolVersion': 'v9' }) }, {}, 'modern'],
    ['a modern header without the envelope', { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { 'mcp-protocol-version': V }, 'modern'],
  ])('%s -> %s', (_label, doc, headers, era) => {
    expect(classifyEra(doc, headers as Record<string, string>)).toBe(era);
  });
});

describe('readEnvelope', () => {
  const h = { 'mcp-protocol-version': V };
  test.each([
    ['valid', meta(), h, undefined],
    ['no params', undefined, h, { code: -32602, status: 400 }],
    ['no _meta', {}, h, { code: -32602, status: 400 }],
    ['no version', { _meta: { 'io.modelcontextprotocol/clientCapabilities': {} } }, h, { code: -32602, status: 400 }],
    ['capabilities not an object', meta({ 'io.modelcontextprotocol/clientCapabilities': [] }), h, { code: -32602, status: 400 }],
    ['no header', meta(), {}, { code: -32020, status: 400 }],
    ['header differs from the claim', meta(), { 'mcp-protocol-version': '2025-11-25' }, { code: -32020, status: 400 }],
    ['unsupported version', meta({ 'io.modelcontextprotocol/protocolVersion': 'v9' }), { 'mcp-protocol-version': 'v9' }, { code: -32022, status: 400 }],
    ['bad log level', meta({ 'io.modelcontextprotocol/logLevel': 'loud' }), h, { code: -32602, status: 400 }],
    ['good log level', meta({ 'io.modelcontextprotocol/logLevel': 'warning' }), h, undefined],
  ])('%s', (_label, params, headers, expected) => {
    expect(refusal(() => readEnvelope(params as Record<string, unknown> | undefined, headers))).toEqual(expected);
  });

  test('-32022 names the supported versions and echoes the requested one', () => {
    try {
      readEnvelope(meta({ 'io.modelcontextprotocol/protocolVersion': 'v9' }), { 'mcp-protocol-version': 'v9' });
      throw new Error('accepted');
    } catch (err) {
      expect((err as GovernanceError).data).toEqual({ supported: expect.arrayContaining([V, '2025-11-25']), requested: 'v9' });
    }
  });
});

describe('header values', () => {
  const b64 = (s: string) => `=?base64?${Buffer.from(s, 'utf8').toString('base64')}?=`;
  test.each([
    ['plain', 'us-west1', 'us-west1'],
    ['Base64 of non-ASCII', b64('Hello, 世界'), 'Hello, 世界'],
    ['Base64 of padding spaces', b64(' padded '), ' padded '],
    ['Base64 of the sentinel itself', b64('=?base64?literal?='), '=?base64?literal?='],
    ['a control character', 'a\u0001b', undefined],
    ['a broken sentinel', '=?base64?***?=', undefined],
    ['a sentinel with a bad length', '=?base64?abc?=', undefined],
    ['a sentinel hiding invalid UTF-8', `=?base64?${Buffer.from([0xff, 0xfe]).toString('base64')}?=`, undefined],
  ])('%s', (_label, raw, decoded) => {
    expect(decodeHeaderValue(raw)).toBe(decoded);
  });

  test.each([
    ['tools/call', 'tools/call', { name: 't' }, { 'mcp-method': 'tools/call', 'mcp-name': 't' }, undefined],
    ['tools/call, encoded name', 'tools/call', { name: 'tö' }, { 'mcp-method': 'tools/call', 'mcp-name': b64('tö') }, undefined],
    ['resources/read', 'resources/read', { uri: 'x://a' }, { 'mcp-method': 'resources/read', 'mcp-name': 'x://a' }, undefined],
    ['tools/list needs no name', 'tools/list', {}, { 'mcp-method': 'tools/list' }, undefined],
    ['no Mcp-Method', 'tools/call', { name: 't' }, { 'mcp-name': 't' }, { code: -32020, status: 400 }],
    ['Mcp-Method differs', 'tools/call', { name: 't' }, { 'mcp-method': 'prompts/get', 'mcp-name': 't' }, { code: -32020, status: 400 }],
    ['no Mcp-Name', 'tools/call', { name: 't' }, { 'mcp-method': 'tools/call' }, { code: -32020, status: 400 }],
    ['Mcp-Name differs', 'prompts/get', { name: 't' }, { 'mcp-method': 'prompts/get', 'mcp-name': 'u' }, { code: -32020, status: 400 }],
  ])('standard headers: %s', (_label, method, params, headers, expected) => {
    expect(refusal(() => checkStandardHeaders(method, params, headers as Record<string, string>))).toEqual(expected);
  });
});

describe('Mcp-Param-* mirrors of x-mcp-header parameters', () => {
  const schema = {
    type: 'object',
    properties: {
      region: { type: 'string', 'x-mcp-header': 'Region' },
      level: { type: 'integer', 'x-mcp-header': 'Level' },
      dry: { type: 'boolean', 'x-mcp-header': 'Dry' },
      nested: { type: 'object', properties: { tenant: { type: 'string', 'x-mcp-header': 'Tenant' } } },
      list: { type: 'array', items: { type: 'string', 'x-mcp-header': 'Ignored' } },
    },
  };

  test('annotations are found through properties only', () => {
    expect(mirroredParams(schema)).toEqual([
      { path: ['region'], header: 'Region' },
      { path: ['level'], header: 'Level' },
      { path: ['dry'], header: 'Dry' },
      { path: ['nested', 'tenant'], header: 'Tenant' },
    ]);
  });

  test.each([
    ['all mirrored', { region: 'eu', level: 42, dry: true, nested: { tenant: 'acme' } }, { 'mcp-param-region': 'eu', 'mcp-param-level': '42.0', 'mcp-param-dry': 'true', 'mcp-param-tenant': 'acme' }, undefined],
    ['absent and null values need no header', { level: null }, {}, undefined],
    ['a value without its header', { region: 'eu' }, {}, { code: -32020, status: 400 }],
    ['a header that differs', { region: 'eu' }, { 'mcp-param-region': 'us' }, { code: -32020, status: 400 }],
    ['an integer that differs', { level: 42 }, { 'mcp-param-level': '43' }, { code: -32020, status: 400 }],
    ['a boolean that differs', { dry: false }, { 'mcp-param-dry': 'true' }, { code: -32020, status: 400 }],
    ['an encoded value', { region: 'Zürich' }, { 'mcp-param-region': b64('Zürich') }, undefined],
    ['a malformed value', { region: 'eu' }, { 'mcp-param-region': 'e\u0000u' }, { code: -32020, status: 400 }],
  ])('%s', (_label, args, headers, expected) => {
    expect(refusal(() => checkParamHeaders(schema, args as Record<string, unknown>, headers))).toEqual(expected);
  });

  test('each schema object is read for its own annotations (a refreshed tool brings a new schema object)', () => {
    const before = { type: 'object', properties: { region: { type: 'string', 'x-mcp-header': 'Region' } } };
    const after = { type: 'object', properties: { region: { type: 'string', 'x-mcp-header': 'Zone' } } };
    expect(refusal(() => checkParamHeaders(before, { region: 'eu' }, { 'mcp-param-region': 'eu' }))).toBeUndefined();
    expect(refusal(() => checkParamHeaders(after, { region: 'eu' }, { 'mcp-param-region': 'eu' }))).toEqual({ code: -32020, status: 400 });
    expect(refusal(() => checkParamHeaders(after, { region: 'eu' }, { 'mcp-param-zone': 'eu' }))).toBeUndefined();
    expect(refusal(() => checkParamHeaders(before, { region: 'eu' }, { 'mcp-param-zone': 'eu' }))).toEqual({ code: -32020, status: 400 });
  });

  function b64(s: string) {
    return `=?base64?${Buffer.from(s, 'utf8').toString('base64')}?=`;
  }
});
