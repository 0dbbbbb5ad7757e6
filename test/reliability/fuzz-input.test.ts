/**
 * Reliability: property-based fuzzing (fast-check, bounded runs, reproducible seed: see test/support/fuzz-arbitraries)
 * of everything a caller controls, against the BUILT bundle: JSON-RPC envelopes (valid, nearly valid, garbage,
 * truncated, batches, deep nesting), tool arguments (through a plain proxy, where they must arrive intact, and through
 * the full pipeline) and header sets. The proxy never crashes, never hangs, and always answers with a well-formed
 * JSON-RPC error (or a success where the input was valid). Oversized bodies are refused before they are read whole.
 */
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import fc from 'fast-check';
import { verifyAuditLog } from '../../runtime/src/stages/audit';
import { auditRecords, parseReply, post, rssKiB, sendSlowChunkedBody, toolCall, waitForTools, waitForUpstreamsHealthy, type RpcReply } from '../support/fault-harness';
import { startFaultUpstream, type FaultUpstream } from '../support/fault-upstream';
import { fuzzParameters, headerSet, requestBody, toolArguments, type FuzzBody } from '../support/fuzz-arbitraries';
import { spawnProxy, type SpawnedProxy } from '../support/proxy';

jest.setTimeout(120_000);

const ALLOWED_STATUS = new Set([200, 202, 400, 403, 405, 413, 415]);
const DEADLINE_MS = 10_000;
const TOKENIZATION_KEY = randomBytes(64).toString('hex');

/**
 * The id an answer may carry: the body's own id when it is an object with a string or finite-number id (`known` when it
 * is also a JSON-RPC 2.0 request, so the id must be echoed), else null.
 */
function expectedId(body: string): { known: boolean; id: unknown } {
  try {
    const m = JSON.parse(body) as Record<string, unknown>;
    if (m && typeof m === 'object' && !Array.isArray(m) && (typeof m.id === 'string' || (typeof m.id === 'number' && Number.isFinite(m.id)))) {
      return { known: m.jsonrpc === '2.0' && typeof m.method === 'string', id: m.id };
    }
  } catch {
    // not JSON
  }
  return { known: false, id: null };
}

/** Throws (with the reason) unless `r` is a well-formed answer to `body`. Returns the error code, if any. */
function checkWellFormed(body: string, r: RpcReply): number | undefined {
  if (!ALLOWED_STATUS.has(r.status)) throw new Error(`unexpected HTTP status ${r.status}: ${r.text.slice(0, 200)}`);
  if (r.status === 202) {
    if (r.text !== '') throw new Error('202 with a body');
    return undefined;
  }
  const m = r.json;
  if (!m || m.jsonrpc !== '2.0') throw new Error(`not a JSON-RPC response: ${r.text.slice(0, 200)}`);
  if (('result' in m) === ('error' in m)) throw new Error(`exactly one of result/error expected: ${r.text.slice(0, 200)}`);
  const exp = expectedId(body);
  if (exp.known && r.status === 200 && m.id !== exp.id) throw new Error(`id ${JSON.stringify(m.id)} does not echo ${JSON.stringify(exp.id)}`);
  if (m.id !== null && m.id !== exp.id) throw new Error(`id should be null or ${JSON.stringify(exp.id)}: ${r.text.slice(0, 200)}`);
  if (m.error) {
    if (!Number.isInteger(m.error.code)) throw new Error(`error.code not an integer: ${r.text.slice(0, 200)}`);
    if (typeof m.error.message !== 'string' || m.error.message === '') throw new Error(`error.message missing: ${r.text.slice(0, 200)}`);
    return m.error.code;
  }
  if (r.status !== 200) throw new Error(`a result with HTTP ${r.status}`);
  return undefined;
}

async function alive(proxy: SpawnedProxy): Promise<void> {
  expect(proxy.child.exitCode).toBeNull();
  const ping = await fetch(`${proxy.baseUrl}/ping`, { signal: AbortSignal.timeout(5000) });
  expect(ping.status).toBe(200);
}

describe('fuzzing the inbound surface of the bundle', () => {
  let upstream: FaultUpstream;
  /** Plain proxy: no governance stages, arguments must arrive exactly as sent. */
  let plain: SpawnedProxy;
  /** Full pipeline: access control, sanitize, tokenize, redact, audit. */
  let full: SpawnedProxy;
  const codes = new Map<number | string, number>();
  /** Both upstreams must be healthy before the next case (deep inputs once degraded them; see the regression tests below). */
  const settle = () => Promise.all([waitForUpstreamsHealthy(plain.baseUrl, ['echo']), waitForUpstreamsHealthy(full.baseUrl, ['echo'])]);
  const count = (k: number | string) => codes.set(k, (codes.get(k) ?? 0) + 1);

  beforeAll(async () => {
    upstream = await startFaultUpstream({ name: 'echo', tools: [{ name: 'ok', inputSchema: { type: 'object' } }] });
    const base = { version: 1, server: { maxBodyBytes: 256 * 1024 }, upstreams: [{ name: 'echo', url: upstream.url, timeoutMs: 5000 }] };
    [plain, full] = await Promise.all([
      spawnProxy({ ...base, audit: { sink: 'stdout', metrics: { enabled: false } } }, { env: { MCP_PROXY_LOG_LEVEL: 'info' } }),
      spawnProxy(
        {
          ...base,
          accessControl: { enabled: true, ruleSets: [{ name: 'all', rules: [{ effect: 'permit', tools: ['*'] }] }] },
          sanitize: { enabled: true, validateSchema: true, rejectUnknownArguments: false, maxDepth: 16, denyPatterns: [{ name: 'drop', pattern: 'drop\\s+table', caseInsensitive: true }] },
          tokenize: { enabled: true },
          redact: { enabled: true },
          audit: { sink: 'stdout', metrics: { enabled: false } },
        },
        { env: { MCP_PROXY_LOG_LEVEL: 'info', MCP_PROXY_TOKENIZATION_KEY: TOKENIZATION_KEY } },
      ),
    ]);
    await Promise.all([waitForTools(plain.url, ['ok']), waitForTools(full.url, ['ok'])]);
  });

  afterAll(async () => {
    await Promise.all([plain?.stop(), full?.stop()]);
    await upstream?.close();
  });

  test('JSON-RPC envelopes: always a well-formed answer within the deadline, never a crash (250 runs per proxy)', async () => {
    await fc.assert(
      fc.asyncProperty(requestBody, async ({ body, kind }: FuzzBody) => {
        for (const proxy of [plain, full]) {
          const r = await post(proxy.url, body, { deadlineMs: DEADLINE_MS });
          const code = checkWellFormed(body, r);
          count(code ?? r.status);
          // No fuzzed input may produce an internal error.
          if (code === -32603) throw new Error(`internal error for ${body.slice(0, 300)}`);
        }
      }),
      fuzzParameters(250),
    );
    await alive(plain);
    await alive(full);
    await settle();
  });

  const deepBody = (depth: number, id: string) => `{"jsonrpc":"2.0","id":"${id}","method":"tools/call","params":{"name":"ok","arguments":{"deep":${'['.repeat(depth)}1${']'.repeat(depth)}}}}`;

  test('deeply nested arguments (5,000 to 100,000 levels, within the body limit) -> a well-formed answer, no crash', async () => {
    for (const depth of [5_000, 100_000]) {
      const body = deepBody(depth, `deep-${depth}`);
      for (const proxy of [plain, full]) {
        const r = await post(proxy.url, body, { deadlineMs: DEADLINE_MS });
        checkWellFormed(body, r);
        expect(r.json?.error).toBeDefined();
        expect(r.json?.id).toBe(`deep-${depth}`);
      }
    }
    await alive(plain);
    await alive(full);
    await settle();
  });

  // Regression: a 10 KB request whose arguments nest 5,000 deep overflows the stack when the SDK serializes the upstream
  // request; that RangeError used to be taken for an upstream failure, degrading the upstream for everyone.
  test('deeply nested arguments are refused as the caller\'s error and do not mark the upstream degraded (no sanitize)', async () => {
    const r = await post(plain.url, deepBody(5_000, 'deep-plain'), { deadlineMs: DEADLINE_MS });
    const ping = (await (await fetch(`${plain.baseUrl}/ping`)).json()) as { degraded: string[] };
    await settle();
    expect(ping.degraded).toEqual([]);
    expect([-32602, -32004]).toContain(r.json?.error?.code);
  });

  // Regression: the size check's JSON.stringify(args) overflowed the stack on deep arguments (-32603 instead of -32004).
  test('with sanitize on, deeply nested arguments -> -32004 max_depth, not -32603', async () => {
    const r = await post(full.url, deepBody(5_000, 'deep-full'), { deadlineMs: DEADLINE_MS });
    expect(r.json?.error).toEqual({ code: -32004, message: 'Input rejected: max_depth' });
  });

  test('tool arguments through the plain proxy arrive at the upstream exactly as sent (200 runs)', async () => {
    let id = 0;
    await fc.assert(
      fc.asyncProperty(toolArguments, async (args) => {
        const r = await post(plain.url, toolCall('ok', args, ++id), { deadlineMs: DEADLINE_MS });
        if (r.json?.error) throw new Error(`error ${JSON.stringify(r.json.error)} for ${JSON.stringify(args).slice(0, 300)}`);
        const got = upstream.calls[upstream.calls.length - 1];
        expect(got.arguments).toEqual(JSON.parse(JSON.stringify(args)));
        const text = ((r.json?.result?.content ?? []) as { text: string }[])[0]?.text;
        expect(text).toBe(typeof args.text === 'string' ? args.text : JSON.stringify(got.arguments));
      }),
      fuzzParameters(200),
    );
    await alive(plain);
  });

  test('tool arguments through the full pipeline: a result or a refusal, never an internal error; every call audited (200 runs)', async () => {
    let id = 0;
    const ids: number[] = [];
    await fc.assert(
      fc.asyncProperty(toolArguments, async (args) => {
        const rid = ++id;
        ids.push(rid);
        const body = toolCall('ok', args, rid);
        const r = await post(full.url, body, { deadlineMs: DEADLINE_MS });
        const code = checkWellFormed(body, r);
        if (code !== undefined && ![-32004, -32602, -32003].includes(code)) throw new Error(`unexpected error ${JSON.stringify(r.json?.error)} for ${body.slice(0, 300)}`);
      }),
      fuzzParameters(200),
    );
    await alive(full);
    const outcomes = new Set(auditRecords(full.stdout()).filter((r) => r.type === 'outcome').map((r) => r.rpc?.id));
    expect(ids.filter((i) => !outcomes.has(i))).toEqual([]);
    expect(verifyAuditLog(full.stdout()).ok).toBe(true);
  });

  test('header sets: a well-formed answer for any combination of MCP headers and values (150 runs)', async () => {
    const url = new URL(plain.url);
    const send = (headers: Record<string, string>, body: string) =>
      new Promise<RpcReply>((resolve, reject) => {
        const t0 = performance.now();
        const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) }, timeout: DEADLINE_MS }, (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => resolve({ status: res.statusCode ?? 0, text, json: parseReply(text), ms: performance.now() - t0 }));
        });
        req.on('timeout', () => req.destroy(new Error('no answer within the deadline')));
        req.on('error', reject);
        req.end(body);
      });
    await fc.assert(
      fc.asyncProperty(headerSet, fc.constantFrom(toolCall('ok', { text: 'h' }, 'h1'), JSON.stringify({ jsonrpc: '2.0', id: 'h2', method: 'tools/list' }), JSON.stringify({ jsonrpc: '2.0', id: 'h3', method: 'ping' })), async (headers, body) => {
        const r = await send(headers, body);
        if (r.status === 431) return; // the HTTP layer refused an oversized header block before the proxy saw it
        checkWellFormed(body, r);
      }),
      fuzzParameters(150),
    );
    await alive(plain);
  });

  test('a huge chunked body sent slowly is refused (413, -32009) long before it is all sent, and memory does not jump', async () => {
    const limited = await spawnProxy({ version: 1, server: { maxBodyBytes: 64 * 1024 }, upstreams: [{ name: 'echo', url: upstream.url }] }, { env: { MCP_PROXY_LOG_LEVEL: 'info' } });
    try {
      const pid = limited.child.pid!;
      const rssBefore = rssKiB(pid);
      // 64 MiB in 64 KiB chunks every 2 ms: sending it all would take seconds; the refusal must come after ~64 KiB.
      const res = await sendSlowChunkedBody(limited.url, { totalBytes: 64 * 1024 * 1024, chunkBytes: 64 * 1024, intervalMs: 2, deadlineMs: 30_000 });
      const rssAfter = rssKiB(pid);
      expect(res.status).toBe(413);
      expect(JSON.parse(res.body)).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32009, message: expect.stringContaining('65536') } });
      expect(res.finishedSendingFirst).toBe(false);
      expect(res.bytesSentBeforeAnswer).toBeLessThan(4 * 1024 * 1024);
      // Reading the body whole would add at least 64 MiB; allow ordinary noise.
      expect(rssAfter - rssBefore).toBeLessThan(24 * 1024);

      // A declared Content-Length over the limit is refused before any body byte is read.
      const url = new URL(limited.url);
      const declared = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(10 * 1024 ** 3) } }, (r) => {
          let b = '';
          r.setEncoding('utf8').on('data', (d: string) => (b += d)).on('end', () => resolve({ status: r.statusCode ?? 0, body: b }));
        });
        req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' || (e as NodeJS.ErrnoException).code === 'EPIPE' ? undefined : reject(e)));
        req.write('{"jsonrpc":"2.0"');
      });
      expect(declared.status).toBe(413);
      expect(JSON.parse(declared.body)).toMatchObject({ error: { code: -32009 } });

      // Still serving.
      const ok = await post(limited.url, toolCall('ok', { text: 'after' }, 'after'));
      expect(ok.json?.result).toEqual({ content: [{ type: 'text', text: 'after' }] });
      await alive(limited);
    } finally {
      await limited.stop();
    }
  });

  test('no fuzz input made the proxy log an unhandled error; answers seen are summarized', () => {
    for (const p of [plain, full]) {
      const bad = p.logs().filter((l) => /unhandled|fatal|uncaught/i.test(l.msg));
      expect(bad).toEqual([]);
    }
    // The fuzzers reached every class of answer (a guard against a fuzzer that only ever produced one kind of input).
    expect(codes.get(-32700)).toBeGreaterThan(0);
    expect(codes.get(-32600)).toBeGreaterThan(0);
    expect(codes.get(-32601)).toBeGreaterThan(0);
    expect(codes.get(-32602)).toBeGreaterThan(0);
  });
});
