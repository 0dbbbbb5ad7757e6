/**
 * Policy tests: expectations about who may do what ("group analysts may call search_customers", "nobody may call
 * *delete*"), evaluated by `check --policy-tests <file>` against the access-control stage the proxy would build from
 * the same configuration (same compilation, same Cedar evaluation, same deny-by-default), so a test's verdict is the
 * proxy's decision. See docs/ACCESS-CONTROL.md, "Policy tests".
 *
 * A test's target is a name or a glob (`*` = any run of characters) on the upstream's own name. A glob cannot be
 * enumerated without a catalog, so it is checked on witnesses: the glob itself with `*` read as "" and as "x" (an empty name is skipped), and every
 * string literal of the compiled policies (names, `like` patterns, read the same two ways) that the glob matches. A
 * policy that names a target the glob covers is therefore always exercised; a test passes when every witness, on every
 * upstream the test covers, gets the expected decision.
 */
import { z } from 'zod';
import type { ProxyConfig } from '../../config/schema';
import { createLogger } from '../../log';
import type { CatalogEntry, Principal, RequestContext, TargetKind } from '../../pipeline/context';
import { Naming } from '../../upstream/naming';
import { compilePolicies, globMatches } from './compile';
import { createAccessControlStage } from './index';

const annotationsSchema = z
  .object({ readOnlyHint: z.boolean().optional(), destructiveHint: z.boolean().optional(), idempotentHint: z.boolean().optional(), openWorldHint: z.boolean().optional() })
  .strict();

export const policyTestSchema = z
  .object({
    name: z.string().min(1),
    expect: z.enum(['allow', 'deny']),
    principal: z
      .object({
        kind: z.enum(['jwt', 'iam', 'anonymous']).default('jwt'),
        sub: z.string().min(1).optional(),
        clientId: z.string().min(1).optional(),
        username: z.string().min(1).optional(),
        groups: z.array(z.string()).default([]),
        scopes: z.array(z.string()).default([]),
        claims: z.record(z.string(), z.union([z.string(), z.array(z.string())])).default({}),
      })
      .strict(),
    action: z.enum(['tools/call', 'resources/read', 'prompts/get']),
    /** The upstream's own name of the target (tool or prompt name, resource URI), or a glob. */
    target: z.string().min(1),
    /** @default every configured upstream */
    upstreams: z.array(z.string().min(1)).min(1).optional(),
    /** The upstream's annotations of the target tool. @default none (the MCP defaults: not read-only, destructive) */
    annotations: annotationsSchema.optional(),
    /** The call's arguments. @default {} */
    arguments: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

export const policyTestsSchema = z.array(policyTestSchema);
export type PolicyTestSpec = z.output<typeof policyTestSchema>;

export interface PolicyTestResult {
  readonly name: string;
  readonly expect: 'allow' | 'deny';
  readonly passed: boolean;
  /** The decision on the target shown (the first one that failed, else the first evaluated). */
  readonly decision: 'allow' | 'deny';
  /** The deciding policies of that decision (empty: deny by default). */
  readonly policyIds: readonly string[];
  /** That target: upstream and the upstream's own name. */
  readonly upstream: string;
  readonly target: string;
  /** How many (upstream, target) pairs were evaluated. */
  readonly evaluated: number;
  /** With a shadow policy: the same test against the candidate (never fails the check). */
  readonly shadow?: { readonly passed: boolean; readonly decision: 'allow' | 'deny'; readonly policyIds: readonly string[]; readonly upstream: string; readonly target: string };
}

const KIND_OF: Readonly<Record<PolicyTestSpec['action'], TargetKind>> = { 'tools/call': 'tool', 'resources/read': 'resource', 'prompts/get': 'prompt' };
/** Bound on witnesses per test (names drawn from the policies). */
const MAX_WITNESSES = 200;

/** Cedar string literals in policy text (with their escapes undone). */
function stringLiterals(cedar: string): string[] {
  const out: string[] = [];
  for (const m of cedar.matchAll(/"((?:[^"\\]|\\.)*)"/g)) {
    try {
      out.push(JSON.parse(`"${m[1]}"`) as string);
    } catch {
      out.push(m[1]);
    }
  }
  return out;
}

/** The concrete names a test's target stands for (see the module comment). */
export function witnesses(target: string, literals: readonly string[]): string[] {
  const out = new Set<string>();
  const instances = (glob: string) => (glob.includes('*') ? [glob.replace(/\*/g, ''), glob.replace(/\*/g, 'x')] : [glob]);
  for (const w of instances(target)) if (w.length > 0) out.add(w);
  if (target.includes('*')) {
    for (const lit of literals) {
      for (const w of instances(lit)) {
        if (out.size >= MAX_WITNESSES) break;
        if (w.length > 0 && globMatches(target, w)) out.add(w);
      }
    }
  }
  return [...out];
}

function principalOf(p: PolicyTestSpec['principal']): Principal {
  return {
    kind: p.kind,
    ...(p.sub !== undefined ? { sub: p.sub } : {}),
    ...(p.clientId !== undefined ? { clientId: p.clientId } : {}),
    ...(p.username !== undefined ? { username: p.username } : {}),
    groups: p.groups,
    scopes: p.scopes,
    claims: p.claims,
  };
}

/** The decision the access-control stage took on one request (it records it before it throws a denial). */
async function decide(stage: Awaited<ReturnType<typeof createAccessControlStage>>, principal: Principal, entry: CatalogEntry, args: Record<string, unknown>) {
  const ctx: RequestContext = {
    requestId: 'policy-test',
    method: { tool: 'tools/call', resource: 'resources/read', prompt: 'prompts/get' }[entry.kind],
    headers: {},
    startedAt: 0,
    principal,
    target: entry,
    arguments: args,
    actions: [],
    timings: { policyMs: 0, upstreamMs: 0 },
  };
  try {
    await stage.onRequest?.(ctx);
  } catch {
    // a denial: ctx.decision says why
  }
  return { effect: ctx.decision?.effect ?? 'deny', policyIds: ctx.decision?.policyIds ?? [] };
}

/** Every string literal of the compiled policies (names and patterns the policies mention). */
export function policyLiterals(compiled: ReturnType<typeof compilePolicies>): string[] {
  return compiled.ruleSets.flatMap((s) => s.policies.flatMap((p) => stringLiterals(p.text)));
}

/** One evaluated (upstream, target) of a test. */
export interface WitnessDecision {
  readonly upstream: string;
  readonly target: string;
  readonly effect: 'allow' | 'deny';
  readonly policyIds: readonly string[];
}

/**
 * The decisions of the access-control stage built from `acl` on every (upstream, witness) of each test, in a fixed
 * order (upstreams, then witnesses). Throws ConfigError when the policies do not compile (check reports that first).
 */
export async function evaluatePolicyTests(config: Pick<ProxyConfig, 'naming' | 'upstreams'>, acl: ProxyConfig['accessControl'], tests: readonly PolicyTestSpec[]): Promise<WitnessDecision[][]> {
  const silent = createLogger('policy-tests', { write: () => {} });
  const stage = await createAccessControlStage(acl, silent, { detokenize: false });
  const literals = acl.enabled ? policyLiterals(compilePolicies(acl, { validate: false })) : [];
  const naming = new Naming(config);
  const out: WitnessDecision[][] = [];
  for (const t of tests) {
    const kind = KIND_OF[t.action];
    const principal = principalOf(t.principal);
    const decisions: WitnessDecision[] = [];
    for (const upstream of t.upstreams ?? config.upstreams.map((u) => u.name)) {
      for (const name of witnesses(t.target, literals)) {
        const entry: CatalogEntry = {
          kind,
          upstream,
          name,
          exposedName: naming.expose(upstream, name),
          ...(kind === 'tool' ? { annotations: t.annotations ?? {} } : {}),
          definition: { name },
        };
        const d = await decide(stage, principal, entry, t.arguments ?? {});
        decisions.push({ upstream, target: name, effect: d.effect, policyIds: [...d.policyIds] });
      }
    }
    out.push(decisions);
  }
  return out;
}

/** Evaluates `tests` against the access-control section `acl` (the enforced one, or a candidate) of `config`. */
export async function runPolicyTests(config: Pick<ProxyConfig, 'naming' | 'upstreams'>, acl: ProxyConfig['accessControl'], tests: readonly PolicyTestSpec[]): Promise<PolicyTestResult[]> {
  const all = await evaluatePolicyTests(config, acl, tests);
  return tests.map((t, i) => {
    const decisions = all[i];
    const shown = decisions.find((d) => d.effect !== t.expect) ?? decisions[0];
    return { name: t.name, expect: t.expect, passed: shown.effect === t.expect, decision: shown.effect, policyIds: shown.policyIds, upstream: shown.upstream, target: shown.target, evaluated: decisions.length };
  });
}

/** One line per failed test: the test, the expected and actual decision, the target, and the deciding policies. */
export function describeFailure(r: PolicyTestResult): string {
  const by = r.policyIds.length > 0 ? `decided by ${r.policyIds.join(', ')}` : r.decision === 'deny' ? 'no policy permits it (deny by default)' : 'decided by no policy (access control is off)';
  return `policy test "${r.name}" failed: expected ${r.expect}, got ${r.decision} for "${r.target}" on upstream "${r.upstream}" (${by})`;
}
