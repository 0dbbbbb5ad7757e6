import { LoopbackCloudWatchLogs, MAX_BATCH_BYTES, MAX_BATCH_EVENTS, EVENT_OVERHEAD_BYTES, TEST_CREDENTIALS } from '../../../../test/support/cloudwatch-logs-endpoint';
import { ErrorCode } from '../../pipeline/errors';
import { createAuditor, type AuditorDeps } from './index';
import { verifyAuditLog } from './verify';
import { auditConfig, captureLog, emfLines, requestContext, waitFor } from './test-fixtures';

let ep: LoopbackCloudWatchLogs;
let groupNo = 0;

beforeAll(async () => {
  ep = await LoopbackCloudWatchLogs.start();
});
afterAll(async () => {
  await ep.close();
});
afterEach(() => ep.clearFaults());

/** A fresh log group and an auditor writing to it through the sink's own client (SigV4-signed, verified by the endpoint). */
async function setup(cfg: Record<string, unknown> = {}, deps: Partial<AuditorDeps> = {}, opts: { createGroup?: boolean } = {}) {
  const group = `/test/audit-${++groupNo}`;
  if (opts.createGroup !== false) ep.createLogGroup(group);
  const { cloudwatch, ...rest } = cfg as { cloudwatch?: Record<string, unknown> };
  const stdout: string[] = [];
  const logs = captureLog();
  const auditor = await createAuditor(
    auditConfig({
      sink: 'cloudwatch',
      cloudwatch: { logGroupName: group, endpoint: ep.endpoint, region: ep.region, retry: { baseDelayMs: 2, maxDelayMs: 20 }, ...cloudwatch },
      flushIntervalMs: 20,
      metrics: { intervalMs: 3_600_000 },
      ...rest,
    }),
    { log: logs.log, instanceId: 'cw', write: (l) => stdout.push(l), cloudWatchCredentials: TEST_CREDENTIALS, ...deps },
  );
  // Fail-closed start-up: calls are forwarded once the sink has accepted audit_start.
  if (opts.createGroup !== false) await auditor.ready();
  const messages = () => ep.events(group).map((e) => e.message);
  const types = () => messages().map((m) => (JSON.parse(m) as { type: string }).type);
  const seqs = () => messages().map((m) => (JSON.parse(m) as { seq: number }).seq);
  const puts = () => ep.requests.filter((r) => r.operation === 'PutLogEvents');
  return { group, auditor, logs, stdout, messages, types, seqs, puts };
}

async function request(auditor: Awaited<ReturnType<typeof createAuditor>>, i = 0): Promise<void> {
  const ctx = requestContext({ rpcId: i });
  await auditor.beforeForward(ctx);
  auditor.complete(ctx, { status: 'ok', result: { content: [{ type: 'text', text: `result ${i}` }] } });
}

describe('CloudWatch sink (loopback CloudWatch Logs endpoint)', () => {
  it('creates one stream <yyyy/mm/dd>/<instanceId> and delivers every record in order', async () => {
    const s = await setup();
    for (let i = 0; i < 20; i++) await request(s.auditor, i);
    await s.auditor.close();
    const stats = s.auditor.stats();
    const d = new Date();
    const day = `${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${String(d.getUTCDate()).padStart(2, '0')}`;
    expect(ep.streams(s.group)).toEqual([`${day}/${stats.instanceId}`]);
    expect(ep.requests.filter((r) => r.operation === 'CreateLogStream' && r.status === 200).length).toBeGreaterThanOrEqual(1);
    expect(s.seqs()).toEqual([...Array(42).keys()]);
    expect(s.types().at(-1)).toBe('audit_stop');
    expect(verifyAuditLog(s.messages())).toMatchObject({ ok: true });
    expect(stats).toMatchObject({ sink: 'cloudwatch', delivered: 42, buffered: 0, dropped: 0 });
  });

  it('batches within the PutLogEvents limits (bytes incl. 26 per event, 10,000 events) when records are large', async () => {
    const scrub = (t: string) => t;
    const s = await setup({ includeRedactedContent: true, maxContentBytes: 60_000, maxBufferedRecords: 1_000, flushIntervalMs: 3_600_000, closeTimeoutMs: 30_000 }, { scrub });
    const before = s.puts().length;
    for (let i = 0; i < 60; i++) {
      const ctx = requestContext({ arguments: { blob: 'a'.repeat(50_000), i } });
      await s.auditor.beforeForward(ctx);
      auditorComplete(s.auditor, ctx);
    }
    await s.auditor.close();
    const puts = s.puts().slice(before);
    expect(puts.every((p) => p.status === 200)).toBe(true); // the endpoint refuses oversized batches like the service
    expect(puts.length).toBeGreaterThanOrEqual(7); // 121 records of ~100 KB cannot fit in fewer 1 MiB batches
    expect(Math.max(...puts.map((p) => p.eventCount ?? 0))).toBeLessThan(MAX_BATCH_EVENTS);
    const events = ep.events(s.group);
    expect(events).toHaveLength(122);
    // Per batch bytes: reconstruct from the recorded event counts.
    let i = 0;
    for (const p of puts) {
      const batch = events.slice(i, i + (p.eventCount ?? 0));
      i += p.eventCount ?? 0;
      expect(batch.reduce((n, e) => n + Buffer.byteLength(e.message) + EVENT_OVERHEAD_BYTES, 0)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    }
    expect(verifyAuditLog(s.messages()).ok).toBe(true);
  });

  it('survives throttling: nothing lost, order kept, the chain verifies across retries', async () => {
    const s = await setup();
    ep.throttleNext(4);
    for (let i = 0; i < 30; i++) await request(s.auditor, i);
    await s.auditor.flush();
    await s.auditor.close();
    expect(ep.requests.filter((r) => r.errorType === 'ThrottlingException').length).toBe(4);
    expect(s.seqs()).toEqual([...Array(62).keys()]);
    expect(verifyAuditLog(s.messages()).ok).toBe(true);
    expect(s.auditor.stats().sinkFailures).toBe(4);
  });

  it('survives 500s for a period and dropped connections (before and after the batch was stored)', async () => {
    const s = await setup({ cloudwatch: { requestTimeoutMs: 2_000 } });
    ep.failFor(150);
    for (let i = 0; i < 10; i++) await request(s.auditor, i);
    await s.auditor.flush();
    ep.dropNext(2, 'before');
    for (let i = 10; i < 20; i++) await request(s.auditor, i);
    await s.auditor.flush();
    ep.dropNext(1, 'after'); // stored, but the client never hears: the retry delivers a duplicate
    for (let i = 20; i < 30; i++) await request(s.auditor, i);
    await s.auditor.close();
    expect(ep.requests.some((r) => r.errorType === 'ServiceUnavailableException')).toBe(true);
    expect(ep.requests.filter((r) => r.status === 'dropped').length).toBe(3);
    const res = verifyAuditLog(s.messages());
    expect(res.ok).toBe(true);
    expect(res.instances[0]).toMatchObject({ records: 62, stopped: true });
    expect(res.instances[0].duplicates).toBeGreaterThan(0);
    expect(new Set(s.seqs())).toEqual(new Set([...Array(62).keys()]));
  });

  it('treats DataAlreadyAcceptedException as delivered and retries InvalidSequenceTokenException with the expected token', async () => {
    const s = await setup();
    await s.auditor.flush();
    ep.dropNext(1, 'after');
    ep.failNext(1, { type: 'DataAlreadyAcceptedException', message: 'already accepted', extra: { expectedSequenceToken: '7' } });
    await request(s.auditor, 1);
    await s.auditor.flush();
    ep.failNext(1, { type: 'InvalidSequenceTokenException', message: 'bad token', extra: { expectedSequenceToken: '8' } });
    await request(s.auditor, 2);
    await s.auditor.close();
    const res = verifyAuditLog(s.messages());
    expect(res.ok).toBe(true);
    expect(res.instances[0]).toMatchObject({ records: 6, duplicates: 0 });
  });

  it('recreates its stream when it vanished (ResourceNotFoundException)', async () => {
    const s = await setup();
    await s.auditor.flush();
    const creates = () => ep.requests.filter((r) => r.operation === 'CreateLogStream').length;
    const before = creates();
    ep.failNext(1, { type: 'ResourceNotFoundException', message: 'The specified log stream does not exist.' });
    await request(s.auditor);
    await s.auditor.close();
    expect(creates()).toBe(before + 1);
    expect(verifyAuditLog(s.messages()).ok).toBe(true);
  });

  it('fail-closed: refuses calls while the sink is unhealthy, counts the refusal in an audit_refusals record, and recovers', async () => {
    const s = await setup({ failMode: 'closed', unhealthyPendingRecords: 3 });
    await s.auditor.flush();
    ep.failFor(60_000);
    await request(s.auditor, 1); // accepted: the sink has not failed yet
    await waitFor(() => s.auditor.stats().consecutiveFailures > 0, 5_000, 'a failed flush');
    expect(s.auditor.healthy()).toBe(false);
    const refused = requestContext({ rpcId: 'refused' });
    await expect(s.auditor.beforeForward(refused)).rejects.toMatchObject({ code: ErrorCode.AuditUnavailable, errorClass: 'audit_unavailable' });
    s.auditor.complete(refused, { status: 'error', errorCode: ErrorCode.AuditUnavailable, errorClass: 'audit_unavailable' });
    ep.recover();
    await waitFor(() => s.auditor.healthy(), 5_000, 'recovery');
    await request(s.auditor, 2);
    await s.auditor.close();
    const recs = s.messages().map((m) => JSON.parse(m) as { type: string; rpc?: { id: unknown }; refused?: number; counts?: unknown[] });
    // Not one record per refused call: one summary per interval, with counts per caller and reason.
    expect(recs.filter((r) => r.rpc?.id === 'refused')).toEqual([]);
    expect(recs.filter((r) => r.type === 'audit_refusals')).toEqual([
      expect.objectContaining({ refused: 1, counts: [{ caller: { kind: 'jwt', sub: 'user-123', clientId: 'agent-app' }, reason: 'pending_records', count: 1 }] }),
    ]);
    expect(recs.at(-1)).toMatchObject({ type: 'audit_stop', refused: 1 });
    expect(verifyAuditLog(s.messages()).ok).toBe(true);
    expect(emfLines(s.stdout).find((e) => !('Tool' in e))).toMatchObject({ AuditUnavailableRefusals: 1 });
  });

  it('fail-closed: refuses at start-up while the log group is missing, then recovers once it exists', async () => {
    const s = await setup({ failMode: 'closed' }, {}, { createGroup: false });
    expect(s.auditor.healthy()).toBe(false);
    expect(s.auditor.isReady()).toBe(false);
    expect(s.auditor.stats()).toMatchObject({ proven: false, unhealthyReason: 'starting' });
    await expect(s.auditor.beforeForward(requestContext())).rejects.toMatchObject({ code: ErrorCode.AuditUnavailable });
    expect(s.logs.entries().some((e) => e.level === 'error' && e.error === 'ResourceNotFoundException')).toBe(true);
    ep.createLogGroup(s.group);
    await s.auditor.ready();
    expect(s.auditor.healthy()).toBe(true);
    await request(s.auditor);
    await s.auditor.close();
    expect(verifyAuditLog(s.messages()).ok).toBe(true);
  });

  it('fail-open: forwards while the sink is down and eventually lands everything in order', async () => {
    const s = await setup({ failMode: 'open', unhealthyPendingRecords: 2 });
    ep.failFor(60_000);
    for (let i = 0; i < 25; i++) await request(s.auditor, i); // never throws
    await waitFor(() => s.auditor.stats().consecutiveFailures > 1, 5_000, 'failed flushes');
    expect(s.auditor.healthy()).toBe(false);
    ep.recover();
    await s.auditor.flush();
    await s.auditor.close();
    expect(s.seqs()).toEqual([...Array(52).keys()]);
    expect(verifyAuditLog(s.messages()).ok).toBe(true);
  });

  it('fail-open overflow: drops beyond the buffer, writes one audit_overflow record when there is room, logs and counts it', async () => {
    // 20 records: 3 kept for the trail's notices, 17 for calls.
    const s = await setup({ failMode: 'open', maxBufferedRecords: 20 });
    await s.auditor.flush();
    ep.failFor(60_000);
    for (let i = 0; i < 20; i++) await request(s.auditor, i);
    // 8 calls with decision and outcome (16), the 9th call's decision (17); the rest dropped: 1 + 2 x 11.
    expect(s.auditor.stats()).toMatchObject({ buffered: 17, dropped: 23 });
    ep.recover();
    await s.auditor.flush();
    await s.auditor.close();
    const recs = s.messages().map((m) => JSON.parse(m) as { type: string; dropped?: number; reason?: string });
    expect(recs.filter((r) => r.type === 'audit_overflow')).toEqual([expect.objectContaining({ reason: 'buffer_full', dropped: 23 })]);
    const res = verifyAuditLog(s.messages());
    expect(res.ok).toBe(true);
    expect(res.instances[0]).toMatchObject({ reportedDropped: 23, stopped: true });
    expect(s.logs.entries().filter((e) => e.level === 'error' && /dropp/.test(e.msg)).length).toBeGreaterThanOrEqual(2);
    expect(emfLines(s.stdout).find((e) => !('Tool' in e))).toMatchObject({ AuditRecordsDropped: 23 });
  });

  it('fail-closed holds an outcome slot per forwarded call: once the buffer has no room for both records calls are refused, and every forwarded call keeps its outcome', async () => {
    const s = await setup({ failMode: 'closed', maxBufferedRecords: 20, unhealthyPendingRecords: 20 });
    await s.auditor.flush();
    ep.failFor(60_000);
    const forwarded: ReturnType<typeof requestContext>[] = [];
    let refused = 0;
    for (let i = 0; i < 12; i++) {
      const ctx = requestContext({ rpcId: i });
      try {
        await s.auditor.beforeForward(ctx);
        forwarded.push(ctx);
      } catch {
        refused++;
      }
    }
    // 17 slots for calls: 8 decisions with 8 outcome slots held; the 9th call would need 2 more.
    expect(forwarded).toHaveLength(8);
    expect(refused).toBe(4);
    expect(s.auditor.stats()).toMatchObject({ buffered: 8, reservedOutcomes: 8, unhealthyReason: 'buffer_full' });
    // The forwarded calls complete while the sink is still down: their outcomes go into the slots held for them.
    for (const ctx of forwarded) s.auditor.complete(ctx, { status: 'ok', result: { content: [] } });
    expect(s.auditor.stats()).toMatchObject({ buffered: 16, reservedOutcomes: 0, dropped: 0 });
    ep.recover();
    await s.auditor.close();
    const recs = s.messages().map((m) => JSON.parse(m) as { type: string; rpc?: { id: unknown }; refused?: number });
    for (const ctx of forwarded) {
      expect(recs.filter((r) => r.rpc?.id === ctx.rpcId).map((r) => r.type)).toEqual(['decision', 'outcome']);
    }
    expect(recs.filter((r) => r.type === 'audit_refusals').reduce((n, r) => n + (r.refused ?? 0), 0)).toBe(4);
    expect(verifyAuditLog(s.messages())).toMatchObject({ ok: true });
  });

  it('close() (SIGTERM path) flushes everything buffered, including audit_stop', async () => {
    const s = await setup({ flushIntervalMs: 3_600_000 });
    for (let i = 0; i < 50; i++) await request(s.auditor, i);
    expect(s.types()).toEqual(['audit_start']); // shipped at start-up: it proves the sink delivers
    await s.auditor.close();
    expect(s.seqs()).toEqual([...Array(102).keys()]);
    expect(s.types().at(-1)).toBe('audit_stop');
    expect(s.auditor.healthy()).toBe(false);
  });

  it('reports records the service rejected as too new, and follows the clock back', async () => {
    const s = await setup({ flushIntervalMs: 3_600_000 });
    const real = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(real + 3 * 3_600_000);
    try {
      await request(s.auditor, 1);
    } finally {
      clock.mockRestore();
    }
    await request(s.auditor, 2);
    await s.auditor.close();
    const recs = s.messages().map((m) => JSON.parse(m) as { type: string; seqRanges?: number[][]; seq: number });
    expect(recs.map((r) => r.seq)).toEqual([0, 3, 4, 5, 6]);
    expect(recs.find((r) => r.type === 'audit_overflow')).toMatchObject({ reason: 'sink_rejected', seqRanges: [[1, 2]] });
    const res = verifyAuditLog(s.messages());
    expect(res.ok).toBe(true);
    expect(res.warnings.join('\n')).toMatch(/seq 1\.\.2 missing, reported by the instance/);
    expect(s.auditor.stats().rejected).toBe(2);
  });

  it('fail-closed: never ready while the endpoint refuses the signature; the log names the operation and the AWS code, never the secret', async () => {
    const secret = `wrong-secret-${Date.now()}-not-known-to-the-endpoint`;
    const s = await setup({ failMode: 'closed' }, { cloudWatchCredentials: { accessKeyId: TEST_CREDENTIALS.accessKeyId, secretAccessKey: secret } }, { createGroup: false });
    ep.createLogGroup(s.group);
    await waitFor(() => s.auditor.stats().consecutiveFailures >= 2, 5_000, 'failed attempts');
    expect(s.auditor.isReady()).toBe(false);
    expect(s.auditor.stats()).toMatchObject({ proven: false, delivered: 0, lastError: 'InvalidSignatureException' });
    await expect(s.auditor.beforeForward(requestContext())).rejects.toMatchObject({ code: ErrorCode.AuditUnavailable });
    const failure = s.logs.entries().find((e) => e.level === 'error' && e.error === 'InvalidSignatureException');
    expect(failure).toMatchObject({ httpStatus: 400 });
    expect(s.logs.lines.join('\n')).not.toContain(secret);
    expect(ep.events(s.group)).toEqual([]);
    await s.auditor.close();
  });

  it('builds its own client from the config (endpoint, region, default credential chain)', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey });
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    try {
      const s = await setup({ cloudwatch: { endpoint: ep.endpoint, region: ep.region } }, { cloudWatchCredentials: undefined });
      await request(s.auditor);
      await s.auditor.close();
      expect(verifyAuditLog(s.messages())).toMatchObject({ ok: true });
      expect(s.messages()).toHaveLength(4);
    } finally {
      process.env = saved;
    }
  });
});

function auditorComplete(auditor: Awaited<ReturnType<typeof createAuditor>>, ctx: ReturnType<typeof requestContext>): void {
  auditor.complete(ctx, { status: 'ok', result: { content: [{ type: 'text', text: 'b'.repeat(50_000) }] } });
}
