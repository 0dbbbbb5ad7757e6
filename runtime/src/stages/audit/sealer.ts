/**
 * Seals audit records into one instance's hash chain: adds `v`, `type`, `time`, `instanceId`, `seq` and `prevHash`,
 * computes `hash` (SHA-256 of the RFC 8785 canonical JSON of the record without it) and serializes the record as
 * one JSON line. Sequence numbers are given here only, so records that are never sealed leave no gap.
 */
import type { Logger } from '../../log';
import { GENESIS_HASH, recordHash } from './chain';
import { AUDIT_SCHEMA_VERSION, type RecordBody } from './record';
import type { AuditEntry } from './sinks/types';

/** Records larger than this lose their optional `content` (CloudWatch's per-event limit has been 256 KB). */
const MAX_RECORD_BYTES = 256 * 1024 - 26;
const CLOCK_STEP_BACK_TOLERANCE_MS = 60_000;

export class ChainSealer {
  private seq = 0;
  private prevHash = GENESIS_HASH;
  private lastTs = 0;

  constructor(
    private readonly instanceId: string,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  /** Sequence number the next record gets (= records sealed so far). */
  get nextSeq(): number {
    return this.seq;
  }

  seal(body: RecordBody): AuditEntry {
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
    return entry;
  }

  /**
   * Record time: the wall clock, held back to the previous record's time when the clock steps back a little, so that
   * CloudWatch (which orders a stream by timestamp) returns records in seq order. A step back of more than a minute
   * is followed (and logged): pinning times that far ahead would get records rejected as "too new".
   */
  private timestamp(): number {
    const now = this.now();
    if (now >= this.lastTs) return now;
    if (this.lastTs - now <= CLOCK_STEP_BACK_TOLERANCE_MS) return this.lastTs;
    this.log.warn('clock stepped back; audit record times follow it (verify such logs with --ignore-order)', { byMs: this.lastTs - now });
    return now;
  }

  private serialize(body: RecordBody, ts: number): { line: string; hash: string } {
    const { type, ...rest } = body;
    const record: Record<string, unknown> = {
      v: AUDIT_SCHEMA_VERSION,
      type,
      time: new Date(ts).toISOString(),
      instanceId: this.instanceId,
      seq: this.seq,
      ...rest,
      prevHash: this.prevHash,
    };
    const hash = recordHash(record);
    record.hash = hash;
    return { line: JSON.stringify(record), hash };
  }
}
