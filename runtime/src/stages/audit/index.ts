/**
 * The audit trail of the proxy (see docs/AUDIT.md): one tamper-evident JSON record per decision and per request,
 * shipped to stdout or to CloudWatch Logs, plus EMF metrics. Implements the pipeline's `Auditor`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { ProxyConfig } from '../../config/schema';
import type { Logger } from '../../log';
import type { Auditor, Outcome, RequestContext } from '../../pipeline/context';
import { ErrorCode, GovernanceError } from '../../pipeline/errors';
import { AuditMetrics } from './metrics';
import { RecordBuilder } from './record';
import { noneSink, stdoutSink } from './sinks/stdout';
import type { AuditSink } from './sinks/types';
import { AuditTrail, type TrailStats } from './trail';

export { verifyAuditLog, type VerifyResult, type VerifyProblem, type InstanceSummary } from './verify';
export { METRICS, DIMENSIONS } from './metrics';
export { AUDIT_SCHEMA_VERSION } from './record';
export type { TrailStats as AuditStats } from './trail';

export interface AuditorDeps {
  readonly log: Logger;
  /**
   * Prefix of this instance's id (e.g. the host name). A random suffix is always appended, so every process start
   * has its own chain and log stream. @default the host name
   */
  readonly instanceId?: string;
  /** The redaction scrubber; required when `includeRedactedContent` is on. */
  readonly scrub?: (s: string) => string;
  /** CloudWatch Logs client to use instead of one built from the config (tests, custom credentials). */
  readonly cloudWatchLogsClient?: CloudWatchLogsClient;
  /** Where stdout lines go (audit records with the stdout sink, EMF metric lines). @default process.stdout */
  readonly write?: (line: string) => void;
}

/** The pipeline's Auditor plus health and counters for /ping and tests. */
export interface ProxyAuditor extends Auditor {
  /** False when a fail-closed proxy would refuse calls now (buffer full, or sink failing with records piling up). */
  healthy(): boolean;
  stats(): TrailStats;
  /** Ships everything buffered now; resolves when the buffer is empty. */
  flush(): Promise<void>;
}

/** Instance ids become log stream names: keep them to characters CloudWatch and file names accept. */
function instanceIdFrom(prefix: string | undefined): string {
  const base = (prefix ?? hostname()).replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64) || 'proxy';
  return `${base}-${randomUUID().slice(0, 8)}`;
}

function digestSalt(cfg: ProxyConfig['audit']): { salt: Buffer; source: 'random' | 'configured' } {
  if (!cfg.digestSaltEnv) return { salt: randomBytes(32), source: 'random' };
  const value = process.env[cfg.digestSaltEnv];
  if (!value || value.length < 32) {
    throw new Error(`audit.digestSaltEnv: environment variable ${cfg.digestSaltEnv} must hold at least 32 characters`);
  }
  return { salt: Buffer.from(value, 'utf8'), source: 'configured' };
}

/**
 * Builds the auditor from its config section. Validates the configuration (throws on a bad one), creates the
 * CloudWatch log stream (one attempt; failures are retried in the background and make a fail-closed proxy refuse
 * calls once records pile up), writes the `audit_start` record and starts the flush and metrics timers.
 */
export async function createAuditor(cfg: ProxyConfig['audit'], deps: AuditorDeps): Promise<ProxyAuditor> {
  return (await prepareAuditor(cfg, deps)).start();
}

/** An auditor built but not started: no I/O done, no record written, no timer running. */
export interface PreparedAuditor {
  /** Creates the log stream, writes `audit_start`, starts the timers. */
  start(): Promise<ProxyAuditor>;
}

/**
 * The part of createAuditor that needs no I/O: validates the section, loads the sink (for CloudWatch, the AWS SDK
 * client: ~100-200 ms of module loading at start-up, which the pipeline builder overlaps with its network waits) and
 * builds the trail. Nothing is written until `start()`, so a proxy that refuses another section writes no audit_start.
 */
export async function prepareAuditor(cfg: ProxyConfig['audit'], deps: AuditorDeps): Promise<PreparedAuditor> {
  if (cfg.includeRedactedContent && !deps.scrub) {
    throw new Error('audit.includeRedactedContent requires the redaction scrubber: refusing to audit raw contents');
  }
  const write = deps.write ?? ((line: string) => void process.stdout.write(line + '\n'));
  const instanceId = instanceIdFrom(deps.instanceId);
  const { salt, source } = digestSalt(cfg);
  const builder = new RecordBuilder({ salt, includeContent: cfg.includeRedactedContent, maxContentBytes: cfg.maxContentBytes, scrub: deps.scrub });

  let sink: AuditSink;
  if (cfg.sink === 'cloudwatch') {
    const cw = cfg.cloudwatch;
    if (!cw) throw new Error('audit.cloudwatch is required when audit.sink is "cloudwatch"');
    // Loaded only for this sink: the AWS SDK client is a large part of the bundle's start-up cost.
    const { CloudWatchSink, createCloudWatchLogsClient, logStreamNameFor } = await import('./sinks/cloudwatch');
    const client = deps.cloudWatchLogsClient ?? createCloudWatchLogsClient({ region: cw.region, endpoint: cw.endpoint, requestTimeoutMs: cw.requestTimeoutMs });
    sink = new CloudWatchSink({ client, logGroupName: cw.logGroupName, logStreamName: logStreamNameFor(instanceId) });
  } else if (cfg.sink === 'stdout') {
    sink = stdoutSink(write);
  } else {
    sink = noneSink();
  }

  const trail = new AuditTrail({
    instanceId,
    sink,
    log: deps.log,
    maxBufferedRecords: cfg.maxBufferedRecords,
    unhealthyPendingRecords: cfg.unhealthyPendingRecords ?? Math.ceil(cfg.maxBufferedRecords / 10),
    unhealthyPendingAgeMs: cfg.unhealthyPendingAgeMs,
    flushIntervalMs: cfg.flushIntervalMs,
    retry: cfg.cloudwatch?.retry ?? { baseDelayMs: 200, maxDelayMs: 20_000 },
  });
  const metrics = cfg.metrics.enabled
    ? new AuditMetrics({ namespace: cfg.metrics.namespace, intervalMs: cfg.metrics.intervalMs, write, trailStats: () => trail.stats() })
    : undefined;

  return { start: () => startAuditor(cfg, deps, { instanceId, builder, sink, trail, metrics, source }) };
}

interface AuditorParts {
  readonly instanceId: string;
  readonly builder: RecordBuilder;
  readonly sink: AuditSink;
  readonly trail: AuditTrail;
  readonly metrics?: AuditMetrics;
  readonly source: 'random' | 'configured';
}

async function startAuditor(cfg: ProxyConfig['audit'], deps: AuditorDeps, parts: AuditorParts): Promise<ProxyAuditor> {
  const { instanceId, builder, sink, trail, metrics, source } = parts;
  await trail.start({
    type: 'audit_start',
    sink: sink.name,
    failMode: cfg.failMode,
    digest: { alg: 'hmac-sha256', keyId: builder.keyId, salt: source },
    contentIncluded: cfg.includeRedactedContent,
  });
  metrics?.start();
  deps.log.info('audit trail started', { instanceId, destination: sink.destination, failMode: cfg.failMode, metrics: Boolean(metrics) });

  // With no sink the trail has nowhere to write: records are not even built (a pass-through proxy pays nothing for them).
  const recording = cfg.sink !== 'none';
  const unavailable = (why: string) => new GovernanceError(ErrorCode.AuditUnavailable, `Audit trail unavailable (${why}): the call was not forwarded`, 'audit_unavailable');
  let closing: Promise<void> | undefined;

  return {
    async beforeForward(ctx: RequestContext): Promise<void> {
      if (closing) {
        metrics?.refused();
        throw unavailable('shutting down');
      }
      if (!recording) return;
      if (cfg.failMode === 'closed' && !trail.healthy()) {
        metrics?.refused();
        throw unavailable('sink not accepting records');
      }
      const accepted = trail.append(builder.decision(ctx, performance.now()));
      if (!accepted && cfg.failMode === 'closed') {
        metrics?.refused();
        throw unavailable('buffer full');
      }
    },

    complete(ctx: RequestContext, outcome: Outcome): void {
      try {
        const now = performance.now();
        if (recording) trail.append(builder.outcome(ctx, outcome, now));
        metrics?.observe(ctx, outcome, now - ctx.startedAt);
      } catch (err) {
        // Never throws into the pipeline; the failure itself is visible (no request data in the log line).
        deps.log.error('audit record could not be built', { requestId: ctx.requestId, error: (err as Error)?.name ?? 'Error' });
      }
    },

    close(): Promise<void> {
      closing ??= (async () => {
        await trail.close((s) => ({ type: 'audit_stop', records: s.nextSeq + 1, dropped: s.dropped }), cfg.closeTimeoutMs);
        metrics?.stop();
        const end = trail.stats();
        deps.log.info('audit trail closed', { instanceId, delivered: end.delivered, buffered: end.buffered, dropped: end.dropped });
      })();
      return closing;
    },

    healthy: () => trail.healthy(),
    stats: () => trail.stats(),
    flush: () => trail.flush(),
  };
}
