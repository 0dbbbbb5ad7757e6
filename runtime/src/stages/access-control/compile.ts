/**
 * Access-control configuration -> Cedar. Typed rules compile to readable Cedar with stable `@id("<rule set>.<rule>")`
 * annotations; raw Cedar is re-annotated the same way. Everything is validated against the proxy's Cedar schema in
 * strict mode. Start-up (and `check`) only: nothing here runs per request.
 */
import type * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { cedarWasm } from './cedar-wasm';
import { ConfigError } from '../../config/load';
import { CALL_ACTIONS, type AccessAction, type AccessControlConfig, type AccessRule, type AccessRuleSet } from '../../config/sections/access-control';
import type { TargetKind } from '../../pipeline/context';
import { CEDAR_NAMESPACE, CEDAR_SCHEMA } from './cedar-schema';
import { callerIdProblems } from './principal-id';

const NS = CEDAR_NAMESPACE;
const TOOL_ACTIONS: readonly AccessAction[] = ['tools/call', 'detokenize'];
const ANNOTATION_ATTRS = { readOnlyHint: 'readOnly', destructiveHint: 'destructive', idempotentHint: 'idempotent', openWorldHint: 'openWorld' } as const;

/**
 * What a policy can apply to, read from its scope (never from its conditions): a conservative pre-filter, so a request
 * is evaluated only against the policies that may apply to its action and target. Undefined = any.
 */
export interface PolicyScope {
  readonly actions?: ReadonlySet<AccessAction>;
  readonly kinds?: ReadonlySet<TargetKind>;
  readonly upstreams?: ReadonlySet<string>;
  /** The target's own name matches one of these globs (typed rules' `tools`). */
  readonly names?: readonly string[];
}

/**
 * Whether `text` matches `glob` (`*` = any run of characters), as Cedar's `like` does (at least: this compares UTF-16
 * code units, `like` code points). Linear backtracking to the last `*` only, so no pattern can make it slow.
 */
export function globMatches(glob: string, text: string): boolean {
  let g = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (g < glob.length && glob[g] === '*') {
      star = g++;
      mark = t;
    } else if (g < glob.length && glob[g] === text[t]) {
      g++;
      t++;
    } else if (star >= 0) {
      g = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (g < glob.length && glob[g] === '*') g++;
  return g === glob.length;
}

/** One compiled policy, with what the evaluator needs to know about it. */
export interface CompiledPolicy {
  /** Cedar policy id, equal to its `@id` annotation: `<rule set>.<rule id, rule index, or raw @id>`. */
  readonly id: string;
  readonly ruleSet: string;
  readonly effect: 'permit' | 'forbid';
  /** Cedar text (with the `@id` annotation). */
  readonly text: string;
  /** Whether the policy reads `context` (the call's arguments). */
  readonly usesContext: boolean;
  /** Whether the policy can apply to the `detokenize` action. */
  readonly coversDetokenize: boolean;
  readonly scope: PolicyScope;
}

export interface CompiledRuleSet {
  readonly name: string;
  readonly dryRun: boolean;
  readonly policies: readonly CompiledPolicy[];
}

export interface CompiledPolicies {
  readonly ruleSets: readonly CompiledRuleSet[];
  /** Cedar validator warnings (e.g. a policy that can never apply); logged at start-up. */
  readonly warnings: readonly string[];
}

/** The schema in Cedar's JSON form, converted by runtime/build.mjs when it bundles the runtime (undefined elsewhere). */
declare const __CEDAR_SCHEMA_JSON__: cedar.SchemaJson<string> | undefined;

let schemaJsonCache: cedar.SchemaJson<string> | undefined =
  typeof __CEDAR_SCHEMA_JSON__ === 'undefined' ? undefined : __CEDAR_SCHEMA_JSON__;
/**
 * The schema in Cedar's JSON form, converted once (at build time for the bundle: converting it takes ~60 ms of a cold
 * start): the validator reads it much faster than the text form.
 */
function schemaJson(): cedar.SchemaJson<string> {
  if (!schemaJsonCache) {
    const res = cedarWasm().schemaToJson(CEDAR_SCHEMA);
    if (res.type !== 'success') throw new Error(`the embedded Cedar schema does not parse: ${cedarErrors(res.errors)}`);
    schemaJsonCache = res.json;
  }
  return schemaJsonCache;
}

/** A string as a Cedar string literal. */
export function cedarString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (cp < 0x20 || cp === 0x7f) out += `\\u{${cp.toString(16)}}`;
    else out += ch;
  }
  return `${out}"`;
}

/** How a rule's values are written: as themselves, or all as "" (the rule's form, for validation; see compilePolicies). */
type Literal = (s: string) => string;
const blank: Literal = () => '""';

const actionUid = (a: AccessAction) => `${NS}::Action::${cedarString(a)}`; // action ids decide typing: always kept
const upstreamUid = (u: string, lit: Literal) => `${NS}::Upstream::${lit(u)}`;
const stringSet = (xs: readonly string[], lit: Literal) => `[${xs.map(lit).join(', ')}]`;

/** `principal.<attr>` (a Set<String>) contains any of the values. */
function setHasAny(attr: string, values: readonly string[], lit: Literal): string {
  return values.length === 1 ? `principal.${attr}.contains(${lit(values[0])})` : `principal.${attr}.containsAny(${stringSet(values, lit)})`;
}

/** Optional `principal.<attr>` (a String) is one of the values. */
function optionalIs(attr: string, values: readonly string[], lit: Literal): string {
  const test = values.length === 1 ? `principal.${attr} == ${lit(values[0])}` : `${stringSet(values, lit)}.contains(principal.${attr})`;
  return `principal has ${attr} && ${test}`;
}

/** Glob (`*` = any run of characters) on `resource.name`; an exact name when there is no `*`. */
function nameMatches(globs: readonly string[], lit: Literal): string {
  const one = (g: string) => (g.includes('*') ? `resource.name like ${lit(g)}` : `resource.name == ${lit(g)}`);
  return globs.length === 1 ? one(globs[0]) : globs.map(one).join(' || ');
}

function ruleProblems(rule: AccessRule): string[] {
  const problems: string[] = [];
  if (rule.annotations) {
    // Input requests made during a tool's call may be matched on the tool's annotations too.
    const wrong = (rule.actions ?? []).filter((a) => !TOOL_ACTIONS.includes(a) && !a.startsWith('input/'));
    if (wrong.length > 0) {
      problems.push(`annotations: only tools have annotations, but actions include ${wrong.join(', ')}; remove those actions or put them in a separate rule without annotations`);
    }
    if (Object.keys(rule.annotations).length === 0) problems.push('annotations: empty; set at least one hint (e.g. destructiveHint: true) or omit the field');
  }
  return problems;
}

function renderRule(id: string, rule: AccessRule, lit: Literal): string {
  const actions = rule.actions ?? (rule.annotations ? TOOL_ACTIONS : CALL_ACTIONS);
  const actionScope = actions.length === 1 ? `action == ${actionUid(actions[0])}` : `action in [${[...new Set(actions)].map(actionUid).join(', ')}]`;

  let resourceScope = 'resource';
  if (rule.annotations) resourceScope += ` is ${NS}::Tool`;
  if (rule.upstreams && rule.upstreams.length === 1) resourceScope += ` in ${upstreamUid(rule.upstreams[0], lit)}`;

  const when: string[] = [];
  if (rule.groups) when.push(setHasAny('groups', rule.groups, lit));
  if (rule.scopes) when.push(setHasAny('scopes', rule.scopes, lit));
  if (rule.clientIds) when.push(optionalIs('clientId', rule.clientIds, lit));
  if (rule.subjects) when.push(optionalIs('sub', rule.subjects, lit));
  if (rule.upstreams && rule.upstreams.length > 1) when.push(`resource in [${rule.upstreams.map((u) => upstreamUid(u, lit)).join(', ')}]`);
  if (rule.tools) when.push(nameMatches(rule.tools, lit));
  if (rule.annotations) {
    const hints = Object.entries(rule.annotations) as [keyof typeof ANNOTATION_ATTRS, boolean][];
    when.push(hints.map(([hint, v]) => (v ? `resource.${ANNOTATION_ATTRS[hint]}` : `!resource.${ANNOTATION_ATTRS[hint]}`)).join(' && '));
  }
  if (rule.when) when.push(rule.when);

  const lines = [`@id(${lit(id)})`, `${rule.effect} (`, '  principal,', `  ${actionScope},`, `  ${resourceScope}`, ')'];
  for (const w of when) lines.push(`when { ${w} }`);
  if (rule.exceptGroups) lines.push(`unless { ${setHasAny('groups', rule.exceptGroups, lit)} }`);
  lines[lines.length - 1] += ';';
  return lines.join('\n');
}

/**
 * Cedar text of one typed rule (unvalidated), or the problems that prevent writing it. `form` is the same policy with
 * every value written as "": rules with the same form type-check identically (values never affect Cedar's typing,
 * action ids are kept), so validating one policy per form validates them all.
 */
export function typedRuleToCedar(id: string, rule: AccessRule): { text?: string; form?: string; problems: string[] } {
  const problems = ruleProblems(rule);
  if (problems.length > 0) return { problems };
  return { text: renderRule(id, rule, cedarString), form: renderRule(id, rule, blank), problems };
}

function cedarErrors(errors: readonly cedar.DetailedError[]): string {
  return errors.map((e) => (e.help ? `${e.message} (${e.help})` : e.message)).join('; ');
}

const KIND_OF_TYPE: Readonly<Record<string, TargetKind>> = { [`${NS}::Tool`]: 'tool', [`${NS}::Resource`]: 'resource', [`${NS}::Prompt`]: 'prompt' };
const uidOf = (uid: cedar.EntityUidJson) => ('__entity' in uid ? uid.__entity : uid);

/** The scope of a policy from its head (action and resource constraints) only. */
function scopeOfJson(json: cedar.PolicyJson): PolicyScope {
  const a = json.action;
  let actions: Set<AccessAction> | undefined;
  if (a.op === '==' && 'entity' in a) actions = new Set([uidOf(a.entity).id as AccessAction]);
  else if (a.op === 'in') actions = new Set(('entity' in a ? [a.entity] : a.entities).map((u) => uidOf(u).id as AccessAction));
  const r = json.resource;
  let kinds: Set<TargetKind> | undefined;
  let upstreams: Set<string> | undefined;
  const inUpstream = (c: { entity?: cedar.EntityUidJson } | undefined) => {
    const u = c && c.entity ? uidOf(c.entity) : undefined;
    if (u && u.type === `${NS}::Upstream`) upstreams = new Set([u.id]);
  };
  if (r.op === 'is') {
    const kind = KIND_OF_TYPE[r.entity_type];
    if (kind) kinds = new Set([kind]);
    inUpstream(r.in as { entity?: cedar.EntityUidJson } | undefined);
  } else if (r.op === 'in') {
    inUpstream(r as { entity?: cedar.EntityUidJson });
  }
  return { actions, kinds, upstreams };
}

/** The scope of a typed rule: its actions, upstreams, name globs, and tools only when it reads annotations. */
function scopeOfRule(rule: AccessRule): PolicyScope {
  const actions = rule.actions ?? (rule.annotations ? TOOL_ACTIONS : CALL_ACTIONS);
  return {
    actions: new Set(actions),
    kinds: rule.annotations ? new Set<TargetKind>(['tool']) : undefined,
    upstreams: rule.upstreams && new Set(rule.upstreams),
    names: rule.tools && !rule.tools.includes('*') ? rule.tools : undefined,
  };
}

/** Facts the evaluator needs, read from the policy's JSON form. */
function analyse(text: string): { effect: 'permit' | 'forbid'; usesContext: boolean; json: cedar.PolicyJson } | { error: string } {
  const res = cedarWasm().policyToJson(text);
  if (res.type !== 'success') return { error: cedarErrors(res.errors) };
  const json = res.json;
  return { effect: json.effect, usesContext: JSON.stringify(json.conditions).includes('{"Var":"context"}'), json };
}

/**
 * The policy text with `@id` set to `id`, keeping the author's text otherwise (a JSON round trip would reformat it, and
 * would lose integer literals beyond 2^53). Verified by re-parsing; undefined when the annotation cannot be placed.
 */
function withIdAnnotation(src: string, id: string, hasId: boolean, original: cedar.PolicyJson): string | undefined {
  const annotation = `@id(${cedarString(id)})`;
  const text = hasId ? src.replace(/@id\s*\(\s*"(?:[^"\\]|\\.)*"\s*\)/, () => annotation) : `${annotation}\n${src}`;
  const check = cedarWasm().policyToJson(text);
  if (check.type !== 'success' || check.json.annotations?.id !== id) return undefined;
  const strip = (j: cedar.PolicyJson) => JSON.stringify({ ...j, annotations: { ...j.annotations, id: undefined } });
  return strip(check.json) === strip(original) ? text : undefined;
}

/** Splits raw Cedar into single policies, in source order. */
function splitRawCedar(src: string): { policies: string[]; problems: string[] } {
  const parts = cedarWasm().policySetTextToParts(src);
  if (parts.type !== 'success') return { policies: [], problems: [cedarErrors(parts.errors)] };
  const problems: string[] = [];
  if (parts.policy_templates.length > 0) problems.push('templates (policies with slots such as ?principal) are not supported; write static policies');
  // policySetTextToParts sorts by generated id (policy0, policy1, policy10, ...): restore source order by position.
  const used = new Set<number>();
  const located = parts.policies.map((p) => {
    let at = src.indexOf(p);
    while (at >= 0 && used.has(at)) at = src.indexOf(p, at + 1);
    used.add(at);
    return { p, at };
  });
  located.sort((x, y) => x.at - y.at);
  return { policies: located.map((l) => l.p), problems };
}

/**
 * Compiles and validates every rule set. Throws one ConfigError listing every problem, each naming the rule set,
 * the rule or policy, the field, and the fix.
 *
 * Validation is strict, against the proxy's Cedar schema: every raw policy, and one typed rule per form (typed rules
 * with the same form type-check identically, see typedRuleToCedar), so thousands of generated rules validate quickly.
 * `validate: false` skips only that schema validation (see policiesCheckedStamp); parsing and every other check stay.
 */
export function compilePolicies(cfg: AccessControlConfig, opts: { readonly validate?: boolean } = {}): CompiledPolicies {
  try {
    return compileOrThrow(cfg, opts.validate !== false);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    // cedar-wasm reports problems as values; a throw means it failed internally on this input.
    const msg = `accessControl: Cedar could not process the policies (${(err as Error).message}); simplify the rule or policy that was added last`;
    throw new ConfigError(`Invalid access control configuration:\n  - ${msg}`, [msg]);
  }
}

function compileOrThrow(cfg: AccessControlConfig, validate: boolean): CompiledPolicies {
  const problems: string[] = [];
  const origin = new Map<string, string>();
  const ruleSets: CompiledRuleSet[] = [];
  const seenSets = new Set<string>();
  const toValidate: Record<string, string> = {};
  const representativeOfForm = new Map<string, string>();
  const sameFormAs = new Map<string, string[]>();

  cfg.ruleSets.forEach((set: AccessRuleSet, si) => {
    const setPath = `accessControl.ruleSets[${si}] ("${set.name}")`;
    if (seenSets.has(set.name)) problems.push(`${setPath}.name: duplicate rule set name; rule set names must be unique (policy ids start with them)`);
    seenSets.add(set.name);
    const policies: CompiledPolicy[] = [];
    const add = (id: string, path: string, text: string, facts: { effect: 'permit' | 'forbid'; usesContext: boolean }, scope: PolicyScope): boolean => {
      if (origin.has(id)) {
        problems.push(`${path}: duplicate policy id "${id}" (also ${origin.get(id)}); give each rule a unique id`);
        return false;
      }
      origin.set(id, path);
      const coversDetokenize = !scope.actions || scope.actions.has('detokenize');
      policies.push({ id, ruleSet: set.name, effect: facts.effect, text, usesContext: facts.usesContext, coversDetokenize, scope });
      return true;
    };

    set.rules.forEach((rule, ri) => {
      const path = `${setPath}.rules[${ri}]${rule.id ? ` ("${rule.id}")` : ''}`;
      const id = `${set.name}.${rule.id ?? ri}`;
      const { text, form, problems: ruleProblems } = typedRuleToCedar(id, rule);
      for (const p of ruleProblems) problems.push(`${path}.${p}`);
      if (!text || !form) return;
      let usesContext = false;
      if (rule.when) {
        // The free-text `when` condition must not be able to close the policy and start another one.
        const parts = cedarWasm().policySetTextToParts(text);
        if (parts.type !== 'success' || parts.policies.length !== 1 || parts.policy_templates.length !== 0) {
          const why = parts.type === 'success' ? 'it must be one Cedar expression, not policy text' : cedarErrors(parts.errors);
          problems.push(`${path}.when: not valid Cedar: ${why}`);
          return;
        }
        const analysis = analyse(text);
        if ('error' in analysis) {
          problems.push(`${path}.when: not valid Cedar: ${analysis.error}`);
          return;
        }
        usesContext = analysis.usesContext;
        for (const p of callerIdProblems(analysis.json)) problems.push(`${path}.when: ${p}`);
      }
      if (!add(id, path, text, { effect: rule.effect, usesContext }, scopeOfRule(rule))) return;
      const representative = representativeOfForm.get(form);
      if (representative) {
        sameFormAs.get(representative)!.push(id);
      } else {
        representativeOfForm.set(form, id);
        sameFormAs.set(id, []);
        toValidate[id] = text;
      }
    });

    if (set.cedar !== undefined) {
      const { policies: raw, problems: rawProblems } = splitRawCedar(set.cedar);
      for (const p of rawProblems) problems.push(`${setPath}.cedar: ${p}`);
      raw.forEach((src, pi) => {
        const path = `${setPath}.cedar (policy ${pi + 1})`;
        const analysis = analyse(src);
        if ('error' in analysis) {
          problems.push(`${path}: not valid Cedar: ${analysis.error}`);
          return;
        }
        for (const p of callerIdProblems(analysis.json)) problems.push(`${path}: ${p}`);
        const given = analysis.json.annotations?.id;
        const id = !given ? `${set.name}.cedar${pi}` : given.startsWith(`${set.name}.`) ? given : `${set.name}.${given}`;
        const text = withIdAnnotation(src, id, given !== undefined, analysis.json);
        if (!text) problems.push(`${path}: cannot set the policy id; write its @id annotation as @id("name")`);
        else if (add(id, `${path}${given ? ` (@id "${given}")` : ''}`, text, analysis, scopeOfJson(analysis.json))) toValidate[id] = text;
      });
    }
    ruleSets.push({ name: set.name, dryRun: set.dryRun, policies });
  });

  const warnings: string[] = [];
  if (validate && problems.length === 0 && Object.keys(toValidate).length > 0) {
    const res = cedarWasm().validate({ schema: schemaJson(), policies: { staticPolicies: toValidate }, validationSettings: { mode: 'strict' } });
    const where = (id: string) => {
      const others = sameFormAs.get(id) ?? [];
      const more = others.length === 0 ? '' : ` (so are ${others.length} more rules of the same form: ${others.slice(0, 5).join(', ')}${others.length > 5 ? ', ...' : ''})`;
      return `${origin.get(id) ?? id}: policy "${id}"${more}`;
    };
    if (res.type !== 'success') {
      problems.push(`accessControl: Cedar validation failed: ${cedarErrors(res.errors)}`);
    } else {
      const byPolicy = new Map<string, string[]>();
      for (const e of res.validationErrors) {
        const list = byPolicy.get(e.policyId) ?? [];
        const msg = e.error.help ? `${e.error.message} (${e.error.help})` : e.error.message;
        if (!list.includes(msg)) list.push(msg);
        byPolicy.set(e.policyId, list);
      }
      for (const [id, msgs] of byPolicy) problems.push(`${where(id)} does not match the proxy's Cedar schema: ${msgs.join('; ')}`);
      for (const w of res.validationWarnings) warnings.push(`${where(w.policyId)}: ${w.error.message}`);
      for (const w of res.otherWarnings) warnings.push(w.message);
    }
  }
  if (problems.length > 0) {
    throw new ConfigError(`Invalid access control configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`, problems);
  }
  return { ruleSets, warnings };
}

/** The Cedar text of every rule set, one block per rule set, as the proxy evaluates it. */
export function renderCedar(compiled: CompiledPolicies): string {
  return compiled.ruleSets
    .map((s) => [`// rule set "${s.name}"${s.dryRun ? ' (dry run: evaluated and audited, not enforced)' : ''}`, ...s.policies.map((p) => p.text)].join('\n\n'))
    .join('\n\n');
}
