/** The audit trail. Owned by runtime/src/stages/audit (see docs/AUDIT.md). */
import { z } from 'zod';

const retrySchema = z
  .object({
    /** First retry delay after a failed PutLogEvents / CreateLogStream; doubles per attempt, with full jitter. */
    baseDelayMs: z.number().int().positive().default(200),
    /** Largest retry delay (also the longest a recovered sink waits to be noticed). */
    maxDelayMs: z.number().int().positive().default(2_000),
  })
  .strict();

const cloudwatchSchema = z
  .object({
    /** The audit log group (its own group, not the runtime's log group). Must exist; the proxy creates only its stream. */
    logGroupName: z.string().min(1).max(512).regex(/^[.\-_/#A-Za-z0-9]+$/, 'use only letters, digits, and . - _ / #'),
    region: z.string().optional(),
    /** Endpoint override (tests, VPC endpoints). */
    endpoint: z.url().optional(),
    /** Per-request timeout of a CloudWatch Logs call, in ms. */
    requestTimeoutMs: z.number().int().positive().default(10_000),
    retry: retrySchema.default({ baseDelayMs: 200, maxDelayMs: 2_000 }),
  })
  .strict();

const metricsSchema = z
  .object({
    enabled: z.boolean().default(true),
    namespace: z.string().min(1).max(255).default('McpGovernanceProxy'),
    /** Metrics are aggregated per interval and written as Embedded Metric Format lines on stdout. */
    intervalMs: z.number().int().positive().default(60_000),
  })
  .strict();

export const auditSchema = z
  .object({
    sink: z.enum(['stdout', 'cloudwatch', 'none']).default('stdout'),
    cloudwatch: cloudwatchSchema.optional(),
    /**
     * closed: forward a call only once the sink has proved it delivers (start-up) and while it keeps up, with room in
     * the buffer for the call's decision and outcome; open: forward and keep retrying.
     */
    failMode: z.enum(['closed', 'open']).default('closed'),
    /**
     * Hard bound of the in-memory buffer (a small part is kept for the trail's own notices). Fail-closed refuses calls
     * before it is reached; fail-open drops records beyond it, and the drop is audited.
     */
    maxBufferedRecords: z.number().int().min(20).default(10_000),
    /**
     * Bound on records held only in memory: the sink is unhealthy (fail-closed refuses calls) while more records than
     * this are undelivered, counting the outcome slot each call in flight holds.
     * @default 5,000 (at most the part of maxBufferedRecords for calls)
     */
    unhealthyPendingRecords: z.number().int().min(2).optional(),
    /**
     * Bound on how long records are held only in memory (ms): the sink is unhealthy while records have waited this long
     * without a delivery, or while delivering what waits would take this long at the last send's pace (a slow sink).
     * @default 5,000 and at least twice flushIntervalMs
     */
    unhealthyPendingAgeMs: z.number().int().positive().optional(),
    flushIntervalMs: z.number().int().positive().default(1_000),
    /** Deadline for the final flush on shutdown (SIGTERM/SIGINT), in ms. */
    closeTimeoutMs: z.number().int().positive().default(5_000),
    /** Include redacted argument/result contents (default: salted digests only). Requires the redaction scrubber. */
    includeRedactedContent: z.boolean().default(false),
    /** Largest included content per field, in UTF-8 bytes (longer content is cut and marked truncated). */
    maxContentBytes: z.number().int().positive().max(65_536).default(8_192),
    /**
     * Name of an environment variable holding the digest salt (HMAC key, at least 32 characters), so that digests are
     * comparable across instances. Without it each instance draws a random salt.
     */
    digestSaltEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name').optional(),
    metrics: metricsSchema.default({ enabled: true, namespace: 'McpGovernanceProxy', intervalMs: 60_000 }),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.sink === 'cloudwatch' && !v.cloudwatch) ctx.addIssue({ code: 'custom', path: ['cloudwatch'], message: 'required when sink is "cloudwatch" (logGroupName)' });
    if (v.unhealthyPendingRecords !== undefined && v.unhealthyPendingRecords > v.maxBufferedRecords) {
      ctx.addIssue({ code: 'custom', path: ['unhealthyPendingRecords'], message: `must not exceed maxBufferedRecords (${v.maxBufferedRecords})` });
    }
    if (v.unhealthyPendingAgeMs !== undefined && v.unhealthyPendingAgeMs <= v.flushIntervalMs) {
      ctx.addIssue({ code: 'custom', path: ['unhealthyPendingAgeMs'], message: `must exceed flushIntervalMs (${v.flushIntervalMs}): records wait up to one interval before they are sent` });
    }
    if (v.cloudwatch && v.cloudwatch.retry.baseDelayMs > v.cloudwatch.retry.maxDelayMs) {
      ctx.addIssue({ code: 'custom', path: ['cloudwatch', 'retry', 'baseDelayMs'], message: 'must not exceed maxDelayMs' });
    }
  });

export type AuditConfig = z.output<typeof auditSchema>;
