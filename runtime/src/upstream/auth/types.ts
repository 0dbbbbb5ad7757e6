/**
 * The seam between upstream transport and upstream auth. The upstream client calls `authorize` on every outgoing
 * HTTP request (including discovery at start-up) and `invalidate` after a 401 before retrying once.
 * The caller's own token is never forwarded upstream (no token passthrough).
 */
import type { UpstreamAuthConfig } from '../../config/sections/upstream-auth';

/** An outgoing request to the upstream, mutable: add headers (and for SigV4, sign the exact body). */
export interface OutgoingRequest {
  readonly url: URL;
  readonly method: string;
  readonly headers: Headers;
  /** The exact body that will be sent (JSON-RPC text), if any. */
  readonly body?: string;
}

/** Per-inbound-request data an authenticator may use (carried with AsyncLocalStorage by the upstream client). */
export interface UpstreamCallContext {
  /** AgentCore's `WorkloadAccessToken` inbound header, if present. Never logged. */
  readonly workloadAccessToken?: string;
}

export interface UpstreamAuthenticator {
  /** A name for logs and audit (`none`, `sigv4`, ...). */
  readonly kind: string;
  /** Adds credentials to the request. Throws GovernanceError(UpstreamAuthFailed) naming the upstream on failure. */
  authorize(req: OutgoingRequest, ctx: UpstreamCallContext): Promise<void>;
  /** Drops cached credentials after the upstream answered 401. Returns true when a single retry may succeed. */
  invalidate(): boolean;
}

export type UpstreamAuthFactory = (upstreamName: string, cfg: UpstreamAuthConfig) => UpstreamAuthenticator;
