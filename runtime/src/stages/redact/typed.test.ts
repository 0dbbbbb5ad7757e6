/** Redaction that keeps types and JSON intact, and covers list entries (names excepted). */
import { DETECTORS } from '../../config/sections/redact';
import { createLogger } from '../../log';
import type { CatalogEntry, RequestContext } from '../../pipeline/context';
import { ErrorCode, GovernanceError } from '../../pipeline/errors';
import { Pipeline } from '../../pipeline/pipeline';
import { createRedactStage, createRedactor } from '.';

const silent = createLogger('test', { write: () => {} });
const cfg = { enabled: true, detectors: [...DETECTORS], custom: [], replacement: 'label' as const };
const label = createRedactor(cfg);
const mask = createRedactor({ ...cfg, replacement: 'mask' });

function ctx(method = 'tools/call', target?: CatalogEntry): RequestContext {
  return { requestId: 'r1', method, headers: {}, startedAt: 0, actions: [], timings: { policyMs: 0, upstreamMs: 0 }, target };
}

describe('JSON inside a text is redacted as JSON', () => {
  it.each([
    ['compact', '{"card":4111111111111111,"email":"alice@example.com","n":12}', { card: 0, email: '[REDACTED:EMAIL]', n: 12 }],
    ['an array', '[4111111111111111, "078-05-1120"]', [0, '[REDACTED:US_SSN]']],
    ['nested JSON in a string', JSON.stringify({ inner: JSON.stringify({ card: 5555555555554444 }) }), { inner: '{"card":0}' }],
    ['escapes hiding a value', '{"m":"alice\\u0040example.com"}', { m: '[REDACTED:EMAIL]' }],
  ])('%s: stays valid JSON, numbers stay numbers', (_what, text, expected) => {
    for (const r of [label, mask]) {
      const out = r.redactJson({ content: [{ type: 'text', text }] }).value as { content: { text: string }[] };
      const parsed = JSON.parse(out.content[0].text);
      if (r === label) expect(parsed).toEqual(expected);
      expect(JSON.stringify(parsed)).not.toMatch(/4111111111111111|5555555555554444|alice|078-05-1120/);
    }
  });

  it('keeps the layout and the exact digits of numbers it does not redact', () => {
    const text = '{\n  "id": 123456789012345678901234,\n  "email": "alice@example.com"\n}';
    const out = label.redactJson(text).value as string;
    expect(out).toBe('{\n  "id": 123456789012345678901234,\n  "email": "[REDACTED:EMAIL]"\n}');
  });

  it('keeps two keys that redact alike distinct', () => {
    const out = label.redactJson('{"alice@example.com":1,"bob@example.com":2}').value as string;
    expect(JSON.parse(out)).toEqual({ '[REDACTED:EMAIL]': 1, '[REDACTED:EMAIL]#2': 2 });
  });

  it('redacts a text that only looks like JSON as text', () => {
    expect(label.redactJson('{ not json: alice@example.com }').value).toBe('{ not json: [REDACTED:EMAIL] }');
  });

  it('returns a JSON text with nothing to redact unchanged (same layout)', () => {
    const text = '{ "a" : [1, 2.5e3, true, null],\n "b": "x" }';
    expect(label.redactJson(text).value).toBe(text);
  });

  it('keeps declared property names, redacts other keys', () => {
    const out = label.redactJson({ 'alice@example.com': { 'bob@example.com': 1 } }, { keepKeys: new Set(['alice@example.com']) }).value;
    expect(out).toEqual({ 'alice@example.com': { '[REDACTED:EMAIL]': 1 } });
  });
});

describe('the redaction stage on lists', () => {
  const tool: CatalogEntry = {
    kind: 'tool',
    upstream: 'u',
    name: 'lookup',
    exposedName: 'u_lookup',
    definition: {
      name: 'u_lookup',
      title: 'Ask alice@example.com',
      description: 'Uses key AKIAIOSFODNN7EXAMPLE',
      inputSchema: { type: 'object', properties: { 'owner@example.com': { type: 'string', description: 'e.g. bob@example.com', enum: ['carol@example.com', 'x'] } }, required: ['owner@example.com'] },
      outputSchema: {
        type: 'object',
        properties: { card: { type: 'integer', minimum: 4e15 }, email: { type: 'string', format: 'email', pattern: '^.+@.+$' }, kind: { oneOf: [{ const: 'a' }, { type: 'string' }] } },
        required: ['card', 'email'],
      },
      annotations: { title: 'Call 415-555-0132', readOnlyHint: true },
      _meta: { owner: 'dave@example.com' },
    },
  };
  const prompt: CatalogEntry = {
    kind: 'prompt',
    upstream: 'u',
    name: 'p',
    exposedName: 'u_p',
    definition: { name: 'u_p', description: 'for erin@example.com', arguments: [{ name: 'frank@example.com', description: 'ssn 078-05-1120', required: true }] },
  };
  const resource: CatalogEntry = { kind: 'resource', upstream: 'u', name: 'mem://a', exposedName: 'mem://u/alice@example.com', definition: { uri: 'mem://u/alice@example.com', name: 'alice@example.com', description: 'IP 192.0.2.1' } };

  it('redacts titles, descriptions, schema texts, annotations and _meta; keeps names, property names and types', async () => {
    const stage = createRedactStage(cfg, silent);
    const c = ctx('tools/list');
    const [t, p, r] = await stage.filterList!(c, [tool, prompt, resource]);
    const d = t.definition as Record<string, any>;
    expect(d.name).toBe('u_lookup');
    expect(d.title).toBe('Ask [REDACTED:EMAIL]');
    expect(d.description).toBe('Uses key [REDACTED:AWS_ACCESS_KEY]');
    expect(d.annotations).toEqual({ title: 'Call [REDACTED:PHONE]', readOnlyHint: true });
    expect(d._meta).toEqual({ owner: '[REDACTED:EMAIL]' });
    expect(d.inputSchema).toEqual({
      type: 'object',
      properties: { 'owner@example.com': { type: 'string', description: 'e.g. [REDACTED:EMAIL]', enum: ['[REDACTED:EMAIL]', 'x'] } },
      required: ['owner@example.com'],
    });
    // Widened: constraints a redacted value may break are gone, types and required stay; oneOf became anyOf.
    expect(d.outputSchema).toEqual({
      type: 'object',
      properties: { card: { type: 'integer' }, email: { type: 'string' }, kind: { allOf: [{ anyOf: [{ const: 'a' }, { type: 'string' }] }] } },
      required: ['card', 'email'],
    });
    expect(p.definition).toEqual({ name: 'u_p', description: 'for [REDACTED:EMAIL]', arguments: [{ name: 'frank@example.com', description: 'ssn [REDACTED:US_SSN]', required: true }] });
    expect(r.definition).toEqual({ uri: 'mem://u/alice@example.com', name: 'alice@example.com', description: 'IP [REDACTED:IP_ADDRESS]' });
    expect(c.actions).toEqual(
      expect.arrayContaining([
        { stage: 'redact', action: 'redact.EMAIL', count: 5 },
        { stage: 'redact', action: 'redact.AWS_ACCESS_KEY', count: 1 },
      ]),
    );
    // The catalog entries themselves are not modified, and a second list gives the same (cached) definitions.
    expect((tool.definition as Record<string, unknown>).title).toBe('Ask alice@example.com');
    const again = await stage.filterList!(ctx('tools/list'), [tool]);
    expect(again[0].definition).toBe(t.definition);
  });

  it('results keep the property names the listed outputSchema declares', async () => {
    const stage = createRedactStage(cfg, silent);
    const schemaTool: CatalogEntry = { ...tool, definition: { ...tool.definition, outputSchema: { type: 'object', properties: { 'alice@example.com': { type: 'integer' } }, required: ['alice@example.com'] } } };
    const out = await stage.onResult!(ctx('tools/call', schemaTool), { content: [], structuredContent: { 'alice@example.com': 4111111111111111, 'bob@example.com': 1 } });
    expect(out.structuredContent).toEqual({ 'alice@example.com': 0, '[REDACTED:EMAIL]': 1 });
  });
});

describe('the redaction stage on upstream errors', () => {
  it('redacts the message and data of an upstream JSON-RPC error before the caller sees it', async () => {
    const stage = createRedactStage(cfg, silent);
    const auditor = { beforeForward: async () => {}, complete: () => {}, close: async () => {} };
    const pipeline = new Pipeline([stage], auditor);
    const target: CatalogEntry = { kind: 'tool', upstream: 'u', name: 't', exposedName: 't', definition: { name: 't' } };
    const c = ctx('tools/call', target);
    const err = await pipeline
      .call(c, 'tool', 't', async () => {
        throw new GovernanceError(ErrorCode.InvalidParams, 'no account for alice@example.com', 'upstream_error', { card: 4111111111111111, detail: '{"ssn":"078-05-1120"}' });
      })
      .catch((e: unknown) => e as GovernanceError);
    expect(err).toBeInstanceOf(GovernanceError);
    expect(err.message).toBe('no account for [REDACTED:EMAIL]');
    expect(err.data).toEqual({ card: 0, detail: '{"ssn":"[REDACTED:US_SSN]"}' });
  });
});
