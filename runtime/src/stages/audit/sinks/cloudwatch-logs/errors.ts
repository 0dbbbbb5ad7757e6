/**
 * Errors of the audit sink's CloudWatch Logs client. Every error names the operation; a service error carries the AWS
 * error code as its `name` (as the AWS SDK's service exceptions do, so the trail's failure accounting reads it the
 * same way), the HTTP status in `$metadata.httpStatusCode`, and for the sequence-token errors the token the service
 * expects. Messages hold the operation, the code and the service's own message, never a request, a header or a
 * credential.
 */

/** The two operations the audit sink calls. */
export type LogsOperation = 'CreateLogStream' | 'PutLogEvents';

/** Longest part of a service message kept in an error (the service's messages are short sentences). */
const MAX_SERVICE_MESSAGE = 300;

/** An error answer of CloudWatch Logs (awsJson1_1). */
export class CloudWatchLogsServiceError extends Error {
  readonly $fault: 'client' | 'server';
  readonly $metadata: { readonly httpStatusCode: number; readonly requestId?: string };

  constructor(
    readonly operation: LogsOperation,
    /** The AWS error code, e.g. `ResourceNotFoundException`. */
    readonly code: string,
    httpStatusCode: number,
    serviceMessage: string,
    requestId?: string,
    /** InvalidSequenceTokenException / DataAlreadyAcceptedException: the token the service expects next. */
    readonly expectedSequenceToken?: string,
  ) {
    super(`CloudWatch Logs ${operation} failed: ${code} (HTTP ${httpStatusCode})${serviceMessage ? `: ${serviceMessage.slice(0, MAX_SERVICE_MESSAGE)}` : ''}`);
    this.name = code;
    this.$fault = httpStatusCode >= 500 ? 'server' : 'client';
    this.$metadata = { httpStatusCode, ...(requestId ? { requestId } : {}) };
  }
}

/**
 * The error code as the awsJson1_1 protocol carries it: the `x-amzn-ErrorType` header, else the body's `code`, else
 * its `__type`; a namespace prefix (`com.amazonaws.logs#`) and a trailing URI (`:http://...`) are removed.
 */
export function errorCode(headerValue: string | undefined, body: Record<string, unknown> | undefined): string | undefined {
  const raw = headerValue ?? stringMember(body, 'code') ?? stringMember(body, '__type');
  if (!raw) return undefined;
  let code = raw;
  if (code.includes(':')) code = code.split(':')[0];
  if (code.includes('#')) code = code.split('#')[1];
  return code.trim() || undefined;
}

/** Builds the error for a non-200 answer from its status, headers and body text. */
export function decodeServiceError(
  operation: LogsOperation,
  status: number,
  headers: Readonly<Record<string, string | string[] | undefined>>,
  bodyText: string,
): CloudWatchLogsServiceError {
  let body: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = bodyText ? JSON.parse(bodyText) : undefined;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
  } catch {
    // Not JSON (a proxy's or load balancer's page): named by the status alone.
  }
  const code = errorCode(headerString(headers['x-amzn-errortype']), body) ?? (status >= 500 ? 'InternalFailure' : 'UnknownError');
  const message = stringMember(body, 'message') ?? stringMember(body, 'Message') ?? '';
  return new CloudWatchLogsServiceError(
    operation,
    code,
    status,
    message,
    headerString(headers['x-amzn-requestid']),
    stringMember(body, 'expectedSequenceToken'),
  );
}

/** A failure before any answer (connection refused, reset, timeout, no credentials): named, with the operation. */
export class CloudWatchLogsClientError extends Error {
  constructor(
    readonly operation: LogsOperation,
    name: string,
    detail: string,
    /** The system error code (ECONNREFUSED, ...), when there is one. */
    readonly code?: string,
  ) {
    super(`CloudWatch Logs ${operation} failed: ${detail}`);
    this.name = name;
  }
}

/** Errors whose retry needs fresh credentials (the cached ones expired early, or were rotated out). */
export const CREDENTIAL_ERRORS: ReadonlySet<string> = new Set(['ExpiredTokenException', 'ExpiredToken', 'UnrecognizedClientException', 'InvalidClientTokenId']);

function stringMember(body: Record<string, unknown> | undefined, key: string): string | undefined {
  const v = body?.[key];
  return typeof v === 'string' ? v : undefined;
}

function headerString(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
