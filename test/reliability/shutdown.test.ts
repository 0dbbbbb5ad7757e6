/**
 * Reliability: graceful shutdown of the BUILT bundle. SIGTERM while calls are in flight: they finish within the grace
 * period (new calls are turned away), the audit buffer is flushed to the loopback CloudWatch Logs endpoint before the
 * process exits (records of those calls present, audit_stop last, chain verifies), and the exit code is 0. A call
 * still running when the grace period ends is cut off without hanging the shutdown: its caller gets a JSON-RPC error.
 */
import type { ProxyConfigInput } from '../../runtime/src/config/schema';
import { verifyAuditLog } from '../../runtime/src/stages/audit';
import { LoopbackCloudWatchLogs, TEST_CREDENTIALS } from '../support/cloudwatch-logs-endpoint';
import { auditRecords, post, settle, toolCall, waitForTools } from '../support/fault-harness';
import { startFaultUpstream, type FaultUpstream } from '../support/fault-upstream';
import { waitFor } from '../support/net';
import { spawnProxy, type SpawnedProxy } from '../support/proxy';

jest.setTimeout(90_000);

const AWS_ENV = { AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey, AWS_REGION: 'us-east-1', MCP_PROXY_LOG_LEVEL: 'info' };

function config(upstreamUrl: string, endpoint: string, logGroupName: string, shutdownGraceMs: number): ProxyConfigInput {
  return {
    version: 1,
    server: { shutdownGraceMs },
    upstreams: [{ name: 'tools', url: upstreamUrl, timeoutMs: 30_000 }],
    audit: {
      sink: 'cloudwatch',
      failMode: 'closed',
      cloudwatch: { logGroupName, region: 'us-east-1', endpoint, retry: { baseDelayMs: 50, maxDelayMs: 250 } },
      // Nothing is shipped on a timer during the test: whatever reaches CloudWatch was flushed by the shutdown.
      flushIntervalMs: 600_000,
      closeTimeoutMs: 10_000,
      metrics: { enabled: false },
    },
  };
}

describe('graceful shutdown (SIGTERM) with calls in flight', () => {
  let cw: LoopbackCloudWatchLogs;
  let upstream: FaultUpstream;

  beforeAll(async () => {
    cw = await LoopbackCloudWatchLogs.start({ logGroups: ['/rel/shutdown-1', '/rel/shutdown-2'] });
    upstream = await startFaultUpstream({ name: 'tools', tools: [{ name: 'drip', inputSchema: { type: 'object' } }, { name: 'hang', inputSchema: { type: 'object' } }, { name: 'ok', inputSchema: { type: 'object' } }] });
  });
  afterAll(async () => {
    await upstream?.close();
    await cw?.close();
  });

  test('in-flight calls finish, new calls are turned away, the audit buffer is flushed before exit, exit code 0', async () => {
    const proxy: SpawnedProxy = await spawnProxy(config(upstream.url, cw.endpoint, '/rel/shutdown-1', 8000), { env: AWS_ENV });
    await waitForTools(proxy.url, ['drip']);
    const before = await post(proxy.url, toolCall('ok', { text: 'before' }, 'before'));
    expect(before.json?.result).toBeDefined();
    // Nothing shipped yet (the timer is 10 minutes): the records wait in the buffer.
    expect(cw.events('/rel/shutdown-1').length).toBeLessThanOrEqual(1);

    // Five calls that take ~1 s each at the upstream.
    const inFlight = Array.from({ length: 5 }, (_, i) => post(proxy.url, toolCall('drip', { intervalMs: 8 }, `inflight-${i}`), { deadlineMs: 30_000 }));
    await waitFor(() => upstream.inFlight() === 5, { what: 'five calls in flight at the upstream' });
    proxy.child.kill('SIGTERM');
    await waitFor(() => proxy.logs().some((l) => l.msg === 'shutting down'), { what: 'the proxy to start shutting down' });

    // A call arriving now is turned away (503 JSON-RPC error, or the listener is already closed).
    const late = await settle(post(proxy.url, toolCall('ok', { text: 'late' }, 'late'), { deadlineMs: 5000 }));
    if (late.ok) {
      expect(late.value.status).toBe(503);
      expect(late.value.json).toMatchObject({ jsonrpc: '2.0', error: { code: -32000, message: expect.stringContaining('shutting down') } });
    } else {
      expect(String((late.error as { cause?: { code?: string } }).cause?.code)).toMatch(/ECONNREFUSED|ECONNRESET|UND_ERR_SOCKET/);
    }

    const replies = await Promise.all(inFlight);
    for (const r of replies) expect((r.json?.result?.content as { text: string }[] | undefined)?.[0]?.text).toMatch(/^(drip )+$/);
    expect(await proxy.exited).toBe(0);
    expect(upstream.callsTo('ok').map((c) => (c.arguments as { text: string }).text)).not.toContain('late');

    const messages = cw.events('/rel/shutdown-1').map((e) => e.message);
    const recs = auditRecords(messages);
    for (let i = 0; i < 5; i++) {
      expect(recs.filter((r) => r.rpc?.id === `inflight-${i}`).map((r) => r.type).sort()).toEqual(['decision', 'outcome']);
      expect(recs.find((r) => r.rpc?.id === `inflight-${i}` && r.type === 'outcome')?.outcome?.status).toBe('ok');
    }
    expect(recs.some((r) => r.rpc?.id === 'before' && r.type === 'outcome')).toBe(true);
    expect(recs[recs.length - 1].type).toBe('audit_stop');
    const v = verifyAuditLog(messages);
    expect(v.problems).toEqual([]);
    expect(v.instances[0]).toMatchObject({ started: true, stopped: true });
  });

  test('a call still running when the grace period ends is cut off; the shutdown does not hang; its records are flushed', async () => {
    const proxy = await spawnProxy(config(upstream.url, cw.endpoint, '/rel/shutdown-2', 500), { env: AWS_ENV });
    await waitForTools(proxy.url, ['hang']);
    const hanging = settle(post(proxy.url, toolCall('hang', {}, 'hung'), { deadlineMs: 30_000 }));
    await waitFor(() => upstream.inFlight() >= 1, { what: 'the hanging call at the upstream' });
    const t0 = Date.now();
    proxy.child.kill('SIGTERM');
    const code = await proxy.exited;
    expect(code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(15_000);
    const reply = await hanging;
    // Cut off: never a success, never a hang (what the caller gets instead is the next test's subject).
    if (reply.ok) expect(reply.value.json?.result).toBeUndefined();
    const recs = auditRecords(cw.events('/rel/shutdown-2').map((e) => e.message));
    expect(recs.some((r) => r.rpc?.id === 'hung' && r.type === 'decision')).toBe(true);
    // Its outcome too: the cut-off cancels the call, which is audited before the trail closes.
    expect(recs.find((r) => r.rpc?.id === 'hung' && r.type === 'outcome')?.outcome?.status).toBe('error');
    expect(verifyAuditLog(cw.events('/rel/shutdown-2').map((e) => e.message)).ok).toBe(true);
  });

  test('a call cut off by the end of the grace period gets a JSON-RPC error with its id, not a reset connection', async () => {
    const group = '/rel/shutdown-3';
    cw.createLogGroup(group);
    const proxy = await spawnProxy(config(upstream.url, cw.endpoint, group, 500), { env: AWS_ENV });
    await waitForTools(proxy.url, ['hang']);
    const hanging = settle(post(proxy.url, toolCall('hang', {}, 'cut'), { deadlineMs: 30_000 }));
    await waitFor(() => upstream.inFlight() >= 1, { what: 'the hanging call at the upstream' });
    proxy.child.kill('SIGTERM');
    expect(await proxy.exited).toBe(0);
    const reply = await hanging;
    if (!reply.ok) throw reply.error;
    expect(reply.value.json).toEqual({ jsonrpc: '2.0', id: 'cut', error: { code: -32000, message: 'Server is shutting down: the request was cut off' } });
    // The cut-off aborts the call: it is audited as cancelled before the trail closes.
    const recs = auditRecords(cw.events(group).map((e) => e.message));
    expect(recs.find((r) => r.rpc?.id === 'cut' && r.type === 'outcome')?.outcome).toMatchObject({ status: 'error', errorClass: 'cancelled' });
  });
});
