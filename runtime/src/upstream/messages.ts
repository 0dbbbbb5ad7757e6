/**
 * Reading an upstream's answer, shared by both protocol legs: a JSON body, or an SSE stream carrying messages about
 * the request before its answer. Every message is handed to the leg's `route` function, which returns the result when
 * the message is the answer (and throws the upstream's error answer); notifications about the request go to the
 * caller. Also the per-request deadline that both legs put around an exchange.
 */
import type { IncomingMessage } from 'node:http';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { Logger } from '../log';
import type { JsonResult } from '../pipeline/context';
import { classifyMessage, type RpcId, type UpstreamMessage } from '../protocol';
import type { InboundCallScope, ListKind, Progress } from './client';
import { cancelledError, ConnectionClosedError, UpstreamHttpError, UpstreamTimeoutError } from './errors';
import { discard } from './http-exchange';

/** One request in flight: how its answer and the messages about it are delivered. */
export interface Pending {
  readonly id: RpcId;
  readonly scope: InboundCallScope;
  readonly signal: AbortSignal;
  readonly onprogress?: (progress: Progress) => void;
  readonly progressToken?: RpcId;
}

/** Routes one upstream message; returns the answer to the pending request when it is one (an error answer is thrown). */
export type Route = (msg: UpstreamMessage) => { result: JsonResult } | undefined;

/** How reading one SSE stream ended. */
export interface StreamOutcome {
  /** The answer to the request. */
  readonly answer?: JsonResult;
  /** The upstream's error answer to the request. */
  readonly rejection?: Error;
  /** The stream broke (reset, abort) before the answer. */
  readonly error?: Error;
  /** The reconnection delay the upstream asked for (SSE `retry:`). */
  readonly retryMs?: number;
}

export const LIST_CHANGED: Readonly<Record<string, ListKind>> = {
  'notifications/tools/list_changed': 'tools',
  'notifications/resources/list_changed': 'resources',
  'notifications/prompts/list_changed': 'prompts',
};

/**
 * Delivers a notification from the upstream: list changes to `onListChanged`, progress of the pending request to its
 * `onprogress`, anything else about the request (log messages...) to the caller's stream.
 */
export function deliverNotification(
  msg: { method: string; params?: Record<string, unknown> },
  pending: Pending | undefined,
  onListChanged: ((kind: ListKind) => void) | undefined,
): void {
  const listKind = LIST_CHANGED[msg.method];
  if (listKind) onListChanged?.(listKind);
  else if (msg.method === 'notifications/progress') {
    const p = msg.params;
    if (pending?.onprogress && p && p.progressToken === pending.progressToken && typeof p.progress === 'number') {
      const { progressToken: _token, ...progress } = p;
      pending.onprogress(progress as unknown as Progress);
    }
  } else if (msg.method !== 'notifications/cancelled') pending?.scope.notify?.({ method: msg.method, params: msg.params });
}

/** Reads a JSON body (one message or a batch) and returns the answer it carries. */
export function answerFromJson(text: string, route: Route): JsonResult {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new UpstreamHttpError(-1, 'response body is not JSON');
  }
  let answer: JsonResult | undefined;
  for (const item of Array.isArray(doc) ? doc : [doc]) {
    const msg = classifyMessage(item);
    if (!msg) throw new UpstreamHttpError(-1, 'response is not a JSON-RPC message');
    const settled = route(msg);
    if (settled) answer = settled.result;
  }
  if (!answer) throw new UpstreamHttpError(-1, 'response carries no answer to the request');
  return answer;
}

/** Parses one SSE stream, routing every message; settles at the answer, the end of the stream, or an error. */
export function readEventStream(res: IncomingMessage, route: Route, onEventId: (id: string) => void, log: Logger, upstream: string): Promise<StreamOutcome> {
  return new Promise((resolve) => {
    let done = false;
    let retryMs: number | undefined;
    const finish = (outcome: Omit<StreamOutcome, 'retryMs'>) => {
      if (done) return;
      done = true;
      // After the answer the rest of the stream (normally nothing: the upstream closes it) is drained, not read.
      res.removeListener('data', onData);
      discard(res);
      resolve({ ...outcome, retryMs });
    };
    const parser = createParser({
      onEvent: (event: EventSourceMessage) => {
        if (event.id) onEventId(event.id);
        if (done || !event.data || (event.event !== undefined && event.event !== 'message')) return;
        let msg: UpstreamMessage | undefined;
        try {
          msg = classifyMessage(JSON.parse(event.data));
        } catch {
          msg = undefined;
        }
        if (!msg) {
          log.debug('upstream sent an event that is not JSON-RPC; ignored', { upstream });
          return;
        }
        try {
          const settled = route(msg);
          if (settled) finish({ answer: settled.result });
        } catch (err) {
          // The upstream's error answer to the request: final, not a broken stream.
          finish({ answer: undefined, rejection: err as Error });
        }
      },
      onRetry: (ms) => (retryMs = ms),
    });
    res.setEncoding('utf8');
    const onData = (chunk: string) => parser.feed(chunk);
    res.on('data', onData);
    res.once('end', () => finish({}));
    res.once('error', (err) => finish({ error: err }));
    res.once('aborted', () => finish({ error: new ConnectionClosedError() }));
  });
}

/**
 * Runs one exchange under the proxy's own timeout (told apart from an upstream's own -32001 error) and the caller's
 * cancellation: either aborts the signal handed to `fn`, so a hanging upstream does not keep a socket per abandoned
 * call. `onAbandon` hears why (the leg tells the upstream, if its era has a way to). One controller, linked by hand
 * with the listener removed in `finally`: AbortSignal.any() keeps every combined signal (and so every finished
 * request) reachable on Node 20 (nodejs/node#55328), a leak of ~7 KB per call that test/reliability/memory.test.ts
 * measures.
 *
 * With `cancelCaller` (what fires `caller`: the inbound request's own cancellation), no signal is linked: `fn` gets the
 * caller's signal and the deadline fires the caller's cancellation, which ends the inbound request as the timeout error
 * would anyway. Creating an AbortSignal costs ~4-6 µs on Node 20 (bench/README.md, "Where the time goes"): one per call
 * fewer.
 */
export async function withDeadline<T>(
  timeoutMs: number,
  caller: AbortSignal | undefined,
  fn: (signal: AbortSignal) => Promise<T>,
  onAbandon?: (reason: 'timeout' | 'cancelled') => void,
  cancelCaller?: () => void,
): Promise<T> {
  if (caller && cancelCaller) return deadlineOnCaller(timeoutMs, caller, cancelCaller, fn, onAbandon);
  const linked = new AbortController();
  const timer = setTimeout(() => linked.abort(new UpstreamTimeoutError(timeoutMs)), timeoutMs);
  const onCallerAbort = () => linked.abort(cancelledError());
  if (caller?.aborted) onCallerAbort();
  else caller?.addEventListener('abort', onCallerAbort, { once: true });
  try {
    return await fn(linked.signal);
  } catch (err) {
    if (linked.signal.aborted) {
      const reason = linked.signal.reason;
      onAbandon?.(reason instanceof UpstreamTimeoutError ? 'timeout' : 'cancelled');
      throw reason;
    }
    throw err;
  } finally {
    clearTimeout(timer);
    caller?.removeEventListener('abort', onCallerAbort);
  }
}

/** withDeadline when the caller's cancellation can be fired: the deadline fires it, and the outcome is told apart by which came first. */
async function deadlineOnCaller<T>(
  timeoutMs: number,
  caller: AbortSignal,
  cancelCaller: () => void,
  fn: (signal: AbortSignal) => Promise<T>,
  onAbandon: ((reason: 'timeout' | 'cancelled') => void) | undefined,
): Promise<T> {
  let timedOut = false;
  const timer = setTimeout(() => {
    if (caller.aborted) return;
    timedOut = true;
    cancelCaller();
  }, timeoutMs);
  try {
    return await fn(caller);
  } catch (err) {
    if (caller.aborted) {
      onAbandon?.(timedOut ? 'timeout' : 'cancelled');
      throw timedOut ? new UpstreamTimeoutError(timeoutMs) : cancelledError();
    }
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** Waits `ms`, or rejects with the signal's reason when it fires first. */
export function delay(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
