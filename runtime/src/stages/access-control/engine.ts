/**
 * Cedar evaluation over pre-parsed policy sets. cedar-wasm keeps pre-parsed policy sets in the module
 * (`preparsePolicySet`), so a decision only converts the request and its few entities (`statefulIsAuthorized`):
 * policies are parsed once, at start-up.
 *
 * Fail closed: a forbid policy that errors counts as applying; an answer Cedar could not produce is a deny.
 */
import { createHash } from 'node:crypto';
import type * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { cedarWasm } from './cedar-wasm';
import type { Context, EntityJson, EntityUidJson } from '@cedar-policy/cedar-wasm/nodejs';
import { ACCESS_ACTIONS, type AccessAction } from '../../config/sections/access-control';
import type { CatalogEntry } from '../../pipeline/context';
import { globMatches, type CompiledPolicy, type PolicyScope } from './compile';

let nextSetId = 0;

function messages(errors: readonly cedar.DetailedError[]): string {
  let out = '';
  for (const e of errors) out += (out ? '; ' : '') + e.message;
  return out;
}

export interface CedarRequest {
  readonly principal: EntityUidJson;
  readonly action: EntityUidJson;
  readonly resource: EntityUidJson;
  readonly context: Context;
  readonly entities: EntityJson[];
}

export interface Evaluation {
  readonly allow: boolean;
  /** The determining policies: satisfied permits on allow; satisfied (or erroring) forbids on deny. */
  readonly policyIds: readonly string[];
  /** Policies that raised an evaluation error (a forbid among them makes the answer deny). */
  readonly errored: readonly string[];
  /** Set when Cedar could not evaluate the request at all (the answer is deny). */
  readonly failure?: string;
}

/** One pre-parsed Cedar policy set. */
export class PolicySetEvaluator {
  private readonly setId: string;
  private readonly forbids: ReadonlySet<string>;
  readonly size: number;
  /** Whether the set has a permit policy: without one, every answer is deny (Cedar denies by default). */
  readonly hasPermit: boolean;

  /** `setId` names the pre-parsed set inside cedar-wasm; pre-parsing again under the same id replaces it. */
  constructor(label: string, policies: readonly CompiledPolicy[], setId = `mcp-proxy/${label}/${nextSetId++}`) {
    this.setId = setId;
    const staticPolicies: Record<string, string> = {};
    const forbids = new Set<string>();
    for (const p of policies) {
      staticPolicies[p.id] = p.text;
      if (p.effect === 'forbid') forbids.add(p.id);
    }
    const res = cedarWasm().preparsePolicySet(this.setId, { staticPolicies });
    // compilePolicies already parsed and validated every policy; failing here is a bug, not a configuration problem.
    if (res.type !== 'success') throw new Error(`cannot pre-parse policy set ${label}: ${messages(res.errors)}`);
    this.forbids = forbids;
    this.size = policies.length;
    this.hasPermit = forbids.size < policies.length;
  }

  evaluate(req: CedarRequest): Evaluation {
    let ans: cedar.AuthorizationAnswer;
    try {
      ans = cedarWasm().statefulIsAuthorized({
        principal: req.principal,
        action: req.action,
        resource: req.resource,
        context: req.context,
        entities: req.entities,
        preparsedPolicySetId: this.setId,
      });
    } catch (err) {
      return { allow: false, policyIds: [], errored: [], failure: (err as Error).message };
    }
    if (ans.type !== 'success') return { allow: false, policyIds: [], errored: [], failure: messages(ans.errors) };
    const { decision, diagnostics } = ans.response;
    if (diagnostics.errors.length === 0) return { allow: decision === 'allow', policyIds: diagnostics.reason, errored: [] };
    const errored: string[] = [];
    const erroredForbids: string[] = [];
    for (const e of diagnostics.errors) {
      errored.push(e.policyId);
      if (this.forbids.has(e.policyId)) erroredForbids.push(e.policyId);
    }
    if (erroredForbids.length === 0) return { allow: decision === 'allow', policyIds: diagnostics.reason, errored };
    const policyIds: string[] = [];
    for (const id of diagnostics.reason) if (this.forbids.has(id)) policyIds.push(id);
    for (const id of erroredForbids) policyIds.push(id);
    return { allow: false, policyIds, errored };
  }
}

const EMPTY: Evaluation = { allow: false, policyIds: [], errored: [] };

/**
 * Cedar partial evaluation of `staticPolicies` (parsed for this call: cedar-wasm keeps no pre-parsed sets for it) with
 * the parts of the request left out of `call` unknown: Cedar's residuals, or why there are none.
 */
function evaluatePartially(call: Omit<cedar.PartialAuthorizationCall, 'policies'>, staticPolicies: Record<string, string>): { residuals: cedar.ResidualResponse } | { failure: string } {
  try {
    const ans = cedarWasm().isAuthorizedPartial({ ...call, policies: { staticPolicies } });
    return ans.type === 'residuals' ? { residuals: ans.response } : { failure: messages(ans.errors) };
  } catch (err) {
    return { failure: (err as Error).message };
  }
}

/** Cedar's answer for the union of two policy sets, from the answers of each (forbid overrides permit, deny by default). */
export function combine(a: Evaluation, b: Evaluation): Evaluation {
  const errored = [...a.errored, ...b.errored];
  if (a.failure !== undefined || b.failure !== undefined) return { allow: false, policyIds: [], errored, failure: a.failure ?? b.failure };
  const forbids = [...(a.allow ? [] : a.policyIds), ...(b.allow ? [] : b.policyIds)];
  if (forbids.length > 0) return { allow: false, policyIds: forbids, errored };
  const permits = [...(a.allow ? a.policyIds : []), ...(b.allow ? b.policyIds : [])];
  return { allow: permits.length > 0, policyIds: permits, errored };
}

function inScope(scope: PolicyScope, action: AccessAction, entry: CatalogEntry): boolean {
  if (scope.actions && !scope.actions.has(action)) return false;
  if (scope.kinds && !scope.kinds.has(entry.kind)) return false;
  if (scope.upstreams && !scope.upstreams.has(entry.upstream)) return false;
  if (!scope.names) return true;
  for (const glob of scope.names) if (globMatches(glob, entry.name)) return true;
  return false;
}

const namesTargets = (s: PolicyScope) => s.kinds !== undefined || s.upstreams !== undefined || s.names !== undefined;
const ACTIONS: readonly AccessAction[] = ACCESS_ACTIONS;

/** Policies that apply to any target of an action are evaluated with each target's own policies up to this many. */
const INLINE_GENERIC_MAX = 64;
/** Bound on cached (action, target) slices; the cache starts over beyond it. */
const MAX_SLICES = 10_000;
/** Bound on remembered (action, caller) answers about generic permits; the memory starts over beyond it. */
const MAX_GENERIC_CALLERS = 10_000;

/** A caller for a decision with the target unknown: its entity (and uid), the action's uid, and a key naming it. */
export interface PartialCaller {
  readonly principal: EntityUidJson;
  readonly action: EntityUidJson;
  readonly entities: EntityJson[];
  /** Identifies the caller entity (its JSON): answers are remembered under it. */
  readonly key: string;
}

/**
 * A policy set evaluated per (action, target) against only the policies whose scope can match them, so a decision
 * costs in proportion to the policies about that target, not to the whole set. Policies that name no target
 * ("generic") form one pre-parsed set per action (shared between actions with the same policies); each target's own
 * policies form a pre-parsed slice, built on first use and shared by targets with the same policies. Small generic
 * sets are folded into the slices (one evaluation); large ones are evaluated separately and the two answers combined
 * exactly as Cedar would combine them.
 */
export class SlicedPolicySet {
  /** Per action: the policies that name no target, pre-parsed, and the texts of the permits among them (by id). */
  private readonly generic = new Map<AccessAction, { evaluator: PolicySetEvaluator; policies: readonly CompiledPolicy[]; permits: Record<string, string> }>();
  private readonly specific: CompiledPolicy[] = [];
  private readonly slices = new Map<string, Slice>();
  /** Per (action, caller): whether a generic permit can apply to the caller (see mayPermit). */
  private readonly genericPermits = new Map<string, boolean>();
  private readonly bySignature = new Map<string, PolicySetEvaluator>();
  private readonly instance = nextSetId++;
  readonly size: number;

  constructor(
    private readonly label: string,
    policies: readonly CompiledPolicy[],
  ) {
    this.size = policies.length;
    const shared = new Map<string, PolicySetEvaluator>();
    for (const action of ACTIONS) {
      const gp: CompiledPolicy[] = [];
      for (const p of policies) if (!namesTargets(p.scope) && (!p.scope.actions || p.scope.actions.has(action))) gp.push(p);
      const signature = idsOf(gp);
      let evaluator = shared.get(signature);
      if (!evaluator) shared.set(signature, (evaluator = new PolicySetEvaluator(`${label}/${action}`, gp)));
      const permits: Record<string, string> = {};
      for (const p of gp) if (p.effect === 'permit') permits[p.id] = p.text;
      this.generic.set(action, { evaluator, policies: gp, permits });
    }
    for (const p of policies) if (namesTargets(p.scope)) this.specific.push(p);
  }

  evaluate(req: CedarRequest, action: AccessAction, entry: CatalogEntry): Evaluation {
    const generic = this.generic.get(action)!;
    const slice = this.slice(action, entry).evaluator;
    if (!slice) return generic.policies.length > 0 ? generic.evaluator.evaluate(req) : EMPTY;
    if (generic.policies.length <= INLINE_GENERIC_MAX) return slice.evaluate(req);
    return combine(generic.evaluator.evaluate(req), slice.evaluate(req));
  }

  /**
   * Whether a permit policy can apply to this action and target (and, given `who`, to this caller). When none can,
   * `evaluate` answers deny whatever the request: a caller needing only allow/deny (visibility) skips the evaluation.
   * (Calls still evaluate: the audit record names the forbids that applied.)
   *
   * Permits that name targets are matched by scope. Generic permits (naming no target) are asked once per caller and
   * action, with the target unknown (Cedar partial evaluation): one that is false for this caller whatever the target
   * (e.g. `principal.groups.contains("admins")` for a non-admin) cannot apply; one that is satisfied, depends on the
   * target, or raised an error might.
   */
  mayPermit(action: AccessAction, entry: CatalogEntry, who?: PartialCaller): boolean {
    if (this.slice(action, entry).ownPermit) return true;
    const generic = this.generic.get(action)!;
    if (!generic.evaluator.hasPermit) return false;
    return who === undefined || this.genericMayPermit(action, generic.permits, who);
  }

  private genericMayPermit(action: AccessAction, permits: Readonly<Record<string, string>>, who: PartialCaller): boolean {
    const key = `${action}\u0000${who.key}`;
    let may = this.genericPermits.get(key);
    if (may === undefined) {
      const res = evaluatePartially({ principal: who.principal, action: who.action, resource: null, context: {}, entities: who.entities }, permits);
      // Without an answer, may stays true: the full evaluation decides (and reports the error).
      may = 'failure' in res || res.residuals.satisfied.length > 0 || res.residuals.nontrivialResiduals.length > 0 || res.residuals.errored.length > 0;
      if (this.genericPermits.size >= MAX_GENERIC_CALLERS) this.genericPermits.clear();
      this.genericPermits.set(key, may);
    }
    return may;
  }

  /**
   * The pre-parsed set of this target's own policies (with the generic ones folded in when few), or null if none, and
   * whether a permit is among its own policies.
   */
  private slice(action: AccessAction, entry: CatalogEntry): Slice {
    const key = sliceKey(action, entry);
    const cached = this.slices.get(key);
    if (cached !== undefined) return cached;
    const own: CompiledPolicy[] = [];
    for (const p of this.specific) if (inScope(p.scope, action, entry)) own.push(p);
    let evaluator: PolicySetEvaluator | null = null;
    if (own.length > 0) {
      const generic = this.generic.get(action)!.policies;
      const members = generic.length <= INLINE_GENERIC_MAX ? generic.concat(own) : own;
      const signature = idsOf(members);
      evaluator = this.bySignature.get(signature) ?? null;
      if (!evaluator) {
        // A stable id per membership: after the cache starts over, the same slice replaces its old copy in cedar-wasm.
        const digest = createHash('sha256').update(signature).digest('base64url');
        evaluator = new PolicySetEvaluator(`${this.label}/slice`, members, `mcp-proxy/${this.label}/${this.instance}/${digest}`);
        this.bySignature.set(signature, evaluator);
      }
    }
    if (this.slices.size >= MAX_SLICES) {
      this.slices.clear();
      this.bySignature.clear();
    }
    const slice: Slice = { evaluator, ownPermit: own.some((p) => p.effect === 'permit') };
    this.slices.set(key, slice);
    return slice;
  }
}

/** A target's own policies, pre-parsed (see SlicedPolicySet.slice). */
interface Slice {
  readonly evaluator: PolicySetEvaluator | null;
  /** Whether a permit is among the policies that name this target. */
  readonly ownPermit: boolean;
}

function sliceKey(action: AccessAction, entry: CatalogEntry): string {
  return `${action}\u0000${entry.kind}\u0000${entry.upstream}\u0000${entry.name}`;
}

function idsOf(policies: readonly CompiledPolicy[]): string {
  let out = '';
  for (const p of policies) out += `${p.id}\u0000`;
  return out;
}

/**
 * Decides with the arguments unknown (Cedar partial evaluation) over the policies that read `context`:
 * whether one of them certainly forbids, and whether one of them may permit, for some arguments.
 * Stateless in cedar-wasm (the policies are converted per call), so it is used only for the few policies that
 * read arguments, and only to decide visibility.
 */
export interface PartialResult {
  /** A forbid applies whatever the arguments (or errored). */
  readonly forbidden: boolean;
  /** A permit applies, or may apply, for some arguments. */
  readonly mayPermit: boolean;
  readonly errored: readonly string[];
  readonly failure?: string;
}

const NOTHING: PartialResult = { forbidden: false, mayPermit: false, errored: [] };
/** Bound on remembered callers per catalog entry; the memory starts over beyond it. */
const MAX_CALLERS_PER_ENTRY = 1_000;

export class ArgumentPolicies {
  private readonly forbids: ReadonlySet<string>;
  private readonly slices = new Map<string, { policies: Record<string, string>; hasForbid: boolean; hasPermit: boolean } | null>();
  /** Results per catalog entry object and caller: the inputs are exactly the caller entity and the target. */
  private readonly results = new WeakMap<CatalogEntry, Map<string, PartialResult>>();
  readonly size: number;

  constructor(private readonly policies: readonly CompiledPolicy[]) {
    const forbids = new Set<string>();
    for (const p of policies) if (p.effect === 'forbid') forbids.add(p.id);
    this.forbids = forbids;
    this.size = policies.length;
  }

  /** The policies (id -> text) whose scope can match the action and target, or null when none can. */
  private slice(action: AccessAction, entry: CatalogEntry) {
    const key = sliceKey(action, entry);
    let s = this.slices.get(key);
    if (s === undefined) {
      s = null;
      for (const p of this.policies) {
        if (!inScope(p.scope, action, entry)) continue;
        s ??= { policies: {}, hasForbid: false, hasPermit: false };
        s.policies[p.id] = p.text;
        if (p.effect === 'forbid') s.hasForbid = true;
        else s.hasPermit = true;
      }
      if (this.slices.size >= MAX_SLICES) this.slices.clear();
      this.slices.set(key, s);
    }
    return s;
  }

  /** Whether a permit among the argument policies can apply to this action and target (see SlicedPolicySet.mayPermit). */
  mayPermit(action: AccessAction, entry: CatalogEntry): boolean {
    return this.slice(action, entry)?.hasPermit ?? false;
  }

  /**
   * Partial evaluation of the argument policies that can apply to this target. Skipped when its answer cannot change
   * the visibility (no forbid among them, and no permit needed); remembered per target and caller (`callerKey`: the
   * caller entity as JSON).
   */
  evaluate(req: Omit<CedarRequest, 'context'>, action: AccessAction, entry: CatalogEntry, callerKey: string, permitNeeded: boolean): PartialResult {
    const slice = this.slice(action, entry);
    if (!slice || (!slice.hasForbid && !(slice.hasPermit && permitNeeded))) return NOTHING;
    let byCaller = this.results.get(entry);
    const known = byCaller?.get(callerKey);
    if (known) return known;
    const result = this.partial(req, slice.policies);
    if (result.failure === undefined) {
      if (!byCaller) this.results.set(entry, (byCaller = new Map()));
      if (byCaller.size >= MAX_CALLERS_PER_ENTRY) byCaller.clear();
      byCaller.set(callerKey, result);
    }
    return result;
  }

  private partial(req: Omit<CedarRequest, 'context'>, staticPolicies: Record<string, string>): PartialResult {
    const context = { arguments: { __extn: { fn: 'unknown', arg: 'arguments' } } };
    const res = evaluatePartially({ principal: req.principal, action: req.action, resource: req.resource, entities: req.entities, context }, staticPolicies);
    if ('failure' in res) return { forbidden: true, mayPermit: false, errored: [], failure: res.failure };
    const r = res.residuals;
    let forbidden = false;
    let mayPermit = false;
    for (const id of r.satisfied) {
      if (this.forbids.has(id)) forbidden = true;
      else mayPermit = true;
    }
    for (const id of r.errored) if (this.forbids.has(id)) forbidden = true;
    for (const id of r.nontrivialResiduals) if (!this.forbids.has(id)) mayPermit = true;
    return { forbidden, mayPermit, errored: r.errored };
  }
}
