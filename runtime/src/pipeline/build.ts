/**
 * Builds the governance pipeline from the configuration: the stages in their one order, and the auditor.
 *
 *   request:  identity -> pinning -> access-control -> poisoning -> sanitize -> tokenize -> redact
 *             -> [audit.beforeForward] -> upstream
 *   result:   redact -> tokenize (detokenize, if permitted) -> ... -> [audit.complete]
 *
 * Redaction sits after tokenization so that on the way back upstream output is redacted first and only then are the
 * caller's own tokenized values restored, for callers whose policy permits `detokenize`; redaction leaves the proxy's
 * own tokens intact for that (it skips every span tokenization recognises as an authentic token).
 * List entries pass the stages' filterList in the same order: access control removes what the caller may not see,
 * redaction redacts what remains.
 * A disabled stage is not built at all, so pass-through costs nothing.
 *
 * Access control runs before sanitization, so that a caller learns nothing about a target it may not see (no schema
 * errors for hidden tools). Sanitization may rewrite the arguments (control characters stripped); when it does, the
 * access decision is taken again on the rewritten arguments, so an argument condition always holds for what the
 * upstream receives (e.g. `/reports/.\u0000./etc` passes `like "/reports/*" && !like "*..*"`, but reaches the upstream
 * as `/reports/../etc`). A call is forwarded only if both decisions allow it.
 */
import { isDeepStrictEqual } from 'node:util';
import type { ProxyConfig } from '../config/schema';
import { setLogScrubber, type Logger } from '../log';
import { createShadowedAccessControlStage } from '../stages/access-control/shadow';
import { prepareAuditor, type AuditorDeps, type ProxyAuditor } from '../stages/audit';
import { createIdentityStage } from '../stages/identity';
import { createLogScrubber, createRedactStage } from '../stages/redact';
import { createPinningStage, type PinningStage } from '../stages/pinning';
import { createPoisoningStage } from '../stages/poisoning';
import type { RequestContext, Stage } from './context';
import { Pipeline } from './pipeline';

export interface BuiltPipeline {
  readonly pipeline: Pipeline;
  readonly auditor: ProxyAuditor;
  /** The pinning stage, when pinning is on (the health report counts what it quarantines). */
  readonly pinning?: PinningStage;
  /** The key sealing MRTR requestState, when tokenization is on (derived from its key, so shared by every instance). */
  readonly stateKey?: Buffer;
}

export interface BuildOptions {
  /** Overrides for the auditor's dependencies (tests). */
  readonly audit?: Partial<Omit<AuditorDeps, 'log'>>;
  /** MCP_PROXY_CONFIG_CHECKED (see policiesCheckedStamp). */
  readonly checkedStamp?: string;
  /** configDigest() of the loaded configuration document, recorded in audit_start. */
  readonly configDigest?: string;
}

export async function buildPipeline(config: ProxyConfig, log: Logger, opts: BuildOptions = {}): Promise<BuiltPipeline> {
  // Operational logs are scrubbed by every built-in detector, whether or not result redaction is on.
  const scrub = createLogScrubber();
  setLogScrubber(scrub);

  // The stages that wait for the network (the issuer's signing keys, a tokenization key in Secrets Manager) are started
  // first and the CPU-bound ones (Cedar policies, schemas, patterns) are built while they wait (upstream discovery runs
  // meanwhile too, see main.ts). The auditor comes last, once every section has proved valid: a proxy that refuses its
  // configuration writes no audit_start record. Each pending part is awaited; none is left to reject unobserved.
  const identityP = settled(createIdentityStage(config.identity, log));
  // Sanitization (Ajv) and tokenization are loaded only when enabled: a configuration without them does not evaluate
  // their modules at start-up.
  const tokenizeP = config.tokenize.enabled ? settled(import('../stages/tokenize').then((m) => m.createTokenizeStage(config.tokenize, log))) : undefined;
  try {
    // Access control always runs: when disabled it still records an allow decision for the audit trail.
    const detokenize = config.tokenize.enabled && config.tokenize.detokenizeResults;
    const accessControl = await createShadowedAccessControlStage(config.accessControl, log, { detokenize, checkedStamp: opts.checkedStamp });
    const sanitize = config.sanitize.enabled ? reauthorizeRewrites((await import('../stages/sanitize')).createSanitizeStage(config.sanitize, log), accessControl) : undefined;
    // The audit sink is loaded (CPU: its CloudWatch Logs client module) before the network waits, but started only after them.
    const startInfo = { configDigest: opts.configDigest, policiesChecked: opts.checkedStamp };
    const audit = await prepareAuditor(config.audit, { log, scrub, startInfo, ...opts.audit });
    // Pinning before access control (a quarantined target answers as an unknown one); the poisoning heuristics after
    // it, so access control and pinning see the catalog's own entries, not the stripped ones lists serve.
    const pinning = createPinningStage(config, log);
    const poisoning = createPoisoningStage(config.poisoning, log);
    const stages: Stage[] = [await unwrap(identityP), ...(pinning ? [pinning] : []), accessControl, ...(poisoning ? [poisoning] : [])];
    if (sanitize) stages.push(sanitize);
    const tokenize = tokenizeP ? await unwrap(tokenizeP) : undefined;
    if (tokenize) stages.push(tokenize);
    // Built once tokenization is: redaction skips the proxy's own tokens, found by tokenization's one recognizer.
    if (config.redact.enabled) stages.push(createRedactStage(config.redact, log, { tokenSpans: tokenize?.tokenSpans }));
    const auditor = await audit.start();
    return { pipeline: new Pipeline(stages, auditor), auditor, pinning, stateKey: tokenize?.stateKey };
  } finally {
    // On a failure above, the parts still pending are waited for (their own failures are the same kind of error).
    await Promise.all([identityP, tokenizeP]);
  }
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** A promise that never rejects (so it may wait unobserved while other parts are built), settled as a value. */
function settled<T>(p: Promise<T>): Promise<Settled<T>> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

async function unwrap<T>(p: Promise<Settled<T>>): Promise<T> {
  const s = await p;
  if (!s.ok) throw s.error;
  return s.value;
}

/**
 * Wraps a stage that may rewrite the call's arguments (sanitization) so that, when it did change them, the access
 * decision is taken again on the arguments as they will be forwarded. The second decision replaces the first in the
 * context (and so in the audit record); a denial throws as access control always does.
 */
export function reauthorizeRewrites(stage: Stage, accessControl: Stage): Stage {
  const { onRequest } = stage;
  const decide = accessControl.onRequest;
  if (!onRequest || !decide) return stage;
  return {
    ...stage,
    async onRequest(ctx: RequestContext) {
      const before = ctx.arguments;
      await onRequest.call(stage, ctx);
      if (ctx.target && ctx.arguments !== before && !isDeepStrictEqual(ctx.arguments, before)) await decide.call(accessControl, ctx);
    },
  };
}
