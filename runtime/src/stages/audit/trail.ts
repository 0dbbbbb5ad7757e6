/**
 * The audit trail of one proxy instance: seals records into a hash chain (instanceId, seq, prevHash, hash), holds
 * them in a bounded in-memory buffer, and ships them to a sink in order, in batches, retrying failed batches with
 * exponential backoff and full jitter until they are accepted (or the shutdown deadline passes).
 *
 * Nothing is dropped silently: when the buffer is full a record is refused, counted, logged at error level and an
 * `audit_overflow` record with the count is written as soon as there is room; records the destination refused for
 * good (CloudWatch `rejectedLogEventsInfo`) are reported the same way with their sequence numbers.
 *
 * The buffer has two parts (docs/AUDIT.md, "What fail-closed guarantees"): records of calls, each forwarded call
 * holding a slot for its outcome from the moment its decision is accepted (`reserve` / `appendReserved`), so the
 * outcome of an executed call is never dropped; and a small reserved part for the trail's own notices (loss notices,
 * `audit_refusals` summaries, `audit_stop`), which a flood of calls cannot fill.
 */
import type { CallerInfo, RecordBody } from './record';
import { batchLength, seqRanges } from './batching';
import { ChainSealer } from './sealer';
import { DeliveryMonitor } from './delivery';
import { RefusalCounter, type RefusalReason } from './refusals';
import { SinkFailures } from './sink-failures';
import type { AuditEntry } from './sinks/types';
import { reservedSlots, type TrailOptions, type TrailStats } from './trail-types';

export { reservedSlots, type TrailOptions, type TrailStats } from './trail-types';

export class AuditTrail {
  private readonly buffer: AuditEntry[] = [];
  /** Sum of `bytes + overheadBytes` over the buffer. */
  private bufferedBytes = 0;
  private flushing?: Promise<void>;
  /** Records with a lower seq are due for delivery now (set by the flush timer and by flush()). */
  private dueBefore = 0;
  private timer?: NodeJS.Timeout;
  private wakeSleeper?: () => void;
  private closing?: Promise<void>;
  private closed = false;
  private deadline = Infinity;
  /** Drops not yet recorded in an audit_overflow record. */
  private overflow?: { dropped: number; first: number; last: number };
  /** Loss notices (sink rejections) waiting for room. */
  private readonly notices: RecordBody[] = [];
  private counters = { delivered: 0, dropped: 0, rejected: 0 };
  private readonly failures: SinkFailures;
  /** Outcome slots held by forwarded calls in flight. */
  private reservedOutcomes = 0;
  private readonly delivery = new DeliveryMonitor();
  private readonly refusals = new RefusalCounter();
  /** Records of calls may use the buffer up to here; the rest is kept for the trail's notices. */
  private readonly callCapacity: number;
  /** Slots of the buffer for the trail's notices (loss notices, audit_refusals, audit_stop), and how many are used. */
  private readonly noticeSlots: number;
  private noticesBuffered = 0;
  private readonly now: () => number;
  private readonly sealer: ChainSealer;

  constructor(private readonly opts: TrailOptions) {
    this.noticeSlots = reservedSlots(opts.maxBufferedRecords);
    this.callCapacity = opts.maxBufferedRecords - this.noticeSlots;
    this.now = opts.now ?? (() => Date.now());
    this.sealer = new ChainSealer(opts.instanceId, opts.log, this.now);
    this.failures = new SinkFailures(opts.log, opts.sink.destination);
  }

  /**
   * Prepares the sink (one attempt; a failure counts as a failed delivery and is retried with backoff until it
   * succeeds), seals `first` (audit_start) and ships it at once, and starts the flush timer. Does not wait for the
   * delivery: `whenProven` resolves when the sink has accepted it, and until then the trail is unhealthy.
   */
  async start(first: RecordBody): Promise<void> {
    if (this.opts.sink.start) {
      try {
        await this.opts.sink.start();
      } catch (err) {
        this.noteFailure(err);
      }
    }
    this.append(first);
    this.kick();
    this.timer = setInterval(() => this.tick(), this.opts.flushIntervalMs);
    this.timer.unref();
  }

  /** What the flush timer does every interval: write the refusals counted since the last summary, ship what is due. */
  tick(): void {
    this.writeNotices('interval');
    this.kick();
  }

  /** Resolves when the sink first accepted a record (never, while it cannot). */
  get whenProven(): Promise<void> {
    return this.delivery.whenProven;
  }

  /** Whether a fail-closed proxy may forward a call now (see unhealthyReason). */
  healthy(): boolean {
    return this.unhealthyReason() === undefined;
  }

  /**
   * Why a call must not be forwarded now, or undefined: the sink has not yet accepted a record since start-up; the
   * buffer has no room for a decision and its outcome; more than `unhealthyPendingRecords` records are undelivered;
   * records have waited `unhealthyPendingAgeMs` without any delivery; or delivering what waits would take that long
   * at the last send's pace (a slow sink). A successful delivery clears the last two at once.
   */
  unhealthyReason(): RefusalReason | undefined {
    if (this.closed) return 'closed';
    if (!this.delivery.proven) return 'starting';
    if (this.callsHeld() + 2 > this.callCapacity) return 'buffer_full';
    if (this.buffer.length + this.reservedOutcomes + 2 > this.opts.unhealthyPendingRecords) return 'pending_records';
    if (this.buffer.length > 0) {
      const now = this.now();
      const since = Math.max(this.buffer[0].timestamp, this.delivery.lastDeliveredAt ?? 0);
      if (now - since >= this.opts.unhealthyPendingAgeMs) return 'sink_stalled';
      const { maxEvents, maxBytes } = this.opts.sink.limits;
      const batches = Math.max(Math.ceil(this.buffer.length / maxEvents), Math.ceil(this.bufferedBytes / maxBytes));
      if (this.delivery.projectedMs(batches, now) >= this.opts.unhealthyPendingAgeMs) return 'slow_delivery';
    }
    return undefined;
  }

  /**
   * Seals a decision record and holds a slot for its outcome. Returns false (nothing sealed, nothing counted) when
   * the part of the buffer for calls has no room for both.
   */
  reserve(decision: RecordBody): boolean {
    if (this.closed) return false;
    this.writeNotices();
    if (this.overflow || this.callsHeld() + 2 > this.callCapacity) return false;
    this.seal(decision);
    this.reservedOutcomes++;
    return true;
  }

  /** Seals the outcome of a call whose decision was accepted by `reserve`, into the slot held for it. */
  appendReserved(outcome: RecordBody): void {
    this.release();
    if (this.closed) {
      this.append(outcome);
      return;
    }
    this.seal(outcome);
  }

  /** Gives up the outcome slot of a reserved call (its outcome record could not be built). */
  release(): void {
    if (this.reservedOutcomes > 0) this.reservedOutcomes--;
  }

  /** Counts a call refused because of the trail; one audit_refusals record per interval holds the counts. */
  noteRefusal(caller: CallerInfo | undefined, reason: RefusalReason): void {
    this.refusals.add(caller, reason, this.now());
  }

  /**
   * Seals a record that holds no slot and accepts it into the buffer (synchronous sinks write it at once). Returns
   * false when it was dropped because the part of the buffer for calls is full (or the trail is closed): the drop is
   * counted and audited.
   */
  append(body: RecordBody): boolean {
    if (this.closed) {
      this.counters.dropped++;
      this.opts.log.error('audit record after close: dropped', { type: body.type, destination: this.opts.sink.destination });
      return false;
    }
    this.writeNotices();
    if (this.overflow || this.callsHeld() >= this.callCapacity) {
      this.noteDrop();
      return false;
    }
    this.seal(body);
    return true;
  }

  /** Ships every record accepted so far; resolves when they are delivered (or the shutdown deadline passed). */
  async flush(): Promise<void> {
    this.kick();
    // A drain that was ending when these records became due may finish without them: start another.
    while (this.flushing) {
      await this.flushing;
      if (!this.shouldSend() || Date.now() >= this.deadline) return;
      this.startDrain();
    }
  }

  /**
   * Shutdown: delivers what is buffered, writes pending loss notices and the final `audit_stop` record (built from
   * the stats at that moment), and delivers those, all within `timeoutMs`. Whatever is still buffered then is
   * reported (count and sequence range) at error level. Idempotent.
   */
  close(stopRecord: (stats: TrailStats) => RecordBody, timeoutMs: number): Promise<void> {
    this.closing ??= (async () => {
      if (this.timer) clearInterval(this.timer);
      this.deadline = Date.now() + timeoutMs;
      this.wakeSleeper?.();
      await this.flushUntilDeadline();
      this.writeNotices('final');
      if (this.noticesBuffered < this.noticeSlots && !this.overflow && this.notices.length === 0) {
        this.seal(stopRecord(this.stats()), true);
      }
      this.closed = true;
      if (this.refusals.pending > 0) {
        this.opts.log.error('calls refused while the audit trail closed are in no audit_refusals record', { refused: this.refusals.pending });
      }
      await this.flushUntilDeadline();
      if (this.buffer.length > 0) {
        this.opts.log.error('audit records not delivered before the shutdown deadline', {
          lost: this.buffer.length,
          firstSeq: this.buffer[0].seq,
          lastSeq: this.buffer[this.buffer.length - 1].seq,
          destination: this.opts.sink.destination,
        });
      }
    })();
    return this.closing;
  }

  private async flushUntilDeadline(): Promise<void> {
    const left = this.deadline - Date.now();
    if (left <= 0) return;
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([this.flush(), new Promise<void>((r) => { timeout = setTimeout(r, left); })]);
    clearTimeout(timeout);
  }

  stats(): TrailStats {
    const now = this.now();
    const reason = this.unhealthyReason();
    return {
      instanceId: this.opts.instanceId,
      sink: this.opts.sink.name,
      destination: this.opts.sink.destination,
      nextSeq: this.sealer.nextSeq,
      buffered: this.buffer.length,
      ...this.counters,
      sinkFailures: this.failures.total,
      consecutiveFailures: this.failures.consecutive,
      ...(this.failures.lastError ? { lastError: this.failures.lastError } : {}),
      ...(this.delivery.lastDeliveredAt ? { lastDeliveredAt: new Date(this.delivery.lastDeliveredAt).toISOString() } : {}),
      reservedOutcomes: this.reservedOutcomes,
      refused: this.refusals.refused,
      proven: this.delivery.proven,
      oldestPendingMs: this.buffer.length > 0 ? Math.max(0, now - this.buffer[0].timestamp) : 0,
      ...(this.delivery.lastSendMs !== undefined ? { lastSendMs: this.delivery.lastSendMs } : {}),
      ...this.delivery.rates(now),
      healthy: reason === undefined,
      ...(reason ? { unhealthyReason: reason } : {}),
      closed: this.closed,
    };
  }

  /** Records of calls in the buffer, plus the outcome slots held for calls in flight. */
  private callsHeld(): number {
    return this.buffer.length - this.noticesBuffered + this.reservedOutcomes;
  }

  /** Seals a record into the chain; `notice` records (the trail's own) live in the reserved part of the buffer. */
  private seal(body: RecordBody, notice = false): void {
    const entry = this.sealer.seal(body);
    this.delivery.arrived(entry.timestamp);
    if (this.opts.sink.synchronous && this.buffer.length === 0 && !this.flushing) {
      try {
        void this.opts.sink.send([entry]);
        this.noteDelivered(1, true);
        return;
      } catch (err) {
        this.noteFailure(err);
      }
    }
    this.buffer.push(notice ? { ...entry, notice } : entry);
    if (notice) this.noticesBuffered++;
    this.bufferedBytes += entry.bytes + this.opts.sink.limits.overheadBytes;
    // A full batch is waiting: ship it now rather than at the next interval.
    if (this.fullBatchWaiting()) this.startDrain();
  }

  /**
   * Writes pending loss notices, (on `when: 'interval' | 'final'`) the refusals counted since the last summary, and
   * the pending overflow count, while the reserved part has room. The last slot is kept for audit_stop, the one
   * before it for loss notices; refusal counts that find no room carry over to the next summary. The overflow count
   * is written once calls find room again (one record per episode), or at shutdown.
   */
  private writeNotices(when: 'record' | 'interval' | 'final' = 'record'): void {
    const room = (keep: number) => !this.closed && this.noticesBuffered < this.noticeSlots - keep;
    while (this.notices.length > 0 && room(1)) {
      this.seal(this.notices.shift()!, true);
    }
    // The last slot is audit_stop's; at shutdown the refusal counts may take the one before it.
    if (when !== 'record' && this.refusals.pending > 0 && room(when === 'final' ? 1 : 2)) this.seal(this.refusals.take()!, true);
    const episodeOver = when === 'final' || this.callsHeld() < this.callCapacity;
    if (this.overflow && this.notices.length === 0 && episodeOver && room(1)) {
      const o = this.overflow;
      this.overflow = undefined;
      this.seal({
        type: 'audit_overflow',
        reason: 'buffer_full',
        dropped: o.dropped,
        firstDroppedAt: new Date(o.first).toISOString(),
        lastDroppedAt: new Date(o.last).toISOString(),
      }, true);
      this.opts.log.error('audit records were dropped (buffer full); an audit_overflow record counts them', {
        dropped: o.dropped,
        overflowSeq: this.sealer.nextSeq - 1,
      });
    }
  }

  private noteDrop(): void {
    const now = this.now();
    this.counters.dropped++;
    if (this.overflow) {
      this.overflow.dropped++;
      this.overflow.last = now;
      return;
    }
    this.overflow = { dropped: 1, first: now, last: now };
    this.opts.log.error('audit buffer full: dropping audit records until the sink catches up', {
      maxBufferedRecords: this.opts.maxBufferedRecords,
      destination: this.opts.sink.destination,
    });
  }

  private noteDelivered(n: number, synchronous = false): void {
    const now = this.now();
    this.counters.delivered += n;
    this.delivery.delivered(n, now, synchronous);
    this.failures.succeeded(now);
  }

  private noteFailure(err: unknown): void {
    this.delivery.failed();
    this.failures.failed(err, this.now(), this.buffer.length);
  }

  /** Makes every record accepted so far due, and ships them. */
  private kick(): void {
    this.dueBefore = this.sealer.nextSeq;
    this.startDrain();
  }

  private fullBatchWaiting(): boolean {
    return this.buffer.length >= this.opts.sink.limits.maxEvents || this.bufferedBytes >= this.opts.sink.limits.maxBytes;
  }

  /**
   * Whether the head of the buffer should be sent now: it is due (flush timer, flush(), shutdown) or fills a whole
   * batch. Records that arrive while a batch is in flight wait for the next interval unless they fill a batch: under
   * load the trail sends few, full batches instead of one small batch per round trip.
   */
  private shouldSend(): boolean {
    return this.buffer.length > 0 && (this.buffer[0].seq < this.dueBefore || this.fullBatchWaiting());
  }

  private startDrain(): void {
    if (this.flushing || !this.shouldSend()) return;
    this.flushing = this.drain().finally(() => {
      this.flushing = undefined;
    });
  }

  private async drain(): Promise<void> {
    while (this.shouldSend() && Date.now() < this.deadline) {
      const n = batchLength(this.buffer, this.opts.sink.limits);
      const batch = this.buffer.slice(0, n);
      try {
        this.delivery.sending(this.now());
        const res = await this.opts.sink.send(batch);
        this.buffer.splice(0, n);
        for (const e of batch) if (e.notice) this.noticesBuffered--;
        for (const e of batch) this.bufferedBytes -= e.bytes + this.opts.sink.limits.overheadBytes;
        const rejected = res?.rejected ?? [];
        this.noteDelivered(n - rejected.length);
        if (rejected.length > 0) this.noteRejected(rejected);
        this.writeNotices();
      } catch (err) {
        this.noteFailure(err);
        const base = Math.min(this.opts.retry.maxDelayMs, this.opts.retry.baseDelayMs * 2 ** Math.min(30, this.failures.consecutive - 1));
        await this.sleep(Math.min(Math.random() * base, Math.max(0, this.deadline - Date.now())));
      }
    }
  }

  private noteRejected(rejected: readonly AuditEntry[]): void {
    this.counters.rejected += rejected.length;
    const ranges = seqRanges(rejected);
    this.opts.log.error('the audit destination rejected records (too old or too new): they are lost', {
      destination: this.opts.sink.destination,
      rejected: rejected.length,
      seqRanges: ranges,
    });
    this.notices.push({ type: 'audit_overflow', reason: 'sink_rejected', dropped: rejected.length, seqRanges: ranges });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.wakeSleeper = undefined;
        resolve();
      };
      const t = setTimeout(done, ms);
      t.unref();
      this.wakeSleeper = done;
    });
  }
}
