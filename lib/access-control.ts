import { Token } from 'aws-cdk-lib';
import { LIMITS, type AccessActionValue, type AccessControlConfig, type AccessRuleConfig } from './config/contract';
import type { Problems } from './errors';
import type { PolicyTest } from './policy-test';

/** What a caller does to a target. */
export enum AccessAction {
  /** `tools/call` */
  CALL_TOOL = 'tools/call',
  /** `resources/read` */
  READ_RESOURCE = 'resources/read',
  /** `prompts/get` */
  GET_PROMPT = 'prompts/get',
  /** Seeing detokenized values in results (with tokenization on). */
  DETOKENIZE = 'detokenize',
  /**
   * The call's upstream asking the caller's user to fill in a form (form-mode elicitation). Input requests are never
   * covered by a rule that omits `actions`: name them.
   */
  ELICIT_FORM = 'input/elicitation-form',
  /**
   * The call's upstream sending the caller's user to a URL (URL-mode elicitation): denied unless a rule permits it;
   * restrict the hosts with `when`, e.g. `context.input has urlHost && context.input.urlHost like "*.example.com"`.
   */
  ELICIT_URL = 'input/elicitation-url',
  /** The call's upstream asking the caller's model for a completion (sampling). */
  SAMPLE = 'input/sampling',
  /** The call's upstream asking the caller for its roots. */
  LIST_ROOTS = 'input/roots',
}

/** Whether a rule permits or forbids what it matches. */
export enum AccessEffect {
  /** Permits the matching calls (unless a forbid matches too). */
  PERMIT = 'permit',
  /** Forbids the matching calls; forbid always wins. */
  FORBID = 'forbid',
}

/** Match targets by the annotations their upstream declared (never by what the caller claims). */
export interface ToolAnnotationConditions {
  /** @default - not matched on */
  readonly readOnly?: boolean;
  /** @default - not matched on */
  readonly destructive?: boolean;
  /** @default - not matched on */
  readonly idempotent?: boolean;
  /** @default - not matched on */
  readonly openWorld?: boolean;
}

/**
 * Who, doing what, to which targets. Within each list any entry matches; lists combine with AND.
 * An omitted caller list matches anyone; an omitted target list matches everything.
 */
export interface AccessRuleProps {
  /**
   * A stable id, shown in audit records as the deciding policy (letters, digits, `_ . : -`).
   * @default - `<rule set>.<index>`
   */
  readonly id?: string;
  /**
   * The actions the rule covers.
   * @default - the call actions and DETOKENIZE (CALL_TOOL and DETOKENIZE with `annotations`); input requests
   * (ELICIT_FORM, ELICIT_URL, SAMPLE, LIST_ROOTS) are covered only when named
   */
  readonly actions?: AccessAction[];
  /**
   * Caller groups (the `groups` claim, `cognito:groups` with Cognito).
   * @default - any caller
   */
  readonly groups?: string[];
  /**
   * Caller scopes (with Cognito: `<resource server>/<scope>`).
   * @default - any caller
   */
  readonly scopes?: string[];
  /**
   * Caller OAuth2 client ids.
   * @default - any caller
   */
  readonly clientIds?: string[];
  /**
   * Caller subjects (`sub`).
   * @default - any caller
   */
  readonly subjects?: string[];
  /**
   * Tool (or prompt / resource) names as the upstream names them; `*` matches any run of characters.
   * @default - every target
   */
  readonly tools?: string[];
  /**
   * Upstream names.
   * @default - every upstream
   */
  readonly upstreams?: string[];
  /**
   * Match only targets whose upstream-declared annotations have these values.
   * @default - any annotations
   */
  readonly annotations?: ToolAnnotationConditions;
  /**
   * Callers in any of these groups are not matched (typically on forbid rules, to exempt administrators).
   * @default - nobody is exempt
   */
  readonly exceptGroups?: string[];
  /**
   * An extra Cedar condition, added as `when { ... }`, e.g. on the call's arguments:
   * `context.arguments.hasTag("path") && context.arguments.getTag("path") has string && context.arguments.getTag("path").string like "/tmp/*"`.
   * @default - no extra condition
   */
  readonly when?: string;
}

/** One access rule: permit or forbid. With access control on, whatever no rule permits is denied; forbid wins. */
export class AccessRule {
  /** Permits the matching calls. */
  public static permit(props: AccessRuleProps): AccessRule {
    return new AccessRule(AccessEffect.PERMIT, props);
  }

  /** Forbids the matching calls (forbid overrides permit). */
  public static forbid(props: AccessRuleProps): AccessRule {
    return new AccessRule(AccessEffect.FORBID, props);
  }

  /** Permit or forbid. */
  public readonly effect: AccessEffect;
  /** The rule's conditions. */
  public readonly props: AccessRuleProps;

  private constructor(effect: AccessEffect, props: AccessRuleProps) {
    this.effect = effect;
    this.props = props;
  }

  /** @internal */
  public _render(prop: string, problems: Problems): AccessRuleConfig {
    const p = this.props;
    problems.pattern(`${prop}.id`, p.id, LIMITS.ruleId, 'Use letters, digits and _ . : - only.');
    for (const key of ['groups', 'scopes', 'clientIds', 'subjects', 'tools', 'upstreams', 'exceptGroups'] as const) {
      const list = p[key];
      if (list !== undefined && list.length === 0) {
        problems.add(`${prop}.${key}`, 'is an empty list, which would match nothing', list, `Omit ${key} to match anything, or name at least one value.`);
      }
      list?.forEach((v, i) => {
        if (!Token.isUnresolved(v) && v.trim().length === 0) problems.add(`${prop}.${key}[${i}]`, 'must not be blank', v, 'Remove it or give a value.');
      });
    }
    if (p.actions !== undefined && p.actions.length === 0) {
      problems.add(`${prop}.actions`, 'is an empty list, which would match nothing', p.actions, 'Omit actions to match the call actions, or name at least one.');
    }
    if (p.when !== undefined && !Token.isUnresolved(p.when) && p.when.trim().length === 0) {
      problems.add(`${prop}.when`, 'must not be blank', p.when, 'Give a Cedar expression or omit when.');
    }
    const a = p.annotations;
    const annotations = a && {
      ...(a.readOnly !== undefined ? { readOnlyHint: a.readOnly } : {}),
      ...(a.destructive !== undefined ? { destructiveHint: a.destructive } : {}),
      ...(a.idempotent !== undefined ? { idempotentHint: a.idempotent } : {}),
      ...(a.openWorld !== undefined ? { openWorldHint: a.openWorld } : {}),
    };
    return {
      ...(p.id !== undefined ? { id: p.id } : {}),
      effect: this.effect === AccessEffect.PERMIT ? 'permit' : 'forbid',
      ...(p.actions ? { actions: p.actions.map((x) => x.toString() as AccessActionValue) } : {}),
      ...(p.groups ? { groups: [...p.groups] } : {}),
      ...(p.scopes ? { scopes: [...p.scopes] } : {}),
      ...(p.clientIds ? { clientIds: [...p.clientIds] } : {}),
      ...(p.subjects ? { subjects: [...p.subjects] } : {}),
      ...(p.tools ? { tools: [...p.tools] } : {}),
      ...(p.upstreams ? { upstreams: [...p.upstreams] } : {}),
      ...(annotations && Object.keys(annotations).length > 0 ? { annotations } : {}),
      ...(p.exceptGroups ? { exceptGroups: [...p.exceptGroups] } : {}),
      ...(p.when !== undefined ? { when: p.when } : {}),
    };
  }
}

/** A named set of rules (and optionally raw Cedar), enforced or evaluated in dry run. */
export interface AccessRuleSet {
  /** Unique name (letters, digits, `_`, `-`), shown in audit records. */
  readonly name: string;
  /**
   * Typed rules, compiled to Cedar by the proxy.
   * @default - none
   */
  readonly rules?: AccessRule[];
  /**
   * Raw Cedar policies, validated against the proxy's Cedar schema (schema/mcp.cedarschema) at synth.
   * @default - none
   */
  readonly cedar?: string;
  /**
   * Evaluate and audit would-be denials without enforcing them.
   * @default - AccessControlOptions.dryRun
   */
  readonly dryRun?: boolean;
}

/**
 * A candidate access-control policy deployed beside the enforced one: evaluated on every call and list, never
 * enforced. Where it decides differently, the proxy writes a `shadow_disagreement` audit record (caller, target, both
 * decisions and their deciding policies) and counts it in the ShadowDisagreements metric (on the dashboard);
 * `node index.js shadow-report <audit export>` summarizes them by target and caller group.
 */
export interface ShadowPolicyOptions {
  /** The candidate's rule sets (validated at synth like the enforced ones; names may repeat the enforced ones). */
  readonly ruleSets: AccessRuleSet[];
  /**
   * The candidate's own on/off: off, it allows everything (as access control does when off).
   * @default true
   */
  readonly enabled?: boolean;
}

/** Tool-level access control (Cedar). */
export interface AccessControlOptions {
  /**
   * Deny by default and permit only what the rule sets permit. Off, every authenticated caller may call every target.
   * @default - on when `ruleSets` is not empty
   */
  readonly enabled?: boolean;
  /**
   * The rule sets.
   * @default - none
   */
  readonly ruleSets?: AccessRuleSet[];
  /**
   * Dry run for every rule set that does not say otherwise: decisions are audited, not enforced.
   * @default false
   */
  readonly dryRun?: boolean;
  /**
   * Fail synth, instead of warning, when a typed rule can never match the configured identity (a group no token
   * carries, a scope without its resource server prefix, caller conditions under IAM auth), when a forbid rule
   * overrides a permit entirely, or when a rule permits `detokenize` with tokenization off.
   * @default false - such rules are reported as warnings (ids `cdk-mcp-governance-proxy:ruleNeverMatches`,
   * `cdk-mcp-governance-proxy:contradictoryRules`, `cdk-mcp-governance-proxy:detokenizeWithoutTokenization`)
   */
  readonly strictRuleChecks?: boolean;
  /**
   * Expectations about the enforced policies (`PolicyTest.allow(...)`, `PolicyTest.deny(...)`), evaluated at synth by
   * the runtime's own `check` exactly as the proxy decides. A test that does not hold fails the synth, naming the
   * test, the decision and the deciding policies; the compliance report lists every test with its result.
   * @default - no policy tests
   */
  readonly tests?: PolicyTest[];
  /**
   * A candidate policy evaluated beside the enforced one on live traffic, never enforced (see `ShadowPolicyOptions`).
   * @default - no shadow policy
   */
  readonly shadow?: ShadowPolicyOptions;
}

/** Renders the accessControl section. */
export function renderAccessControl(options: AccessControlOptions | undefined, upstreamNames: readonly string[], problems: Problems): AccessControlConfig {
  const sets = options?.ruleSets ?? [];
  const enabled = options?.enabled ?? sets.length > 0;
  const ruleSets = renderRuleSets(sets, 'accessControl.ruleSets', options?.dryRun ?? false, upstreamNames, problems);
  if (options?.enabled === true && sets.length === 0) {
    problems.add('accessControl.ruleSets', 'is empty while access control is enabled, so every call would be denied', [], 'Add a rule set, or leave enabled unset.');
  }
  const shadow = options?.shadow;
  if (shadow && shadow.ruleSets.length === 0) {
    problems.add('accessControl.shadow.ruleSets', 'is empty', [], 'Give the candidate at least one rule set, or omit shadow.');
  }
  return {
    enabled,
    ruleSets,
    ...(shadow ? { shadow: { enabled: shadow.enabled ?? true, ruleSets: renderRuleSets(shadow.ruleSets, 'accessControl.shadow.ruleSets', false, upstreamNames, problems) } } : {}),
  };
}

function renderRuleSets(sets: readonly AccessRuleSet[], base: string, dryRunDefault: boolean, upstreamNames: readonly string[], problems: Problems): AccessControlConfig['ruleSets'] {
  const seen = new Set<string>();
  return sets.map((set, i) => {
    const prop = `${base}[${i}]`;
    problems.pattern(`${prop}.name`, set.name, LIMITS.ruleSetName, 'Use letters, digits, _ and - only.');
    if (seen.has(set.name)) problems.add(`${prop}.name`, 'is used by another rule set', set.name, 'Give each rule set a unique name.');
    seen.add(set.name);
    if (!set.rules?.length && !set.cedar?.trim()) {
      problems.add(prop, 'has neither rules nor cedar', set.name, 'Add typed rules, raw Cedar, or remove the rule set.');
    }
    const rules = (set.rules ?? []).map((r, j) => {
      const rendered = r._render(`${prop}.rules[${j}]`, problems);
      rendered.upstreams?.forEach((u, k) => {
        if (!Token.isUnresolved(u) && !upstreamNames.includes(u)) {
          problems.add(`${prop}.rules[${j}].upstreams[${k}]`, 'names no configured upstream', u, `Use one of: ${upstreamNames.join(', ')}.`);
        }
      });
      return rendered;
    });
    return {
      name: set.name,
      dryRun: set.dryRun ?? dryRunDefault,
      rules,
      ...(set.cedar !== undefined ? { cedar: set.cedar } : {}),
    };
  });
}
