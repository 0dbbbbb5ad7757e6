/**
 * The audit sink's own CloudWatch Logs client (issue 21): CreateLogStream and PutLogEvents as awsJson1_1 requests
 * (`POST /`, `X-Amz-Target: Logs_20140328.<Operation>`, `Content-Type: application/x-amz-json-1.1`, JSON bodies) over
 * node:http(s) with one keep-alive agent, signed with @smithy/signature-v4. It replaces the AWS SDK's
 * CloudWatchLogsClient for these two calls only: the SDK's client costs ~260 KiB of code to load at cold start and
 * ~25 µs of CPU per audit record to serialize (bench/README.md). No retries here: the audit trail retries every
 * failure with its own backoff, as it did with the SDK client (maxAttempts 1).
 *
 * Answers: 200 -> the parsed JSON body; any other status -> CloudWatchLogsServiceError named by the AWS error code
 * (errors.ts). No answer (refused, reset, timeout) or no credentials -> CloudWatchLogsClientError. An answer that says
 * the credentials are no good (expired, unknown key) drops the cached ones so the trail's retry fetches new ones. As
 * the AWS SDK does, an answer whose `Date` is 5 minutes or more from this host's clock sets the offset used for the
 * signing date (the service refuses signatures more than 5 minutes off), so a retry after a clock skew succeeds.
 */
import http from 'node:http';
import https from 'node:https';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';
import { CredentialCache, credentialSource, sourceProvider, type CredentialSource } from './credentials';
import { CloudWatchLogsClientError, CREDENTIAL_ERRORS, decodeServiceError, type LogsOperation } from './errors';

const TARGET_PREFIX = 'Logs_20140328.';
/** A server clock this far from ours (or farther) is taken as the signing clock (AWS SDK: the same 5 minutes). */
const CLOCK_SKEW_MS = 5 * 60_000;
const CONTENT_TYPE = 'application/x-amz-json-1.1';

export interface LogsClientSettings {
  /** @default AWS_REGION, else AWS_DEFAULT_REGION */
  readonly region?: string;
  /** @default AWS_ENDPOINT_URL_CLOUDWATCH_LOGS, else AWS_ENDPOINT_URL, else https://logs[-fips].<region>.amazonaws.com[.cn] */
  readonly endpoint?: string;
  readonly requestTimeoutMs: number;
  /** Static credentials or a provider instead of the chain (tests, embedding). */
  readonly credentials?: AwsCredentialIdentity | (() => Promise<AwsCredentialIdentity>);
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

export interface CreateLogStreamInput {
  readonly logGroupName: string;
  readonly logStreamName: string;
}

export interface PutLogEventsInput extends CreateLogStreamInput {
  readonly logEvents: readonly { readonly timestamp: number; readonly message: string }[];
  readonly sequenceToken?: string;
}

export interface RejectedLogEventsInfo {
  readonly tooNewLogEventStartIndex?: number;
  readonly tooOldLogEventEndIndex?: number;
  readonly expiredLogEventEndIndex?: number;
}

export interface PutLogEventsOutput {
  readonly nextSequenceToken?: string;
  readonly rejectedLogEventsInfo?: RejectedLogEventsInfo;
}

/** What the CloudWatch sink needs of a client. */
export interface LogsApi {
  createLogStream(input: CreateLogStreamInput): Promise<void>;
  putLogEvents(input: PutLogEventsInput): Promise<PutLogEventsOutput>;
}

/** Where the client sends requests: the configured endpoint, the endpoint environment variables, or the regional one. */
export function logsEndpoint(region: string, configured: string | undefined, env: NodeJS.ProcessEnv): URL {
  const explicit = configured ?? env.AWS_ENDPOINT_URL_CLOUDWATCH_LOGS ?? env.AWS_ENDPOINT_URL;
  if (explicit) return new URL(explicit);
  const fips = env.AWS_USE_FIPS_ENDPOINT?.toLowerCase() === 'true' ? '-fips' : '';
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return new URL(`https://logs${fips}.${region}.${suffix}`);
}

export class CloudWatchLogsWireClient implements LogsApi {
  /** Where credentials come from (`static` when given). */
  readonly credentialSource: CredentialSource | 'static';
  private readonly region?: string;
  private readonly url?: URL;
  private readonly signer?: SignatureV4;
  private readonly credentials?: CredentialCache;
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;
  private readonly requestTimeoutMs: number;
  /** Server clock minus this host's clock, once a skew of 5 minutes or more was seen; else 0. */
  private clockOffsetMs = 0;

  constructor(s: LogsClientSettings) {
    const env = s.env ?? process.env;
    this.region = s.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
    this.requestTimeoutMs = s.requestTimeoutMs;
    const given = s.credentials;
    this.credentialSource = given ? 'static' : credentialSource(env);
    if (given) {
      this.credentials = new CredentialCache(typeof given === 'function' ? given : async () => given);
    } else {
      this.credentials = new CredentialCache(sourceProvider(this.credentialSource as CredentialSource, env));
    }
    if (this.region) {
      this.url = logsEndpoint(this.region, s.endpoint, env);
      this.signer = new SignatureV4({ service: 'logs', region: this.region, credentials: this.credentials.provide, sha256: Sha256 });
    }
    this.transport = this.url?.protocol === 'http:' ? http : https;
    this.agent = new this.transport.Agent({ keepAlive: true, maxSockets: 8 });
  }

  async createLogStream(input: CreateLogStreamInput): Promise<void> {
    await this.call('CreateLogStream', JSON.stringify({ logGroupName: input.logGroupName, logStreamName: input.logStreamName }));
  }

  async putLogEvents(input: PutLogEventsInput): Promise<PutLogEventsOutput> {
    // JSON.stringify writes the awsJson1_1 document of PutLogEventsRequest (its JSON member names are the shape's).
    const body = JSON.stringify({
      logGroupName: input.logGroupName,
      logStreamName: input.logStreamName,
      logEvents: input.logEvents,
      ...(input.sequenceToken ? { sequenceToken: input.sequenceToken } : {}),
    });
    return (await this.call('PutLogEvents', body)) as PutLogEventsOutput;
  }

  /** Closes idle keep-alive connections. */
  destroy(): void {
    this.agent.destroy();
  }

  private async call(operation: LogsOperation, body: string): Promise<Record<string, unknown>> {
    if (!this.url || !this.signer) {
      throw new CloudWatchLogsClientError(operation, 'ConfigError', 'no AWS region: set audit.cloudwatch.region or AWS_REGION');
    }
    const url = this.url;
    const port = url.port ? Number(url.port) : undefined;
    let signed;
    try {
      signed = await this.signer.sign({
        method: 'POST',
        protocol: url.protocol,
        hostname: url.hostname,
        port,
        path: '/',
        query: {},
        headers: {
          host: url.host,
          'content-type': CONTENT_TYPE,
          'x-amz-target': TARGET_PREFIX + operation,
          'content-length': String(Buffer.byteLength(body)),
        },
        body,
      }, { signingDate: new Date(Date.now() + this.clockOffsetMs) });
    } catch (err) {
      // The credential chain failed (its messages name the source and the reason, never a credential).
      throw new CloudWatchLogsClientError(operation, 'CredentialsProviderError', `no AWS credentials (${this.credentialSource}): ${reason(err)}`);
    }
    const { status, headers, text } = await this.send(operation, url, port, signed.headers, body);
    this.followServerClock(headers.date);
    if (status === 200) return text ? (JSON.parse(text) as Record<string, unknown>) : {};
    const err = decodeServiceError(operation, status, headers, text);
    if (CREDENTIAL_ERRORS.has(err.code)) this.credentials?.invalidate();
    throw err;
  }

  private followServerClock(date: string | undefined): void {
    const server = date ? Date.parse(date) : NaN;
    if (Number.isFinite(server) && Math.abs(server - (Date.now() + this.clockOffsetMs)) >= CLOCK_SKEW_MS) {
      this.clockOffsetMs = server - Date.now();
    }
  }

  private send(
    operation: LogsOperation,
    url: URL,
    port: number | undefined,
    headers: Record<string, string>,
    body: string,
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (name: string, detail: string, code?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        reject(new CloudWatchLogsClientError(operation, name, detail, code));
      };
      const req = this.transport.request(
        { method: 'POST', hostname: url.hostname, port, path: '/', headers, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (e: NodeJS.ErrnoException) => fail(e.code ?? 'Error', e.message, e.code));
          res.on('end', () => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
          });
        },
      );
      const timer = setTimeout(() => fail('TimeoutError', `no answer within ${this.requestTimeoutMs} ms`), this.requestTimeoutMs);
      req.on('error', (e: NodeJS.ErrnoException) => fail('Error', e.message, e.code));
      req.end(body);
    });
  }
}

function reason(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0].slice(0, 200);
}
