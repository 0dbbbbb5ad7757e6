/**
 * Multi round-trip requests (2026-07-28, basic/patterns/mrtr) under governance, statelessly (docs/INPUT-REQUESTS.md).
 *
 * Modern caller (any upstream era that answers with `input_required`, i.e. a modern upstream):
 *   - each entry of the answer's `inputRequests` is an input request: decided (the caller's declared capabilities, then
 *     Cedar), audited (`input_request`, status `asked` or `declined`), its content redacted by the result stages;
 *     refused ones are taken out, and the proxy answers them to the upstream itself on the retry (a declined
 *     elicitation), or leaves them unanswered (sampling, roots: there is no "declined" result to give);
 *   - the upstream's `requestState` is sealed (state-seal.ts) with the caller, upstream, target, method, a digest of the
 *     request's params, the keys asked and an expiry. On the retry the envelope must open and every binding hold, else
 *     the retry is refused with -32602 and audited; each `inputResponses` entry the caller was asked for passes
 *     sanitization and tokenization (and is audited, status `answered`); entries it was not asked for are dropped;
 *   - when the proxy refused every request of a round, it retries the upstream itself at once (bounded rounds).
 * Legacy caller in front of a modern upstream (bridging): each input request of an `input_required` answer is relayed
 * to the caller on its call's SSE stream as a 2025 server->client request (through InputGovernor: the same decision,
 * redaction, sanitization, tokenization and audit), and the upstream is retried with the answers, at most MAX_ROUNDS
 * rounds per call.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../canonical-json';
import type { JsonResult, RequestContext } from '../pipeline/context';
import { ErrorCode, GovernanceError } from '../pipeline/errors';
import { callerDeclared, inputEvent, type InputDecision, type InputKind, type InputRequestEvent } from '../pipeline/input-request';
import type { Pipeline } from '../pipeline/pipeline';
import { RpcError } from '../protocol';
import type { CallerProtocol } from '../upstream/client';
import type { InputGovernor } from './input-governor';
import type { SealedState, StateSealer } from './state-seal';

type Params = Record<string, unknown>;
const isObj = (v: unknown): v is Params => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Input rounds one call may take (bridged or answered by the proxy) before it fails. */
export const MAX_ROUNDS = 8;
/** How long a sealed requestState may be retried. */
export const STATE_TTL_MS = 10 * 60_000;

const METHOD_OF: Readonly<Record<InputKind, string>> = { 'elicitation-form': 'elicitation/create', 'elicitation-url': 'elicitation/create', sampling: 'sampling/createMessage', roots: 'roots/list' };

const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url');

/** The caller a sealed state belongs to: its identity as the identity stage established it. */
function callerDigest(ctx: RequestContext): string {
  const p = ctx.principal;
  return sha256(JSON.stringify([p?.kind ?? '', p?.issuer ?? '', p?.sub ?? '', p?.clientId ?? '']));
}

/** Digest of the request's params as the caller sent them, without the round's own fields. */
function paramsDigest(params: Params): string {
  const { inputResponses: _r, requestState: _s, _meta: _m, ...rest } = params;
  return sha256(canonicalJson(rest));
}

function invalidState(why: string): GovernanceError {
  return new GovernanceError(ErrorCode.InvalidParams, `Invalid requestState: ${why}`, 'rejected_input');
}

const isInputRequired = (r: JsonResult) => r.resultType === 'input_required' && isObj(r.inputRequests);

export interface InputRoundsOptions {
  readonly pipeline: Pipeline;
  readonly sealer: StateSealer;
  /** @default STATE_TTL_MS */
  readonly ttlMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/** What one governed call needs for its rounds. */
export interface CallRounds {
  readonly ctx: RequestContext;
  readonly caller: CallerProtocol;
  /** The request's params as the caller sent them. */
  readonly params: Params;
  readonly governor: InputGovernor;
  readonly signal: AbortSignal;
  /** Sends the call upstream, with a round's `inputResponses` / `requestState` when given. */
  readonly send: (round?: Params) => Promise<JsonResult>;
}

export class InputRounds {
  constructor(private readonly o: InputRoundsOptions) {}

  /** Forwards one call, governing its MRTR rounds (see the file comment). */
  async forward(call: CallRounds): Promise<JsonResult> {
    let round = call.caller.era === 'modern' ? this.retry(call) : undefined;
    for (let n = 0; ; n++) {
      const answer = await call.send(round);
      if (!isInputRequired(answer)) return answer;
      if (n >= MAX_ROUNDS) throw new GovernanceError(ErrorCode.UpstreamUnavailable, `The upstream asked for input more than ${MAX_ROUNDS} times in one call`, 'upstream_error');
      if (call.caller.era === 'legacy') {
        round = await this.bridge(call, answer);
        continue;
      }
      const asked = this.ask(call, answer);
      if ('result' in asked) return asked.result;
      round = asked.round;
    }
  }

  /** A modern caller's retry: its sealed state opened and checked, its responses governed. Undefined for a first call. */
  private retry(call: CallRounds): Params | undefined {
    const { params, ctx } = call;
    // Without a state there is nothing the caller was asked through the proxy: a fresh call, its inputResponses dropped.
    if (params.requestState === undefined) return undefined;
    const state = this.o.sealer.open(params.requestState);
    if (!state) throw invalidState('not issued by this proxy, or altered');
    if (state.e < (this.o.now ?? Date.now)()) throw invalidState('expired');
    const t = ctx.target!;
    if (state.c !== callerDigest(ctx)) throw invalidState('issued to another caller');
    if (state.u !== t.upstream || state.t !== t.exposedName || state.m !== ctx.method || state.d !== paramsDigest(params)) throw invalidState('issued for another request');
    if (params.inputResponses !== undefined && !isObj(params.inputResponses)) throw new GovernanceError(ErrorCode.InvalidParams, 'params.inputResponses must be an object', 'invalid_params');
    const responses: Params = { ...state.x };
    for (const [key, answer] of Object.entries(params.inputResponses ?? {})) {
      const kind = state.k[key];
      if (!kind || !isObj(answer)) continue; // not asked through the proxy: never reaches the upstream
      const event: InputRequestEvent = { kind, method: METHOD_OF[kind], target: t, content: {} };
      const governed = this.o.pipeline.inputAnswer(ctx, event, answer);
      this.o.pipeline.recordInput(ctx, { event, decision: { effect: 'allow', policyIds: [] }, delivery: 'relayed', status: 'answered', answer: governed });
      responses[key] = governed;
    }
    return { inputResponses: responses, ...(state.s !== undefined ? { requestState: state.s } : {}) };
  }

  /**
   * An upstream's input_required answer to a modern caller: the requests governed, the state sealed. When the proxy
   * refused every request, the round it answers itself (declines) instead of a result for the caller.
   */
  private ask(call: CallRounds, answer: JsonResult): { result: JsonResult } | { round: Params } {
    const { ctx, caller, pipeline } = { ...call, pipeline: this.o.pipeline };
    const kept: Params = {};
    const kinds: Record<string, InputKind> = {};
    const declines: Params = {};
    for (const [key, req] of Object.entries(answer.inputRequests as Params)) {
      const event = isObj(req) && typeof req.method === 'string' ? inputEvent(ctx.target!, req.method, isObj(req.params) ? req.params : undefined) : undefined;
      if (!event) continue; // not an input request the proxy knows: never shown to the caller
      const undeclared = caller.capabilitiesKnown === true && !callerDeclared(event.kind, caller.clientCapabilities);
      const decision: InputDecision = undeclared ? { effect: 'deny', policyIds: [], reason: 'capability' } : pipeline.decideInput(ctx, event);
      if (decision.effect === 'deny') {
        if (event.kind.startsWith('elicitation')) declines[key] = { action: 'decline' };
        pipeline.recordInput(ctx, { event, decision, delivery: 'refused', status: 'declined' });
        continue;
      }
      const content = pipeline.outbound(ctx, event.content);
      kept[key] = { ...(req as Params), ...(isObj((req as Params).params) ? { params: content } : {}) };
      kinds[key] = event.kind;
      pipeline.recordInput(ctx, { event, decision, delivery: 'relayed', status: 'asked', request: content });
    }
    if (Object.keys(kept).length === 0) return { round: { inputResponses: declines, ...(answer.requestState !== undefined ? { requestState: answer.requestState } : {}) } };
    const t = ctx.target!;
    const sealed: SealedState = {
      ...(answer.requestState !== undefined ? { s: answer.requestState } : {}),
      c: callerDigest(ctx),
      u: t.upstream,
      t: t.exposedName,
      m: ctx.method,
      d: paramsDigest(call.params),
      e: (this.o.now ?? Date.now)() + (this.o.ttlMs ?? STATE_TTL_MS),
      k: kinds,
      ...(Object.keys(declines).length ? { x: declines } : {}),
    };
    return { result: { ...answer, inputRequests: kept, requestState: this.o.sealer.seal(sealed) } };
  }

  /** A legacy caller: each input request relayed on its stream (governed by InputGovernor), the answers collected. */
  private async bridge(call: CallRounds, answer: JsonResult): Promise<Params> {
    const responses: Params = {};
    for (const [key, req] of Object.entries(answer.inputRequests as Params)) {
      if (!isObj(req) || typeof req.method !== 'string') continue;
      try {
        responses[key] = await call.governor.relay({ method: req.method, params: isObj(req.params) ? req.params : undefined }, call.signal);
      } catch (err) {
        // Refused (sampling, roots) or failed at the caller: left unanswered; a cancellation ends the call.
        if (call.signal.aborted || !(err instanceof RpcError)) throw err;
      }
    }
    return { inputResponses: responses, ...(answer.requestState !== undefined ? { requestState: answer.requestState } : {}) };
  }
}
