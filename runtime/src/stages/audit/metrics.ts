/**
 * Request and audit-health metrics as CloudWatch Embedded Metric Format (EMF), aggregated per interval
 * (default 60 s, CloudWatch's standard resolution): one EMF line per (Upstream, Tool) seen in the interval plus one
 * line of totals (no dimensions) every interval, even when idle, so alarms never see missing data.
 *
 * Lines go to stdout, which AgentCore ships to the runtime's log group where CloudWatch extracts EMF (the
 * `x-amzn-logs-format: json/emf` header is optional for PutLogEvents). They deliberately do not go through the audit
 * sink: the alarm on dropped audit records must not depend on the sink that is failing. Metric lines are not audit
 * records and are not part of the hash chain (the verifier skips them).
 */
import type { Outcome, RequestContext } from '../../pipeline/context';
import type { TrailStats } from './trail';

/** Metric names (namespace from config, default `McpGovernanceProxy`). */
export const METRICS = {
  calls: 'Calls',
  denials: 'Denials',
  sanitizationRejections: 'SanitizationRejections',
  redactions: 'Redactions',
  tokenizations: 'Tokenizations',
  upstreamErrors: 'UpstreamErrors',
  toolErrors: 'ToolErrors',
  latency: 'Latency',
  auditRecordsDropped: 'AuditRecordsDropped',
  auditRecordsRejected: 'AuditRecordsRejected',
  auditSinkFailures: 'AuditSinkFailures',
  auditUnavailableRefusals: 'AuditUnavailableRefusals',
  auditBufferedRecords: 'AuditBufferedRecords',
  /** Requests that met a definition differing from the tool lock, or missing from it (totals line only). */
  pinningDrifts: 'PinningDrifts',
  /** Tool-poisoning heuristic findings in listed or called definitions (totals line only). */
  poisoningFindings: 'PoisoningFindings',
  /** Requests on which the shadow (candidate) access-control policy decided differently (totals line only). */
  shadowDisagreements: 'ShadowDisagreements',
} as const;

/** Dimension names of the per-target lines (totals carry none). */
export const DIMENSIONS = { upstream: 'Upstream', tool: 'Tool' } as const;

/** EMF allows at most 100 values per metric: latency is a uniform reservoir sample of up to 100 per line. */
const MAX_SAMPLES = 100;

interface Bucket {
  calls: number;
  denials: number;
  sanitizationRejections: number;
  redactions: number;
  tokenizations: number;
  upstreamErrors: number;
  toolErrors: number;
  samples: number[];
  seen: number;
}

function bucket(): Bucket {
  return { calls: 0, denials: 0, sanitizationRejections: 0, redactions: 0, tokenizations: 0, upstreamErrors: 0, toolErrors: 0, samples: [], seen: 0 };
}

export interface MetricsOptions {
  readonly namespace: string;
  readonly intervalMs: number;
  readonly write: (line: string) => void;
  readonly trailStats: () => TrailStats;
}

export class AuditMetrics {
  private targets = new Map<string, { upstream: string; tool: string; b: Bucket }>();
  private total = bucket();
  private refusals = 0;
  private drift = { pinning: 0, poisoning: 0, shadow: 0 };
  private last = { dropped: 0, rejected: 0, sinkFailures: 0 };
  private timer?: NodeJS.Timeout;

  constructor(private readonly opts: MetricsOptions) {}

  start(): void {
    this.timer = setInterval(() => this.emit(), this.opts.intervalMs);
    this.timer.unref();
  }

  /** Emits what is left and stops the timer. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.emit();
  }

  /** A fail-closed refusal (AuditUnavailable). */
  refused(): void {
    this.refusals++;
  }

  observe(ctx: RequestContext, outcome: Outcome, totalMs: number): void {
    const t = ctx.target;
    let targetBucket: Bucket | undefined;
    if (t) {
      // Resource URIs can be caller-chosen and unbounded: never a dimension value.
      const tool = t.kind === 'tool' ? t.name : t.kind === 'prompt' ? `prompt:${t.name}` : 'resource';
      const key = `${t.upstream}\u0000${tool}`;
      let entry = this.targets.get(key);
      if (!entry) {
        entry = { upstream: t.upstream, tool, b: bucket() };
        this.targets.set(key, entry);
      }
      targetBucket = entry.b;
    }
    if (ctx.shadowDisagreement) this.drift.shadow++;
    for (const a of ctx.actions) {
      if (a.action === 'pinning.changed' || a.action === 'pinning.unpinned') this.drift.pinning += a.count;
      else if (a.stage === 'poisoning' && a.action !== 'poisoning.refused') this.drift.poisoning += a.count;
    }
    for (const b of targetBucket ? [this.total, targetBucket] : [this.total]) {
      b.calls++;
      const cls = outcome.errorClass ?? '';
      if (cls === 'rejected_input') b.sanitizationRejections++;
      else if (outcome.status === 'denied') b.denials++;
      if (cls.startsWith('upstream_')) b.upstreamErrors++;
      if (outcome.toolError) b.toolErrors++;
      for (const a of ctx.actions) {
        if (a.stage === 'redact') b.redactions += a.count;
        else if (a.stage === 'tokenize') b.tokenizations += a.count;
      }
      b.seen++;
      if (b.samples.length < MAX_SAMPLES) b.samples.push(totalMs);
      else {
        const j = Math.floor(Math.random() * b.seen);
        if (j < MAX_SAMPLES) b.samples[j] = totalMs;
      }
    }
  }

  /** Writes the EMF lines of the interval that just ended and starts a new one. */
  emit(now = Date.now()): void {
    const targets = this.targets;
    const total = this.total;
    this.targets = new Map();
    this.total = bucket();
    for (const { upstream, tool, b } of targets.values()) {
      this.opts.write(this.document(now, [DIMENSIONS.upstream, DIMENSIONS.tool], { [DIMENSIONS.upstream]: upstream, [DIMENSIONS.tool]: tool }, b, {}));
    }
    const s = this.opts.trailStats();
    const health = {
      [METRICS.auditRecordsDropped]: s.dropped - this.last.dropped,
      [METRICS.auditRecordsRejected]: s.rejected - this.last.rejected,
      [METRICS.auditSinkFailures]: s.sinkFailures - this.last.sinkFailures,
      [METRICS.auditUnavailableRefusals]: this.refusals,
      [METRICS.auditBufferedRecords]: s.buffered,
      [METRICS.pinningDrifts]: this.drift.pinning,
      [METRICS.poisoningFindings]: this.drift.poisoning,
      [METRICS.shadowDisagreements]: this.drift.shadow,
    };
    this.drift = { pinning: 0, poisoning: 0, shadow: 0 };
    this.last = { dropped: s.dropped, rejected: s.rejected, sinkFailures: s.sinkFailures };
    this.refusals = 0;
    this.opts.write(this.document(now, [], {}, total, health));
  }

  private document(now: number, dims: string[], dimValues: Record<string, string>, b: Bucket, extra: Record<string, number>): string {
    const counts: Record<string, number> = {
      [METRICS.calls]: b.calls,
      [METRICS.denials]: b.denials,
      [METRICS.sanitizationRejections]: b.sanitizationRejections,
      [METRICS.redactions]: b.redactions,
      [METRICS.tokenizations]: b.tokenizations,
      [METRICS.upstreamErrors]: b.upstreamErrors,
      [METRICS.toolErrors]: b.toolErrors,
      ...extra,
    };
    const metrics: { Name: string; Unit: string }[] = Object.keys(counts).map((Name) => ({ Name, Unit: 'Count' }));
    const values: Record<string, number | number[]> = { ...counts };
    if (b.samples.length > 0) {
      metrics.push({ Name: METRICS.latency, Unit: 'Milliseconds' });
      values[METRICS.latency] = b.samples.map((v) => Math.round(v * 1000) / 1000);
    }
    return JSON.stringify({
      _aws: { Timestamp: now, CloudWatchMetrics: [{ Namespace: this.opts.namespace, Dimensions: [dims], Metrics: metrics }] },
      ...dimValues,
      ...values,
    });
  }
}
