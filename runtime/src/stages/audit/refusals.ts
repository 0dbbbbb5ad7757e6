/**
 * Calls refused because of the audit trail itself (fail-closed: the sink is not ready, is failing or too slow, the
 * buffer is full, or the proxy is shutting down) are counted here, per caller and reason, and written as one
 * `audit_refusals` record per flush interval rather than one record each: a flood of refused calls then costs a
 * bounded number of records (in the buffer's reserved part) and cannot displace the records of executed calls.
 * Counts carry over until a record holds them, so the records account for every refused call.
 */
import type { CallerInfo, RecordBody } from './record';

/** Distinct callers listed per record; the rest are summed in `otherCallers`. */
export const MAX_REFUSAL_ENTRIES = 100;

export type RefusalReason = 'starting' | 'sink_stalled' | 'slow_delivery' | 'pending_records' | 'buffer_full' | 'shutting_down' | 'closed';

interface Entry {
  readonly caller?: Pick<CallerInfo, 'kind' | 'sub' | 'clientId'>;
  readonly reason: RefusalReason;
  count: number;
}

export class RefusalCounter {
  private entries = new Map<string, Entry>();
  private others = { callers: new Set<string>(), count: 0 };
  private total = 0;
  private first = 0;
  private last = 0;
  /** Refused calls since start (for stats). */
  refused = 0;

  add(who: CallerInfo | undefined, reason: RefusalReason, now: number): void {
    // Groups are left out: a summary lists up to 100 callers and must stay far below the event size limit.
    const caller = who ? { kind: who.kind, ...(who.sub !== undefined ? { sub: who.sub } : {}), ...(who.clientId !== undefined ? { clientId: who.clientId } : {}) } : undefined;
    const key = `${reason}\u0000${caller ? JSON.stringify(caller) : ''}`;
    if (this.total === 0) this.first = now;
    this.last = now;
    this.total++;
    this.refused++;
    const e = this.entries.get(key);
    if (e) e.count++;
    else if (this.entries.size < MAX_REFUSAL_ENTRIES) this.entries.set(key, { ...(caller ? { caller } : {}), reason, count: 1 });
    else {
      this.others.callers.add(key);
      this.others.count++;
    }
  }

  /** Refusals not yet in a record. */
  get pending(): number {
    return this.total;
  }

  /** The `audit_refusals` record of everything counted since the last one, and a fresh count; undefined if none. */
  take(): RecordBody | undefined {
    if (this.total === 0) return undefined;
    const body: RecordBody = {
      type: 'audit_refusals',
      refused: this.total,
      firstRefusedAt: new Date(this.first).toISOString(),
      lastRefusedAt: new Date(this.last).toISOString(),
      counts: [...this.entries.values()].map((e) => ({ ...e })),
      ...(this.others.count > 0 ? { otherCallers: { callers: this.others.callers.size, refused: this.others.count } } : {}),
    };
    this.entries = new Map();
    this.others = { callers: new Set(), count: 0 };
    this.total = 0;
    return body;
  }
}
