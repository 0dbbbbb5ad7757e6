/**
 * What the trail owes a fail-closed proxy (docs/AUDIT.md, "What fail-closed guarantees"): an outcome slot held for
 * every forwarded call, refusals counted in audit_refusals records inside the reserved part of the buffer, health
 * that follows delivery (start-up, records stalled, a slow sink) and clears at the first successful delivery.
 * The clock is injected and the sink is gated by hand: nothing here depends on timing.
 */
import { RefusalCounter, MAX_REFUSAL_ENTRIES } from './refusals';
import { AuditTrail, reservedSlots } from './trail';
import type { AuditEntry, AuditSink } from './sinks/types';
import { verifyAuditLog } from './verify';
import { captureLog } from './test-fixtures';

/** A batch sink whose sends wait until the test answers them (ok or fail), one at a time. */
function gatedSink() {
  const batches: AuditEntry[][] = [];
  const waiting: { batch: readonly AuditEntry[]; ok: () => void; fail: () => void }[] = [];
  const sink: AuditSink = {
    name: 'cloudwatch',
    destination: 'gated',
    synchronous: false,
    limits: { maxEvents: 10_000, maxBytes: 1_048_576, overheadBytes: 26, maxSpanMs: 86_340_000 },
    send(batch) {
      return new Promise<void>((resolve, reject) => {
        waiting.push({
          batch,
          ok: () => {
            batches.push([...batch]);
            resolve();
          },
          fail: () => reject(Object.assign(new Error('down'), { name: 'ServiceUnavailableException' })),
        });
      });
    },
  };
  /** Answers the oldest waiting send (waits for one to be made first). */
  const answer = async (how: 'ok' | 'fail'): Promise<readonly AuditEntry[]> => {
    for (let i = 0; i < 1000 && waiting.length === 0; i++) await new Promise((r) => setImmediate(r));
    const w = waiting.shift();
    if (!w) throw new Error('no send waiting');
    w[how]();
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    return w.batch;
  };
  return { sink, batches, answer, waiting };
}

function setup(over: Partial<ConstructorParameters<typeof AuditTrail>[0]> = {}) {
  const clock = { now: 1_800_000_000_000 };
  const g = gatedSink();
  const t = new AuditTrail({
    instanceId: 'unit-g',
    sink: g.sink,
    log: captureLog().log,
    maxBufferedRecords: 40,
    unhealthyPendingRecords: 30,
    unhealthyPendingAgeMs: 5_000,
    flushIntervalMs: 3_600_000,
    retry: { baseDelayMs: 0, maxDelayMs: 0 },
    now: () => clock.now,
    ...over,
  });
  return { t, clock, ...g };
}

const parsed = (batches: AuditEntry[][]) => batches.flat().map((e) => JSON.parse(e.line) as Record<string, unknown>);

describe('AuditTrail start-up', () => {
  it('is unhealthy ("starting") until the sink accepted audit_start, retries it, and is healthy at the first delivery', async () => {
    const s = setup();
    await s.t.start({ type: 'audit_start' });
    let proven = false;
    void s.t.whenProven.then(() => (proven = true));
    expect(s.t.unhealthyReason()).toBe('starting');
    await s.answer('fail');
    await s.answer('fail');
    expect(s.t.unhealthyReason()).toBe('starting');
    expect(proven).toBe(false);
    await s.answer('ok');
    expect(proven).toBe(true);
    expect(s.t.unhealthyReason()).toBeUndefined();
    expect(parsed(s.batches).map((r) => r.type)).toEqual(['audit_start']);
  });
});

describe('AuditTrail outcome slots (reserve / appendReserved)', () => {
  it('forwards a call only with room for its decision and its outcome; unreserved records never take a held slot', async () => {
    const s = setup({ maxBufferedRecords: 20, unhealthyPendingRecords: 20 });
    await s.t.start({ type: 'audit_start' });
    await s.answer('ok');
    const calls = reservedSlots(20); // 3 kept for notices: 17 for calls
    expect(calls).toBe(3);
    let reserved = 0;
    while (s.t.reserve({ type: 'decision', n: reserved })) reserved++;
    expect(reserved).toBe(8); // 8 decisions + 8 held outcome slots = 16; a 9th would need 18 > 17
    expect(s.t.unhealthyReason()).toBe('buffer_full');
    // One slot is left for calls; unreserved records (denials, lists) may take it, never the held ones.
    expect(s.t.append({ type: 'outcome', unreserved: 1 })).toBe(true);
    expect(s.t.append({ type: 'outcome', unreserved: 2 })).toBe(false);
    for (let i = 0; i < reserved; i++) s.t.appendReserved({ type: 'outcome', n: i });
    expect(s.t.stats()).toMatchObject({ buffered: 17, reservedOutcomes: 0, dropped: 1 });
    await Promise.all([s.t.close(() => ({ type: 'audit_stop' }), 60_000), s.answer('ok'), s.answer('ok')]);
    const recs = parsed(s.batches);
    for (let i = 0; i < reserved; i++) expect(recs.filter((r) => r.n === i).map((r) => r.type)).toEqual(['decision', 'outcome']);
    expect(recs.filter((r) => r.type === 'audit_overflow')).toEqual([expect.objectContaining({ dropped: 1 })]);
    expect(verifyAuditLog(recs.map((r) => JSON.stringify(r)))).toMatchObject({ ok: true });
  });

  it('an outcome goes into its held slot even when the rest of the buffer is full', async () => {
    const s = setup({ maxBufferedRecords: 20, unhealthyPendingRecords: 20 });
    await s.t.start({ type: 'audit_start' });
    await s.answer('ok');
    expect(s.t.reserve({ type: 'decision' })).toBe(true);
    while (s.t.append({ type: 'outcome', filler: true }));
    expect(s.t.stats().buffered + s.t.stats().reservedOutcomes).toBe(17);
    s.t.appendReserved({ type: 'outcome', held: true });
    expect(s.t.stats()).toMatchObject({ buffered: 17, reservedOutcomes: 0 });
  });
});

describe('AuditTrail refusals', () => {
  it('counts refusals per caller and reason in one audit_refusals record per interval, inside the reserved part', async () => {
    const s = setup({ maxBufferedRecords: 20, unhealthyPendingRecords: 20 });
    await s.t.start({ type: 'audit_start' });
    await s.answer('ok');
    // Fill the part for calls completely: refusals still get their record.
    while (s.t.reserve({ type: 'decision' }));
    while (s.t.append({ type: 'outcome' }));
    const alice = { kind: 'jwt' as const, sub: 'alice', clientId: 'app', groups: ['a', 'b'] };
    const bob = { kind: 'jwt' as const, sub: 'bob', groups: [] };
    for (let i = 0; i < 500; i++) s.t.noteRefusal(alice, 'buffer_full');
    for (let i = 0; i < 3; i++) s.t.noteRefusal(bob, 'sink_stalled');
    s.t.noteRefusal(undefined, 'shutting_down');
    const closing = s.t.close((st) => ({ type: 'audit_stop', refused: st.refused }), 60_000);
    while (s.waiting.length > 0 || s.t.stats().buffered > 0) await s.answer('ok');
    await closing;
    const recs = parsed(s.batches);
    const summaries = recs.filter((r) => r.type === 'audit_refusals');
    expect(summaries).toEqual([
      expect.objectContaining({
        refused: 504,
        counts: [
          { caller: { kind: 'jwt', sub: 'alice', clientId: 'app' }, reason: 'buffer_full', count: 500 },
          { caller: { kind: 'jwt', sub: 'bob' }, reason: 'sink_stalled', count: 3 },
          { reason: 'shutting_down', count: 1 },
        ],
      }),
    ]);
    expect(recs.at(-1)).toMatchObject({ type: 'audit_stop', refused: 504 });
    const v = verifyAuditLog(recs.map((r) => JSON.stringify(r)));
    expect(v).toMatchObject({ ok: true });
    expect(v.instances[0].reportedRefused).toBe(504);
  });

  it('summaries stay in the reserved part during a long outage: counts carry over, the part for calls keeps its room', async () => {
    const s = setup({ maxBufferedRecords: 20, unhealthyPendingRecords: 20 }); // 3 notice slots: 1 for a summary
    await s.t.start({ type: 'audit_start' });
    await s.answer('ok');
    const bob = { kind: 'jwt' as const, sub: 'bob', groups: [] };
    for (let interval = 0; interval < 10; interval++) {
      s.t.noteRefusal(bob, 'sink_stalled');
      s.t.tick(); // the first interval's summary waits undelivered (the sink does not answer); later counts carry over
    }
    expect(s.t.stats()).toMatchObject({ buffered: 1, refused: 10 });
    let calls = 0;
    while (s.t.reserve({ type: 'decision', n: calls })) calls++;
    expect(calls).toBe(8); // the whole part for calls (17) is still there: 8 decisions + 8 held outcome slots
    for (let i = 0; i < calls; i++) s.t.appendReserved({ type: 'outcome', n: i });
    const closing = s.t.close((st) => ({ type: 'audit_stop', refused: st.refused }), 60_000);
    while (s.waiting.length > 0 || s.t.stats().buffered > 0) await s.answer('ok');
    await closing;
    const summaries = parsed(s.batches).filter((r) => r.type === 'audit_refusals');
    expect(summaries.map((r) => r.refused)).toEqual([1, 9]);
    expect(verifyAuditLog(parsed(s.batches).map((r) => JSON.stringify(r)))).toMatchObject({ ok: true });
  });

  it('lists at most 100 callers per record and sums the rest; counts carry over until a record holds them', () => {
    const c = new RefusalCounter();
    for (let i = 0; i < MAX_REFUSAL_ENTRIES + 20; i++) c.add({ kind: 'jwt', sub: `u${i}`, groups: [] }, 'slow_delivery', 1_000 + i);
    c.add({ kind: 'jwt', sub: 'u0', groups: [] }, 'slow_delivery', 2_000);
    expect(c.pending).toBe(121);
    const r = c.take()!;
    expect(r).toMatchObject({ type: 'audit_refusals', refused: 121, otherCallers: { callers: 20, refused: 20 } });
    const counts = r.counts as { count: number }[];
    expect(counts).toHaveLength(MAX_REFUSAL_ENTRIES);
    expect(counts.reduce((n, e) => n + e.count, 0) + 20).toBe(121);
    expect(c.take()).toBeUndefined();
    expect(c.refused).toBe(121);
  });
});

describe('AuditTrail health follows delivery', () => {
  it('unhealthy once more than unhealthyPendingRecords are undelivered (held outcome slots count)', async () => {
    const s = setup({ unhealthyPendingRecords: 6 });
    await s.t.start({ type: 'audit_start' });
    await s.answer('ok');
    expect(s.t.reserve({ type: 'decision' })).toBe(true);
    expect(s.t.reserve({ type: 'decision' })).toBe(true); // 4 held
    expect(s.t.unhealthyReason()).toBe(undefined); // 4 + 2 = 6
    expect(s.t.append({ type: 'outcome' })).toBe(true); // 5 held
    expect(s.t.unhealthyReason()).toBe('pending_records');
  });

  it('unhealthy when records waited unhealthyPendingAgeMs without a delivery (an outage at light traffic); the first delivery clears it', async () => {
    const s = setup();
    await s.t.start({ type: 'audit_start' });
    await s.answer('ok');
    s.t.append({ type: 'outcome' });
    void s.t.flush();
    await s.answer('fail');
    s.clock.now += 4_999;
    expect(s.t.unhealthyReason()).toBeUndefined(); // a short throttle refuses nothing
    s.clock.now += 1;
    expect(s.t.unhealthyReason()).toBe('sink_stalled');
    await s.answer('ok');
    expect(s.t.unhealthyReason()).toBeUndefined();
    expect(s.t.stats()).toMatchObject({ healthy: true, buffered: 0, consecutiveFailures: 0 });
  });

  it('a slow sink is unhealthy while what waits would take unhealthyPendingAgeMs to deliver, long before the buffer fills; a fast delivery clears it at once', async () => {
    const s = setup({ maxBufferedRecords: 10_000, unhealthyPendingRecords: 5_000 });
    await s.t.start({ type: 'audit_start' });
    await s.answer('ok');
    s.t.append({ type: 'outcome', n: 1 });
    void s.t.flush();
    s.clock.now += 1_000;
    s.t.append({ type: 'outcome', n: 2 });
    expect(s.t.unhealthyReason()).toBeUndefined(); // in flight for 1 s
    s.clock.now += 4_000;
    expect(s.t.unhealthyReason()).toBeDefined(); // in flight for 5 s, nothing delivered meanwhile
    await s.answer('ok'); // answered after 5 s: the last send's pace is 5 s per batch
    expect(s.t.stats()).toMatchObject({ lastSendMs: 5_000, buffered: 1 });
    expect(s.t.unhealthyReason()).toBe('slow_delivery');
    expect(s.t.stats().buffered).toBeLessThan(100);
    void s.t.flush();
    s.clock.now += 20;
    await s.answer('ok'); // the sink is fast again
    expect(s.t.stats()).toMatchObject({ lastSendMs: 20, buffered: 0 });
    expect(s.t.unhealthyReason()).toBeUndefined();
    s.t.append({ type: 'outcome', n: 3 });
    expect(s.t.unhealthyReason()).toBeUndefined();
  });
});
