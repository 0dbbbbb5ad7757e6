/**
 * Reliability/security: ReDoS end to end through the BUILT bundle. Every built-in detector (tokenization on the way in,
 * redaction on the way back), the prompt-injection heuristics and configured deny patterns that look catastrophic
 * (`(a+)+$`, RE2 runs them in linear time) get ~100 KB pathological arguments, and ~1 MB pathological results built by
 * the upstream from a tiny request. Each call is answered (result or refusal, never an internal error) within a
 * generous bound that only a backtracking blow-up would exceed; the proxy stays healthy throughout.
 */
import { randomBytes } from 'node:crypto';
import { post, toolCall, waitForTools } from '../support/fault-harness';
import { startFaultUpstream, type FaultUpstream } from '../support/fault-upstream';
import { spawnProxy, type SpawnedProxy } from '../support/proxy';

jest.setTimeout(180_000);

/** Fragments that drive backtracking regexes into super-linear behaviour (shared with the detectors' unit test). */
const SEEDS = [
  'a', '1', '1 ', '1-', '1.', 'a.', 'a@', '@a', 'a@b.', 'a-', '+1', '+1 1', '(1', '(415) ', ':', 'a:', '1:', 'ff:', '::', 'f.',
  'ey', 'eyJ', 'eyJa.', 'eyJhbGciOiJub25lIn0.', 'AKIA', 'A', 'A1', 'DE89', 'DE89 ', 'DE89 3704 ', 'Bearer ', 'bearer a1',
  '-----BEGIN PRIVATE KEY-----', '-----BEGIN PRIVATE KEY-----\nAAAA', '/', 'x/', 'Ab1/', 'aws_secret ', 'ssn ', '123-45-', '4111 ', '1.2.',
  '-', '\u00e9', 'xx', 'ignore previous instructions ', 'aa',
];
const SIZE = 100_000;
/** A generous per-call bound: a normal call takes milliseconds; catastrophic backtracking takes minutes. */
const BOUND_MS = 20_000;

describe('ReDoS end to end: pathological arguments and results through every detector and pattern', () => {
  let upstream: FaultUpstream;
  let proxy: SpawnedProxy;

  beforeAll(async () => {
    upstream = await startFaultUpstream({
      name: 'echo',
      tools: [
        { name: 'ok', inputSchema: { type: 'object', properties: { text: { type: 'string' } } } },
        { name: 'amplify', inputSchema: { type: 'object', properties: { seed: { type: 'string' }, size: { type: 'number' } } } },
      ],
      handlers: {
        amplify: (a) => {
          const seed = String(a.seed ?? 'a');
          const size = Number(a.size ?? 1000);
          return { content: [{ type: 'text', text: seed.repeat(Math.ceil(size / seed.length)).slice(0, size) }], structuredContent: { note: seed.repeat(50) } };
        },
      },
    });
    proxy = await spawnProxy(
      {
        version: 1,
        server: { maxBodyBytes: 2 * 1024 * 1024 },
        upstreams: [{ name: 'echo', url: upstream.url, timeoutMs: 60_000 }],
        sanitize: {
          enabled: true,
          maxStringLength: 300_000,
          maxArgumentBytes: 1_000_000,
          controlCharacters: 'allow',
          injectionHeuristics: 'audit',
          denyPatterns: [
            { name: 'nested', pattern: '(a+)+$', action: 'audit' },
            { name: 'alternation', pattern: '(a|aa)+b', action: 'audit' },
            { name: 'dotstar', pattern: '(.*a){12}', action: 'audit' },
            { name: 'digits', pattern: '(\\d+[-. ]?)+x', action: 'audit' },
          ],
        },
        tokenize: { enabled: true, detectors: ['EMAIL', 'PHONE', 'CREDIT_CARD', 'US_SSN', 'IBAN'] },
        redact: { enabled: true, custom: [{ name: 'EVIL', pattern: '(x+x+)+y' }, { name: 'NESTED', pattern: '([0-9]+\\s?)+Z$' }] },
        audit: { sink: 'stdout', metrics: { enabled: false } },
      },
      { env: { MCP_PROXY_LOG_LEVEL: 'info', MCP_PROXY_TOKENIZATION_KEY: randomBytes(64).toString('hex') } },
    );
    await waitForTools(proxy.url, ['ok', 'amplify']);
  });

  afterAll(async () => {
    await proxy?.stop();
    await upstream?.close();
  });

  test(`${SEEDS.length} pathological ~100 KB arguments (in: sanitize + tokenize, back: redact): each answered within the bound`, async () => {
    const slow: string[] = [];
    for (const [i, seed] of SEEDS.entries()) {
      const text = `${seed.repeat(Math.ceil(SIZE / seed.length)).slice(0, SIZE)}!`;
      const r = await post(proxy.url, toolCall('ok', { text }, `in-${i}`), { deadlineMs: BOUND_MS * 3 });
      expect(r.json?.id).toBe(`in-${i}`);
      // A result, or a refusal by policy: never an internal error, never a timeout.
      if (r.json?.error) expect([-32004, -32602]).toContain(r.json.error.code);
      else expect(Array.isArray(r.json?.result?.content)).toBe(true);
      if (r.ms > BOUND_MS) slow.push(`${JSON.stringify(seed)}: ${Math.round(r.ms)} ms`);
    }
    expect(slow).toEqual([]);
  });

  test('pathological ~1 MB results built by the upstream from tiny requests: redacted and delivered within the bound', async () => {
    const slow: string[] = [];
    for (const [i, seed] of SEEDS.entries()) {
      if (i % 3 !== 0) continue; // a third of the seeds, ~1 MB each
      const r = await post(proxy.url, toolCall('amplify', { seed, size: 1_000_000 }, `out-${i}`), { deadlineMs: BOUND_MS * 3 });
      expect(r.json?.error).toBeUndefined();
      const text = ((r.json?.result?.content ?? []) as { text: string }[])[0]?.text ?? '';
      expect(text.length).toBeGreaterThan(0);
      if (r.ms > BOUND_MS) slow.push(`${JSON.stringify(seed)}: ${Math.round(r.ms)} ms`);
    }
    expect(slow).toEqual([]);
  });

  test('the proxy stays healthy and responsive afterwards', async () => {
    expect(proxy.child.exitCode).toBeNull();
    const r = await post(proxy.url, toolCall('ok', { text: 'still fine' }, 'after'));
    expect(r.json?.result).toEqual({ content: [{ type: 'text', text: 'still fine' }] });
    expect(proxy.logs().filter((l) => l.level === 'error')).toEqual([]);
  });
});
