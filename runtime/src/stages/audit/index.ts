/**
 * The audit trail of the proxy (see docs/AUDIT.md): one tamper-evident JSON record per decision and per request,
 * shipped to stdout or to CloudWatch Logs, plus EMF metrics. Implements the pipeline's `Auditor`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { ProxyConfig } from '../../config/schema';
import type { Logger } from '../../log';
import type { Auditor, InputRound, Outcome, RequestContext } from '../../pipeline/context';
import { ErrorCode, GovernanceError } from '../../pipeline/errors';
import { PROXY_VERSION } from '../../version';
import { AuditMetrics } from './metrics';
import { inputRecord, RecordBuilder } from './record';
import type { RefusalReason } from './refusals';
import { noneSink, stdoutSink } from './sinks/stdout';
import type { AuditSink } from './sinks/types';
import { AuditTrail, reservedSlots, type TrailStats } from './trail';

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
  /**
   * AWS credentials (or a provider) for the CloudWatch sink instead of the credential chain (tests, custom
   * credentials). @default env, container credentials endpoint, instance metadata (the execution role on AgentCore)
   */
  readonly cloudWatchCredentials?: AwsCredentialIdentity | (() => Promise<AwsCredentialIdentity>);
  /** Where stdout lines go (audit records with the stdout sink, EMF metric lines). @default process.stdout */
  readonly write?: (line: string) => void;
  /** What this instance runs, for the audit_start record. */
  readonly startInfo?: AuditStartInfo;
  /** The environment (MCP_PROXY_CODE_ASSET_HASH). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/** Provenance of the running instance, recorded in audit_start. */
export interface AuditStartInfo {
  /** configDigest() of the configuration document (runtime/src/config/load.ts). */
  readonly configDigest?: string;
  /** MCP_PROXY_CONFIG_CHECKED: the stamp of the policies `check` validated at synth. */
  readonly policiesChecked?: string;
}

/** Environment variable the construct sets to the hash of the code asset it deployed. */
export const CODE_ASSET_HASH_ENV = 'MCP_PROXY_CODE_ASSET_HASH';

/** The pipeline's Auditor plus health and counters for /ping and tests. */
export interface ProxyAuditor extends Auditor {
  /** False when a fail-closed proxy would refuse calls now (see AuditTrail.unhealthyReason). */
  healthy(): boolean;
  /**
   * Resolves when the proxy may call itself ready: fail-closed, once the sink has accepted a record (audit_start);
   * fail-open (and the stdout sink, which writes synchronously), at once.
   */
  ready(): Promise<void>;
  /** Whether ready() has resolved. */
  isReady(): boolean;
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
 * The part of createAuditor that needs no I/O: validates the section, loads the sink (for CloudWatch, its client, the
 * SigV4 signer and the credential provider: module loading the pipeline builder overlaps with its network waits) and
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
    // Loaded only for this sink (its client, the signer and the credential provider it uses).
    const { CloudWatchSink, createCloudWatchLogsClient, logStreamNameFor } = await import('./sinks/cloudwatch');
    const client = createCloudWatchLogsClient({ region: cw.region, endpoint: cw.endpoint, requestTimeoutMs: cw.requestTimeoutMs, credentials: deps.cloudWatchCredentials });
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
    unhealthyPendingRecords: cfg.unhealthyPendingRecords ?? defaultPendingRecords(cfg.maxBufferedRecords),
    unhealthyPendingAgeMs: cfg.unhealthyPendingAgeMs ?? defaultPendingAgeMs(cfg.flushIntervalMs),
    flushIntervalMs: cfg.flushIntervalMs,
    retry: cfg.cloudwatch?.retry ?? { baseDelayMs: 200, maxDelayMs: 20_000 },
  });
  const metrics = cfg.metrics.enabled
    ? new AuditMetrics({ namespace: cfg.metrics.namespace, intervalMs: cfg.metrics.intervalMs, write, trailStats: () => trail.stats() })
    : undefined;

  return { start: () => startAuditor(cfg, deps, { instanceId, builder, sink, trail, metrics, source }) };
}

/** Default bound on undelivered records: 5,000 (about five full PutLogEvents batches), within the part of the buffer for calls. */
export function defaultPendingRecords(maxBufferedRecords: number): number {
  return Math.min(5_000, maxBufferedRecords - reservedSlots(maxBufferedRecords));
}

/** Default bound on how long records may wait undelivered: 5 s, and at least two flush intervals. */
export function defaultPendingAgeMs(flushIntervalMs: number): number {
  return Math.max(5_000, 2 * flushIntervalMs);
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
  const env = deps.env ?? process.env;
  const codeAssetHash = env[CODE_ASSET_HASH_ENV] || undefined;
  await trail.start({
    type: 'audit_start',
    sink: sink.name,
    failMode: cfg.failMode,
    digest: { alg: 'hmac-sha256', keyId: builder.keyId, salt: source },
    contentIncluded: cfg.includeRedactedContent,
    version: PROXY_VERSION,
    ...(deps.startInfo?.configDigest ? { configDigest: deps.startInfo.configDigest } : {}),
    ...(deps.startInfo?.policiesChecked ? { policiesChecked: deps.startInfo.policiesChecked.slice(0, 256) } : {}),
    ...(codeAssetHash ? { codeAssetHash: codeAssetHash.slice(0, 256) } : {}),
  });
  metrics?.start();
  deps.log.info('audit trail started', { instanceId, destination: sink.destination, failMode: cfg.failMode, metrics: Boolean(metrics) });

  // With no sink the trail has nowhere to write: records are not even built (a pass-through proxy pays nothing for them).
  const recording = cfg.sink !== 'none';
  const failClosed = cfg.failMode === 'closed';
  const ready = failClosed && recording ? trail.whenProven : Promise.resolve();
  let isReady = !(failClosed && recording);
  void ready.then(() => (isReady = true));
  /** Calls that hold an outcome slot (their decision was accepted). */
  const reserved = new WeakSet<RequestContext>();
  /** Calls refused because of the trail: counted in audit_refusals records, not one outcome record each. */
  const refused = new WeakSet<RequestContext>();
  let closing: Promise<void> | undefined;

  const refuse = (ctx: RequestContext, reason: RefusalReason): never => {
    metrics?.refused();
    if (recording) {
      trail.noteRefusal(builder.caller(ctx), reason);
      refused.add(ctx);
    }
    return unavailable(reason);
  };

  return {
    async beforeForward(ctx: RequestContext): Promise<void> {
      if (closing) refuse(ctx, 'shutting_down');
      if (!recording) return;
      if (failClosed) {
        // A call is forwarded only with its decision in the buffer and a slot held there for its outcome.
        const why = trail.unhealthyReason();
        if (why) refuse(ctx, why);
        if (!trail.reserve(builder.decision(ctx, performance.now()))) refuse(ctx, 'buffer_full');
        reserved.add(ctx);
        return;
      }
      // Fail-open: forwarded whether or not the decision record found room (a drop is counted and audited).
      const decision = builder.decision(ctx, performance.now());
      if (trail.reserve(decision)) reserved.add(ctx);
      else trail.append(decision);
    },

    complete(ctx: RequestContext, outcome: Outcome): void {
      let slot = reserved.has(ctx);
      try {
        const now = performance.now();
        metrics?.observe(ctx, outcome, now - ctx.startedAt);
        if (!recording || (refused.has(ctx) && outcome.errorClass === 'audit_unavailable')) return;
        const body = builder.outcome(ctx, outcome, now);
        if (slot) {
          slot = false;
          trail.appendReserved(body);
        } else {
          trail.append(body);
        }
        // After the outcome it explains: where the shadow policy would have decided differently.
        const shadow = builder.shadowDisagreement(ctx);
        if (shadow) trail.append(shadow);
      } catch (err) {
        // The slot is given up only if the outcome never reached it.
        if (slot) trail.release();
        // Never throws into the pipeline; the failure itself is visible (no request data in the log line).
        deps.log.error('audit record could not be built', { requestId: ctx.requestId, error: (err as Error)?.name ?? 'Error' });
      } finally {
        reserved.delete(ctx);
      }
    },

    inputRound(ctx: RequestContext, round: InputRound): void {
      try {
        if (recording) trail.append(inputRecord(builder, ctx, round));
      } catch (err) {
        deps.log.error('audit record could not be built', { requestId: ctx.requestId, error: (err as Error)?.name ?? 'Error' });
      }
    },

    close(): Promise<void> {
      closing ??= (async () => {
        await trail.close((s) => ({ type: 'audit_stop', records: s.nextSeq + 1, dropped: s.dropped, refused: s.refused }), cfg.closeTimeoutMs);
        metrics?.stop();
        const end = trail.stats();
        deps.log.info('audit trail closed', { instanceId, delivered: end.delivered, buffered: end.buffered, dropped: end.dropped, refused: end.refused });
      })();
      return closing;
    },

    healthy: () => trail.healthy(),
    ready: () => ready,
    isReady: () => isReady,
    stats: () => trail.stats(),
    flush: () => trail.flush(),
  };
}

const UNAVAILABLE_WHY: Record<RefusalReason, string> = {
  starting: 'the audit sink has not yet accepted a record',
  sink_stalled: 'the audit sink is not delivering',
  slow_delivery: 'the audit sink is too slow',
  pending_records: 'too many audit records wait for delivery',
  buffer_full: 'the audit buffer is full',
  shutting_down: 'shutting down',
  closed: 'the audit trail is closed',
};

function unavailable(reason: RefusalReason): never {
  throw new GovernanceError(ErrorCode.AuditUnavailable, `Audit trail unavailable (${UNAVAILABLE_WHY[reason]}): the call was not forwarded`, 'audit_unavailable');
}
