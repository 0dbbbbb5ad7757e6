import { Token } from 'aws-cdk-lib';
import type { AccessControlConfig, AccessRuleConfig } from '../config/contract';
import type { CallerFacts } from '../inbound-auth';

/**
 * Synth-time checks of typed access rules against the configured identity and against each other. Each finding names
 * the prop and the fix; the construct shows them as warnings (stable ids below) or, with
 * `accessControl.strictRuleChecks`, fails synth. Raw Cedar is not analysed here (the runtime's check validates it).
 */

/** Stable warning ids (Annotations.addWarningV2; acknowledge one with `Annotations.of(proxy).acknowledgeWarning(id)`). */
export const RULE_CHECK_IDS = {
  unmatchable: 'cdk-mcp-governance-proxy:ruleNeverMatches',
  contradictory: 'cdk-mcp-governance-proxy:contradictoryRules',
  detokenizeOff: 'cdk-mcp-governance-proxy:detokenizeWithoutTokenization',
} as const;

export interface RuleFinding {
  readonly id: string;
  /** The prop at fault, e.g. `accessControl.ruleSets[0].rules[1].groups[0]`. */
  readonly prop: string;
  readonly message: string;
  readonly fix: string;
}

/** Scopes an OIDC / Cognito user token carries besides resource server scopes. */
const STANDARD_SCOPES = new Set(['openid', 'email', 'profile', 'phone', 'offline_access', 'aws.cognito.signin.user.admin']);
const ALL_ACTIONS = ['tools/call', 'resources/read', 'prompts/get', 'detokenize'];
const CALLER_KEYS = ['groups', 'scopes', 'clientIds', 'subjects'] as const;

interface Located {
  readonly rule: AccessRuleConfig;
  readonly prop: string;
  readonly label: string;
  readonly setIndex: number;
  readonly dryRun: boolean;
}

export function checkRules(ac: AccessControlConfig, facts: CallerFacts, tokenizationEnabled: boolean): RuleFinding[] {
  if (!ac.enabled) return [];
  const out: RuleFinding[] = [];
  const rules: Located[] = ac.ruleSets.flatMap((set, i) => set.rules.map((rule, j) => ({
    rule,
    prop: `accessControl.ruleSets[${i}].rules[${j}]`,
    label: `${set.name}.${rule.id ?? j}`,
    setIndex: i,
    dryRun: set.dryRun,
  })));
  for (const r of rules) {
    out.push(...identityFindings(r, facts));
    if (!tokenizationEnabled && r.rule.effect === 'permit' && r.rule.actions?.includes('detokenize')) {
      out.push({
        id: RULE_CHECK_IDS.detokenizeOff,
        prop: `${r.prop}.actions`,
        message: `rule ${r.label} permits detokenize, but tokenization is off: nothing is ever tokenized, so it grants nothing`,
        fix: 'Turn tokenization on (props.tokenization), or remove AccessAction.DETOKENIZE from the rule.',
      });
    }
  }
  // All enforced rule sets form one policy set; a dry-run set is evaluated together with the enforced ones.
  for (const p of rules.filter((x) => x.rule.effect === 'permit')) {
    const forbid = rules.find((f) => f.rule.effect === 'forbid' && (!f.dryRun || f.setIndex === p.setIndex) && covers(f.rule, p.rule));
    if (forbid) {
      const all = isUnconditional(forbid.rule);
      out.push({
        id: RULE_CHECK_IDS.contradictory,
        prop: p.prop,
        message: all
          ? `rule ${p.label} can never take effect: forbid rule ${forbid.label} (${forbid.prop}) matches every call, and forbid always wins`
          : `rule ${p.label} can never take effect: forbid rule ${forbid.label} (${forbid.prop}) matches every call it permits, and forbid always wins`,
        fix: all ? `Narrow ${forbid.prop} (tools, upstreams, annotations or callers), or remove it.` : `Remove one of the two rules, or narrow ${forbid.prop} (e.g. exceptGroups).`,
      });
    }
  }
  return out;
}

function identityFindings(r: Located, facts: CallerFacts): RuleFinding[] {
  const out: RuleFinding[] = [];
  const effect = r.rule.effect === 'permit' ? 'it grants nothing' : 'it forbids nothing';
  if (facts.mode === 'iam') {
    for (const key of CALLER_KEYS) {
      if (r.rule[key]?.length) {
        out.push({
          id: RULE_CHECK_IDS.unmatchable,
          prop: `${r.prop}.${key}`,
          message: `rule ${r.label} matches on ${key}, which an IAM (SigV4) caller never has: ${effect}`,
          fix: 'With InboundAuth.iam() write rules on upstreams, tools and annotations only, or use JWT inbound auth (InboundAuth.cognito() / oidc()).',
        });
      }
    }
    return out;
  }
  const groups = (r.rule.groups ?? []).filter((g) => !Token.isUnresolved(g));
  if (facts.groups !== undefined && groups.length) {
    const missing = groups.filter((g) => !facts.groups!.includes(g));
    if (missing.length) {
      const dead = missing.length === groups.length;
      out.push({
        id: RULE_CHECK_IDS.unmatchable,
        prop: `${r.prop}.groups`,
        message: `rule ${r.label} names group${missing.length > 1 ? 's' : ''} ${missing.join(', ')} that no caller can carry (${facts.groupsReason ?? 'not configured'})${dead ? `: ${effect}` : ''}`,
        fix: facts.groups.length || !facts.groupsReason?.includes('machine')
          ? 'Add the group to inboundAuth.groups (and a CognitoClient.human() client for people), or match machine callers by scopes or clientIds.'
          : 'Add a CognitoClient.human() client (people sign in and carry their groups) and list the group in inboundAuth.groups, or match machine callers by scopes.',
      });
    }
  }
  const scopes = (r.rule.scopes ?? []).filter((s) => !Token.isUnresolved(s));
  const bare = facts.scopesNeedPrefix ? scopes.filter((s) => !s.includes('/') && !STANDARD_SCOPES.has(s)) : [];
  if (bare.length) {
    out.push({
      id: RULE_CHECK_IDS.unmatchable,
      prop: `${r.prop}.scopes`,
      message: `rule ${r.label} names scope${bare.length > 1 ? 's' : ''} ${bare.join(', ')} without the resource server prefix: Cognito tokens carry "<resource server>/<scope>"`,
      fix: `Write ${bare.map((s) => `"${facts.resourceServer ?? '<resource server>'}/${s}"`).join(', ')}.`,
    });
  }
  if (facts.scopes !== undefined) {
    const unknown = scopes.filter((s) => !bare.includes(s) && !facts.scopes!.includes(s));
    if (unknown.length) {
      out.push({
        id: RULE_CHECK_IDS.unmatchable,
        prop: `${r.prop}.scopes`,
        message: `rule ${r.label} names scope${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} that no configured client can get${unknown.length + bare.length === scopes.length ? `: ${effect}` : ''}`,
        fix: `Use one of ${facts.scopes.join(', ')}, or add the scope to inboundAuth.scopes and to a client.`,
      });
    }
  }
  return out;
}

/** A rule with no condition at all matches every call. */
function isUnconditional(r: AccessRuleConfig): boolean {
  return [...CALLER_KEYS, 'tools', 'upstreams', 'exceptGroups', 'actions'].every((k) => (r as unknown as Record<string, unknown>)[k] === undefined)
    && !r.annotations && r.when === undefined;
}

/** Does forbid `f` match every call that permit `p` matches? Conservative: `false` when unsure. */
function covers(f: AccessRuleConfig, p: AccessRuleConfig): boolean {
  if (f.when !== undefined || f.exceptGroups !== undefined) return false;
  for (const key of [...CALLER_KEYS, 'upstreams'] as const) {
    const fl = f[key];
    if (fl === undefined) continue;
    const pl = p[key];
    if (pl === undefined || !pl.every((v) => fl.includes(v))) return false;
  }
  if (f.tools !== undefined) {
    if (p.tools === undefined || !p.tools.every((t) => f.tools!.some((g) => globCovers(g, t)))) return false;
  }
  const fa = f.actions ?? ALL_ACTIONS;
  if (!(p.actions ?? ALL_ACTIONS).every((a) => fa.includes(a))) return false;
  for (const [k, v] of Object.entries(f.annotations ?? {})) {
    if ((p.annotations as Record<string, unknown> | undefined)?.[k] !== v) return false;
  }
  return true;
}

/** Whether glob `g` (`*` = any run) matches every name glob `t` matches. */
function globCovers(g: string, t: string): boolean {
  if (g === t || g === '*') return true;
  if (t.includes('*')) return false;
  const re = new RegExp(`^${g.split('*').map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(t);
}
