/**
 * GET /ping: AgentCore's health contract (`{"status":"Healthy"|"HealthyBusy","time_of_last_update":<epoch s>}`), plus
 * the state of every upstream and of the audit trail. The proxy itself stays Healthy while an upstream is degraded
 * (restarting the proxy would not help); degraded upstreams are listed so operators and tests can see them.
 * HealthyBusy while requests are in flight.
 *
 * The audit trail is reported in `ready`, `auditHealthy` and `audit`, not in `status`: a fail-closed proxy whose sink
 * has not proved it delivers (start-up) or does not keep up refuses governed calls itself (-32008), and an
 * `Unhealthy` status would only make the platform replace the instance, which does not bring the sink back and loses
 * the records held in memory. See docs/AUDIT.md.
 */
import type { UpstreamStatus } from '../upstream/manager';
import type { Collision } from '../upstream/catalog';

export interface HealthSource {
  status(): UpstreamStatus[];
  collisions(): readonly Collision[];
  /** False when a fail-closed audit trail would refuse calls now. */
  auditHealthy?(): boolean;
  /** The audit trail's delivery state (also: false `ready` until a fail-closed sink has accepted a record). */
  audit?(): AuditHealth;
  /** Catalog entries tool pinning hides and refuses now (absent when pinning is off). */
  quarantined?(): number;
}

/** What /ping says about audit delivery. */
export interface AuditHealth {
  /** Fail-closed: the sink has accepted a record since start-up (fail-open: always). */
  readonly ready: boolean;
  readonly healthy: boolean;
  readonly unhealthyReason?: string;
  /** Records held only in memory, and the age of the oldest, in ms. */
  readonly buffered: number;
  readonly oldestPendingMs: number;
  /** Records sealed and records delivered per second over the last 10 s. */
  readonly arrivalPerSec: number;
  readonly deliveryPerSec: number;
  readonly lastSendMs?: number;
  readonly lastDeliveredAt?: string;
  readonly consecutiveFailures: number;
  readonly lastError?: string;
}

export interface HealthReport {
  readonly status: 'Healthy' | 'HealthyBusy';
  readonly time_of_last_update: number;
  readonly ready: boolean;
  readonly inFlight: number;
  readonly degraded: readonly string[];
  /** Whether the audit trail accepts records (absent when the auditor does not say). */
  readonly auditHealthy?: boolean;
  readonly audit?: AuditHealth;
  /** Tools, prompts and resources hidden and refused because their definition drifted from the tool lock. */
  readonly quarantined?: number;
  readonly upstreams: readonly UpstreamStatus[];
  readonly collisions: readonly Collision[];
}

export function healthReport(source: HealthSource, inFlight: number, ready: boolean, lastActivityMs: number): HealthReport {
  const upstreams = source.status();
  const audit = source.audit?.();
  return {
    status: inFlight > 0 ? 'HealthyBusy' : 'Healthy',
    time_of_last_update: Math.floor(lastActivityMs / 1000),
    ready: ready && (audit?.ready ?? true),
    inFlight,
    degraded: upstreams.filter((u) => u.state !== 'healthy').map((u) => u.name),
    auditHealthy: audit?.healthy ?? source.auditHealthy?.(),
    ...(audit ? { audit } : {}),
    quarantined: source.quarantined?.(),
    upstreams,
    collisions: source.collisions(),
  };
}
