/**
 * Reliability: the audit trail under stress, end to end through the BUILT bundle shipping to the loopback CloudWatch
 * Logs endpoint (real awsJson1_1 wire protocol, SigV4-verified; throttle / outage / dropped-connection knobs).
 *
 * - fail-closed: while the endpoint throttles or is down, no call is forwarded unaudited: every call the upstream saw
 *   has its decision record in CloudWatch, and calls refused for audit reasons get -32008, never reach the upstream.
 * - fail-open: calls keep flowing during the outage; afterwards every record lands, in order, and the hash chain
 *   verifies (duplicates from a retried PutLogEvents included).
 */
import type { ProxyConfigInput } from '../../runtime/src/config/schema';
import { verifyAuditLog } from '../../runtime/src/stages/audit';
import { LoopbackCloudWatchLogs, TEST_CREDENTIALS } from '../support/cloudwatch-logs-endpoint';
import { auditRecords, delay, post, toolCall, waitForTools, type AuditRecord } from '../support/fault-harness';
import { startFaultUpstream, type FaultUpstream } from '../support/fault-upstream';
import { waitFor } from '../support/net';
import { spawnProxy, type SpawnedProxy } from '../support/proxy';

jest.setTimeout(120_000);

const AWS_ENV = { AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey, AWS_REGION: 'us-east-1', MCP_PROXY_LOG_LEVEL: 'info' };

function config(upstreamUrl: string, endpoint: string, logGroupName: string, failMode: 'open' | 'closed'): ProxyConfigInput {
  return {
    version: 1,
    upstreams: [{ name: 'tools', url: upstreamUrl, timeoutMs: 5000 }],
    audit: {
      sink: 'cloudwatch',
      failMode,
      cloudwatch: { logGroupName, region: 'us-east-1', endpoint, requestTimeoutMs: 2000, retry: { baseDelayMs: 50, maxDelayMs: 250 } },
      flushIntervalMs: 100,
      maxBufferedRecords: 2000,
      unhealthyPendingRecords: 20,
      // The time-based bounds (sink_stalled, slow_delivery) are pinned with a fake clock in trail-guarantees.test.ts;
      // here they would only measure how loaded the test host is (one PutLogEvents round trip on a busy CI core can
      // take over a second), so they are set out of reach and the count bound above is what trips under faults.
      unhealthyPendingAgeMs: 60_000,
      closeTimeoutMs: 15_000,
      metrics: { enabled: false },
    },
  };
}

/** -32008 (audit unavailable) replies, per proxy run. */
const refusedReplies = { closed: 0 };

/** The proxy's audit delivery state from /ping. */
async function auditState(url: string): Promise<{ healthy: boolean; buffered: number }> {
  const ping = url.replace(/\/mcp$/, '/ping');
  return ((await (await fetch(ping)).json()) as { audit: { healthy: boolean; buffered: number } }).audit;
}

/**
 * Calls `ok` `n` times, `concurrency` at a time; returns every reply's error code (undefined for success). With
 * `paced`, each batch starts only once the sink has accepted every record so far (the caller never outruns the sink,
 * however slow the host), and `backlog` receives the number of undelivered records right after each batch.
 */
async function burst(
  url: string,
  prefix: string,
  n: number,
  { concurrency = 4, paced = false, backlog }: { concurrency?: number; paced?: boolean; backlog?: number[] } = {},
): Promise<(number | undefined)[]> {
  const codes: (number | undefined)[] = [];
  for (let i = 0; i < n; i += concurrency) {
    if (paced) await waitFor(async () => (await auditState(url)).buffered === 0, { timeoutMs: 30_000, intervalMs: 20, what: 'the audit backlog delivered' });
    const batch = await Promise.all(
      Array.from({ length: Math.min(concurrency, n - i) }, (_, j) => post(url, toolCall('ok', { text: `${prefix}-${i + j}` }, `${prefix}-${i + j}`), { deadlineMs: 20_000 })),
    );
    for (const r of batch) {
      if (!r.json || (!r.json.result && !r.json.error)) throw new Error(`not a JSON-RPC answer: ${r.text.slice(0, 200)}`);
      codes.push(r.json.error?.code);
      if (r.json.error?.code === -32008) refusedReplies.closed++;
    }
    if (backlog) backlog.push((await auditState(url)).buffered);
    if (!paced) await delay(20);
  }
  return codes;
}

describe('audit under stress (loopback CloudWatch Logs endpoint)', () => {
  let cw: LoopbackCloudWatchLogs;
  let upstream: FaultUpstream;

  beforeAll(async () => {
    cw = await LoopbackCloudWatchLogs.start({ logGroups: ['/rel/closed', '/rel/open'] });
    upstream = await startFaultUpstream({ name: 'tools', tools: [{ name: 'ok', inputSchema: { type: 'object' } }] });
  });

  afterAll(async () => {
    await upstream?.close();
    await cw?.close();
  });

  const records = (group: string): AuditRecord[] => auditRecords(cw.events(group).map((e) => e.message));
  /** Tool-call texts the upstream received with this prefix. */
  const forwarded = (prefix: string) => upstream.callsTo('ok').filter((c) => String((c.arguments as { text?: string }).text).startsWith(`${prefix}-`));

  describe('fail-closed', () => {
    let proxy: SpawnedProxy;
    beforeAll(async () => {
      proxy = await spawnProxy(config(upstream.url, cw.endpoint, '/rel/closed', 'closed'), { env: AWS_ENV });
      await waitForTools(proxy.url, ['ok']);
      // The steady state, not the start-up backlog (audit_start, the list calls above), against a bound of 20 records
      // that a loaded host may not have delivered yet: nothing waits for delivery when the burst starts.
      const ping = proxy.url.replace(/\/mcp$/, '/ping');
      await waitFor(async () => ((await (await fetch(ping)).json()) as { audit?: { buffered: number } }).audit?.buffered === 0, { timeoutMs: 15_000, intervalMs: 50, what: 'the start-up audit records delivered' });
    });
    afterAll(async () => {
      cw.clearFaults();
      await proxy?.stop();
    });

    test('healthy endpoint, caller paced by the sink: no call refused, every call audited in order, backlog bounded by one batch', async () => {
      // Paced by delivery, not by the clock: a batch of 4 calls holds at most 4 decisions and 4 outcomes (8 records,
      // under the bound of 20) whatever the host's speed, so a refusal here means the trail miscounts what it holds.
      const backlog: number[] = [];
      const codes = await burst(proxy.url, 'c0', 20, { paced: true, backlog });
      expect(codes.filter((c) => c !== undefined)).toEqual([]);
      expect(backlog).toHaveLength(5);
      for (const b of backlog) expect(b).toBeLessThanOrEqual(8);
      const c0 = (type: string) => records('/rel/closed').filter((r) => r.type === type && String(r.rpc?.id).startsWith('c0-'));
      await waitFor(() => c0('outcome').length === 20, { timeoutMs: 15_000, what: '20 outcome records in CloudWatch' });
      // No loss: exactly one decision and one outcome per call; the upstream saw each call once.
      for (const type of ['decision', 'outcome']) expect(new Set(c0(type).map((r) => String(r.rpc?.id))).size).toBe(20);
      expect(c0('decision')).toHaveLength(20);
      expect(forwarded('c0')).toHaveLength(20);
      // In order: batches follow one another, so every record of batch k precedes every record of batch k+1 in the
      // chain, and each call's decision precedes its outcome.
      const batchOf = (r: AuditRecord) => Math.floor(Number(String(r.rpc?.id).slice(3)) / 4);
      const chain = records('/rel/closed').filter((r) => String(r.rpc?.id).startsWith('c0-')).sort((a, b) => a.seq - b.seq);
      expect(chain.map(batchOf)).toEqual([...chain.map(batchOf)].sort((a, b) => a - b));
      for (const d of c0('decision')) expect(d.seq).toBeLessThan(c0('outcome').find((o) => o.rpc?.id === d.rpc?.id)!.seq);
    });

    test('endpoint down (5xx) then throttling: calls are refused with -32008 once records pile up; nothing forwarded unaudited', async () => {
      cw.failFor(4000);
      const during = await burst(proxy.url, 'c1', 80);
      cw.recover();
      cw.throttleNext(30);
      const throttled = await burst(proxy.url, 'c2', 40);
      // Only success or "audit unavailable": no other failure mode.
      for (const c of [...during, ...throttled]) expect([undefined, -32008]).toContain(c);
      expect(during.filter((c) => c === -32008).length).toBeGreaterThan(0);
      // Recovers: calls flow again.
      await waitFor(async () => (await burst(proxy.url, `c3-${Date.now()}`, 1))[0] === undefined, { timeoutMs: 20_000, intervalMs: 200, what: 'calls to flow again' });
    });

    test('after a clean shutdown: upstream-side call count equals the audited decision count; the chain verifies', async () => {
      const code = await proxy.stop();
      expect(code).toBe(0);
      const recs = records('/rel/closed');
      for (const prefix of ['c0', 'c1', 'c2']) {
        const decisions = new Set(recs.filter((r) => r.type === 'decision' && String(r.rpc?.id).startsWith(`${prefix}-`)).map((r) => String(r.rpc?.id)));
        const seen = forwarded(prefix).map((c) => (c.arguments as { text: string }).text);
        // Every call the upstream saw has its decision record; every decision record's call reached the upstream.
        expect(seen.filter((t) => !decisions.has(t))).toEqual([]);
        expect(new Set(seen).size).toBe(decisions.size);
      }
      // Refused calls are audited too, in aggregate: audit_refusals records count every one (not one record each).
      expect(recs.filter((r) => r.type === 'outcome' && r.outcome?.errorClass === 'audit_unavailable')).toEqual([]);
      const counted = recs.filter((r) => r.type === 'audit_refusals').reduce((n, r) => n + Number(r.refused), 0);
      expect(refusedReplies.closed).toBeGreaterThan(0);
      expect(counted).toBe(refusedReplies.closed);
      // Every forwarded call has its outcome too.
      for (const prefix of ['c0', 'c1', 'c2']) {
        const outcomes = new Set(recs.filter((r) => r.type === 'outcome' && String(r.rpc?.id).startsWith(`${prefix}-`)).map((r) => String(r.rpc?.id)));
        const seen = forwarded(prefix).map((c) => (c.arguments as { text: string }).text);
        expect(seen.filter((t) => !outcomes.has(t))).toEqual([]);
      }
      const v = verifyAuditLog(cw.events('/rel/closed').map((e) => e.message));
      expect(v.problems).toEqual([]);
      expect(v.ok).toBe(true);
      expect(v.instances).toHaveLength(1);
      expect(v.instances[0]).toMatchObject({ started: true, stopped: true, reportedDropped: 0 });
    });
  });

  describe('fail-open', () => {
    let proxy: SpawnedProxy;
    beforeAll(async () => {
      proxy = await spawnProxy(config(upstream.url, cw.endpoint, '/rel/open', 'open'), { env: AWS_ENV });
      await waitForTools(proxy.url, ['ok']);
    });
    afterAll(async () => {
      cw.clearFaults();
      await proxy?.stop();
    });

    test('an outage, throttling and dropped connections: every call succeeds; afterwards every record lands, in order, chain intact', async () => {
      cw.failFor(3000);
      const during = await burst(proxy.url, 'o1', 60);
      cw.recover();
      cw.throttleNext(5);
      cw.dropNext(2, 'after'); // stored, but the proxy never hears it: the retry delivers the batch twice
      const after = await burst(proxy.url, 'o2', 40);
      expect([...during, ...after].filter((c) => c !== undefined)).toEqual([]);

      const code = await proxy.stop();
      expect(code).toBe(0);
      const messages = cw.events('/rel/open').map((e) => e.message);
      const recs = auditRecords(messages);
      // Every call: a decision and an outcome record.
      for (const prefix of ['o1', 'o2']) {
        const n = prefix === 'o1' ? 60 : 40;
        for (const type of ['decision', 'outcome']) {
          const ids = new Set(recs.filter((r) => r.type === type && String(r.rpc?.id).startsWith(`${prefix}-`)).map((r) => r.rpc?.id));
          expect(ids.size).toBe(n);
        }
        expect(forwarded(prefix).length).toBe(n);
      }
      // In order: first occurrences follow the sequence numbers 0, 1, 2, ... without a gap (a retried batch may repeat
      // records after the originals; the verifier accepts identical duplicates).
      const seqs = recs.map((r) => r.seq);
      const first = seqs.filter((q, i) => seqs.indexOf(q) === i);
      expect(first).toEqual([...Array(first.length).keys()]);
      // The faults really happened: 5xx answers, throttling, and batches stored twice.
      expect(cw.requests.some((r) => r.operation === 'PutLogEvents' && r.status === 500)).toBe(true);
      expect(cw.requests.some((r) => r.errorType === 'ThrottlingException')).toBe(true);
      expect(cw.requests.filter((r) => r.status === 'dropped').length).toBe(2);
      expect(seqs.length).toBeGreaterThan(first.length);
      const v = verifyAuditLog(messages);
      expect(v.problems).toEqual([]);
      expect(v.ok).toBe(true);
      expect(v.instances[0]).toMatchObject({ started: true, stopped: true, reportedDropped: 0 });
      expect(v.instances[0].duplicates).toBeGreaterThan(0);
    });
  });
});
