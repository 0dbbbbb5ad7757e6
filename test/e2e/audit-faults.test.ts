/**
 * End-to-end: what a fail-closed audit trail owes, with the BUILT bundle shipping through the real CloudWatch Logs
 * client to the loopback CloudWatch Logs endpoint (test/support/cloudwatch-logs-endpoint.ts: the service's awsJson1_1
 * wire protocol, SigV4 verified) while the endpoint misbehaves: down at start-up (connection refused), 500s,
 * throttling, connection refused mid-run, and 3-second answers. One proxy start serves every case, in order.
 *
 * Small settings keep it to seconds: a 60-record buffer (6 kept for the trail's notices), 40 undelivered records or
 * 1.5 s without delivery at most, flushes every 100 ms, retries every 50-200 ms.
 */
import type { ProxyConfigInput } from '../../runtime/src/config/schema';
import { verifyAuditLog } from '../../runtime/src/stages/audit';
import { LoopbackCloudWatchLogs, TEST_CREDENTIALS } from '../support/cloudwatch-logs-endpoint';
import { auditRecords, post, toolCall, waitForTools, type AuditRecord, type RpcReply } from '../support/fault-harness';
import { startFaultUpstream, type FaultUpstream } from '../support/fault-upstream';
import { waitFor } from '../support/net';
import { spawnProxy, type SpawnedProxy } from '../support/proxy';

jest.setTimeout(120_000);

const GROUP = '/e2e/audit-faults';
const MAX_BUFFERED = 60;
const CODE_ASSET_HASH = 'e2e0123456789abcdef';
const AUDIT_UNAVAILABLE = -32008;

interface Ping {
  ready: boolean;
  auditHealthy?: boolean;
  audit?: { ready: boolean; healthy: boolean; unhealthyReason?: string; buffered: number; oldestPendingMs: number; lastDeliveredAt?: string; lastSendMs?: number; arrivalPerSec: number; deliveryPerSec: number };
}

function config(upstreamUrl: string, endpoint: string): ProxyConfigInput {
  return {
    version: 1,
    upstreams: [{ name: 'tools', url: upstreamUrl, timeoutMs: 10_000 }],
    audit: {
      sink: 'cloudwatch',
      failMode: 'closed',
      cloudwatch: { logGroupName: GROUP, region: 'us-east-1', endpoint, requestTimeoutMs: 5_000, retry: { baseDelayMs: 50, maxDelayMs: 200 } },
      flushIntervalMs: 100,
      maxBufferedRecords: MAX_BUFFERED,
      unhealthyPendingRecords: 40,
      unhealthyPendingAgeMs: 1_500,
      closeTimeoutMs: 15_000,
      metrics: { enabled: false },
    },
  };
}

describe('audit e2e under sink faults (built bundle; loopback CloudWatch Logs endpoint: down at start-up, 500s, throttling, connection refused, 3 s answers)', () => {
  let cw: LoopbackCloudWatchLogs;
  let upstream: FaultUpstream;
  let proxy: SpawnedProxy;
  /** Every reply to a tools/call, by rpc id. */
  const replies = new Map<string, RpcReply>();

  const ping = async (): Promise<Ping> => (await (await fetch(`${proxy.baseUrl}/ping`)).json()) as Ping;
  const call = async (id: string, tool = 'ok', args: Record<string, unknown> = { text: id }): Promise<RpcReply> => {
    const r = await post(proxy.url, toolCall(tool, args, id), { deadlineMs: 30_000 });
    if (!r.json || (!r.json.result && !r.json.error)) throw new Error(`not a JSON-RPC answer: ${r.text.slice(0, 200)}`);
    replies.set(id, r);
    return r;
  };
  const refusedIds = () => [...replies].filter(([, r]) => r.json?.error?.code === AUDIT_UNAVAILABLE).map(([id]) => id);
  const upstreamSaw = () => new Set(upstream.calls.map((c) => String((c.arguments as { text?: string })?.text ?? '')));

  beforeAll(async () => {
    cw = await LoopbackCloudWatchLogs.start({ logGroups: [GROUP] });
    await cw.down(); // unreachable before the proxy starts
    upstream = await startFaultUpstream({ name: 'tools' });
    proxy = await spawnProxy(config(upstream.url, cw.endpoint), {
      waitFor: 'listening',
      env: {
        AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
        AWS_REGION: 'us-east-1',
        MCP_PROXY_LOG_LEVEL: 'info',
        MCP_PROXY_CODE_ASSET_HASH: CODE_ASSET_HASH,
      },
    });
  });

  afterAll(async () => {
    await proxy?.stop();
    await upstream?.close();
    await cw?.close();
  });

  test('start-up with the sink unreachable: listening but not ready, /ping unhealthy, governed calls refused; ready once the sink is back', async () => {
    // Discovery has run (the upstream is up); only the audit sink is missing.
    await proxy.waitForLog((l) => l.msg === 'not ready: waiting for the audit sink to accept the first record (fail-closed); governed calls are refused until then');
    const before = await ping();
    expect(before).toMatchObject({ ready: false, auditHealthy: false, audit: { ready: false, healthy: false, unhealthyReason: 'starting' } });
    // The platform's JSON-RPC health check on /mcp still gets an answer: the process is alive.
    const rpcPing = await post(proxy.url, JSON.stringify({ jsonrpc: '2.0', id: 'hc', method: 'ping' }));
    expect(rpcPing.json?.result).toEqual({});
    for (let i = 0; i < 3; i++) {
      const r = await call(`s-${i}`);
      expect(r.json?.error?.code).toBe(AUDIT_UNAVAILABLE);
    }
    expect([...upstreamSaw()].filter((t) => t.startsWith('s-'))).toEqual([]);
    expect(proxy.logs().some((l) => l.msg === 'ready')).toBe(false);

    await cw.up();
    const ready = await proxy.waitForLog((l) => l.msg === 'ready');
    expect(ready).toMatchObject({ audit: 'cloudwatch', configDigest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    expect(await ping()).toMatchObject({ ready: true, auditHealthy: true, audit: { ready: true, healthy: true } });
    await waitForTools(proxy.url, ['ok']);
    expect((await call('s-after')).json?.result).toBeDefined();
  });

  test('a flood of refused calls during 500s, throttling and connection refused cannot displace the records of calls in flight', async () => {
    // Slow calls admitted while the sink is healthy: they finish during the outage.
    const inFlight = Array.from({ length: 4 }, (_, i) => call(`f-slow-${i}`, 'drip', { text: `f-slow-${i}`, intervalMs: 12 }));
    await waitFor(() => [...upstreamSaw()].filter((t) => t.startsWith('f-slow-')).length === 4, { timeoutMs: 15_000, what: 'slow calls at the upstream' });

    const flood = async (prefix: string, n: number) => {
      for (let i = 0; i < n; i += 8) {
        const batch = await Promise.all(Array.from({ length: Math.min(8, n - i) }, (_, j) => call(`${prefix}-${i + j}`)));
        for (const r of batch) expect([undefined, AUDIT_UNAVAILABLE]).toContain(r.json?.error?.code);
      }
    };
    cw.failFor(60_000); // 500 ServiceUnavailableException
    // The first calls are forwarded until their records pile up (40) or wait 1.5 s undelivered; then refused.
    await flood('f-500', 120);
    expect((await ping()).auditHealthy).toBe(false);
    cw.recover();
    cw.throttleFor(60_000); // 400 ThrottlingException
    await flood('f-thr', 80);
    cw.recover();
    await cw.down(); // connection refused
    await flood('f-down', 80);
    const slow = await Promise.all(inFlight);
    for (const r of slow) expect(r.json?.result).toBeDefined();

    // Far more calls were refused than the buffer holds: refusals cost no record each.
    expect(refusedIds().filter((id) => id.startsWith('f-')).length).toBeGreaterThan(MAX_BUFFERED * 3);
    const during = await ping();
    expect(during.audit?.buffered).toBeLessThanOrEqual(MAX_BUFFERED);

    // Recovery is prompt: the first /ping showing a new delivery shows the trail healthy.
    const lastBefore = during.audit?.lastDeliveredAt;
    await cw.up();
    const first = await waitFor(async () => {
      const p = await ping();
      return p.audit?.lastDeliveredAt !== lastBefore ? p : undefined;
    }, { timeoutMs: 15_000, intervalMs: 10, what: 'a delivery after recovery' });
    expect(first).toMatchObject({ auditHealthy: true });
    expect((await call('f-after')).json?.result).toBeDefined();
  });

  test('a slow sink (3 s PutLogEvents) becomes unhealthy long before the buffer fills, and healthy again once it is fast', async () => {
    cw.delayResponses(3_000);
    let worst: Ping | undefined;
    let i = 0;
    // Steady traffic (a few calls per second) until the proxy reports the sink unhealthy.
    await waitFor(async () => {
      await call(`w-${i++}`);
      const p = await ping();
      if (p.auditHealthy === false) worst = p;
      return worst;
    }, { timeoutMs: 30_000, intervalMs: 100, what: 'unhealthy on a slow sink' });
    expect(['slow_delivery', 'sink_stalled']).toContain(worst!.audit?.unhealthyReason);
    // Before the buffer fills (the bound); how far below depends on how many calls the loaded host made in the
    // first 3 s send (31 of 60 in one full-suite run, well under half alone).
    expect(worst!.audit!.buffered).toBeLessThan(MAX_BUFFERED);
    expect((await call('w-refused')).json?.error?.code).toBe(AUDIT_UNAVAILABLE);
    cw.delayResponses(0);
    await waitFor(async () => (await ping()).auditHealthy, { timeoutMs: 15_000, intervalMs: 50, what: 'healthy once the sink is fast' });
    expect((await call('w-after')).json?.result).toBeDefined();
  });

  test('after a clean shutdown: every executed call has decision and outcome, audit_refusals account for every refused call, seq continuous, the chain verifies', async () => {
    expect(await proxy.stop()).toBe(0);
    const messages = cw.events(GROUP).map((e) => e.message);
    const recs = auditRecords(messages);
    const v = verifyAuditLog(messages);
    expect(v.problems).toEqual([]);
    expect(v).toMatchObject({ ok: true });
    expect(v.instances).toHaveLength(1);
    expect(v.instances[0]).toMatchObject({ started: true, stopped: true, reportedDropped: 0 });

    // Sequence numbers continuous (first occurrences; a retried batch may repeat records, the verifier accepts that).
    const seqs = recs.map((r) => r.seq);
    const firstSeen = seqs.filter((q, i) => seqs.indexOf(q) === i);
    expect(firstSeen).toEqual([...Array(firstSeen.length).keys()]);
    expect(recs.filter((r) => r.type === 'audit_overflow')).toEqual([]);

    // Every call the upstream executed has its decision and its outcome.
    const byId = (type: string) => new Set(recs.filter((r) => r.type === type).map((r) => String(r.rpc?.id)));
    const decisions = byId('decision');
    const outcomes = byId('outcome');
    const executed = [...upstreamSaw()].filter((t) => replies.has(t));
    expect(executed.length).toBeGreaterThan(10);
    expect(executed.filter((id) => !decisions.has(id) || !outcomes.has(id))).toEqual([]);
    expect([...upstreamSaw()].filter((t) => t.startsWith('f-slow-'))).toHaveLength(4);

    // Refused calls never reached the upstream, have no record of their own, and the summaries count every one.
    const refused = refusedIds();
    const saw = upstreamSaw();
    expect(refused.filter((id) => saw.has(id) || decisions.has(id) || outcomes.has(id))).toEqual([]);
    const summaries = recs.filter((r) => r.type === 'audit_refusals') as (AuditRecord & { refused: number; counts: { reason: string; count: number }[] })[];
    expect(summaries.reduce((n, r) => n + r.refused, 0)).toBe(refused.length);
    for (const r of summaries) expect(r.counts.reduce((n, c) => n + c.count, 0)).toBe(r.refused);
    expect(new Set(summaries.flatMap((r) => r.counts.map((c) => c.reason)))).toContain('starting');
    expect(summaries.length).toBeLessThan(refused.length / 5);
    expect(v.instances[0].reportedRefused).toBe(refused.length);
    expect(recs.at(-1)).toMatchObject({ type: 'audit_stop', refused: refused.length });

    // audit_start says what ran: bundle version, configuration digest (as in the ready line), code asset hash.
    const ready = proxy.logs().find((l) => l.msg === 'ready')!;
    expect(recs[0]).toMatchObject({ type: 'audit_start', failMode: 'closed', version: expect.any(String), configDigest: ready.configDigest, codeAssetHash: CODE_ASSET_HASH });

    // The faults really happened.
    const puts = cw.requests.filter((r) => r.operation === 'PutLogEvents');
    expect(puts.some((r) => r.status === 500)).toBe(true);
    expect(puts.some((r) => r.errorType === 'ThrottlingException')).toBe(true);
    expect(proxy.logs().some((l) => l.level === 'error' && typeof l.detail === 'string' && /ECONNREFUSED/.test(l.detail))).toBe(true);
  });
});
