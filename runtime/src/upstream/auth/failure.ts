/**
 * Failures to obtain upstream credentials. The error shown to the caller names the upstream and a class of failure
 * (an AWS error name, an HTTP status, an OAuth2 error code): never a token, a secret, or a response body.
 */
import { ErrorCode, GovernanceError } from '../../pipeline/errors';
import { createLogger, type Logger } from '../../log';

/** A failure whose message is already safe to show: a class of failure, not a value. */
export class CredentialFailure extends Error {
  constructor(readonly failureClass: string) {
    super(failureClass);
    this.name = 'CredentialFailure';
  }
}

/** The caller-facing error for an upstream whose credentials could not be obtained. */
export function upstreamAuthFailed(upstreamName: string, failureClass: string): GovernanceError {
  return new GovernanceError(
    ErrorCode.UpstreamAuthFailed,
    `Could not obtain credentials for upstream "${upstreamName}": ${failureClass}`,
    'upstream_auth',
    { upstream: upstreamName },
  );
}

/** An error raised by one API call or step (e.g. `GetResourceOauth2Token`), kept for its class only. */
export class StepError extends Error {
  constructor(readonly step: string, readonly original: unknown) {
    super(step);
    this.name = 'StepError';
  }
}

/** Runs one step, tagging whatever it throws with the step's name (CredentialFailures pass through). */
export async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof CredentialFailure || err instanceof StepError) throw err;
    throw new StepError(name, err);
  }
}

/** The caller-safe class of any failure. */
export function describeFailure(err: unknown): string {
  if (err instanceof CredentialFailure) return err.failureClass;
  if (err instanceof StepError) return `${err.step} failed: ${awsFailureClass(err.original)}`;
  return awsFailureClass(err);
}

const SAFE_NAME = /^[A-Za-z][A-Za-z0-9_.]{0,63}$/;

/**
 * The class of an error thrown by an AWS SDK client or credential provider, e.g. `AccessDeniedException`,
 * `CredentialsProviderError`, `TimeoutError`: the error name (a type name, never a value), else `HTTP <status>`.
 */
export function awsFailureClass(err: unknown): string {
  if (err instanceof CredentialFailure) return err.failureClass;
  if ((err as Error | undefined)?.name === 'TimeoutError' || (err as Error | undefined)?.name === 'AbortError') return 'timed out';
  const e = err as { name?: unknown; $metadata?: { httpStatusCode?: unknown } } | undefined;
  const name = typeof e?.name === 'string' && SAFE_NAME.test(e.name) && e.name !== 'Error' ? e.name : undefined;
  const status = typeof e?.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  if (name && status) return `${name} (HTTP ${status})`;
  return name ?? (status ? `HTTP ${status}` : 'unexpected error');
}

/** The logger of this module; every line is also scrubbed by log.ts. */
export function authLogger(injected?: Logger): Logger {
  return injected ?? createLogger('upstream-auth');
}

/**
 * Runs `fn`; on failure logs the class of failure (never the error message, which may quote a secret) and throws the
 * caller-facing GovernanceError.
 */
export async function guarded<T>(upstreamName: string, kind: string, log: Logger, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw reportFailure(upstreamName, kind, log, err);
  }
}

/** Logs the class of `err` and returns the caller-facing GovernanceError for it. */
export function reportFailure(upstreamName: string, kind: string, log: Logger, err: unknown): GovernanceError {
  if (err instanceof GovernanceError) return err;
  const failure = describeFailure(err);
  log.warn('upstream credentials unavailable', { upstream: upstreamName, auth: kind, failure });
  return upstreamAuthFailed(upstreamName, failure);
}
