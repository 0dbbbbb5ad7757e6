/**
 * The audit sink's CloudWatch sink as it was before issue 21 (main at aa9f7de, runtime/src/stages/audit/sinks/cloudwatch.ts):
 * the AWS SDK's CloudWatchLogsClient with its default credential chain. Kept only as the baseline of
 * bench/cloudwatch-ab.mjs; the runtime no longer uses it.
 */
/**
 * CloudWatch Logs sink: one log stream per proxy instance (`<yyyy/mm/dd>/<instanceId>`, created once), batched
 * PutLogEvents within the API limits. Retries, backoff and buffering live in the trail; this module maps one batch
 * to one PutLogEvents call and interprets the service's answers.
 */
import {
  CloudWatchLogsClient,
  CreateLogStreamCommand,
  PutLogEventsCommand,
  type PutLogEventsCommandInput,
  type PutLogEventsCommandOutput,
} from '@aws-sdk/client-cloudwatch-logs';
import type { BuildMiddleware } from '@smithy/types';
import type { AuditEntry, AuditSink, BatchLimits, SendResult } from '../../runtime/src/stages/audit/sinks/types';

/** PutLogEvents limits (API reference): 10,000 events; 1,048,576 bytes counting 26 bytes per event; 24 h span. */
export const CLOUDWATCH_LIMITS: BatchLimits = {
  maxEvents: 10_000,
  maxBytes: 1_048_576,
  overheadBytes: 26,
  // A minute of margin below 24 h.
  maxSpanMs: 24 * 60 * 60 * 1000 - 60_000,
};

export interface CloudWatchSinkOptions {
  readonly client: CloudWatchLogsClient;
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

/**
 * PutLogEvents whose request body is written by JSON.stringify. The SDK's schema serializer escapes every string
 * character by character in JavaScript: for a batch of audit records (hundreds of ~600-byte lines) that cost ~15-30 µs
 * of CPU per record, more than building the record. The SDK still builds the request (endpoint, path, awsJson1_1
 * headers) from the same input without its events, then signs, sends and parses the answer as usual; this build-step
 * middleware only puts the events in, before the content length is computed and the request signed. The body is the
 * awsJson1_1 document of PutLogEventsRequest, whose JSON member names are the shape's member names.
 * The loopback CloudWatch Logs endpoint in the tests decodes it with the real protocol and verifies the signature.
 */
function putLogEvents(input: PutLogEventsCommandInput): PutLogEventsCommand {
  const command = new PutLogEventsCommand({ ...input, logEvents: [] });
  const body: BuildMiddleware<PutLogEventsCommandInput, PutLogEventsCommandOutput> = (next) => async (args) => {
    const request = args.request as { body?: unknown; headers?: Record<string, string> };
    request.body = JSON.stringify(input);
    if (request.headers) {
      for (const name of Object.keys(request.headers)) if (name.toLowerCase() === 'content-length') delete request.headers[name];
    }
    return next(args);
  };
  command.middlewareStack.add(body, { step: 'build', priority: 'high', name: 'auditJsonBody' });
  return command;
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
      await this.opts.client.send(new CreateLogStreamCommand({ logGroupName: this.opts.logGroupName, logStreamName: this.opts.logStreamName }));
    } catch (err) {
      if (errorName(err) !== 'ResourceAlreadyExistsException') throw err;
    }
    this.streamReady = true;
  }

  async send(batch: readonly AuditEntry[]): Promise<SendResult> {
    await this.start();
    let out: PutLogEventsCommandOutput;
    try {
      out = await this.opts.client.send(
        putLogEvents({
          logGroupName: this.opts.logGroupName,
          logStreamName: this.opts.logStreamName,
          logEvents: batch.map((e) => ({ timestamp: e.timestamp, message: e.line })),
          ...(this.sequenceToken ? { sequenceToken: this.sequenceToken } : {}),
        }),
      );
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
}

/**
 * The client the sink uses when none is injected: SDK retries off (the trail retries with its own backoff and never
 * gives up), explicit request timeouts, default credential chain (the runtime's execution role on AgentCore).
 */
export function createCloudWatchLogsClient(s: CloudWatchClientSettings): CloudWatchLogsClient {
  return new CloudWatchLogsClient({
    ...(s.region ? { region: s.region } : {}),
    ...(s.endpoint ? { endpoint: s.endpoint } : {}),
    maxAttempts: 1,
    requestHandler: { requestTimeout: s.requestTimeoutMs, connectionTimeout: Math.min(5_000, s.requestTimeoutMs) },
  });
}
