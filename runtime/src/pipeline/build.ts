/**
 * Builds the governance pipeline from the configuration: the stages in their one order, and the auditor.
 *
 *   request:  identity -> access-control -> sanitize -> tokenize -> redact -> [audit.beforeForward] -> upstream
 *   result:   redact -> tokenize (detokenize, if permitted) -> ... -> [audit.complete]
 *
 * Redaction sits after tokenization so that on the way back upstream output is redacted first and only then are the
 * caller's own tokenized values restored, for callers whose policy permits `detokenize`.
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
import { createAccessControlStage } from '../stages/access-control';
import { createAuditor, type AuditorDeps, type ProxyAuditor } from '../stages/audit';
import { createIdentityStage } from '../stages/identity';
import { createLogScrubber, createRedactStage } from '../stages/redact';
import { createSanitizeStage } from '../stages/sanitize';
import { createTokenizeStage } from '../stages/tokenize';
import type { RequestContext, Stage } from './context';
import { Pipeline } from './pipeline';

export interface BuiltPipeline {
  readonly pipeline: Pipeline;
  readonly auditor: ProxyAuditor;
}

export interface BuildOptions {
  /** Overrides for the auditor's dependencies (tests). */
  readonly audit?: Partial<Omit<AuditorDeps, 'log'>>;
}

export async function buildPipeline(config: ProxyConfig, log: Logger, opts: BuildOptions = {}): Promise<BuiltPipeline> {
  // Operational logs are scrubbed by every built-in detector, whether or not result redaction is on.
  const scrub = createLogScrubber();
  setLogScrubber(scrub);

  const stages: Stage[] = [];
  stages.push(await createIdentityStage(config.identity, log));
  // Access control always runs: when disabled it still records an allow decision for the audit trail.
  const detokenize = config.tokenize.enabled && config.tokenize.detokenizeResults;
  const accessControl = await createAccessControlStage(config.accessControl, log, { detokenize });
  stages.push(accessControl);
  if (config.sanitize.enabled) stages.push(reauthorizeRewrites(createSanitizeStage(config.sanitize, log), accessControl));
  if (config.tokenize.enabled) stages.push(await createTokenizeStage(config.tokenize, log));
  if (config.redact.enabled) stages.push(createRedactStage(config.redact, log));

  const auditor = await createAuditor(config.audit, { log, scrub, ...opts.audit });
  return { pipeline: new Pipeline(stages, auditor), auditor };
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
