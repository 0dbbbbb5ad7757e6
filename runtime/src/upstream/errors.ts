/** Maps whatever an upstream call threw into the GovernanceError the caller sees. */
import { McpError, ErrorCode as SdkErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, GovernanceError, type ErrorCodeValue } from '../pipeline/errors';

const MAX_UPSTREAM_MESSAGE = 500;

/** The abort reason of an upstream request that ran out of time (the proxy's own per-upstream timeout). */
export class UpstreamTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`upstream request timed out after ${timeoutMs} ms`);
    this.name = 'UpstreamTimeoutError';
  }
}

/** True when the upstream forgot our session (HTTP 404 on a request carrying Mcp-Session-Id). */
export function isSessionExpired(err: unknown): boolean {
  return err instanceof StreamableHTTPError && err.code === 404;
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
 * the caller's to see, e.g. MCP's -32002 "resource not found"). Transport failures become UpstreamUnavailable,
 * timeouts UpstreamTimeout, repeated 401s UpstreamAuthFailed. Nothing else (stack traces, URLs, headers) leaks.
 */
export function toUpstreamError(
  upstream: string,
  err: unknown,
  timeoutMs: number,
  /**
   * Whether an McpError with the SDK's ConnectionClosed / RequestTimeout code was raised by the SDK itself (the
   * connection did close, the handshake timed out) rather than answered by the upstream, whose own -32000 ("server
   * error") and -32001 errors must pass through untouched.
   */
  local: { connectionClosed: boolean; timedOut: boolean } = { connectionClosed: false, timedOut: false },
): GovernanceError {
  if (err instanceof GovernanceError) return err;
  if (err instanceof UpstreamTimeoutError || (local.timedOut && err instanceof McpError && err.code === SdkErrorCode.RequestTimeout)) {
    return new GovernanceError(ErrorCode.UpstreamTimeout, `Upstream "${upstream}" did not answer within ${timeoutMs} ms`, 'upstream_timeout');
  }
  if (isAbort(err)) return cancelledError();
  // The request could not even be serialized (arguments nested deep enough to exhaust the stack): the caller's input,
  // not an upstream failure, so it must not mark the upstream degraded for everyone.
  if (err instanceof RangeError) {
    return new GovernanceError(ErrorCode.InvalidParams, 'Invalid params: arguments are nested too deeply to forward', 'invalid_params');
  }
  if (err instanceof McpError) {
    if (local.connectionClosed && err.code === SdkErrorCode.ConnectionClosed) {
      return new GovernanceError(ErrorCode.UpstreamUnavailable, `Upstream "${upstream}" closed the connection`, 'upstream_unavailable');
    }
    const raw = err.message.replace(/^MCP error -?\d+: /, '');
    const message = raw.length > MAX_UPSTREAM_MESSAGE ? `${raw.slice(0, MAX_UPSTREAM_MESSAGE)}...` : raw;
    const data = err.data !== undefined && err.data !== null && typeof err.data === 'object' ? (err.data as Record<string, unknown>) : undefined;
    return new GovernanceError(err.code as ErrorCodeValue, message, 'upstream_error', data);
  }
  if (err instanceof StreamableHTTPError) {
    if (err.code === 401 || err.code === 403) {
      return new GovernanceError(ErrorCode.UpstreamAuthFailed, `Upstream "${upstream}" refused the proxy's credentials (HTTP ${err.code})`, 'upstream_auth');
    }
    const status = (err.code ?? 0) > 0 ? `HTTP ${err.code}` : 'a response that is not MCP';
    return new GovernanceError(ErrorCode.UpstreamUnavailable, `Upstream "${upstream}" answered ${status}`, 'upstream_unavailable');
  }
  return new GovernanceError(ErrorCode.UpstreamUnavailable, `Upstream "${upstream}" is unavailable`, 'upstream_unavailable');
}

/** A short, secret-free description of a failure for logs and /ping. */
export function describeFailure(err: unknown): string {
  if (err instanceof GovernanceError) return err.message;
  if (err instanceof McpError) return err.message.slice(0, 200);
  if (err instanceof StreamableHTTPError) return `HTTP ${err.code}`;
  if (err instanceof Error) {
    const cause = (err as { cause?: { code?: string } }).cause;
    if (cause?.code) return `${err.message} (${cause.code})`;
    return err.message.slice(0, 200);
  }
  return 'unknown error';
}
