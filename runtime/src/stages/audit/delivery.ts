/**
 * How the audit sink is keeping up: whether it has ever accepted a record (start-up is fail-closed until it has),
 * when it last did, how long its last successful send took, and the arrival and delivery rates over the last few
 * seconds. The trail turns this into its health (see AuditTrail.unhealthyReason): a slow sink becomes unhealthy when
 * what waits would take longer than the configured bound to deliver, long before the buffer fills.
 */

const RATE_WINDOW_S = 10;

/** Events per second over the last RATE_WINDOW_S whole seconds plus the current one (one bucket per second). */
export class RateWindow {
  private readonly buckets = new Array<number>(RATE_WINDOW_S + 1).fill(0);
  private second = 0;

  add(n: number, now: number): void {
    this.roll(now);
    this.buckets[this.second % this.buckets.length] += n;
  }

  perSecond(now: number): number {
    this.roll(now);
    const sum = this.buckets.reduce((a, b) => a + b, 0);
    return Math.round((sum / RATE_WINDOW_S) * 10) / 10;
  }

  private roll(now: number): void {
    const s = Math.floor(now / 1000);
    if (this.second === 0) this.second = s;
    const steps = Math.min(s - this.second, this.buckets.length);
    for (let i = 1; i <= steps; i++) this.buckets[(this.second + i) % this.buckets.length] = 0;
    if (s > this.second) this.second = s;
  }
}

export class DeliveryMonitor {
  /** The sink has accepted at least one record (for CloudWatch: the stream exists and audit_start was stored). */
  proven = false;
  lastDeliveredAt?: number;
  /** Duration of the last successful send (a success after a slow period replaces it at once). */
  lastSendMs?: number;
  /** When the send in flight started. */
  sendStartedAt?: number;
  private readonly arrivals = new RateWindow();
  private readonly deliveries = new RateWindow();
  private readonly onProven: () => void;
  /** Resolves when the sink first accepts a record. */
  readonly whenProven: Promise<void>;

  constructor() {
    let resolve!: () => void;
    this.whenProven = new Promise<void>((r) => (resolve = r));
    this.onProven = resolve;
  }

  arrived(now: number): void {
    this.arrivals.add(1, now);
  }

  sending(now: number): void {
    this.sendStartedAt = now;
  }

  delivered(n: number, now: number, synchronous: boolean): void {
    if (!synchronous && this.sendStartedAt !== undefined) this.lastSendMs = now - this.sendStartedAt;
    this.sendStartedAt = undefined;
    this.deliveries.add(n, now);
    this.lastDeliveredAt = now;
    if (!this.proven) {
      this.proven = true;
      this.onProven();
    }
  }

  failed(): void {
    this.sendStartedAt = undefined;
  }

  /**
   * Expected time to deliver `batches` batches: the last successful send's duration per batch, or the send in
   * flight's elapsed time when that is longer (a sink that just turned slow counts before its first slow answer).
   */
  projectedMs(batches: number, now: number): number {
    const inFlight = this.sendStartedAt !== undefined ? now - this.sendStartedAt : 0;
    return batches * Math.max(this.lastSendMs ?? 0, inFlight);
  }

  rates(now: number): { arrivalPerSec: number; deliveryPerSec: number } {
    return { arrivalPerSec: this.arrivals.perSecond(now), deliveryPerSec: this.deliveries.perSecond(now) };
  }
}
