/** Errors of the modern leg's envelope checks, with the HTTP status the 2026-07-28 Streamable HTTP binding gives them. */
import { ErrorCode, GovernanceError, type ErrorCodeValue } from '../../pipeline/errors';
import { ModernErrorCode } from '../../protocol';

/** A request refused before dispatch (malformed envelope, mismatched headers, unsupported version, unknown method). */
export class EnvelopeError extends GovernanceError {
  constructor(
    readonly status: number,
    code: number,
    message: string,
    data?: Record<string, unknown>,
  ) {
    super(code as ErrorCodeValue, message, code === ErrorCode.MethodNotFound ? 'method_not_found' : code === ErrorCode.InvalidParams ? 'invalid_params' : 'invalid_request', data);
    this.name = 'EnvelopeError';
  }
}

/** 400 / -32602: a required `_meta` field is missing or malformed (basic/index, "Per-request protocol fields"). */
export const invalidEnvelope = (message: string) => new EnvelopeError(400, ErrorCode.InvalidParams, message);

/** 400 / -32020: a standard or parameter header is missing, malformed, or does not match the body. */
export const headerMismatch = (message: string) => new EnvelopeError(400, ModernErrorCode.HeaderMismatch, `Header mismatch: ${message}`);

/**
 * The HTTP status of an error answer on the modern leg: the envelope checks say theirs; a missing client capability is
 * 400 wherever it is found (basic/index); everything else (governance refusals, upstream errors) is an ordinary
 * JSON-RPC error on 200.
 */
export function statusOf(err: unknown): number {
  if (err instanceof EnvelopeError) return err.status;
  if (err instanceof GovernanceError && (err.code as number) === ModernErrorCode.MissingRequiredClientCapability) return 400;
  return 200;
}
