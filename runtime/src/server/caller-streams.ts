/**
 * What reaches the caller while its call runs, by era:
 *   - upstream notifications: a legacy caller gets them all on its SSE response; a modern caller gets log messages only
 *     when its request set `io.modelcontextprotocol/logLevel`, at or above it (server/utilities/logging);
 *   - upstream server->client requests (sampling, elicitation, roots): relayed to a legacy caller on its SSE response
 *     and answered back; a modern caller receives no requests on its stream (input requests travel in results, MRTR),
 *     so they are refused, and a capability the caller did not declare ends its call with -32021 naming it.
 */
import { randomUUID } from 'node:crypto';
import { GovernanceError, type ErrorCodeValue } from '../pipeline/errors';
import { LOG_LEVELS, ModernErrorCode, RpcError } from '../protocol';
import type { CallerProtocol, NotificationSink } from '../upstream/client';
import type { JsonRpcResponse } from './jsonrpc';
import type { ResponseChannel } from './response';

export function notificationSink(caller: CallerProtocol, channel: ResponseChannel): NotificationSink {
  if (caller.era === 'legacy') return (n) => channel.notify(n);
  const min = caller.logLevel === undefined ? -1 : LOG_LEVELS.indexOf(caller.logLevel);
  return (n) => {
    if (n.method !== 'notifications/message') return channel.notify(n);
    const level = typeof n.params?.level === 'string' ? LOG_LEVELS.indexOf(n.params.level) : -1;
    if (min >= 0 && level >= min) channel.notify(n);
  };
}

/** The client capability a server->client request needs. */
const CAPABILITY_OF: Record<string, string> = { 'sampling/createMessage': 'sampling', 'elicitation/create': 'elicitation', 'roots/list': 'roots' };

/**
 * A legacy upstream's server->client request during a modern caller's call: refused (the upstream is told the method
 * is not available); when the caller did not declare the capability it is recorded in `missing`, and the call ends
 * with -32021. Bridging the request into an `input_required` result for a caller that declared it is not done here.
 */
export async function refuseRelay(caller: CallerProtocol, request: { method: string }, missing: Record<string, unknown>): Promise<never> {
  const capability = CAPABILITY_OF[request.method];
  if (capability && caller.clientCapabilities[capability] === undefined) missing[capability] = {};
  throw new RpcError(-32601, `${request.method} is not available: the caller speaks the stateless protocol`);
}

/** 400 / -32021 with `data.requiredCapabilities` (basic/index, "Per-request protocol fields"). */
export function missingCapability(required: Record<string, unknown>): GovernanceError {
  return new GovernanceError(
    ModernErrorCode.MissingRequiredClientCapability as unknown as ErrorCodeValue,
    `Missing required client capability: ${Object.keys(required).join(', ')}`,
    'invalid_request',
    { requiredCapabilities: required },
  );
}

interface PendingRelay {
  resolve(result: Record<string, unknown>): void;
  reject(err: Error): void;
}

/** Server->client requests relayed to legacy callers, by the unguessable id the proxy gave them. */
export class CallerRelays {
  private readonly relayed = new Map<string, PendingRelay>();

  /** A caller's answer to a relayed request. Unknown ids are ignored. */
  answer(message: JsonRpcResponse): void {
    if (typeof message.id !== 'string') return;
    const pending = this.relayed.get(message.id);
    if (!pending) return;
    this.relayed.delete(message.id);
    if (message.error) pending.reject(new RpcError(message.error.code, message.error.message, message.error.data));
    else pending.resolve(message.result ?? {});
  }

  /** Sends a server->client request to the caller over its SSE response and waits for the answer (bounded by `signal`). */
  relay(channel: ResponseChannel, request: { method: string; params?: Record<string, unknown> }, signal: AbortSignal): Promise<Record<string, unknown>> {
    if (signal.aborted) return Promise.reject(new RpcError(-32603, 'Request cancelled'));
    const id = `relay-${randomUUID()}`;
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        this.relayed.delete(id);
        signal.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        cleanup();
        reject(new RpcError(-32603, 'Request cancelled'));
      };
      this.relayed.set(id, {
        resolve: (r) => {
          cleanup();
          resolve(r);
        },
        reject: (e) => {
          cleanup();
          reject(e);
        },
      });
      signal.addEventListener('abort', onAbort, { once: true });
      if (!channel.request(id, request.method, request.params)) {
        cleanup();
        reject(new RpcError(-32601, `${request.method}: the client cannot receive server requests (no SSE)`));
      }
    });
  }
}
