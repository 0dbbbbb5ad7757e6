/**
 * Access-control stage: tool-level authorization in Cedar (see docs/ACCESS-CONTROL.md).
 *
 * - Deny by default. Enforced rule sets form one policy set (forbid overrides permit).
 * - Dry-run rule sets are evaluated on calls the enforced set allows, as "enforced + this rule set": a call that would
 *   then be denied is recorded in `ctx.decision.dryRunDenials`, never enforced.
 * - Visibility (lists) and callability come from the same policies: an entry is listed iff some permit applies to
 *   (caller, action, entry) for some arguments and no forbid applies whatever the arguments. Policies that do not read
 *   arguments are evaluated exactly; those that do are partially evaluated with the arguments unknown.
 * - A denied call on a target the caller cannot see answers exactly like an unknown target; a denied call on a visible
 *   target (argument conditions) answers Forbidden.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../canonical-json';
import type { AccessAction } from '../../config/sections/access-control';
import type { ProxyConfig } from '../../config/schema';
import type { Logger } from '../../log';
import type { CatalogEntry, PolicyDecision, RequestContext, Stage } from '../../pipeline/context';
import { ErrorCode, GovernanceError, targetNotFound } from '../../pipeline/errors';
import { INPUT_ACTION, type InputDecision, type InputRequestEvent } from '../../pipeline/input-request';
import { PROXY_VERSION } from '../../version';
import { CEDAR_SCHEMA } from './cedar-schema';
import { compilePolicies, renderCedar, type CompiledPolicy } from './compile';
import { ACTION_FOR_KIND, ARGUMENTS_UID, ArgumentsTooComplex, actionUid, argumentsEntity, callerEntity, targetEntity } from './entities';
import { ArgumentPolicies, SlicedPolicySet, type CedarRequest, type PartialCaller } from './engine';

export { CEDAR_SCHEMA, CEDAR_NAMESPACE } from './cedar-schema';
export { cedarString, typedRuleToCedar } from './compile';

const STAGE = 'access-control';

/**
 * Compiles the access-control configuration to Cedar and validates it against the proxy's Cedar schema (strict).
 * Throws ConfigError naming every bad rule set, rule and field. Used at start-up and by the `check` command.
 */
export function compileAccessControl(cfg: ProxyConfig['accessControl']): { cedar: string; ruleSets: { name: string; dryRun: boolean; policyIds: string[] }[] } {
  const compiled = compilePolicies(cfg);
  return {
    cedar: renderCedar(compiled),
    ruleSets: compiled.ruleSets.map((s) => ({ name: s.name, dryRun: s.dryRun, policyIds: s.policies.map((p) => p.id) })),
  };
}

/**
 * What `check` prints (as `policiesChecked`) for an access-control section it validated, and what the construct hands
 * the runtime in MCP_PROXY_CONFIG_CHECKED: the SHA-256 of this bundle's version and Cedar schema and of the section as
 * resolved (defaults applied, deploy-time values substituted). When the runtime computes the same value at start-up,
 * this bundle already validated exactly these policies against exactly this schema, so start-up skips Cedar's schema
 * validation (~60-120 ms of a cold start); anything different (another bundle, an edited policy, a deploy-time value
 * inside the section that differs from the synth-time stand-in) gives another value and a full validation.
 */
export function policiesCheckedStamp(cfg: ProxyConfig['accessControl']): string {
  return `sha256:${createHash('sha256').update(`${PROXY_VERSION}\0${CEDAR_SCHEMA}\0${canonicalJson(cfg)}`).digest('hex')}`;
}

export interface AccessControlOptions {
  /**
   * Whether to decide `detokenize` for calls (sets ctx.detokenizeAllowed). Pass false when tokenization does not
   * detokenize results, to save one evaluation per call.
   * @default true
   */
  readonly detokenize?: boolean;
  /**
   * The runtime's MCP_PROXY_CONFIG_CHECKED: when it equals policiesCheckedStamp(cfg), Cedar's schema validation is
   * skipped (the `check` of this bundle validated these policies).
   */
  readonly checkedStamp?: string;
}

/** What an allowed call's evaluation produced, remembered per (caller, target) when no policy reads arguments. */
interface AllowedCall {
  readonly policyIds: readonly string[];
  readonly dryRunDenials: readonly { ruleSet: string; policyIds: string[] }[];
  readonly detokenizeAllowed: boolean;
}

/** Bound on remembered callers per catalog entry; the memory for that entry starts over beyond it. */
const MAX_CALLERS_PER_ENTRY = 1_000;

/**
 * The caller entity of a principal and its JSON (the key under which decisions about it are remembered), built once
 * per principal object: the identity stage hands the same principal to every call made with the same token.
 */
interface Caller {
  readonly entity: ReturnType<typeof callerEntity>;
  readonly key: string;
  /** The caller for decisions with the target unknown, per action (see SlicedPolicySet.mayPermit). */
  readonly partial: Map<AccessAction, PartialCaller>;
}
const callers = new WeakMap<object, Caller>();
function callerOf(principal: NonNullable<RequestContext['principal']>): Caller {
  let c = callers.get(principal);
  if (!c) {
    const entity = callerEntity(principal);
    callers.set(principal, (c = { entity, key: JSON.stringify(entity), partial: new Map() }));
  }
  return c;
}

function partialCaller(c: Caller, action: AccessAction): PartialCaller {
  let who = c.partial.get(action);
  if (!who) c.partial.set(action, (who = { principal: c.entity.uid, action: actionUid(action), entities: [c.entity], key: c.key }));
  return who;
}

function forbidden(): GovernanceError {
  return new GovernanceError(ErrorCode.Forbidden, 'Access denied by policy', 'forbidden');
}

/** Builds the access-control stage: compiles, validates and pre-parses every policy once. */
export async function createAccessControlStage(cfg: ProxyConfig['accessControl'], log: Logger, opts: AccessControlOptions = {}): Promise<Stage> {
  // Policies are always compiled and parsed; only the schema validation that `check` already did is skipped.
  const checked = opts.checkedStamp !== undefined && opts.checkedStamp === policiesCheckedStamp(cfg);
  const compiled = compilePolicies(cfg, { validate: !checked });
  for (const w of compiled.warnings) log.warn('Cedar policy warning', { warning: w });

  if (!cfg.enabled) {
    log.warn('access control is disabled: every authenticated caller may call and see everything');
    return {
      name: STAGE,
      onRequest(ctx: RequestContext) {
        if (!ctx.target) return;
        ctx.decision = { effect: 'allow', policyIds: [], dryRunDenials: [], durationMs: 0 };
        ctx.detokenizeAllowed = true;
      },
      // Pass-through: input requests are limited only by what the caller declared (checked by the server).
      onInputRequest: () => ({ effect: 'allow', policyIds: [] }),
    };
  }

  const enforcedPolicies: CompiledPolicy[] = compiled.ruleSets.filter((s) => !s.dryRun).flatMap((s) => s.policies);
  const enforcedReadsArguments = enforcedPolicies.some((p) => p.usesContext);
  const enforced = new SlicedPolicySet('enforced', enforcedPolicies);
  // Visibility: the policies that do not read arguments exactly, the others partially (see `visible`).
  const argumentFree = enforcedReadsArguments ? new SlicedPolicySet('visibility', enforcedPolicies.filter((p) => !p.usesContext)) : enforced;
  const argumentPolicies = new ArgumentPolicies(enforcedPolicies.filter((p) => p.usesContext));
  const dryRuns = compiled.ruleSets
    .filter((s) => s.dryRun)
    .map((s) => ({
      name: s.name,
      ids: new Set(s.policies.map((p) => p.id)),
      readsArguments: enforcedReadsArguments || s.policies.some((p) => p.usesContext),
      evaluator: new SlicedPolicySet(`dry-run/${s.name}`, [...enforcedPolicies, ...s.policies]),
    }));
  const readsArguments = enforcedReadsArguments || dryRuns.some((d) => d.readsArguments);
  const decidesDetokenize = opts.detokenize !== false && enforcedPolicies.some((p) => p.coversDetokenize && p.effect === 'permit');
  log.info('access control ready', {
    schemaValidation: checked ? 'done by check (MCP_PROXY_CONFIG_CHECKED matches)' : 'at start-up',
    enforcedPolicies: enforcedPolicies.length,
    argumentPolicies: argumentPolicies.size,
    dryRunRuleSets: dryRuns.map((d) => d.name),
  });

  const forbidIds = new Set(enforcedPolicies.filter((p) => p.effect === 'forbid').map((p) => p.id));
  /**
   * Allowed calls, per catalog entry object and caller entity (JSON), when no policy reads arguments: Cedar's answer
   * then depends on nothing else (the policies are fixed for the process; a catalog refresh makes new entry objects),
   * so a repeated call skips evaluation. Evaluations that raised errors and denials are never remembered.
   */
  const allowedCalls = readsArguments ? undefined : new WeakMap<CatalogEntry, Map<string, AllowedCall>>();

  // Cedar's error messages may quote values (from arguments too): logs name the policies, never the messages.
  const logErrors = (msg: string, requestId: string, entry: CatalogEntry, errored: readonly string[], failure: string | undefined) => {
    if (failure !== undefined || errored.length > 0) log.error(msg, { requestId, target: entry.exposedName, policies: errored, failed: failure !== undefined });
  };

  /**
   * Whether `entry` is visible to the caller: the same policies as for calls, with the arguments unknown.
   * The caller's key (its entity as JSON) names it where partial evaluations are remembered.
   */
  const visible = (requestId: string, c: Caller, entry: CatalogEntry): boolean => {
    const action = ACTION_FOR_KIND[entry.kind];
    // No permit can apply to this caller and target, with or without arguments: hidden whatever Cedar would say about
    // forbids. (In a large catalog most targets are usually outside every permit this caller can meet: a 10,000-tool
    // list evaluated each one.)
    if (!argumentFree.mayPermit(action, entry, partialCaller(c, action)) && !argumentPolicies.mayPermit(action, entry)) return false;
    const target = targetEntity(entry);
    const base = { principal: c.entity.uid, action: actionUid(action), resource: target.uid, entities: [c.entity, target] };
    const exact = argumentFree.evaluate({ ...base, context: {} }, action, entry);
    logErrors('policy evaluation error (visibility; a failing forbid hides the entry)', requestId, entry, exact.errored, exact.failure);
    if (exact.failure) return false;
    if (!exact.allow && exact.policyIds.some((id) => forbidIds.has(id))) return false;
    if (argumentPolicies.size === 0) return exact.allow;
    const partial = argumentPolicies.evaluate(base, action, entry, c.key, !exact.allow);
    logErrors('policy evaluation error (visibility, arguments unknown; a failing forbid hides the entry)', requestId, entry, partial.errored, partial.failure);
    if (partial.forbidden) return false;
    return exact.allow || partial.mayPermit;
  };

  return {
    name: STAGE,

    onRequest(ctx: RequestContext) {
      const entry = ctx.target;
      if (!entry) return; // unknown target: the pipeline answers not-found
      const t0 = performance.now();
      const principal = ctx.principal;
      if (!principal) throw new GovernanceError(ErrorCode.Unauthenticated, 'Authentication required', 'unauthenticated');
      const who = callerOf(principal);
      const { entity: caller, key: callerKey } = who;
      const remembered = allowedCalls?.get(entry)?.get(callerKey);
      if (remembered) {
        ctx.detokenizeAllowed = remembered.detokenizeAllowed;
        ctx.decision = { effect: 'allow', policyIds: remembered.policyIds, dryRunDenials: [...remembered.dryRunDenials], durationMs: performance.now() - t0 };
        return;
      }
      const target = targetEntity(entry);
      const record = (d: Omit<PolicyDecision, 'durationMs'>) => {
        ctx.decision = { ...d, durationMs: performance.now() - t0 };
      };
      /** Records the denial; hidden targets answer exactly like unknown ones, visible ones (argument conditions) say so. */
      const deny = (policyIds: readonly string[]): never => {
        let shown = false;
        try {
          shown = visible(ctx.requestId, who, entry);
        } catch {
          log.error('visibility check failed; answering as for a hidden target', { requestId: ctx.requestId, target: entry.exposedName });
        }
        record({ effect: 'deny', policyIds, dryRunDenials: [] });
        throw shown ? forbidden() : targetNotFound(entry.kind, entry.exposedName, 'forbidden');
      };

      // The arguments become an entity only when some policy reads them.
      let withArguments: CedarRequest | undefined;
      const action = ACTION_FOR_KIND[entry.kind];
      const plain: CedarRequest = { principal: caller.uid, action: actionUid(action), resource: target.uid, context: {}, entities: [caller, target] };
      if (readsArguments) {
        try {
          withArguments = { ...plain, context: { arguments: { __entity: ARGUMENTS_UID } }, entities: [caller, target, argumentsEntity(ctx.arguments)] };
        } catch (err) {
          if (!(err instanceof ArgumentsTooComplex)) throw err;
          log.warn('arguments cannot be evaluated by policy; policies that read them deny', { requestId: ctx.requestId, target: entry.exposedName, reason: err.message });
          if (enforcedReadsArguments) deny([]);
        }
      }

      const req = enforcedReadsArguments ? withArguments! : plain;
      const decision = enforced.evaluate(req, action, entry);
      logErrors('policy evaluation error (a failing forbid denies)', ctx.requestId, entry, decision.errored, decision.failure);
      if (!decision.allow) deny(decision.policyIds);

      const dryRunDenials: { ruleSet: string; policyIds: string[] }[] = [];
      for (const d of dryRuns) {
        const dreq = d.readsArguments ? withArguments : plain;
        const r = dreq ? d.evaluator.evaluate(dreq, action, entry) : { allow: false, policyIds: [] as string[] };
        if (!r.allow) dryRunDenials.push({ ruleSet: d.name, policyIds: r.policyIds.filter((id) => d.ids.has(id)) });
      }
      const detokenize = decidesDetokenize ? enforced.evaluate({ ...req, action: actionUid('detokenize') }, 'detokenize', entry) : undefined;
      ctx.detokenizeAllowed = detokenize?.allow === true;
      record({ effect: 'allow', policyIds: decision.policyIds, dryRunDenials });
      if (allowedCalls && decision.errored.length === 0 && !detokenize?.failure && (detokenize?.errored.length ?? 0) === 0) {
        let byCaller = allowedCalls.get(entry);
        if (!byCaller) allowedCalls.set(entry, (byCaller = new Map()));
        if (byCaller.size >= MAX_CALLERS_PER_ENTRY) byCaller.clear();
        byCaller.set(callerKey, { policyIds: decision.policyIds, dryRunDenials, detokenizeAllowed: ctx.detokenizeAllowed });
      }
    },

    /**
     * May the call's upstream ask this caller for input of this kind? Cedar, action `input/<kind>`, resource the call's
     * target, context the call's arguments and the request's kind (and URL host). Deny by default; an error is a deny.
     * Dry-run rule sets are not evaluated for input requests (an input request is decided by the enforced set only).
     */
    onInputRequest(ctx: RequestContext, event: InputRequestEvent): InputDecision {
      const principal = ctx.principal;
      if (!principal) return { effect: 'deny', policyIds: [], reason: 'policy' };
      const action = INPUT_ACTION[event.kind];
      const caller = callerOf(principal).entity;
      const target = targetEntity(event.target);
      let args;
      try {
        args = argumentsEntity(ctx.arguments);
      } catch {
        return { effect: 'deny', policyIds: [], reason: 'policy' };
      }
      const input: Record<string, string> = { kind: event.kind };
      if (event.urlHost !== undefined) input.urlHost = event.urlHost;
      const req: CedarRequest = {
        principal: caller.uid,
        action: actionUid(action),
        resource: target.uid,
        context: { arguments: { __entity: ARGUMENTS_UID }, input },
        entities: [caller, target, args],
      };
      const d = enforced.evaluate(req, action, event.target);
      logErrors('policy evaluation error (input request; a failing forbid denies)', ctx.requestId, event.target, d.errored, d.failure);
      return d.allow ? { effect: 'allow', policyIds: d.policyIds } : { effect: 'deny', policyIds: d.policyIds, reason: 'policy' };
    },

    filterList(ctx: RequestContext, entries: readonly CatalogEntry[]): readonly CatalogEntry[] {
      const principal = ctx.principal;
      if (!principal) {
        log.error('list without a caller identity: showing nothing', { requestId: ctx.requestId });
        return [];
      }
      const who = callerOf(principal);
      const shown = entries.filter((entry) => {
        try {
          return visible(ctx.requestId, who, entry);
        } catch {
          log.error('visibility check failed; entry hidden', { requestId: ctx.requestId, target: entry.exposedName });
          return false;
        }
      });
      if (shown.length < entries.length) ctx.actions.push({ stage: STAGE, action: 'access.hidden', count: entries.length - shown.length });
      return shown;
    },
  };
}
