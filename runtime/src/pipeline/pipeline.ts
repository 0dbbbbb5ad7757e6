import type { Auditor, CatalogEntry, InputRound, JsonResult, Outcome, RequestContext, Stage } from './context';
import { GovernanceError, targetNotFound, toGovernanceError } from './errors';
import type { InputDecision, InputRequestEvent } from './input-request';

/** Upstream call: receives the context after every request stage ran (arguments possibly rewritten). */
export type Forward = (ctx: RequestContext) => Promise<JsonResult>;

function failureOutcome(err: unknown): Outcome {
  const g = toGovernanceError(err);
  const denied = g.errorClass === 'forbidden' || g.errorClass === 'unauthenticated' || g.errorClass === 'rejected_input';
  return { status: denied ? 'denied' : 'error', errorCode: g.code, errorClass: g.errorClass };
}

/**
 * The composer: runs the configured stages around one upstream call, in one direction.
 * transport -> stages.onRequest (in order) -> audit.beforeForward -> upstream -> stages.onResult (reverse) -> audit.complete
 *
 * Every failure path fails closed: an error in any stage stops the request and is audited; nothing unprocessed flows back.
 */
export class Pipeline {
  constructor(
    readonly stages: readonly Stage[],
    private readonly auditor: Auditor,
  ) {}

  private async runRequestStages(ctx: RequestContext): Promise<void> {
    const t0 = performance.now();
    try {
      for (const stage of this.stages) {
        if (!stage.onRequest) continue;
        // Most stages are synchronous: awaiting only a promise saves a microtask turn per stage and call.
        const pending = stage.onRequest(ctx);
        if (pending) await pending;
      }
    } finally {
      ctx.timings.policyMs += performance.now() - t0;
    }
  }

  /**
   * tools/call, resources/read, prompts/get. The server resolves `ctx.target` from its catalog beforehand and leaves it
   * undefined for an unknown name: stages skip target-specific work then, and the caller gets the same answer as for a
   * hidden target, after identity has been checked.
   */
  async call(ctx: RequestContext, kind: CatalogEntry['kind'], requestedName: string, forward: Forward): Promise<JsonResult> {
    let result: JsonResult;
    try {
      await this.runRequestStages(ctx);
      if (!ctx.target) throw ctx.refusal ?? targetNotFound(kind, requestedName);
      await this.auditor.beforeForward(ctx);
      const t1 = performance.now();
      try {
        result = await forward(ctx);
      } catch (err) {
        throw await this.filterUpstreamError(ctx, err);
      } finally {
        ctx.timings.upstreamMs = performance.now() - t1;
      }
      result = await this.runResultStages(ctx, result);
    } catch (err) {
      this.auditor.complete(ctx, failureOutcome(err));
      throw toGovernanceError(err);
    }
    this.auditor.complete(ctx, { status: 'ok', toolError: result.isError === true, result });
    return result;
  }

  private async runResultStages(ctx: RequestContext, result: JsonResult): Promise<JsonResult> {
    const t0 = performance.now();
    try {
      for (let i = this.stages.length - 1; i >= 0; i--) {
        const stage = this.stages[i];
        if (!stage.onResult) continue;
        const out = stage.onResult(ctx, result);
        result = out instanceof Promise ? await out : out;
      }
      return result;
    } finally {
      ctx.timings.policyMs += performance.now() - t0;
    }
  }

  /**
   * An upstream's own JSON-RPC error flows back to the caller too: its message and data pass the output stages
   * (redaction, detokenization) like a result does, so an upstream cannot leak through its error text.
   */
  private async filterUpstreamError(ctx: RequestContext, err: unknown): Promise<unknown> {
    if (!(err instanceof GovernanceError) || err.errorClass !== 'upstream_error') return err;
    const filtered = await this.runResultStages(ctx, { message: err.message, ...(err.data ? { data: err.data } : {}) });
    const message = typeof filtered.message === 'string' ? filtered.message : 'Upstream error';
    const data = filtered.data && typeof filtered.data === 'object' ? (filtered.data as Record<string, unknown>) : undefined;
    return new GovernanceError(err.code, message, err.errorClass, data);
  }

  /** tools/list, resources/list, resources/templates/list, prompts/list: only what this caller may use. */
  async list(ctx: RequestContext, entries: readonly CatalogEntry[]): Promise<readonly CatalogEntry[]> {
    let visible = entries;
    try {
      await this.runRequestStages(ctx);
      const t0 = performance.now();
      for (const stage of this.stages) {
        if (stage.filterList) visible = await stage.filterList(ctx, visible);
      }
      ctx.timings.policyMs += performance.now() - t0;
    } catch (err) {
      this.auditor.complete(ctx, failureOutcome(err));
      throw toGovernanceError(err);
    }
    this.auditor.complete(ctx, { status: 'ok' });
    return visible;
  }

  /**
   * The output stages (redaction, detokenization) on something an upstream sends the caller while a call runs: a
   * notification's params, an input request's content. Synchronous, because notifications must keep their order on
   * the caller's stream (every output stage is); fails closed: throws rather than return unprocessed data.
   */
  outbound(ctx: RequestContext, value: JsonResult): JsonResult {
    for (let i = this.stages.length - 1; i >= 0; i--) {
      const stage = this.stages[i];
      if (!stage.onResult) continue;
      const out = stage.onResult(ctx, value);
      if (out instanceof Promise) throw new Error(`stage ${stage.name} is asynchronous: mid-call messages cannot pass it`);
      value = out;
    }
    return value;
  }

  /**
   * Decides an input request (access control); a failure is a deny, and so is no decision at all: the access-control
   * stage always decides (allow when access control is off), so a pipeline in which no stage does is a wiring fault that
   * must not open the channel.
   */
  decideInput(ctx: RequestContext, event: InputRequestEvent): InputDecision {
    for (const stage of this.stages) {
      if (!stage.onInputRequest) continue;
      try {
        const d = stage.onInputRequest(ctx, event);
        if (d) return d;
      } catch {
        return { effect: 'deny', policyIds: [], reason: 'policy' };
      }
    }
    return { effect: 'deny', policyIds: [], reason: 'policy' };
  }

  /** The request stages (sanitization, tokenization) on the caller's answer to an input request; throws to refuse it. */
  inputAnswer(ctx: RequestContext, event: InputRequestEvent, answer: JsonResult): JsonResult {
    for (const stage of this.stages) if (stage.onInputAnswer) answer = stage.onInputAnswer(ctx, event, answer);
    return answer;
  }

  /** Records one input round in the audit trail (never throws). */
  recordInput(ctx: RequestContext, round: InputRound): void {
    this.auditor.inputRound?.(ctx, round);
  }

  /**
   * Records a governed request refused before the stages could run (malformed parameters: no tool name, arguments
   * that are not an object, a list cursor) so that every governed request has an outcome record; returns the error.
   */
  reject(ctx: RequestContext, err: unknown): GovernanceError {
    this.auditor.complete(ctx, failureOutcome(err));
    return toGovernanceError(err);
  }

  async close(): Promise<void> {
    for (const stage of this.stages) {
      if (stage.close) await stage.close();
    }
    await this.auditor.close();
  }
}

export { GovernanceError };
