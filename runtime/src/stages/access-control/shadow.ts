/**
 * Shadow policy: a candidate access-control section (`accessControl.shadow`) evaluated beside the enforced one on
 * every call and list, never enforced. The candidate is a second access-control stage built from the candidate's rule
 * sets (same compilation, same evaluation, same caches), asked on a copy of the request context, so its answer is the
 * one the proxy would give if the candidate were promoted. Where the two differ, `ctx.shadowDisagreement` is set; the
 * auditor writes it as a `shadow_disagreement` record and counts it (the ShadowDisagreements metric).
 *
 * - Calls: the enforced decision stands (its denial is thrown as always); the candidate's decision and deciding
 *   policies are recorded beside it when the effects differ.
 * - Lists: the caller is served what the enforced policy shows; the entries only one of the two would show are recorded
 *   (one record per list, with counts and up to MAX_LISTED names each way).
 * - Errors in the candidate never affect the request: a candidate that fails to evaluate counts as a deny.
 */
import { ConfigError } from '../../config/load';
import type { ProxyConfig } from '../../config/schema';
import type { Logger } from '../../log';
import type { CatalogEntry, RequestContext, ShadowDisagreement, Stage } from '../../pipeline/context';
import { compileAccessControl, createAccessControlStage, policiesCheckedStamp, type AccessControlOptions } from './index';

/** Names listed per direction in a list disagreement (the counts are exact). */
export const MAX_LISTED = 50;

type Section = ProxyConfig['accessControl'];

/** The candidate as an access-control section of its own. */
function candidateSection(cfg: Section): Section | undefined {
  return cfg.shadow ? { enabled: cfg.shadow.enabled, ruleSets: cfg.shadow.ruleSets } : undefined;
}

/** Problems of the candidate named under `accessControl.shadow`. */
function rename(err: unknown): never {
  if (!(err instanceof ConfigError)) throw err;
  const issues = err.issues.map((i) => i.replace(/^accessControl\b/, 'accessControl.shadow'));
  throw new ConfigError(issues.join('; '), issues);
}

/** Compiles and validates the candidate (the `check` command; start-up does it when building the stage). */
export function compileShadow(cfg: Section): ReturnType<typeof compileAccessControl> | undefined {
  const section = candidateSection(cfg);
  if (!section) return undefined;
  try {
    return compileAccessControl(section);
  } catch (err) {
    return rename(err);
  }
}

/**
 * The access-control stage for `cfg`: the enforced one alone, or, with `cfg.shadow`, the enforced one with the
 * candidate evaluated beside it.
 */
export async function createShadowedAccessControlStage(cfg: Section, log: Logger, opts: AccessControlOptions = {}): Promise<Stage> {
  const { shadow, ...enforcedSection } = cfg;
  if (!shadow) return createAccessControlStage(cfg, log, opts);
  const section = candidateSection(cfg)!;
  // `check` validated the whole section (both policies) and stamped it: each stage is then told so with its own stamp.
  const checked = opts.checkedStamp !== undefined && opts.checkedStamp === policiesCheckedStamp(cfg);
  const enforced = await createAccessControlStage(enforcedSection, log, { ...opts, checkedStamp: checked ? policiesCheckedStamp(enforcedSection) : undefined });
  let candidate: Stage;
  try {
    candidate = await createAccessControlStage(section, log, { detokenize: false, checkedStamp: checked ? policiesCheckedStamp(section) : undefined });
  } catch (err) {
    rename(err);
  }
  log.info('shadow access-control policy active: evaluated on every call and list, not enforced', { ruleSets: shadow.ruleSets.map((s) => s.name) });
  return shadowed(enforced, candidate!, log);
}

/** A copy of the context for the candidate: what it sets never reaches the request. */
function copyFor(ctx: RequestContext): RequestContext {
  return { ...ctx, decision: undefined, detokenizeAllowed: undefined, actions: [], timings: { policyMs: 0, upstreamMs: 0 } };
}

export function shadowed(enforced: Stage, candidate: Stage, log: Logger): Stage {
  const candidateDecision = async (ctx: RequestContext) => {
    const copy = copyFor(ctx);
    try {
      await candidate.onRequest?.(copy);
    } catch {
      // a denial (or a failure: counts as deny); copy.decision says which policies decided
    }
    return copy.decision ?? { effect: 'deny' as const, policyIds: [], dryRunDenials: [], durationMs: 0 };
  };
  return {
    name: enforced.name,

    async onRequest(ctx: RequestContext) {
      if (!ctx.target) return enforced.onRequest?.(ctx);
      let denial: unknown;
      try {
        await enforced.onRequest?.(ctx);
      } catch (err) {
        denial = err;
      }
      const mine = ctx.decision;
      if (mine) {
        const theirs = await candidateDecision(ctx);
        // Re-decided calls (arguments rewritten by sanitization) keep only the last comparison.
        ctx.shadowDisagreement =
          theirs.effect === mine.effect
            ? undefined
            : { kind: 'call', current: { effect: mine.effect, policyIds: mine.policyIds }, candidate: { effect: theirs.effect, policyIds: theirs.policyIds } };
      }
      if (denial !== undefined) throw denial;
    },

    async filterList(ctx: RequestContext, entries: readonly CatalogEntry[]) {
      const shown = (await enforced.filterList?.(ctx, entries)) ?? entries;
      let theirs: readonly CatalogEntry[];
      try {
        theirs = (await candidate.filterList?.(copyFor(ctx), entries)) ?? entries;
      } catch {
        log.error('shadow policy: list evaluation failed', { requestId: ctx.requestId });
        theirs = [];
      }
      const a = new Set(shown);
      const b = new Set(theirs);
      const onlyCurrent = shown.filter((e) => !b.has(e));
      const onlyCandidate = theirs.filter((e) => !a.has(e));
      if (onlyCurrent.length + onlyCandidate.length > 0) ctx.shadowDisagreement = listDisagreement(onlyCurrent, onlyCandidate);
      return shown;
    },

    // Input requests an upstream makes during a call are decided by the enforced policy alone (the candidate is not
    // compared on them yet): the wrapper must never leave them undecided.
    onInputRequest: enforced.onInputRequest?.bind(enforced),

    close: enforced.close?.bind(enforced),
  };
}

function listDisagreement(onlyCurrent: readonly CatalogEntry[], onlyCandidate: readonly CatalogEntry[]): ShadowDisagreement {
  // `<upstream>/<name>`, as the summary names the targets of calls.
  const names = (list: readonly CatalogEntry[]) => list.slice(0, MAX_LISTED).map((e) => `${e.upstream}/${e.name}`);
  return {
    kind: 'list',
    hiddenByCandidate: { count: onlyCurrent.length, names: names(onlyCurrent) },
    shownByCandidate: { count: onlyCandidate.length, names: names(onlyCandidate) },
  };
}
