/** Options and counters of the audit trail (trail.ts). */
import type { Logger } from '../../log';
import type { RefusalReason } from './refusals';
import type { AuditSink } from './sinks/types';

export interface TrailOptions {
  readonly instanceId: string;
  readonly sink: AuditSink;
  readonly log: Logger;
  readonly maxBufferedRecords: number;
  /** Unhealthy once this many records (waiting, plus outcome slots held by calls in flight) are not yet delivered. */
  readonly unhealthyPendingRecords: number;
  /** Unhealthy once records wait this long without a delivery, or what waits would take this long to deliver. */
  readonly unhealthyPendingAgeMs: number;
  readonly flushIntervalMs: number;
  readonly retry: { readonly baseDelayMs: number; readonly maxDelayMs: number };
  /** The clock (tests). @default Date.now */
  readonly now?: () => number;
}

/** Slots of the buffer kept for the trail's own notices: loss notices, refusal summaries and audit_stop. */
export function reservedSlots(maxBufferedRecords: number): number {
  return Math.max(3, Math.min(64, Math.floor(maxBufferedRecords / 10)));
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
  /** Outcome slots held by forwarded calls still in flight. */
  readonly reservedOutcomes: number;
  /** Calls refused because of the audit trail (each counted in an audit_refusals record). */
  readonly refused: number;
  /** The sink has accepted a record since start-up (fail-closed start-up waits for this). */
  readonly proven: boolean;
  /** Age of the oldest record not yet delivered, in ms (0 when none waits). */
  readonly oldestPendingMs: number;
  /** Duration of the last successful send, in ms. */
  readonly lastSendMs?: number;
  /** Records sealed per second and records delivered per second, over the last 10 s. */
  readonly arrivalPerSec: number;
  readonly deliveryPerSec: number;
  readonly healthy: boolean;
  /** Why the trail is unhealthy (absent when healthy). */
  readonly unhealthyReason?: RefusalReason;
  readonly closed: boolean;
}
