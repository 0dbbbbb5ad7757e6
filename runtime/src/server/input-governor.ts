/**
 * What an upstream sends the caller's side while one of its calls runs, governed (docs/INPUT-REQUESTS.md):
 *   - notifications (log messages, progress messages): through the output stages (redaction, detokenization) before
 *     they reach the caller's stream; one that cannot pass them is dropped, never sent unprocessed;
 *   - input requests (elicitation form / URL, sampling, roots): each one an InputRequestEvent, decided in turn by
 *       1. the caller's declared client capabilities, where the proxy knows them (a kind it did not declare is refused),
 *       2. Cedar (`input/<kind>`, see access-control),
 *     then its content passes the output stages, it is relayed to a legacy caller on its call's SSE stream, and the
 *     caller's answer passes the request stages (sanitization, tokenization) before it goes back upstream. Every round
 *     is one `input_request` audit record. A refused request is answered to the upstream as a client that declines
 *     does: an elicitation with `{action: "decline"}`, sampling and roots with a JSON-RPC error.
 *   - a modern caller receives no server->client requests (its input requests travel in results, MRTR): the request
 *     is refused and audited (see caller-streams.ts refuseRelay for the -32021 naming a capability it did not declare).
 */
import type { Logger } from '../log';
import type { JsonResult, RequestContext } from '../pipeline/context';
import { callerDeclared, inputEvent, type InputDecision, type InputRequestEvent } from '../pipeline/input-request';
import type { Pipeline } from '../pipeline/pipeline';
import { RpcError } from '../protocol';
import type { CallerProtocol, NotificationSink, Progress, RequestRelay } from '../upstream/client';
import { refuseRelay, type CallerRelays } from './caller-streams';
import type { ResponseChannel } from './response';

export interface GovernorOptions {
  readonly pipeline: Pipeline;
  readonly log: Logger;
  /** The call's context, as the request stages left it (principal, target, arguments). */
  readonly ctx: RequestContext;
  readonly caller: CallerProtocol;
  readonly channel: ResponseChannel;
  readonly relays: CallerRelays;
  /** Capabilities a modern caller lacked (filled when a legacy upstream asks it for one; the call ends with -32021). */
  readonly missing: Record<string, unknown>;
}

/** How a refusal of an input request is told to the upstream, per the spec's client behaviour. */
function declined(event: InputRequestEvent, why: string): Record<string, unknown> {
  if (event.kind === 'elicitation-form' || event.kind === 'elicitation-url') return { action: 'decline' };
  throw new RpcError(-1, why);
}

export class InputGovernor {
  constructor(private readonly o: GovernorOptions) {}

  /** Wraps the caller's notification sink: every notification's params pass the output stages first. */
  notifications(sink: NotificationSink): NotificationSink {
    return (n) => {
      if (!n.params) return sink(n);
      const { progressToken, ...rest } = n.params;
      const params = this.outbound(rest, n.method);
      if (params) sink({ method: n.method, params: progressToken === undefined ? params : { ...params, progressToken } });
    };
  }

  /** Wraps a progress callback: the progress message passes the output stages (the numbers are the proxy's to keep). */
  progress(onprogress: (p: Progress) => void): (p: Progress) => void {
    return (p) => {
      if (typeof p.message !== 'string') return onprogress(p);
      const out = this.outbound({ message: p.message }, 'notifications/progress');
      if (out) onprogress({ ...p, message: typeof out.message === 'string' ? out.message : '' });
    };
  }

  /** The relay for this call's upstream requests to the caller, governed. */
  readonly relay: RequestRelay = async (request, signal) => {
    const { ctx, caller, pipeline } = this.o;
    const event = ctx.target ? inputEvent(ctx.target, request.method, request.params) : undefined;
    if (!event) throw new RpcError(-32601, `Method not found: ${request.method.slice(0, 100)}`);
    if (caller.era === 'modern') {
      this.record(event, { effect: 'deny', policyIds: [], reason: 'capability' }, 'declined');
      return refuseRelay(caller, request, this.o.missing);
    }
    // A legacy caller declared its capabilities at initialize, which the stateless proxy does not keep: only those it
    // declares on the request are checked (none, today); its client declines what it does not support.
    if (caller.capabilitiesKnown && !callerDeclared(event.kind, caller.clientCapabilities)) {
      this.record(event, { effect: 'deny', policyIds: [], reason: 'capability' }, 'declined');
      throw new RpcError(-32601, `${request.method} is not available: the client did not declare ${event.kind}`);
    }
    const decision = pipeline.decideInput(ctx, event);
    if (decision.effect === 'deny') {
      this.record(event, decision, 'declined');
      return declined(event, `${event.kind} request denied by policy`);
    }
    let sent: JsonResult | undefined;
    let answer: JsonResult | undefined;
    try {
      sent = pipeline.outbound(ctx, event.content);
      const raw = await this.o.relays.relay(this.o.channel, { method: request.method, params: sent }, signal);
      answer = pipeline.inputAnswer(ctx, event, raw);
      this.record(event, decision, 'answered', sent, answer);
      return answer;
    } catch (err) {
      this.record(event, decision, 'error', sent, answer);
      throw err;
    }
  };

  /** An upstream request that might have been this call's but could not be attributed to it alone: refused, audited. */
  readonly unattributed = (request: { method: string; params?: Record<string, unknown> }): void => {
    const event = this.o.ctx.target ? inputEvent(this.o.ctx.target, request.method, request.params) : undefined;
    if (event) this.record(event, { effect: 'deny', policyIds: [], reason: 'unattributed' }, 'declined');
  };

  private record(event: InputRequestEvent, decision: InputDecision, status: 'answered' | 'declined' | 'error', request?: unknown, answer?: unknown): void {
    const delivery = request === undefined ? 'refused' : 'relayed';
    this.o.pipeline.recordInput(this.o.ctx, { event, decision, delivery, status, request, answer });
  }

  /** The output stages on one mid-call message; undefined (dropped, logged) when they fail. */
  private outbound(params: Record<string, unknown>, method: string): Record<string, unknown> | undefined {
    try {
      return this.o.pipeline.outbound(this.o.ctx, params);
    } catch (err) {
      this.o.log.error('upstream message dropped: the output stages failed on it', { requestId: this.o.ctx.requestId, method: method.slice(0, 100), error: (err as Error)?.name });
      return undefined;
    }
  }
}
