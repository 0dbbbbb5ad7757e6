/**
 * Per-inbound-request data carried to the upstream client with AsyncLocalStorage, so the custom `fetch` (auth) and
 * the notification handlers (progress/logging relay) see the request that caused them without threading arguments
 * through the SDK.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { UpstreamCallContext } from './auth/types';

/** A sink for notifications the upstream sends while serving one call (e.g. `notifications/message`). */
export type NotificationSink = (notification: { method: string; params?: Record<string, unknown> }) => void;

/** Sends a server->client request (sampling/createMessage, elicitation/create) to the caller and awaits its answer. */
export type RequestRelay = (request: { method: string; params?: Record<string, unknown> }, signal: AbortSignal) => Promise<Record<string, unknown>>;

export interface InboundCallScope {
  /** Handed to the authenticator on every outgoing HTTP request. */
  readonly auth: UpstreamCallContext;
  /** Where request-related upstream notifications go (the caller's SSE response), if anywhere. */
  readonly notify?: NotificationSink;
  /** How upstream requests to the client reach the caller during this call, if they can. */
  readonly relay?: RequestRelay;
  /**
   * Set by the upstream client around one upstream request: fires on the request's timeout or the caller's
   * cancellation, and aborts the HTTP exchange carrying that request (not just the JSON-RPC request).
   */
  readonly requestSignal?: AbortSignal;
}

const storage = new AsyncLocalStorage<InboundCallScope>();
const EMPTY: InboundCallScope = { auth: {} };

/** Runs `fn` with `scope` as the current inbound call. */
export function runInCallScope<T>(scope: InboundCallScope, fn: () => T): T {
  return storage.run(scope, fn);
}

/** The current inbound call, or an empty scope (discovery, refresh). */
export function currentCallScope(): InboundCallScope {
  return storage.getStore() ?? EMPTY;
}
