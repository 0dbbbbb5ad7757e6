/**
 * JSON-RPC error codes the proxy answers with. Standard codes come from JSON-RPC 2.0 / MCP;
 * the -320xx codes are the proxy's own (server-defined range).
 */
export const ErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  /** Also used for "unknown tool": MCP says unknown tools are invalid params. Hidden tools answer the same way. */
  InvalidParams: -32602,
  InternalError: -32603,
  /** No (valid) caller identity where one is required. */
  Unauthenticated: -32001,
  /** The call was evaluated and denied (the target is visible to the caller, the call is not permitted). */
  Forbidden: -32003,
  /** Input sanitization refused the arguments. */
  RejectedInput: -32004,
  /** The upstream did not answer within its timeout. */
  UpstreamTimeout: -32005,
  /** The upstream is unreachable, failed, or answered something that is not MCP. */
  UpstreamUnavailable: -32006,
  /** The proxy could not obtain credentials for the upstream. */
  UpstreamAuthFailed: -32007,
  /** Fail-closed audit: the audit sink cannot accept records, so nothing is forwarded. */
  AuditUnavailable: -32008,
  /** Request body over the configured limit. */
  PayloadTooLarge: -32009,
} as const;
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Stable, low-cardinality class of an error, used in audit records and metrics. */
export type ErrorClass =
  | 'parse_error' | 'invalid_request' | 'method_not_found' | 'invalid_params' | 'internal'
  | 'unauthenticated' | 'forbidden' | 'not_found' | 'rejected_input'
  | 'upstream_timeout' | 'upstream_unavailable' | 'upstream_auth' | 'upstream_error'
  | 'audit_unavailable' | 'payload_too_large' | 'cancelled';

/**
 * An error that becomes a JSON-RPC error response. The message is shown to the caller, so it must never
 * contain secrets, tokens, raw argument values or PII; `data` likewise.
 */
export class GovernanceError extends Error {
  constructor(
    readonly code: ErrorCodeValue,
    message: string,
    readonly errorClass: ErrorClass,
    readonly data?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'GovernanceError';
  }
}

const KIND_LABEL = { tool: 'tool', resource: 'resource', prompt: 'prompt' } as const;

/**
 * The one error for "no such target". Access control answers a hidden target with exactly the same code and
 * message (only the audit class differs), so a denial never reveals whether a hidden tool exists.
 */
export function targetNotFound(kind: keyof typeof KIND_LABEL, name: string, auditClass: 'not_found' | 'forbidden' = 'not_found'): GovernanceError {
  const shown = name.length > 200 ? `${name.slice(0, 200)}...` : name;
  return new GovernanceError(ErrorCode.InvalidParams, `Unknown ${KIND_LABEL[kind]}: ${shown}`, auditClass);
}

/** Maps anything thrown into a GovernanceError; unknown errors become InternalError without leaking their message. */
export function toGovernanceError(err: unknown): GovernanceError {
  if (err instanceof GovernanceError) return err;
  return new GovernanceError(ErrorCode.InternalError, 'Internal error', 'internal');
}
