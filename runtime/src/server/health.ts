/**
 * GET /ping: AgentCore's health contract (`{"status":"Healthy"|"HealthyBusy","time_of_last_update":<epoch s>}`), plus
 * the state of every upstream. The proxy itself stays Healthy while an upstream is degraded (restarting the proxy
 * would not help); degraded upstreams are listed so operators and tests can see them. HealthyBusy while requests are
 * in flight.
 */
import type { UpstreamStatus } from '../upstream/manager';
import type { Collision } from '../upstream/catalog';

export interface HealthSource {
  status(): UpstreamStatus[];
  collisions(): readonly Collision[];
  /** False when a fail-closed audit trail would refuse calls now. */
  auditHealthy?(): boolean;
  /** Catalog entries tool pinning hides and refuses now (absent when pinning is off). */
  quarantined?(): number;
}

export interface HealthReport {
  readonly status: 'Healthy' | 'HealthyBusy';
  readonly time_of_last_update: number;
  readonly ready: boolean;
  readonly inFlight: number;
  readonly degraded: readonly string[];
  /** Whether the audit trail accepts records (absent when the auditor does not say). */
  readonly auditHealthy?: boolean;
  /** Tools, prompts and resources hidden and refused because their definition drifted from the tool lock. */
  readonly quarantined?: number;
  readonly upstreams: readonly UpstreamStatus[];
  readonly collisions: readonly Collision[];
}

export function healthReport(source: HealthSource, inFlight: number, ready: boolean, lastActivityMs: number): HealthReport {
  const upstreams = source.status();
  return {
    status: inFlight > 0 ? 'HealthyBusy' : 'Healthy',
    time_of_last_update: Math.floor(lastActivityMs / 1000),
    ready,
    inFlight,
    degraded: upstreams.filter((u) => u.state !== 'healthy').map((u) => u.name),
    auditHealthy: source.auditHealthy?.(),
    quarantined: source.quarantined?.(),
    upstreams,
    collisions: source.collisions(),
  };
}
