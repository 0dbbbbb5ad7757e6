/**
 * CloudWatch Logs sink: one log stream per proxy instance (`<yyyy/mm/dd>/<instanceId>`, created once), batched
 * PutLogEvents within the API limits. Retries, backoff and buffering live in the trail; this module maps one batch
 * to one PutLogEvents call and interprets the service's answers. The calls go through the sink's own small client
 * (cloudwatch-logs/client.ts), not the AWS SDK's CloudWatchLogsClient.
 */
import { CloudWatchLogsWireClient, type LogsApi, type PutLogEventsOutput } from './cloudwatch-logs/client';
import type { AuditEntry, AuditSink, BatchLimits, SendResult } from './types';

/** PutLogEvents limits (API reference): 10,000 events; 1,048,576 bytes counting 26 bytes per event; 24 h span. */
export const CLOUDWATCH_LIMITS: BatchLimits = {
  maxEvents: 10_000,
  maxBytes: 1_048_576,
  overheadBytes: 26,
  // A minute of margin below 24 h.
  maxSpanMs: 24 * 60 * 60 * 1000 - 60_000,
};

export interface CloudWatchSinkOptions {
  readonly client: LogsApi;
  readonly logGroupName: string;
  readonly logStreamName: string;
}

/** `<yyyy/mm/dd>/<instanceId>` (UTC date at start-up). */
export function logStreamNameFor(instanceId: string, now = new Date()): string {
  const y = now.getUTCFullYear();
  const m = String(now.getUTCMonth() + 1).padStart(2, '0');
  const d = String(now.getUTCDate()).padStart(2, '0');
  return `${y}/${m}/${d}/${instanceId}`;
}

function errorName(err: unknown): string {
  return (err as { name?: string })?.name ?? 'Error';
}

export class CloudWatchSink implements AuditSink {
  readonly name = 'cloudwatch' as const;
  readonly limits = CLOUDWATCH_LIMITS;
  readonly synchronous = false;
  readonly destination: string;
  private streamReady = false;
  /** Only set when the service asked for one (InvalidSequenceTokenException); the token is otherwise ignored. */
  private sequenceToken?: string;

  constructor(private readonly opts: CloudWatchSinkOptions) {
    this.destination = `logs://${opts.logGroupName}/${opts.logStreamName}`;
  }

  /** CreateLogStream (an existing stream is fine). Throws when the group is missing or access is denied. */
  async start(): Promise<void> {
    if (this.streamReady) return;
    try {
      await this.opts.client.createLogStream({ logGroupName: this.opts.logGroupName, logStreamName: this.opts.logStreamName });
    } catch (err) {
      if (errorName(err) !== 'ResourceAlreadyExistsException') throw err;
    }
    this.streamReady = true;
  }

  async send(batch: readonly AuditEntry[]): Promise<SendResult> {
    await this.start();
    let out: PutLogEventsOutput;
    try {
      out = await this.opts.client.putLogEvents({
        logGroupName: this.opts.logGroupName,
        logStreamName: this.opts.logStreamName,
        logEvents: batch.map((e) => ({ timestamp: e.timestamp, message: e.line })),
        ...(this.sequenceToken ? { sequenceToken: this.sequenceToken } : {}),
      });
    } catch (err) {
      const name = errorName(err);
      const expected = (err as { expectedSequenceToken?: string }).expectedSequenceToken;
      if (name === 'DataAlreadyAcceptedException') {
        // The service already holds this exact batch (a retry of an accepted call): it is delivered.
        this.sequenceToken = expected;
        return {};
      }
      if (name === 'InvalidSequenceTokenException') this.sequenceToken = expected;
      // The stream (or group) vanished: create it again before the retry.
      if (name === 'ResourceNotFoundException') this.streamReady = false;
      throw err;
    }
    this.sequenceToken = undefined;
    const info = out.rejectedLogEventsInfo;
    if (!info) return {};
    const rejected = new Set<number>();
    if (info.tooOldLogEventEndIndex !== undefined) for (let i = 0; i < info.tooOldLogEventEndIndex; i++) rejected.add(i);
    if (info.expiredLogEventEndIndex !== undefined) for (let i = 0; i < info.expiredLogEventEndIndex; i++) rejected.add(i);
    if (info.tooNewLogEventStartIndex !== undefined) for (let i = info.tooNewLogEventStartIndex; i < batch.length; i++) rejected.add(i);
    return { rejected: batch.filter((_, i) => rejected.has(i)) };
  }
}

export interface CloudWatchClientSettings {
  readonly region?: string;
  readonly endpoint?: string;
  readonly requestTimeoutMs: number;
  /** Static credentials or a provider instead of the credential chain (tests, embedding). */
  readonly credentials?: ConstructorParameters<typeof CloudWatchLogsWireClient>[0]['credentials'];
}

/**
 * The client the sink uses: no retries of its own (the trail retries with its own backoff and never gives up),
 * explicit request timeouts, credentials from the environment, the container endpoint or the metadata service (the
 * runtime's execution role on AgentCore), refreshed before they expire.
 */
export function createCloudWatchLogsClient(s: CloudWatchClientSettings): CloudWatchLogsWireClient {
  return new CloudWatchLogsWireClient(s);
}
