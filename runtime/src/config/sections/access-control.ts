/** Tool-level access control in Cedar. Owned by runtime/src/stages/access-control. */
import { z } from 'zod';

const ruleSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_.:-]+$/).optional(),
    effect: z.enum(['permit', 'forbid']),
    /** Actions: tools/call, resources/read, prompts/get, detokenize. @default all */
    actions: z.array(z.enum(['tools/call', 'resources/read', 'prompts/get', 'detokenize'])).optional(),
    /** Caller conditions (any of each list; lists combine with AND). Omitted = anyone. */
    groups: z.array(z.string()).optional(),
    scopes: z.array(z.string()).optional(),
    clientIds: z.array(z.string()).optional(),
    subjects: z.array(z.string()).optional(),
    /** Target conditions: glob patterns (`*`) on the upstream's own tool name, and upstream names. */
    tools: z.array(z.string()).optional(),
    upstreams: z.array(z.string()).optional(),
    /** Match only targets whose annotations have these values. */
    annotations: z.object({ readOnlyHint: z.boolean().optional(), destructiveHint: z.boolean().optional(), idempotentHint: z.boolean().optional(), openWorldHint: z.boolean().optional() }).strict().optional(),
    /** Exempt callers (forbid rules): callers in these groups are not matched. */
    exceptGroups: z.array(z.string()).optional(),
  })
  .strict();

const ruleSetSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_-]+$/),
    /** Evaluate and audit as would-deny, but do not enforce. */
    dryRun: z.boolean().default(false),
    rules: z.array(ruleSchema).default([]),
    /** Raw Cedar policies, validated against the proxy's Cedar schema at start-up. */
    cedar: z.string().optional(),
  })
  .strict();

export const accessControlSchema = z
  .object({
    /** Off: every authenticated caller may call everything (pass-through). On: deny by default. */
    enabled: z.boolean().default(false),
    ruleSets: z.array(ruleSetSchema).default([]),
  })
  .strict();
