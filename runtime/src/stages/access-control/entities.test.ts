import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { CEDAR_SCHEMA } from './cedar-schema';
import { ARGUMENT_LIMITS, ArgumentsTooComplex, argumentsEntity, callerEntity, targetEntity } from './entities';
import { ANONYMOUS, IAM, jwtCaller, prompt, resource, tool } from './test-fixtures';

/** The evaluator skips schema-based entity parsing on the hot path, so the shapes are checked against the schema here. */
function conformsToSchema(entities: cedar.EntityJson[]): cedar.CheckParseAnswer {
  return cedar.checkParseEntities({ entities, schema: CEDAR_SCHEMA });
}

describe('Cedar entities conform to schema/mcp.cedarschema', () => {
  it.each([
    ['jwt caller with claims', jwtCaller('u', ['g'], ['s'], { department: 'eng', level: 3, admin: true, teams: ['a', 'b'] })],
    ['iam caller', IAM],
    ['anonymous caller', ANONYMOUS],
  ])('%s', (_label, p) => {
    expect(conformsToSchema([callerEntity(p)])).toEqual({ type: 'success' });
  });

  it('(the check itself rejects a malformed entity)', () => {
    expect(conformsToSchema([{ ...callerEntity(IAM), attrs: { kind: 'iam' } }]).type).toBe('failure');
  });

  it('targets of every kind, and arguments of every shape', () => {
    const args = argumentsEntity({ s: 'x', n: 7, f: 1.5, b: false, list: ['a'], mixed: [1, 'a'], nested: { deep: { deeper: { deepest: { x: 1 } } } }, nul: null });
    expect(conformsToSchema([tool('u', 't'), resource('u', 'file:///x'), prompt('u', 'p')].map(targetEntity).concat(args))).toEqual({ type: 'success' });
  });
});

describe('caller entity', () => {
  it('claims become tags (sets of strings); ids are typed: subject:<sub>, else client:<client id>, else the kind', () => {
    const e = callerEntity(jwtCaller('u-1', ['g'], [], { level: 3, admin: false, teams: ['a'] }));
    expect(e.uid).toEqual({ type: 'McpProxy::Caller', id: 'subject:u-1' });
    expect(e.tags).toEqual({ level: ['3'], admin: ['false'], teams: ['a'] });
    expect(callerEntity({ ...jwtCaller('x'), sub: undefined }).uid).toEqual({ type: 'McpProxy::Caller', id: 'client:client-1' });
    expect(callerEntity(IAM).uid).toEqual({ type: 'McpProxy::Caller', id: 'iam' });
  });
});

describe('tool entity: upstream annotations with the MCP defaults for missing hints', () => {
  const cases: [string, object | undefined, Record<string, boolean>][] = [
    ['no annotations', undefined, { readOnly: false, destructive: true, idempotent: false, openWorld: true }],
    ['read-only', { readOnlyHint: true }, { readOnly: true, destructive: false, idempotent: true, openWorld: true }],
    ['read-only wins over destructive', { readOnlyHint: true, destructiveHint: true }, { readOnly: true, destructive: false, idempotent: true, openWorld: true }],
    ['explicitly safe write', { destructiveHint: false, idempotentHint: true, openWorldHint: false }, { readOnly: false, destructive: false, idempotent: true, openWorld: false }],
  ];
  it.each(cases)('%s', (_label, annotations, expected) => {
    expect(targetEntity(tool('u', 't', annotations)).attrs).toMatchObject(expected);
  });
  it('is built once per catalog entry', () => {
    const t = tool('u', 't');
    expect(targetEntity(t)).toBe(targetEntity(t));
    expect(targetEntity(t).parents).toEqual([{ type: 'McpProxy::Upstream', id: 'u' }]);
  });
});

describe('arguments entity', () => {
  it('exposes typed views and dotted paths', () => {
    const { tags } = argumentsEntity({ path: '/tmp', n: 3, big: 2 ** 60, ok: true, names: ['a', 'b'], opts: { force: true, mode: { x: 'y' } } }) as { tags: Record<string, unknown> };
    expect(tags.path).toEqual({ json: '"/tmp"', string: '/tmp' });
    expect(tags.n).toEqual({ json: '3', long: 3 });
    expect(tags.big).toEqual({ json: String(2 ** 60) }); // beyond safe integers: json only
    expect(tags.ok).toEqual({ json: 'true', boolean: true });
    expect(tags.names).toEqual({ json: '["a","b"]', strings: ['a', 'b'] });
    expect(tags['opts.force']).toEqual({ json: 'true', boolean: true });
    expect(tags['opts.mode.x']).toEqual({ json: '"y"', string: 'y' });
  });
  it(`stops descending at depth ${ARGUMENT_LIMITS.maxDepth} (deeper values stay in the ancestor's json)`, () => {
    const { tags } = argumentsEntity({ a: { b: { c: { d: { e: 1 } } } } }) as unknown as { tags: Record<string, { json: string }> };
    expect(Object.keys(tags)).toEqual(['a', 'a.b', 'a.b.c', 'a.b.c.d']);
    expect(tags['a.b.c.d'].json).toBe('{"e":1}');
  });
  it('refuses too many values and ambiguous paths', () => {
    expect(() => argumentsEntity(Object.fromEntries(Array.from({ length: ARGUMENT_LIMITS.maxTags + 1 }, (_, i) => [`k${i}`, i])))).toThrow(ArgumentsTooComplex);
    expect(() => argumentsEntity({ a: { b: 1 }, 'a.b': 2 })).toThrow(/ambiguous path "a\.b"/);
  });
});
