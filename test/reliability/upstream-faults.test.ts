/**
 * Reliability: upstream faults against the BUILT bundle. Fault-injecting upstreams (test/support/fault-upstream.ts,
 * node:http on 127.0.0.1) refuse connections, reset mid-response, hang, answer 5xx / 401, send malformed JSON-RPC and
 * malformed SSE, very large and slow-drip responses. Each fault gives the caller a clear JSON-RPC error within the
 * upstream's timeout, is audited (stdout sink), and leaves the proxy healthy for the next call; a hanging upstream
 * does not hold up calls to the others; a 401 from the upstream makes the proxy fetch a fresh token and retry.
 */
import { randomUUID } from 'node:crypto';
import { OAuth2Server } from 'oauth2-mock-server';
import type { ProxyConfigInput } from '../../runtime/src/config/schema';
import { verifyAuditLog } from '../../runtime/src/stages/audit';
import { auditRecords, findCanaries, outcomeFor, post, toolCall, waitForTools, waitForUpstreamsHealthy, type RpcReply } from '../support/fault-harness';
import { startFaultUpstream, type FaultUpstream } from '../support/fault-upstream';
import { waitFor } from '../support/net';
import { spawnProxy, type SpawnedProxy } from '../support/proxy';
import { LoopbackSecretsManager } from '../support/secrets-manager-endpoint';
import { TEST_CREDENTIALS } from '../support/sigv4-upstream';

jest.setTimeout(60_000);

const FAULT_TIMEOUT_MS = 1500;
/** Slack on top of the upstream timeout for the proxy to answer (scheduling on a loaded 2-core machine). */
const SLACK_MS = 3000;

describe('upstream faults: every fault is a clear, audited JSON-RPC error, and the proxy stays healthy', () => {
  let faulty: FaultUpstream;
  let healthy: FaultUpstream;
  let slow: FaultUpstream;
  let proxy: SpawnedProxy;
  let nextId = 1000;

  const call = (tool: string, args: Record<string, unknown> = {}, deadlineMs = FAULT_TIMEOUT_MS + SLACK_MS + 5000) => {
    const id = nextId++;
    return post(proxy.url, toolCall(tool, args, id), { deadlineMs }).then((r) => ({ ...r, id }));
  };
  /**
   * After a transport fault the proxy marks the upstream degraded and rediscovers it in the background; wait for that
   * (so the next test starts from a healthy upstream), then both upstreams must answer.
   */
  const expectHealthyAfter = async () => {
    await waitForUpstreamsHealthy(proxy.baseUrl, ['faulty', 'healthy', 'slow']);
    const r = await call('healthy__ok', { text: 'still here' });
    expect(r.json?.result).toEqual({ content: [{ type: 'text', text: 'still here' }] });
    const f = await call('faulty__ok', { text: 'faulty upstream still usable' });
    expect(f.json?.result).toEqual({ content: [{ type: 'text', text: 'faulty upstream still usable' }] });
  };
  const audited = async (id: number) =>
    waitFor(() => outcomeFor(auditRecords(proxy.stdout()), id), { timeoutMs: 5000, what: `audit outcome record of request ${id}` });

  beforeAll(async () => {
    [faulty, healthy, slow] = await Promise.all([startFaultUpstream({ name: 'faulty' }), startFaultUpstream({ name: 'healthy' }), startFaultUpstream({ name: 'slow' })]);
    const config: ProxyConfigInput = {
      version: 1,
      discovery: { initialRetryDelayMs: 200, maxRetryDelayMs: 1000 },
      upstreams: [
        { name: 'faulty', url: faulty.url, timeoutMs: FAULT_TIMEOUT_MS },
        { name: 'healthy', url: healthy.url, timeoutMs: 10_000 },
        { name: 'slow', url: slow.url, timeoutMs: 20_000 },
      ],
      audit: { sink: 'stdout', metrics: { enabled: false } },
    };
    proxy = await spawnProxy(config);
    await waitForTools(proxy.url, ['faulty__ok', 'healthy__ok', 'slow__hang', 'slow__drip']);
  });

  afterAll(async () => {
    await proxy?.stop();
    await Promise.all([faulty?.close(), healthy?.close(), slow?.close()]);
  });

  // [tool, expected JSON-RPC code, expected audit errorClass, message fragment]
  const cases: [string, number, string, RegExp][] = [
    ['hang', -32005, 'upstream_timeout', /did not answer within 1500 ms/],
    ['drip', -32005, 'upstream_timeout', /did not answer within 1500 ms/],
    ['reset', -32006, 'upstream_unavailable', /Upstream "faulty"/],
    ['reset_mid', -32006, 'upstream_unavailable', /Upstream "faulty"/],
    ['http500', -32006, 'upstream_unavailable', /answered HTTP 500/],
    ['http503', -32006, 'upstream_unavailable', /answered HTTP 503/],
    ['unauthorized', -32007, 'upstream_auth', /refused the proxy's credentials \(HTTP 401\)/],
    ['malformed_json', -32006, 'upstream_unavailable', /Upstream "faulty"/],
    ['not_jsonrpc', -32006, 'upstream_unavailable', /Upstream "faulty"/],
  ];

  test.each(cases)('%s -> JSON-RPC %i within the timeout, audited as %s, proxy healthy afterwards', async (tool, code, errorClass, message) => {
    const r = await call(`faulty__${tool}`, tool === 'drip' ? { intervalMs: 100 } : {});
    expect(r.json).toMatchObject({ jsonrpc: '2.0', id: r.id, error: { code, message: expect.stringMatching(message) } });
    // Never the upstream's own body, URL or stack in the message.
    expect(r.json?.error?.message).not.toMatch(/127\.0\.0\.1|internal server error|service unavailable|at .*\.js:\d+/);
    expect(r.ms).toBeLessThan(FAULT_TIMEOUT_MS + SLACK_MS);
    const rec = await audited(r.id);
    expect(rec).toMatchObject({ target: { upstream: 'faulty', name: tool }, outcome: { status: 'error', errorCode: code, errorClass } });
    await expectHealthyAfter();
  });

  test('malformed SSE from the upstream -> a JSON-RPC error within the timeout, audited, proxy healthy afterwards', async () => {
    const r = await call('faulty__malformed_sse');
    expect(r.json).toMatchObject({ jsonrpc: '2.0', id: r.id, error: { code: expect.any(Number), message: expect.stringContaining('Upstream "faulty"') } });
    expect([-32005, -32006]).toContain(r.json?.error?.code);
    expect(r.ms).toBeLessThan(FAULT_TIMEOUT_MS + SLACK_MS);
    expect((await audited(r.id)).outcome).toMatchObject({ status: 'error', errorCode: r.json?.error?.code });
    await expectHealthyAfter();
  });

  test('a JSON-RPC error from the upstream is relayed as is (code and message), audited as upstream_error', async () => {
    const r = await call('faulty__jsonrpc_error', { code: -32050, message: 'the upstream tool failed' });
    expect(r.json).toEqual({ jsonrpc: '2.0', id: r.id, error: { code: -32050, message: 'the upstream tool failed' } });
    expect((await audited(r.id)).outcome).toMatchObject({ status: 'error', errorCode: -32050, errorClass: 'upstream_error' });
    await expectHealthyAfter();
  });

  // Regression (found by this suite, fixed in runtime/src/upstream/errors.ts): the SDK's local ConnectionClosed (-32000)
  // and RequestTimeout (-32001) codes used to be matched on the code alone, so an upstream's own JSON-RPC error -32000
  // was reported as 'closed the connection' (and marked the upstream degraded), and an upstream -32001 as a timeout.
  test('an upstream JSON-RPC error -32000 is relayed as is, not as "closed the connection"', async () => {
    const r = await call('faulty__jsonrpc_error', { code: -32000, message: 'generic server error' });
    await waitForUpstreamsHealthy(proxy.baseUrl, ['faulty']);
    expect(r.json).toEqual({ jsonrpc: '2.0', id: r.id, error: { code: -32000, message: 'generic server error' } });
  });

  test('an upstream JSON-RPC error -32001 is relayed as is, not as a timeout', async () => {
    const r = await call('faulty__jsonrpc_error', { code: -32001, message: 'session not found' });
    await waitForUpstreamsHealthy(proxy.baseUrl, ['faulty']);
    expect(r.json).toEqual({ jsonrpc: '2.0', id: r.id, error: { code: -32001, message: 'session not found' } });
  });

  // Regression (found by this suite, fixed in runtime/src/upstream/manager.ts): a transport failure of ONE call used to
  // mark the upstream degraded and, initialRetryDelayMs later, close its client, failing every other call still in
  // flight to that upstream with -32006 'closed the connection'.
  test('a transport fault on one call does not fail other calls in flight to the same upstream', async () => {
    await waitForUpstreamsHealthy(proxy.baseUrl, ['slow']);
    const inFlight = call('slow__drip', { intervalMs: 10 }, 20_000); // ~1.5 s of dripping, well within slow's 20 s timeout
    await waitFor(() => slow.inFlight() === 1, { what: 'the drip call at the upstream' });
    const fault = await call('slow__reset');
    expect(fault.json?.error?.code).toBe(-32006);
    const r = await inFlight;
    await waitForUpstreamsHealthy(proxy.baseUrl, ['slow']);
    expect(r.json?.error).toBeUndefined();
    expect((r.json?.result?.content as { text: string }[])[0].text).toMatch(/^(drip )+$/);
  });

  // Regression (found by this suite, fixed in runtime/src/upstream/client.ts): a timed-out or cancelled call used to
  // leave its upstream HTTP request open until undici's own 300 s timeouts (one open socket per abandoned call).
  test('a timed-out call releases its upstream connection', async () => {
    await waitForUpstreamsHealthy(proxy.baseUrl, ['faulty']);
    const before = faulty.inFlight();
    const r = await call('faulty__hang');
    expect(r.json?.error?.code).toBe(-32005);
    await waitFor(() => faulty.inFlight() <= before, { timeoutMs: 3000, what: 'the upstream connection of the timed-out call to close' });
  });

  test('a very large (8 MiB) result is delivered whole, audited, and the proxy stays healthy', async () => {
    const bytes = 8 * 1024 * 1024;
    // Through the upstream with the 20 s timeout: moving 8 MiB must not race a 1.5 s one on a busy machine.
    const r = await call('slow__huge', { bytes }, 30_000);
    const content = (r.json?.result?.content ?? []) as { type: string; text: string }[];
    expect(r.json?.error).toBeUndefined();
    expect(content).toHaveLength(1);
    expect(content[0].text.length).toBe(bytes);
    expect((await audited(r.id)).outcome).toMatchObject({ status: 'ok' });
    await expectHealthyAfter();
  });

  test('a hanging upstream does not hold up the others: healthy calls complete while its calls hang', async () => {
    const cancelledBefore = slow.cancellations();
    const hanging = Array.from({ length: 6 }, (_, i) => {
      const ac = new AbortController();
      const p = fetch(proxy.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: toolCall('slow__hang', {}, `hang-${i}`),
        signal: ac.signal,
      }).then((res) => res.text()).then(() => 'answered', () => 'aborted');
      return { ac, p };
    });
    let settled = 0;
    for (const h of hanging) void h.p.then(() => settled++);
    await waitFor(() => slow.inFlight() === 6, { timeoutMs: 10_000, what: 'six hanging calls at the slow upstream' });

    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => call('healthy__ok', { text: `fast ${i}` }, 10_000)));
    results.forEach((r, i) => expect(r.json?.result).toEqual({ content: [{ type: 'text', text: `fast ${i}` }] }));
    // Functional, not a benchmark: every healthy call finished while every slow call was still hanging.
    expect(slow.inFlight()).toBe(6);
    expect(settled).toBe(0);

    // The callers give up: the proxy tells the slow upstream (notifications/cancelled for each call) and audits them.
    for (const h of hanging) h.ac.abort();
    expect(await Promise.all(hanging.map((h) => h.p))).toEqual(Array(6).fill('aborted'));
    await waitFor(() => slow.cancellations() - cancelledBefore >= 6, { timeoutMs: 10_000, what: 'notifications/cancelled for every abandoned call' });
    await waitFor(() => hanging.every((_, i) => outcomeFor(auditRecords(proxy.stdout()), `hang-${i}`)), { what: 'audit records of the abandoned calls' });
    for (let i = 0; i < 6; i++) expect(outcomeFor(auditRecords(proxy.stdout()), `hang-${i}`)?.outcome?.status).toBe('error');
    await expectHealthyAfter();
  });

  test('refused connections (upstream gone) -> -32006 at once, audited; the upstream comes back and calls work again', async () => {
    const port = faulty.port;
    await faulty.close();
    const r = await call('faulty__ok', { text: 'anyone?' });
    expect(r.json).toMatchObject({ id: r.id, error: { code: -32006, message: expect.stringContaining('Upstream "faulty"') } });
    expect(r.ms).toBeLessThan(FAULT_TIMEOUT_MS + SLACK_MS);
    expect((await audited(r.id)).outcome).toMatchObject({ status: 'error', errorClass: 'upstream_unavailable' });
    // Other upstreams are unaffected meanwhile, and the proxy itself reports healthy (the upstream is listed degraded).
    expect((await call('healthy__ok', { text: 'unaffected' })).json?.result).toEqual({ content: [{ type: 'text', text: 'unaffected' }] });
    const ping = (await (await fetch(`${proxy.baseUrl}/ping`)).json()) as { status: string; degraded: string[] };
    expect(ping.status).toMatch(/^Healthy/);
    expect(ping.degraded).toContain('faulty');

    faulty = await startFaultUpstream({ name: 'faulty', port });
    await expectHealthyAfter();
  });

  test('the whole audit trail of the run verifies (hash chain intact), one outcome record per call', async () => {
    const v = verifyAuditLog(proxy.stdout());
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    const outcomes = auditRecords(proxy.stdout()).filter((r) => r.type === 'outcome' && r.rpc?.method === 'tools/call');
    const ids = outcomes.map((r) => r.rpc?.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThan(40);
  });
});

describe('upstream 401 with token refresh (oauth2-client-credentials; loopback Secrets Manager endpoint)', () => {
  const CLIENT_SECRET = 'CANARY-rel-client-secret-6c1f0e';
  let idp: OAuth2Server;
  let secrets: LoopbackSecretsManager;
  let upstream: FaultUpstream;
  let proxy: SpawnedProxy;
  const seenTokens: string[] = [];
  const revoked = new Set<string>();
  let tokenRequests = 0;
  let refuseAll = false;

  beforeAll(async () => {
    idp = new OAuth2Server();
    await idp.issuer.keys.generate('RS256');
    await idp.start(0, '127.0.0.1');
    idp.service.on('beforeTokenSigning', (token: { payload: Record<string, unknown> }) => {
      tokenRequests++;
      // RS256 is deterministic: without a jti, two tokens issued in the same second would be identical.
      token.payload.jti = randomUUID();
    });
    secrets = await LoopbackSecretsManager.start({ secrets: { 'rel-client-secret': CLIENT_SECRET } });
    upstream = await startFaultUpstream({
      name: 'protected',
      authorize: (req) => {
        const m = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''));
        if (!m) return false;
        if (!seenTokens.includes(m[1])) seenTokens.push(m[1]);
        return !refuseAll && !revoked.has(m[1]);
      },
    });
    proxy = await spawnProxy(
      {
        version: 1,
        upstreams: [
          {
            name: 'protected',
            url: upstream.url,
            timeoutMs: 5000,
            auth: {
              type: 'oauth2-client-credentials',
              tokenUrl: `${idp.issuer.url}/token`,
              clientId: 'proxy-client',
              clientSecretArn: 'rel-client-secret',
              region: 'us-east-1',
              scopes: ['tools'],
            },
          },
        ],
      },
      {
        env: {
          AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
          AWS_REGION: 'us-east-1',
          AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
        },
      },
    );
    await waitForTools(proxy.url, ['ok']);
  });

  afterAll(async () => {
    await proxy?.stop();
    await upstream?.close();
    await secrets?.close();
    await idp?.stop();
  });

  test('the upstream revokes the current token: the proxy gets a fresh one and the call succeeds; nothing leaks', async () => {
    const first = await post(proxy.url, toolCall('ok', { text: 'one' }, 1));
    expect(first.json).toEqual({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'one' }] } });
    expect(seenTokens.length).toBeGreaterThanOrEqual(1);
    const before = tokenRequests;
    const callsBefore = upstream.callsTo('ok').length;
    for (const t of seenTokens) revoked.add(t);

    const second: RpcReply = await post(proxy.url, toolCall('ok', { text: 'two' }, 2));
    expect(second.json).toEqual({ jsonrpc: '2.0', id: 2, result: { content: [{ type: 'text', text: 'two' }] } });
    expect(tokenRequests).toBe(before + 1);
    expect(upstream.callsTo('ok').length).toBe(callsBefore + 1);
    const fresh = seenTokens[seenTokens.length - 1];
    expect(revoked.has(fresh)).toBe(false);

    // Refused again after the refresh: a clear -32007 after exactly one fresh token, never a retry loop.
    refuseAll = true;
    const tokensBefore = tokenRequests;
    const third = await post(proxy.url, toolCall('ok', { text: 'three' }, 3));
    refuseAll = false;
    expect(third.json).toMatchObject({ id: 3, error: { code: -32007, message: expect.stringContaining('HTTP 401') } });
    expect(tokenRequests - tokensBefore).toBe(1);
    expect(upstream.callsTo('ok').length).toBe(callsBefore + 1);

    const out = { stdout: proxy.stdout(), stderr: proxy.stderr(), replies: first.text + second.text + third.text };
    expect(findCanaries({ clientSecret: CLIENT_SECRET, ...Object.fromEntries(seenTokens.map((t, i) => [`accessToken${i}`, t])) }, out)).toEqual([]);
  });
});
