/** Maps whatever an upstream call threw into the GovernanceError the caller sees. */
import { ErrorCode, GovernanceError, type ErrorCodeValue } from '../pipeline/errors';
import { RpcError } from '../protocol';

const MAX_UPSTREAM_MESSAGE = 500;

/** The abort reason of an upstream request that ran out of time (the proxy's own per-upstream timeout). */
export class UpstreamTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`upstream request timed out after ${timeoutMs} ms`);
    this.name = 'UpstreamTimeoutError';
  }
}

/** The upstream answered with an HTTP status that is not a JSON-RPC answer (status -1: a 2xx body that is not MCP). */
export class UpstreamHttpError extends Error {
  constructor(
    readonly status: number,
    detail: string,
    /** A 404 to a request that carried our Mcp-Session-Id: the upstream forgot the session. */
    readonly sessionExpired = false,
    /** The JSON-RPC error the body of a non-2xx response carried, if any (-32022 and friends travel this way). */
    readonly rpc?: RpcError,
  ) {
    super(status > 0 ? `HTTP ${status}: ${detail}` : detail);
    this.name = 'UpstreamHttpError';
  }
}

/** The upstream named the protocol versions it supports, and the proxy speaks none of them. */
export class NoCommonVersionError extends Error {
  constructor(readonly supported: readonly string[]) {
    super(`the upstream supports none of the proxy's protocol versions (it names ${supported.slice(0, 5).join(', ').slice(0, 120) || 'none'})`);
    this.name = 'NoCommonVersionError';
  }
}

/**
 * The upstream answered in a way that says it speaks the other protocol era than the one the client assumed (a
 * modern request refused without a modern error, or `initialize` refused with one). The client re-probes.
 */
export class EraMismatchError extends Error {
  constructor(
    /** The era the answer points to. */
    readonly era: 'legacy' | 'modern',
    detail: string,
  ) {
    super(detail);
    this.name = 'EraMismatchError';
  }
}

/** The connection (or the SSE stream carrying the answer) ended before the upstream answered. */
export class ConnectionClosedError extends Error {
  constructor(detail = 'the upstream closed the connection before answering') {
    super(detail);
    this.name = 'ConnectionClosedError';
  }
}

/** True when the upstream forgot our session (HTTP 404 on a request carrying Mcp-Session-Id). */
export function isSessionExpired(err: unknown): boolean {
  return err instanceof UpstreamHttpError && err.sessionExpired;
}

/** The caller went away or cancelled (our AbortSignal fired). */
export function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || (err as { code?: string }).code === 'ABORT_ERR');
}

export function cancelledError(): GovernanceError {
  return new GovernanceError(ErrorCode.InternalError, 'Request cancelled', 'cancelled');
}

/**
 * Upstream JSON-RPC errors pass through with the upstream's own code and message (the upstream answered; that answer is
 * the caller's to see, e.g. MCP's -32002 "resource not found", or an upstream's own -32000/-32001). Transport failures
 * become UpstreamUnavailable, timeouts UpstreamTimeout, repeated 401s UpstreamAuthFailed. Nothing else (stack traces,
 * URLs, headers) leaks.
 */
export function toUpstreamError(upstream: string, err: unknown, timeoutMs: number): GovernanceError {
  if (err instanceof GovernanceError) return err;
  if (err instanceof UpstreamTimeoutError) {
    return new GovernanceError(ErrorCode.UpstreamTimeout, `Upstream "${upstream}" did not answer within ${timeoutMs} ms`, 'upstream_timeout');
  }
  if (isAbort(err)) return cancelledError();
  // The request could not even be serialized (arguments nested deep enough to exhaust the stack): the caller's input,
  // not an upstream failure, so it must not mark the upstream degraded for everyone.
  if (err instanceof RangeError) {
    return new GovernanceError(ErrorCode.InvalidParams, 'Invalid params: arguments are nested too deeply to forward', 'invalid_params');
  }
  if (err instanceof RpcError) {
    const message = err.message.length > MAX_UPSTREAM_MESSAGE ? `${err.message.slice(0, MAX_UPSTREAM_MESSAGE)}...` : err.message;
    const data = err.data !== undefined && err.data !== null && typeof err.data === 'object' ? (err.data as Record<string, unknown>) : undefined;
    return new GovernanceError(err.code as ErrorCodeValue, message, 'upstream_error', data);
  }
  if (err instanceof ConnectionClosedError) {
    return new GovernanceError(ErrorCode.UpstreamUnavailable, `Upstream "${upstream}" closed the connection`, 'upstream_unavailable');
  }
  if (err instanceof NoCommonVersionError) {
    return new GovernanceError(ErrorCode.UpstreamUnavailable, `Upstream "${upstream}": ${err.message}`, 'upstream_unavailable');
  }
  if (err instanceof EraMismatchError) {
    return new GovernanceError(ErrorCode.UpstreamUnavailable, `Upstream "${upstream}" does not speak the protocol era it was probed as`, 'upstream_unavailable');
  }
  if (err instanceof UpstreamHttpError) {
    if (err.status === 401 || err.status === 403) {
      return new GovernanceError(ErrorCode.UpstreamAuthFailed, `Upstream "${upstream}" refused the proxy's credentials (HTTP ${err.status})`, 'upstream_auth');
    }
    const status = err.status > 0 ? `HTTP ${err.status}` : 'a response that is not MCP';
    return new GovernanceError(ErrorCode.UpstreamUnavailable, `Upstream "${upstream}" answered ${status}`, 'upstream_unavailable');
  }
  return new GovernanceError(ErrorCode.UpstreamUnavailable, `Upstream "${upstream}" is unavailable`, 'upstream_unavailable');
}

/** A short, secret-free description of a failure for logs and /ping. */
export function describeFailure(err: unknown): string {
  if (err instanceof GovernanceError) return err.message;
  if (err instanceof RpcError) return `MCP error ${err.code}: ${err.message}`.slice(0, 200);
  if (err instanceof UpstreamHttpError) {
    const rpc = err.rpc ? ` (MCP error ${err.rpc.code}: ${err.rpc.message.slice(0, 120)})` : '';
    return err.status > 0 ? `HTTP ${err.status}${rpc}` : err.message.slice(0, 200);
  }
  if (err instanceof Error) {
    const cause = (err as { cause?: { code?: string } }).cause;
    const code = (err as { code?: string }).code ?? cause?.code;
    if (code && !err.message.includes(code)) return `${err.message.slice(0, 200)} (${code})`;
    return err.message.slice(0, 200);
  }
  return 'unknown error';
}
