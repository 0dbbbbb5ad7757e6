import { AuditTrail } from './trail';
import type { AuditEntry, AuditSink, BatchLimits } from './sinks/types';
import { verifyAuditLog } from './verify';
import { captureLog, waitFor } from './test-fixtures';

/** An in-memory batch sink with programmable failures. */
function memorySink(limits: Partial<BatchLimits> = {}) {
  const batches: AuditEntry[][] = [];
  let failures = 0;
  const sink: AuditSink & { batches: AuditEntry[][]; failNext(n: number): void } = {
    name: 'cloudwatch',
    destination: 'memory',
    synchronous: false,
    limits: { maxEvents: 10_000, maxBytes: 1_048_576, overheadBytes: 26, maxSpanMs: 86_340_000, ...limits },
    batches,
    failNext(n: number) {
      failures = n;
    },
    async send(batch) {
      if (failures > 0) {
        failures--;
        throw Object.assign(new Error('boom'), { name: 'ServiceUnavailableException' });
      }
      batches.push([...batch]);
    },
  };
  return sink;
}

function trail(sink: AuditSink, over: Partial<ConstructorParameters<typeof AuditTrail>[0]> = {}) {
  const logs = captureLog();
  const t = new AuditTrail({
    instanceId: 'unit-1',
    sink,
    log: logs.log,
    maxBufferedRecords: 1_000,
    unhealthyPendingRecords: 100,
    unhealthyPendingAgeMs: 60_000,
    flushIntervalMs: 3_600_000,
    retry: { baseDelayMs: 1, maxDelayMs: 2 },
    ...over,
  });
  return { t, logs };
}

const lines = (batches: AuditEntry[][]) => batches.flat().map((e) => e.line);

describe('AuditTrail batching', () => {
  it('never builds a batch over the event-count limit', async () => {
    const sink = memorySink({ maxEvents: 3 });
    const { t } = trail(sink);
    await t.start({ type: 'audit_start' }); // shipped at once: it proves the sink delivers
    await t.flush();
    for (let i = 0; i < 10; i++) t.append({ type: 'outcome', i });
    await t.flush();
    expect(sink.batches.map((b) => b.length)).toEqual([1, 3, 3, 3, 1]);
    expect(sink.batches.flat().map((e) => e.seq)).toEqual([...Array(11).keys()]);
  });

  it('records arriving while a batch is in flight wait for the next interval unless they fill a batch', async () => {
    const sink = memorySink({ maxEvents: 5 });
    let release!: () => void;
    const inner = sink.send.bind(sink);
    const gate = new Promise<void>((r) => (release = r));
    sink.send = async (batch) => {
      await gate;
      return inner(batch);
    };
    const { t } = trail(sink);
    await t.start({ type: 'audit_start' });
    const first = t.flush(); // seq 0 (shipped at start) waits on the gate
    for (let i = 0; i < 7; i++) t.append({ type: 'outcome', i }); // seq 1..7 arrive while it is in flight
    release();
    await first;
    // The in-flight drain sent seq 0 and the full batch of five (1..5), not the two records short of a batch.
    expect(sink.batches.map((b) => b.map((e) => e.seq))).toEqual([[0], [1, 2, 3, 4, 5]]);
    await t.flush(); // the next interval (or an explicit flush) delivers the rest
    expect(sink.batches.map((b) => b.map((e) => e.seq))).toEqual([[0], [1, 2, 3, 4, 5], [6, 7]]);
  });

  it('never builds a batch over the byte limit (26 bytes overhead per event)', async () => {
    const sink = memorySink({ maxBytes: 2_000 });
    const { t } = trail(sink);
    await t.start({ type: 'audit_start' });
    for (let i = 0; i < 20; i++) t.append({ type: 'outcome', pad: 'x'.repeat(300) });
    await t.flush();
    for (const b of sink.batches) expect(b.reduce((n, e) => n + e.bytes + 26, 0)).toBeLessThanOrEqual(2_000);
    expect(sink.batches.length).toBeGreaterThan(3);
    expect(verifyAuditLog(lines(sink.batches)).ok).toBe(true);
  });

  it('splits batches at the 24 h span and where the clock stepped back, keeping seq order', async () => {
    const sink = memorySink();
    const { t, logs } = trail(sink);
    const real = Date.now();
    const clock = jest.spyOn(Date, 'now');
    try {
      clock.mockReturnValue(real - 25 * 3_600_000);
      await t.start({ type: 'audit_start' });
      t.append({ type: 'outcome', n: 1 });
      clock.mockReturnValue(real);
      t.append({ type: 'outcome', n: 2 }); // 25 h later: new batch
      clock.mockReturnValue(real - 30_000);
      t.append({ type: 'outcome', n: 3 }); // small step back: held at the previous time, same batch
      clock.mockReturnValue(real - 3_600_000);
      t.append({ type: 'outcome', n: 4 }); // an hour back: followed, new batch
      clock.mockReturnValue(real);
      await t.flush();
    } finally {
      clock.mockRestore();
    }
    expect(sink.batches.map((b) => b.map((e) => e.seq))).toEqual([[0], [1], [2, 3], [4]]);
    expect(sink.batches[2][1].timestamp).toBe(sink.batches[2][0].timestamp);
    expect(logs.entries().some((e) => e.level === 'warn' && /clock stepped back/.test(e.msg))).toBe(true);
  });

  it('ships a full batch at once, without waiting for the interval', async () => {
    const sink = memorySink({ maxEvents: 5 });
    const { t } = trail(sink);
    await t.start({ type: 'audit_start' });
    await t.flush();
    for (let i = 0; i < 5; i++) t.append({ type: 'outcome' });
    await waitFor(() => sink.batches.length === 2, 1_000, 'full batch');
    expect(sink.batches[1]).toHaveLength(5);
  });
});

describe('AuditTrail failures', () => {
  it('retries a failed batch with backoff until it lands, in order, with nothing lost', async () => {
    const sink = memorySink({ maxEvents: 4 });
    const { t, logs } = trail(sink);
    await t.start({ type: 'audit_start' });
    sink.failNext(5);
    for (let i = 0; i < 9; i++) t.append({ type: 'outcome', i });
    await t.flush();
    expect(sink.batches.flat().map((e) => e.seq)).toEqual([...Array(10).keys()]);
    expect(t.stats()).toMatchObject({ sinkFailures: 5, consecutiveFailures: 0, delivered: 10, buffered: 0 });
    const entries = logs.entries();
    expect(entries.filter((e) => e.level === 'error' && /delivery failed/.test(e.msg))).toHaveLength(1); // rate-limited
    expect(entries.some((e) => /recovered/.test(e.msg))).toBe(true);
  });

  it('records an overflow once calls find room again, with the count dropped', async () => {
    const sink = memorySink();
    // 20 records: 3 kept for the trail's notices, 17 for calls.
    const { t, logs } = trail(sink, { maxBufferedRecords: 20, retry: { baseDelayMs: 5, maxDelayMs: 5 } });
    sink.failNext(1_000_000);
    await t.start({ type: 'audit_start' });
    for (let i = 0; i < 16; i++) expect(t.append({ type: 'outcome' })).toBe(true);
    for (let i = 0; i < 7; i++) expect(t.append({ type: 'outcome' })).toBe(false);
    expect(t.stats()).toMatchObject({ dropped: 7, buffered: 17, healthy: false });
    expect(logs.entries().filter((e) => e.level === 'error' && /buffer full/.test(e.msg))).toHaveLength(1);
    sink.failNext(0);
    await t.flush();
    t.append({ type: 'outcome', after: true });
    await t.flush();
    const recs = sink.batches.flat().map((e) => JSON.parse(e.line) as Record<string, unknown>);
    expect(recs.map((r) => r.type)).toEqual(['audit_start', ...Array(16).fill('outcome'), 'audit_overflow', 'outcome']);
    expect(recs[17]).toMatchObject({ reason: 'buffer_full', dropped: 7 });
    const v = verifyAuditLog(lines(sink.batches));
    expect(v.ok).toBe(true);
    expect(v.instances[0].reportedDropped).toBe(7);
    expect(logs.entries().some((e) => e.level === 'error' && e.dropped === 7)).toBe(true);
  });

  it('close() gives up at the deadline and reports what was not delivered', async () => {
    const sink = memorySink();
    const { t, logs } = trail(sink);
    sink.failNext(1_000_000);
    await t.start({ type: 'audit_start' });
    t.append({ type: 'outcome' });
    const started = Date.now();
    await t.close(() => ({ type: 'audit_stop' }), 100);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(logs.entries().find((e) => /not delivered before the shutdown deadline/.test(e.msg))).toMatchObject({ lost: 3, firstSeq: 0, lastSeq: 2 });
  });
});
