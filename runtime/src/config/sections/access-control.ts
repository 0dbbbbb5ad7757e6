/** Tool-level access control in Cedar. Owned by runtime/src/stages/access-control (see docs/ACCESS-CONTROL.md). */
import { z } from 'zod';

/**
 * The Cedar actions (schema/mcp.cedarschema). `detokenize`: may the caller see detokenized values in results.
 * `input/*`: may the call's upstream ask the caller for input of that kind (docs/INPUT-REQUESTS.md).
 */
export const ACCESS_ACTIONS = [
  'tools/call',
  'resources/read',
  'prompts/get',
  'detokenize',
  'input/elicitation-form',
  'input/elicitation-url',
  'input/sampling',
  'input/roots',
] as const;
export type AccessAction = (typeof ACCESS_ACTIONS)[number];
/** What a rule without `actions` covers: the calls and detokenize, never an input request (those are named). */
export const CALL_ACTIONS: readonly AccessAction[] = ['tools/call', 'resources/read', 'prompts/get', 'detokenize'];

const nonEmptyStrings = (what: string) =>
  z.array(z.string().min(1)).min(1, `must not be empty: list at least one ${what}, or omit the field to match any`);

const ruleSchema = z
  .object({
    /** Stable id; the Cedar policy id becomes `<rule set name>.<id>` (default: the rule's index). */
    id: z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only').optional(),
    effect: z.enum(['permit', 'forbid']),
    /**
     * Actions: tools/call, resources/read, prompts/get, detokenize, input/elicitation-form, input/elicitation-url,
     * input/sampling, input/roots. @default the call actions and detokenize (tools/call and detokenize when
     * `annotations` is set); input requests are covered only when named
     */
    actions: z.array(z.enum(ACCESS_ACTIONS)).min(1).optional(),
    /** Caller conditions (any of each list; lists combine with AND). Omitted = anyone. */
    groups: nonEmptyStrings('group').optional(),
    scopes: nonEmptyStrings('scope').optional(),
    clientIds: nonEmptyStrings('client id').optional(),
    subjects: nonEmptyStrings('subject').optional(),
    /**
     * Target conditions: glob patterns (`*` = any run of characters) on the upstream's own name of the target
     * (tool name, prompt name, or resource URI), and upstream names.
     */
    tools: nonEmptyStrings('name pattern').optional(),
    upstreams: nonEmptyStrings('upstream').optional(),
    /** Match only tools whose annotations (from the upstream, MCP defaults for missing hints) have these values. */
    annotations: z
      .object({ readOnlyHint: z.boolean().optional(), destructiveHint: z.boolean().optional(), idempotentHint: z.boolean().optional(), openWorldHint: z.boolean().optional() })
      .strict()
      .optional(),
    /** Exempt callers: callers in any of these groups are not matched (typically on forbid rules). */
    exceptGroups: nonEmptyStrings('group').optional(),
    /**
     * An extra Cedar condition (an expression, added as `when { ... }`), e.g. on the call's arguments:
     * `context.arguments.hasTag("path") && context.arguments.getTag("path") has string && context.arguments.getTag("path").string like "/tmp/*"`.
     */
    when: z.string().min(1).optional(),
  })
  .strict();

const ruleSetSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only'),
    /** Evaluate and audit as would-deny, but do not enforce. */
    dryRun: z.boolean().default(false),
    rules: z.array(ruleSchema).default([]),
    /** Raw Cedar policies, validated against the proxy's Cedar schema at start-up. */
    cedar: z.string().optional(),
  })
  .strict();

/**
 * A candidate policy evaluated beside the enforced one on every call and list, never enforced: where the two decide
 * differently the proxy writes a `shadow_disagreement` audit record and counts it (see docs/ACCESS-CONTROL.md, "Shadow").
 */
const shadowSchema = z
  .object({
    /** The candidate's own on/off: off, the candidate allows everything (as the enforced section does when off). */
    enabled: z.boolean().default(true),
    ruleSets: z.array(ruleSetSchema).min(1, 'a shadow policy needs at least one rule set'),
  })
  .strict();

export const accessControlSchema = z
  .object({
    /** Off: every authenticated caller may call everything (pass-through). On: deny by default. */
    enabled: z.boolean().default(false),
    ruleSets: z.array(ruleSetSchema).default([]),
    /** A candidate access-control policy, evaluated and audited where it disagrees, never enforced. */
    shadow: shadowSchema.optional(),
  })
  .strict();

export type AccessControlConfig = z.output<typeof accessControlSchema>;
export type AccessRule = z.output<typeof ruleSchema>;
export type AccessRuleSet = z.output<typeof ruleSetSchema>;
export type ShadowAccessControlConfig = z.output<typeof shadowSchema>;
