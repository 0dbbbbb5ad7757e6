import { randomBytes } from 'node:crypto';
import { ConfigError } from '../../config/load';
import { tokenizeSchema } from '../../config/sections/tokenize';
import { createLogger } from '../../log';
import type { CatalogEntry, RequestContext } from '../../pipeline/context';
import { LoopbackSecretsManager } from '../../../../test/support/secrets-manager-endpoint';
import { createTokenizeStage, scanTokens, TokenCipher, TOKEN_PATTERN } from '.';
import { createRedactor } from '../redact';
import { DETECTORS } from '../../config/sections/redact';

const KEY_HEX = randomBytes(64).toString('hex');
const env = { MCP_PROXY_TOKENIZATION_KEY: KEY_HEX };
const log = createLogger('test', { write: () => {} });
const TARGET: CatalogEntry = { kind: 'tool', upstream: 'crm', name: 'create', exposedName: 'crm__create', definition: {} };

function ctx(args?: Record<string, unknown>, over: Partial<RequestContext> = {}): RequestContext {
  return { requestId: 'r', method: 'tools/call', headers: {}, startedAt: 0, target: TARGET, arguments: args, actions: [], timings: { policyMs: 0, upstreamMs: 0 }, ...over };
}
const cfg = (over: Record<string, unknown> = {}) => tokenizeSchema.parse({ enabled: true, ...over });
const tokens = (s: string) => Array.from(s.matchAll(TOKEN_PATTERN), (m) => m[0]);

describe('tokenize stage: arguments', () => {
  it.each([
    ['EMAIL', 'write to alice@example.com today', 'alice@example.com'],
    ['PHONE', 'call (415) 555-0100', '(415) 555-0100'],
    ['CREDIT_CARD', 'card 4111 1111 1111 1111', '4111 1111 1111 1111'],
    ['US_SSN', 'ssn 078-05-1120', '078-05-1120'],
    ['IBAN', 'iban DE89 3704 0044 0532 0130 00', 'DE89 3704 0044 0532 0130 00'],
  ])('replaces %s with a token before the upstream sees it', async (type, text, raw) => {
    const stage = await createTokenizeStage(cfg(), log, { env });
    const c = ctx({ note: text, nested: [{ deep: text }] });
    await stage.onRequest!(c);
    const out = JSON.stringify(c.arguments);
    expect(out).not.toContain(raw);
    expect(tokens(out).every((t) => t.startsWith(`tok_${type}_`))).toBe(true);
    expect(tokens(out)).toHaveLength(2);
    expect(c.actions).toEqual([{ stage: 'tokenize', action: `tokenize.${type}`, count: 2 }]);
  });

  it('is deterministic across requests and stages built from the same key (joins work)', async () => {
    const a = await createTokenizeStage(cfg(), log, { env });
    const b = await createTokenizeStage(cfg(), log, { env });
    const c1 = ctx({ q: 'alice@example.com' });
    const c2 = ctx({ q: 'alice@example.com' });
    await a.onRequest!(c1);
    await b.onRequest!(c2);
    expect(c1.arguments).toEqual(c2.arguments);
  });

  it('tokenizes configured argument paths whole, for the named tool or *', async () => {
    const stage = await createTokenizeStage(cfg({ detectors: [], argumentPaths: ['crm__create:customer.name', '*:contacts.*.id', 'other__tool:secret'] }), log, { env });
    const c = ctx({ customer: { name: 'Alice Example', tier: 'gold' }, contacts: [{ id: 17 }, { id: 'C-9' }], secret: 'stays' });
    await stage.onRequest!(c);
    const args = c.arguments as { customer: { name: string; tier: string }; contacts: { id: string }[]; secret: string };
    expect(args.customer.name).toMatch(/^tok_VALUE_/);
    expect(args.customer.tier).toBe('gold');
    expect(args.contacts.map((x) => x.id)).toEqual([expect.stringMatching(/^tok_VALUE_/), expect.stringMatching(/^tok_VALUE_/)]);
    expect(args.secret).toBe('stays');
    expect(c.actions).toEqual([{ stage: 'tokenize', action: 'tokenize.VALUE', count: 3 }]);
  });

  it('does not re-tokenize tokens the caller passes back', async () => {
    const stage = await createTokenizeStage(cfg({ argumentPaths: ['*:email'] }), log, { env });
    const first = ctx({ email: 'alice@example.com', note: 'alice@example.com' });
    await stage.onRequest!(first);
    const again = ctx({ ...(first.arguments as object) });
    await stage.onRequest!(again);
    expect(again.arguments).toEqual(first.arguments);
    expect(again.actions).toEqual([]);
  });

  it('skips calls without a target, other methods, and disabled config', async () => {
    const stage = await createTokenizeStage(cfg(), log, { env });
    const noTarget = ctx({ q: 'alice@example.com' }, { target: undefined });
    await stage.onRequest!(noTarget);
    expect(noTarget.arguments).toEqual({ q: 'alice@example.com' });
    const completion = ctx({ q: 'alice@example.com' }, { method: 'completion/complete' });
    await stage.onRequest!(completion);
    expect(completion.arguments).toEqual({ q: 'alice@example.com' });
    const off = await createTokenizeStage(tokenizeSchema.parse({}), log, { env: {} });
    expect(off.onRequest).toBeUndefined();
  });

  it('tokenizes prompts/get arguments (detectors and * argument paths) and the forwarded _meta of any call', async () => {
    const stage = await createTokenizeStage(cfg({ argumentPaths: ['*:account'] }), log, { env });
    const prompt: CatalogEntry = { kind: 'prompt', upstream: 'crm', name: 'brief', exposedName: 'crm__brief', definition: {} };
    const c = ctx({ about: 'mail alice@example.com', account: 'A-1' }, { method: 'prompts/get', target: prompt, meta: { 'io.modelcontextprotocol/x': { who: 'bob@example.org' } } });
    await stage.onRequest!(c);
    const out = JSON.stringify([c.arguments, c.meta]);
    expect(out).not.toMatch(/alice@example|bob@example|A-1/);
    expect(tokens(out).map((t) => t.split('_')[1])).toEqual(['EMAIL', 'VALUE', 'EMAIL']);
    const read = ctx(undefined, { method: 'resources/read', meta: { 'io.modelcontextprotocol/x': '078-05-1120' } });
    await stage.onRequest!(read);
    expect(String(read.meta?.['io.modelcontextprotocol/x'])).toMatch(/^tok_US_SSN_/);
  });

  it.each([['no-colon'], [':path'], ['tool:'], ['tool:a..b']])('refuses argument path %j', async (p) => {
    await expect(createTokenizeStage(cfg({ argumentPaths: [p] }), log, { env })).rejects.toThrow(ConfigError);
  });

  it('refuses to build without a key', async () => {
    await expect(createTokenizeStage(cfg(), log, { env: {} })).rejects.toThrow(/MCP_PROXY_TOKENIZATION_KEY is not set/);
  });
});

describe('tokenize stage: detokenizing results', () => {
  async function roundTrip(detokenizeAllowed: boolean | undefined, over: Record<string, unknown> = {}) {
    const stage = await createTokenizeStage(cfg(over), log, { env });
    const c = ctx({ q: 'alice@example.com' }, { detokenizeAllowed });
    await stage.onRequest!(c);
    const token = (c.arguments as { q: string }).q;
    const forged = token.slice(0, -3) + (token.endsWith('AAA') ? 'BBB' : 'AAA');
    const result = { content: [{ type: 'text', text: `created ${token}; other ${forged}` }], structuredContent: { email: token } };
    const out = await stage.onResult!(c, result);
    return { out: out as typeof result, token, forged, actions: c.actions.slice(1) };
  }

  it('restores valid tokens when ctx.detokenizeAllowed, leaves forged ones and counts them', async () => {
    const { out, forged, actions } = await roundTrip(true);
    expect(out.content[0].text).toBe(`created alice@example.com; other ${forged}`);
    expect(out.structuredContent.email).toBe('alice@example.com');
    expect(actions).toEqual([
      { stage: 'tokenize', action: 'tokenize.detokenized', count: 2 },
      { stage: 'tokenize', action: 'tokenize.invalid_token', count: 1 },
    ]);
  });

  it.each([[false], [undefined]])('leaves tokens when detokenizeAllowed is %j', async (allowed) => {
    const { out, token, actions } = await roundTrip(allowed);
    expect(JSON.stringify(out)).not.toContain('alice@example.com');
    expect(out.structuredContent.email).toBe(token);
    // The forged token is recognised as not authentic whether or not the caller may detokenize.
    expect(actions).toEqual([
      { stage: 'tokenize', action: 'tokenize.invalid_token', count: 1 },
      { stage: 'tokenize', action: 'tokenize.detokenize_not_permitted', count: 2 },
    ]);
  });

  it('leaves tokens when detokenizeResults is off, even for permitted callers', async () => {
    const { out, token } = await roundTrip(true, { detokenizeResults: false });
    expect(out.structuredContent.email).toBe(token);
  });
});

describe('tokens and the redactor', () => {
  it('the redactor leaves tokens intact (1000 random values, every built-in detector)', async () => {
    const stage = await createTokenizeStage(cfg({ detectors: [], argumentPaths: ['*:v'] }), log, { env });
    const redactor = createRedactor({ detectors: [...DETECTORS], custom: [], replacement: 'label' });
    for (let i = 0; i < 1000; i++) {
      const c = ctx({ v: randomBytes(12 + (i % 40)).toString('base64') });
      await stage.onRequest!(c);
      const t = (c.arguments as { v: string }).v;
      expect(redactor.redactText(`token ${t} end`).text).toBe(`token ${t} end`);
    }
  });
});

describe('tokenize stage with the key in a loopback Secrets Manager endpoint', () => {
  let sm: LoopbackSecretsManager;
  beforeAll(async () => {
    sm = await LoopbackSecretsManager.start({ secrets: { 'proxy/tokenization-key': KEY_HEX } });
  });
  afterAll(() => sm.close());

  it('fetches the secret once at build and produces the same tokens as the env key', async () => {
    const arn = sm.arnOf('proxy/tokenization-key');
    const before = sm.calls.length;
    const fromSm = await createTokenizeStage(cfg({ key: { source: 'secretsManager', secretArn: arn } }), log, { secretsManagerClient: sm.client() });
    const fromEnv = await createTokenizeStage(cfg(), log, { env });
    for (let i = 0; i < 3; i++) {
      const a = ctx({ q: `user${i}@example.com` });
      const b = ctx({ q: `user${i}@example.com` });
      await fromSm.onRequest!(a);
      await fromEnv.onRequest!(b);
      expect(a.arguments).toEqual(b.arguments);
    }
    expect(sm.calls.slice(before)).toEqual([{ operation: 'GetSecretValue', secretId: arn, status: 200 }]);
  });
});

describe('the token recognizer (format.ts)', () => {
  const key = Buffer.alloc(64, 7);
  const cipher = new TokenCipher(key);
  const open = (t: string, p: string) => cipher.decrypt(t, p);

  it.each([['-'], ['_']])('splits two authentic tokens joined by %j', (sep) => {
    const a = cipher.encrypt('IP_ADDRESS', '192.168.0.0');
    const b = cipher.encrypt('IP_ADDRESS', '192.168.255.255');
    const found = scanTokens(`range ${a}${sep}${b}.`, open);
    expect(found.map((t) => t.value)).toEqual(['192.168.0.0', '192.168.255.255']);
    expect(found[0].end - found[0].start).toBe(a.length);
  });

  it('does not start a token inside a word, nor after a separator that follows a forged token', () => {
    const a = cipher.encrypt('EMAIL', 'a@example.com');
    expect(scanTokens(`x${a}`, open)).toEqual([]);
    const forged = 'tok_EMAIL_' + 'A'.repeat(30);
    const found = scanTokens(`${forged}-${a}`, open);
    expect(found).toHaveLength(1);
    expect(found[0].value).toBeUndefined();
  });
});
