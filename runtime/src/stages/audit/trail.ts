/**
 * The audit trail of one proxy instance: seals records into a hash chain (instanceId, seq, prevHash, hash), holds
 * them in a bounded in-memory buffer, and ships them to a sink in order, in batches, retrying failed batches with
 * exponential backoff and full jitter until they are accepted (or the shutdown deadline passes).
 *
 * Nothing is dropped silently: when the buffer is full a record is refused, counted, logged at error level and an
 * `audit_overflow` record with the count is written as soon as there is room; records the destination refused for
 * good (CloudWatch `rejectedLogEventsInfo`) are reported the same way with their sequence numbers.
 */
import type { Logger } from '../../log';
import { AUDIT_SCHEMA_VERSION, type RecordBody } from './record';
import { GENESIS_HASH, recordHash } from './chain';
import type { AuditEntry, AuditSink } from './sinks/types';

/** Records larger than this lose their optional `content` (CloudWatch's per-event limit has been 256 KB). */
const MAX_RECORD_BYTES = 256 * 1024 - 26;
const FAILURE_LOG_INTERVAL_MS = 30_000;
const CLOCK_STEP_BACK_TOLERANCE_MS = 60_000;

export interface TrailOptions {
  readonly instanceId: string;
  readonly sink: AuditSink;
  readonly log: Logger;
  readonly maxBufferedRecords: number;
  readonly unhealthyPendingRecords: number;
  readonly unhealthyPendingAgeMs: number;
  readonly flushIntervalMs: number;
  readonly retry: { readonly baseDelayMs: number; readonly maxDelayMs: number };
}

/** Counters and state of the trail (cumulative since start). */
export interface TrailStats {
  readonly instanceId: string;
  readonly sink: AuditSink['name'];
  readonly destination: string;
  /** Sequence number the next record gets (= records sealed so far). */
  readonly nextSeq: number;
  readonly buffered: number;
  readonly delivered: number;
  /** Records refused because the buffer was full (each counted in an audit_overflow record). */
  readonly dropped: number;
  /** Records the destination refused for good (too old / too new). */
  readonly rejected: number;
  readonly sinkFailures: number;
  readonly consecutiveFailures: number;
  readonly lastError?: string;
  readonly lastDeliveredAt?: string;
  readonly healthy: boolean;
  readonly closed: boolean;
}

function errorName(err: unknown): string {
  const e = err as { name?: string; code?: string };
  return e?.name && e.name !== 'Error' ? e.name : (e?.code ?? 'Error');
}

export class AuditTrail {
  private seq = 0;
  private prevHash = GENESIS_HASH;
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
  private lastFailureLogAt = 0;
  private failingSince?: number;
  private lastTs = 0;
  private counters = { delivered: 0, dropped: 0, rejected: 0, sinkFailures: 0 };
  private consecutiveFailures = 0;
  private lastError?: string;
  private lastDeliveredAt?: number;

  constructor(private readonly opts: TrailOptions) {}

  /** Prepares the sink (one attempt; a failure counts as a failed delivery and is retried) and starts the flush timer. */
  async start(first: RecordBody): Promise<void> {
    if (this.opts.sink.start) {
      try {
        await this.opts.sink.start();
      } catch (err) {
        this.noteFailure(err);
      }
    }
    this.append(first);
    this.timer = setInterval(() => this.kick(), this.opts.flushIntervalMs);
    this.timer.unref();
  }

  /** Whether a record would be accepted now and the sink is not failing with records piling up. */
  healthy(): boolean {
    if (this.closed) return false;
    const reserved = (this.overflow ? 1 : 0) + this.notices.length;
    if (this.buffer.length + reserved >= this.opts.maxBufferedRecords) return false;
    if (this.consecutiveFailures > 0 && this.buffer.length > 0) {
      if (this.buffer.length >= this.opts.unhealthyPendingRecords) return false;
      if (Date.now() - this.buffer[0].timestamp >= this.opts.unhealthyPendingAgeMs) return false;
    }
    return true;
  }

  /**
   * Seals a record and accepts it into the buffer (synchronous sinks write it at once). Returns false when it was
   * dropped because the buffer is full (or the trail is closed): the drop is counted and audited.
   */
  append(body: RecordBody): boolean {
    if (this.closed) {
      this.counters.dropped++;
      this.opts.log.error('audit record after close: dropped', { type: body.type, destination: this.opts.sink.destination });
      return false;
    }
    this.writeNotices();
    if (this.overflow || this.buffer.length >= this.opts.maxBufferedRecords) {
      this.noteDrop();
      return false;
    }
    this.seal(body);
    return true;
  }

  /** Ships every record accepted so far; resolves when they are delivered (or the shutdown deadline passed). */
  flush(): Promise<void> {
    this.kick();
    return this.flushing ?? Promise.resolve();
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
      this.writeNotices();
      if (this.buffer.length < this.opts.maxBufferedRecords && !this.overflow && this.notices.length === 0) {
        this.seal(stopRecord(this.stats()));
      }
      this.closed = true;
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
    return {
      instanceId: this.opts.instanceId,
      sink: this.opts.sink.name,
      destination: this.opts.sink.destination,
      nextSeq: this.seq,
      buffered: this.buffer.length,
      ...this.counters,
      consecutiveFailures: this.consecutiveFailures,
      ...(this.lastError ? { lastError: this.lastError } : {}),
      ...(this.lastDeliveredAt ? { lastDeliveredAt: new Date(this.lastDeliveredAt).toISOString() } : {}),
      healthy: this.healthy(),
      closed: this.closed,
    };
  }

  private seal(body: RecordBody): void {
    const ts = this.timestamp();
    let sealed = this.serialize(body, ts);
    let bytes = Buffer.byteLength(sealed.line, 'utf8');
    if (bytes > MAX_RECORD_BYTES && 'content' in body) {
      sealed = this.serialize({ ...body, content: { omitted: 'too_large' } }, ts);
      bytes = Buffer.byteLength(sealed.line, 'utf8');
    }
    const entry: AuditEntry = { seq: this.seq, timestamp: ts, line: sealed.line, bytes };
    this.lastTs = ts;
    this.prevHash = sealed.hash;
    this.seq++;
    if (this.opts.sink.synchronous && this.buffer.length === 0 && !this.flushing) {
      try {
        void this.opts.sink.send([entry]);
        this.noteDelivered(1);
        return;
      } catch (err) {
        this.noteFailure(err);
      }
    }
    this.buffer.push(entry);
    this.bufferedBytes += bytes + this.opts.sink.limits.overheadBytes;
    // A full batch is waiting: ship it now rather than at the next interval.
    if (this.fullBatchWaiting()) this.startDrain();
  }

  /**
   * Record time: the wall clock, held back to the previous record's time when the clock steps back a little, so that
   * CloudWatch (which orders a stream by timestamp) returns records in seq order. A step back of more than a minute
   * is followed (and logged): pinning times that far ahead would get records rejected as "too new".
   */
  private timestamp(): number {
    const now = Date.now();
    if (now >= this.lastTs) return now;
    if (this.lastTs - now <= CLOCK_STEP_BACK_TOLERANCE_MS) return this.lastTs;
    this.opts.log.warn('clock stepped back; audit record times follow it (verify such logs with --ignore-order)', { byMs: this.lastTs - now });
    return now;
  }

  private serialize(body: RecordBody, ts: number): { line: string; hash: string } {
    const { type, ...rest } = body;
    const record: Record<string, unknown> = {
      v: AUDIT_SCHEMA_VERSION,
      type,
      time: new Date(ts).toISOString(),
      instanceId: this.opts.instanceId,
      seq: this.seq,
      ...rest,
      prevHash: this.prevHash,
    };
    const hash = recordHash(record);
    record.hash = hash;
    return { line: JSON.stringify(record), hash };
  }

  /** Writes pending loss notices and the pending overflow count, in that order, while there is room. */
  private writeNotices(): void {
    while (this.notices.length > 0 && this.buffer.length < this.opts.maxBufferedRecords && !this.closed) {
      this.seal(this.notices.shift()!);
    }
    if (this.overflow && this.notices.length === 0 && this.buffer.length < this.opts.maxBufferedRecords && !this.closed) {
      const o = this.overflow;
      this.overflow = undefined;
      this.seal({
        type: 'audit_overflow',
        reason: 'buffer_full',
        dropped: o.dropped,
        firstDroppedAt: new Date(o.first).toISOString(),
        lastDroppedAt: new Date(o.last).toISOString(),
      });
      this.opts.log.error('audit records were dropped (buffer full); an audit_overflow record counts them', {
        dropped: o.dropped,
        overflowSeq: this.seq - 1,
      });
    }
  }

  private noteDrop(): void {
    const now = Date.now();
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

  private noteDelivered(n: number): void {
    this.counters.delivered += n;
    this.lastDeliveredAt = Date.now();
    if (this.consecutiveFailures > 0) {
      this.opts.log.info('audit sink recovered', {
        destination: this.opts.sink.destination,
        failedAttempts: this.consecutiveFailures,
        downMs: this.failingSince ? Date.now() - this.failingSince : undefined,
      });
    }
    this.consecutiveFailures = 0;
    this.failingSince = undefined;
  }

  private noteFailure(err: unknown): void {
    const now = Date.now();
    this.consecutiveFailures++;
    this.counters.sinkFailures++;
    this.lastError = errorName(err);
    this.failingSince ??= now;
    if (this.consecutiveFailures === 1 || now - this.lastFailureLogAt >= FAILURE_LOG_INTERVAL_MS) {
      this.lastFailureLogAt = now;
      const httpStatus = (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
      this.opts.log.error('audit sink delivery failed; retrying', {
        destination: this.opts.sink.destination,
        error: this.lastError,
        httpStatus,
        // Client-side failures (no HTTP answer: region missing, no credentials, DNS) are only explained by the message.
        ...(httpStatus === undefined ? { detail: String((err as Error)?.message ?? '').slice(0, 200) } : {}),
        attempt: this.consecutiveFailures,
        buffered: this.buffer.length,
      });
    }
  }

  /**
   * How many entries from the head make one batch within the sink's limits. A batch also ends where the clock went
   * backwards (CloudWatch refuses batches that are not in chronological order); seq, not time, orders the chain.
   */
  private batchSize(): number {
    const { maxEvents, maxBytes, overheadBytes, maxSpanMs } = this.opts.sink.limits;
    let bytes = 0;
    let n = 0;
    const first = this.buffer[0]?.timestamp ?? 0;
    let prev = first;
    for (const e of this.buffer) {
      if (n >= maxEvents) break;
      if (n > 0 && (bytes + e.bytes + overheadBytes > maxBytes || e.timestamp < prev || e.timestamp - first > maxSpanMs)) break;
      bytes += e.bytes + overheadBytes;
      prev = e.timestamp;
      n++;
    }
    return n;
  }

  /** Makes every record accepted so far due, and ships them. */
  private kick(): void {
    this.dueBefore = this.seq;
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
      const n = this.batchSize();
      const batch = this.buffer.slice(0, n);
      try {
        const res = await this.opts.sink.send(batch);
        this.buffer.splice(0, n);
        for (const e of batch) this.bufferedBytes -= e.bytes + this.opts.sink.limits.overheadBytes;
        const rejected = res?.rejected ?? [];
        this.noteDelivered(n - rejected.length);
        if (rejected.length > 0) this.noteRejected(rejected);
        this.writeNotices();
      } catch (err) {
        this.noteFailure(err);
        const base = Math.min(this.opts.retry.maxDelayMs, this.opts.retry.baseDelayMs * 2 ** Math.min(30, this.consecutiveFailures - 1));
        await this.sleep(Math.min(Math.random() * base, Math.max(0, this.deadline - Date.now())));
      }
    }
  }

  private noteRejected(rejected: readonly AuditEntry[]): void {
    this.counters.rejected += rejected.length;
    const ranges: [number, number][] = [];
    for (const e of rejected) {
      const last = ranges[ranges.length - 1];
      if (last && last[1] === e.seq - 1) last[1] = e.seq;
      else ranges.push([e.seq, e.seq]);
    }
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
