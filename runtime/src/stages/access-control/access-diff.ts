/**
 * Who gained or lost access between two access-control sections (`check --previous-access-control <file>`, used by
 * the construct's change report). Both are evaluated by the access-control stage itself over the same probes:
 *
 * - callers: one per typed rule of either section, carrying what the rule asks for (its first group, scope, client
 *   id and subject), the callers of the policy tests, an authenticated caller with no attributes, and an anonymous one;
 * - targets: the names either section's policies mention (witnesses of `*`, see policy-tests.ts), on every upstream;
 * - actions: tools/call, resources/read, prompts/get.
 *
 * Every probe whose decision differs is one change. Probes are bounded (MAX_CALLERS, MAX_TARGETS): the diff covers
 * the callers and targets the policies talk about, not every possible one.
 */
import type { AccessControlConfig, AccessRule } from '../../config/sections/access-control';
import type { ProxyConfig } from '../../config/schema';
import { compilePolicies } from './compile';
import { evaluatePolicyTests, policyLiterals, witnesses, type PolicyTestSpec } from './policy-tests';

const MAX_CALLERS = 60;
const MAX_TARGETS = 100;
const MAX_CHANGES = 500;
const ACTIONS: readonly PolicyTestSpec['action'][] = ['tools/call', 'resources/read', 'prompts/get'];

export interface AccessChange {
  readonly caller: PolicyTestSpec['principal'];
  readonly action: PolicyTestSpec['action'];
  readonly upstream: string;
  readonly target: string;
  readonly before: 'allow' | 'deny';
  readonly after: 'allow' | 'deny';
  readonly beforePolicies: readonly string[];
  readonly afterPolicies: readonly string[];
}

function ruleCaller(r: AccessRule): PolicyTestSpec['principal'] {
  return {
    kind: 'jwt',
    sub: r.subjects?.[0] ?? 'probe',
    ...(r.clientIds ? { clientId: r.clientIds[0] } : {}),
    groups: r.groups ? [r.groups[0]] : [],
    scopes: r.scopes ? [r.scopes[0]] : [],
    claims: {},
  };
}

function callers(sections: readonly AccessControlConfig[], tests: readonly PolicyTestSpec[]): PolicyTestSpec['principal'][] {
  const out = new Map<string, PolicyTestSpec['principal']>();
  const add = (p: PolicyTestSpec['principal']) => {
    if (out.size < MAX_CALLERS) out.set(JSON.stringify(p), p);
  };
  add({ kind: 'jwt', sub: 'probe', groups: [], scopes: [], claims: {} });
  add({ kind: 'anonymous', groups: [], scopes: [], claims: {} });
  for (const t of tests) add(t.principal);
  for (const s of sections) for (const set of s.ruleSets) for (const r of set.rules) add(ruleCaller(r));
  for (const s of sections) for (const set of s.ruleSets) for (const r of set.rules) for (const g of r.exceptGroups ?? []) add({ kind: 'jwt', sub: 'probe', groups: [g], scopes: [], claims: {} });
  return [...out.values()];
}

/** The accessControl section as `check` reads it from a previous compliance report (shadow dropped). */
export function previousSection(doc: unknown): AccessControlConfig {
  const d = (doc ?? {}) as { enabled?: unknown; ruleSets?: unknown };
  return { enabled: d.enabled === true, ruleSets: Array.isArray(d.ruleSets) ? (d.ruleSets as AccessControlConfig['ruleSets']) : [] };
}

export async function diffAccess(config: Pick<ProxyConfig, 'naming' | 'upstreams'>, before: AccessControlConfig, after: AccessControlConfig, tests: readonly PolicyTestSpec[]): Promise<{ changes: AccessChange[]; probes: number; truncated: boolean }> {
  const literals = [before, after].flatMap((s) => (s.enabled ? policyLiterals(compilePolicies(s, { validate: false })) : []));
  const names = witnesses('*', literals).slice(0, MAX_TARGETS);
  const probes: PolicyTestSpec[] = [];
  for (const principal of callers([before, after], tests)) {
    for (const action of ACTIONS) {
      for (const name of names) probes.push({ name: '', expect: 'allow', principal, action, target: name });
    }
  }
  // One probe per (caller, action, target); each is evaluated on every upstream by the test runner's own loop.
  const [a, b] = await Promise.all([evaluatePolicyTests(config, before, probes), evaluatePolicyTests(config, after, probes)]);
  const changes: AccessChange[] = [];
  let truncated = false;
  for (let i = 0; i < probes.length; i++) {
    for (let j = 0; j < a[i].length; j++) {
      const x = a[i][j];
      const y = b[i][j];
      if (x.effect === y.effect) continue;
      if (changes.length >= MAX_CHANGES) {
        truncated = true;
        break;
      }
      const p = probes[i];
      changes.push({ caller: p.principal, action: p.action, upstream: x.upstream, target: x.target, before: x.effect, after: y.effect, beforePolicies: x.policyIds, afterPolicies: y.policyIds });
    }
  }
  return { changes, probes: probes.length * config.upstreams.length, truncated };
}
