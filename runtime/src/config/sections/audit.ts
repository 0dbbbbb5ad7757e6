/** The audit trail. Owned by runtime/src/stages/audit. */
import { z } from 'zod';

export const auditSchema = z
  .object({
    sink: z.enum(['stdout', 'cloudwatch', 'none']).default('stdout'),
    cloudwatch: z.object({ logGroupName: z.string().min(1), region: z.string().optional(), endpoint: z.url().optional() }).strict().optional(),
    /** closed: refuse calls while the sink cannot accept records; open: forward and keep retrying. */
    failMode: z.enum(['closed', 'open']).default('closed'),
    maxBufferedRecords: z.number().int().positive().default(10_000),
    flushIntervalMs: z.number().int().positive().default(1_000),
    /** Include redacted argument/result contents (default: salted digests only). */
    includeRedactedContent: z.boolean().default(false),
    metrics: z.object({ enabled: z.boolean().default(true), namespace: z.string().default('McpGovernanceProxy') }).strict().default({ enabled: true, namespace: 'McpGovernanceProxy' }),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.sink === 'cloudwatch' && !v.cloudwatch) ctx.addIssue({ code: 'custom', path: ['cloudwatch'], message: 'required when sink is "cloudwatch" (logGroupName)' });
  });
