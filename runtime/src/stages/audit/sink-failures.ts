/**
 * The audit sink's failures as the trail accounts for them: how many sends failed in a row (the retry backoff grows
 * with it) and in all, the last error's name, and the operational log lines: the first failure of an outage at error
 * level, then at most one every FAILURE_LOG_INTERVAL_MS, and one line when the sink recovers (with how long it was down).
 */
import type { Logger } from '../../log';

const FAILURE_LOG_INTERVAL_MS = 30_000;

function errorName(err: unknown): string {
  const e = err as { name?: string; code?: string };
  return e?.name && e.name !== 'Error' ? e.name : (e?.code ?? 'Error');
}

export class SinkFailures {
  /** Failed sends since the last success. */
  consecutive = 0;
  /** Failed sends since start-up. */
  total = 0;
  lastError?: string;
  private since?: number;
  private lastLogAt = 0;

  constructor(
    private readonly log: Logger,
    private readonly destination: string,
  ) {}

  /** A send (or the sink's start) failed; `buffered` is what waits, for the log line. */
  failed(err: unknown, now: number, buffered: number): void {
    this.consecutive++;
    this.total++;
    this.lastError = errorName(err);
    this.since ??= now;
    if (this.consecutive === 1 || now - this.lastLogAt >= FAILURE_LOG_INTERVAL_MS) {
      this.lastLogAt = now;
      const httpStatus = (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
      this.log.error('audit sink delivery failed; retrying', {
        destination: this.destination,
        error: this.lastError,
        httpStatus,
        // Client-side failures (no HTTP answer: region missing, no credentials, DNS) are only explained by the message.
        ...(httpStatus === undefined ? { detail: String((err as Error)?.message ?? '').slice(0, 200) } : {}),
        attempt: this.consecutive,
        buffered,
      });
    }
  }

  /** A send succeeded: ends an outage (logged once) and resets the run of failures. */
  succeeded(now: number): void {
    if (this.consecutive > 0) {
      this.log.info('audit sink recovered', {
        destination: this.destination,
        failedAttempts: this.consecutive,
        downMs: this.since ? now - this.since : undefined,
      });
    }
    this.consecutive = 0;
    this.since = undefined;
  }
}
