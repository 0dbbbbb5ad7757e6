/**
 * A loopback CloudWatch Logs endpoint for tests: node:http on 127.0.0.1 speaking the service's real wire protocol
 * (awsJson1_1: `POST /`, `X-Amz-Target: Logs_20140328.<Operation>`, JSON bodies, errors as
 * `{"__type": "<Code>", "message": ...}`), so the real `CloudWatchLogsClient` can be pointed at it.
 *
 * It verifies each request's SigV4 signature against the credentials it knows (the static test credentials, plus any
 * `allowCredentials` adds, with their session token and expiry: expired ones are refused with ExpiredTokenException,
 * unknown keys with UnrecognizedClientException, a signature more than 5 minutes off with InvalidSignatureException,
 * as the service does), enforces the PutLogEvents batch
 * rules the way the service does (at most 10,000 events, at most 1,048,576 bytes counting 26 bytes per event,
 * chronological order, at most a 24 h span; too old / too new events are rejected in `rejectedLogEventsInfo`), and
 * stores accepted events so tests can read them back (directly, or with GetLogEvents / FilterLogEvents).
 *
 * Fault knobs: throttle the next N calls (or every call for a period), answer 500s for a period, drop connections
 * (before or after storing the batch, the latter to provoke duplicate deliveries on retry), fail the next N calls
 * with any error shape, answer slowly, or stop listening altogether (connection refused; also before the proxy
 * starts: `down()` right after `start()`, `up()` later, on the same port).
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { CloudWatchLogsClient, type CloudWatchLogsClientConfig } from '@aws-sdk/client-cloudwatch-logs';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { listenOnLoopback } from './net';

export const MAX_BATCH_EVENTS = 10_000;
export const MAX_BATCH_BYTES = 1_048_576;
export const EVENT_OVERHEAD_BYTES = 26;
const DAY_MS = 24 * 60 * 60 * 1000;
const TARGET_PREFIX = 'Logs_20140328.';

export type Operation =
  | 'CreateLogGroup' | 'CreateLogStream' | 'PutLogEvents' | 'DescribeLogStreams' | 'GetLogEvents' | 'FilterLogEvents';

export interface StoredLogEvent {
  readonly logStreamName: string;
  readonly timestamp: number;
  readonly message: string;
  readonly ingestionTime: number;
  readonly eventId: string;
}

/** One request the endpoint answered (or dropped), for assertions. */
export interface RecordedRequest {
  readonly operation: string;
  readonly status: number | 'dropped';
  readonly errorType?: string;
  readonly eventCount?: number;
}

export interface FaultSpec {
  /** Which operation the fault applies to; `*` for any. @default 'PutLogEvents' */
  readonly operation?: Operation | '*';
  /** Error code written as `__type`. */
  readonly type: string;
  /** @default 400 */
  readonly status?: number;
  readonly message?: string;
  /** Extra members in the error body (e.g. `expectedSequenceToken`). */
  readonly extra?: Record<string, unknown>;
}

interface QueuedFault {
  remaining: number;
  readonly spec: FaultSpec | { drop: 'before' | 'after'; operation: Operation | '*' };
}

interface StreamState {
  readonly creationTime: number;
  readonly events: StoredLogEvent[];
  /** Events accepted (stored, or only counted with countOnly). */
  accepted: number;
  uploadSequence: number;
}

/** SHA-256 / HMAC-SHA256 on node:crypto in the shape SignatureV4 expects (much faster than a pure-JS hash). */
class NodeSha256 {
  private readonly h: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
}

function toBuffer(d: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof d === 'string') return Buffer.from(d, 'utf8');
  if (ArrayBuffer.isView(d)) return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
  return Buffer.from(d);
}

class ServiceError extends Error {
  constructor(readonly type: string, message: string, readonly status = 400, readonly extra: Record<string, unknown> = {}) {
    super(message);
  }
}

export interface LoopbackCloudWatchLogsOptions {
  /** @default 'us-east-1' */
  readonly region?: string;
  /** Log groups that exist from the start. @default [] */
  readonly logGroups?: readonly string[];
  /** Verify every request's SigV4 signature against the static test credentials. @default true */
  readonly verifySignatures?: boolean;
  /**
   * Count accepted events instead of keeping them (`events()` then returns none; `eventCount()` still counts): for
   * long benchmark runs, where hundreds of thousands of stored records would make this process's garbage collector
   * compete for the shared cores (the real service's storage is not on the proxy's machine). @default false
   */
  readonly countOnly?: boolean;
}

/** Static credentials the endpoint accepts (test-only values). */
export const TEST_CREDENTIALS = { accessKeyId: 'AKIDLOOPBACKTEST0001', secretAccessKey: 'loopback-test-secret-key-not-a-real-one' } as const;

/** Credentials the endpoint accepts: temporary ones carry a session token and stop working at `expiresAt`. */
export interface AcceptedCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  /** Epoch ms after which requests signed with them get ExpiredTokenException. */
  readonly expiresAt?: number;
}

/** Largest difference between a request's X-Amz-Date and the endpoint's clock (the service allows 5 minutes). */
const MAX_SIGNATURE_SKEW_MS = 5 * 60_000;

export class LoopbackCloudWatchLogs {
  /** Starts the endpoint on 127.0.0.1 with an ephemeral port. */
  static async start(opts: LoopbackCloudWatchLogsOptions = {}): Promise<LoopbackCloudWatchLogs> {
    const ep = new LoopbackCloudWatchLogs(opts);
    ep.port = (await listenOnLoopback(ep.server)).port;
    return ep;
  }

  readonly region: string;
  readonly requests: RecordedRequest[] = [];
  /** Access key ids of the signed requests answered so far, in order (what the client signed with). */
  readonly signedBy: string[] = [];
  private readonly server: Server;
  private readonly groups = new Map<string, Map<string, StreamState>>();
  private readonly faults: QueuedFault[] = [];
  private unavailableUntil = 0;
  private throttledUntil = 0;
  private responseDelayMs = 0;
  /** This endpoint's clock minus the host's (a skewed service clock, or a skewed client seen from the service). */
  private clockOffsetMs = 0;
  private port = 0;
  private listening = true;
  private nextEventId = 1;
  private readonly principals = new Map<string, AcceptedCredentials>([[TEST_CREDENTIALS.accessKeyId, TEST_CREDENTIALS]]);
  private readonly verifySignatures: boolean;
  private readonly countOnly: boolean;

  private constructor(opts: LoopbackCloudWatchLogsOptions) {
    this.region = opts.region ?? 'us-east-1';
    this.verifySignatures = opts.verifySignatures ?? true;
    this.countOnly = opts.countOnly ?? false;
    for (const g of opts.logGroups ?? []) this.createLogGroup(g);
    this.server = createServer((req, res) => void this.handle(req, res));
    // Idle connections stay open as long as Node's default. Node's client agent closes a pooled socket one second
    // before the server's advertised keep-alive timeout, so a 1 s timeout here made every client call a new connection.
    this.server.keepAliveTimeout = 5000;
  }

  /** `http://127.0.0.1:<port>` */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** A real CloudWatchLogsClient pointed at this endpoint (static test credentials; SDK retries off by default). */
  client(overrides: Partial<CloudWatchLogsClientConfig> = {}): CloudWatchLogsClient {
    return new CloudWatchLogsClient({
      region: this.region,
      endpoint: this.endpoint,
      credentials: TEST_CREDENTIALS,
      maxAttempts: 1,
      ...overrides,
    });
  }

  /** Accepts (or replaces) credentials, e.g. those a credentials endpoint just issued. */
  allowCredentials(c: AcceptedCredentials): void {
    this.principals.set(c.accessKeyId, c);
  }

  /** Makes credentials expire now (requests signed with them get ExpiredTokenException). */
  expireCredentials(accessKeyId: string): void {
    const c = this.principals.get(accessKeyId);
    if (c) this.principals.set(accessKeyId, { ...c, expiresAt: Date.now() - 1 });
  }

  createLogGroup(name: string): void {
    if (!this.groups.has(name)) this.groups.set(name, new Map());
  }

  /** Events stored in a log group (one stream, or all streams in ingestion order). */
  events(logGroupName: string, logStreamName?: string): StoredLogEvent[] {
    const group = this.groups.get(logGroupName);
    if (!group) return [];
    if (logStreamName) return [...(group.get(logStreamName)?.events ?? [])];
    return [...group.values()].flatMap((s) => s.events).sort((a, b) => Number(a.eventId) - Number(b.eventId));
  }

  /** Events accepted into a log group, all streams (also with countOnly). */
  eventCount(logGroupName: string): number {
    let n = 0;
    for (const s of this.groups.get(logGroupName)?.values() ?? []) n += s.accepted;
    return n;
  }

  streams(logGroupName: string): string[] {
    return [...(this.groups.get(logGroupName)?.keys() ?? [])];
  }

  /** The next `n` matching calls answer 400 ThrottlingException. */
  throttleNext(n: number, operation: Operation | '*' = 'PutLogEvents'): void {
    this.faults.push({ remaining: n, spec: { operation, type: 'ThrottlingException', status: 400, message: 'Rate exceeded' } });
  }

  /** The next `n` matching calls fail with the given error shape. */
  failNext(n: number, spec: FaultSpec): void {
    this.faults.push({ remaining: n, spec });
  }

  /** Every call answers 500 ServiceUnavailableException for `ms` milliseconds. */
  failFor(ms: number): void {
    this.unavailableUntil = Date.now() + ms;
  }

  /** Ends the outage started by `failFor` (and the throttling started by `throttleFor`). */
  recover(): void {
    this.unavailableUntil = 0;
    this.throttledUntil = 0;
  }

  /** Every call answers 400 ThrottlingException for `ms` milliseconds. */
  throttleFor(ms: number): void {
    this.throttledUntil = Date.now() + ms;
  }

  /**
   * Stops listening and closes every open connection: calls fail with ECONNREFUSED (the endpoint is unreachable)
   * until `up()`. The port stays the same.
   */
  async down(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  /** Listens again on the same port after `down()`. */
  async up(): Promise<void> {
    if (this.listening) return;
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.listening = true;
  }

  /**
   * The next `n` matching calls get their connection destroyed without an answer: `before` the request is processed,
   * or `after` it was processed (the batch is stored, the client never learns it: a retry then duplicates it).
   */
  dropNext(n: number, when: 'before' | 'after' = 'before', operation: Operation | '*' = 'PutLogEvents'): void {
    this.faults.push({ remaining: n, spec: { drop: when, operation } });
  }

  /** Runs this endpoint's clock `ms` ahead of the host's (signature dates, expiry, the `Date` header); 0 to stop. */
  setClockOffset(ms: number): void {
    this.clockOffsetMs = ms;
  }

  /** Delays every answer by `ms` (0 to stop). */
  delayResponses(ms: number): void {
    this.responseDelayMs = ms;
  }

  /** Clears every queued fault. */
  clearFaults(): void {
    this.faults.length = 0;
    this.unavailableUntil = 0;
    this.throttledUntil = 0;
    this.responseDelayMs = 0;
    this.clockOffsetMs = 0;
  }

  async close(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private takeFault(op: string): QueuedFault['spec'] | undefined {
    for (let i = 0; i < this.faults.length; i++) {
      const f = this.faults[i];
      const fop = 'drop' in f.spec ? f.spec.operation : (f.spec.operation ?? 'PutLogEvents');
      if (fop !== '*' && fop !== op) continue;
      f.remaining--;
      if (f.remaining <= 0) this.faults.splice(i, 1);
      return f.spec;
    }
    return undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const target = String(req.headers['x-amz-target'] ?? '');
    const op = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
    if (this.responseDelayMs > 0) await new Promise((r) => setTimeout(r, this.responseDelayMs));

    const fault = this.takeFault(op);
    if (fault && 'drop' in fault && fault.drop === 'before') {
      this.requests.push({ operation: op, status: 'dropped' });
      req.socket.destroy();
      return;
    }
    let status = 200;
    let out: Record<string, unknown>;
    let eventCount: number | undefined;
    try {
      if (req.method !== 'POST' || req.url !== '/') throw new ServiceError('UnknownOperationException', 'Only POST / is served');
      if (!String(req.headers['content-type'] ?? '').startsWith('application/x-amz-json-1.1')) {
        throw new ServiceError('SerializationException', 'Expected Content-Type application/x-amz-json-1.1');
      }
      if (this.verifySignatures) await this.verifySignature(req, body);
      if (Date.now() < this.unavailableUntil) throw new ServiceError('ServiceUnavailableException', 'The service is unavailable', 500);
      if (Date.now() < this.throttledUntil) throw new ServiceError('ThrottlingException', 'Rate exceeded', 400);
      if (fault && !('drop' in fault)) throw new ServiceError(fault.type, fault.message ?? fault.type, fault.status ?? 400, fault.extra);
      let input: Record<string, unknown>;
      try {
        input = body ? (JSON.parse(body) as Record<string, unknown>) : {};
      } catch {
        throw new ServiceError('SerializationException', 'Request body is not valid JSON');
      }
      if (op === 'PutLogEvents') eventCount = Array.isArray(input.logEvents) ? input.logEvents.length : 0;
      out = this.dispatch(op, input);
    } catch (e) {
      const err = e instanceof ServiceError ? e : new ServiceError('InternalFailure', (e as Error).message, 500);
      status = err.status;
      out = { __type: err.type, message: err.message, ...err.extra };
    }
    this.requests.push({ operation: op, status, errorType: status === 200 ? undefined : String(out.__type), eventCount });
    if (fault && 'drop' in fault && fault.drop === 'after') {
      this.requests[this.requests.length - 1] = { operation: op, status: 'dropped', eventCount };
      req.socket.destroy();
      return;
    }
    const text = JSON.stringify(out);
    res.writeHead(status, {
      date: new Date(Date.now() + this.clockOffsetMs).toUTCString(),
      'content-type': 'application/x-amz-json-1.1',
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': `loopback-${this.requests.length}`,
    });
    res.end(text);
  }

  /** Recomputes the SigV4 signature over the headers the client signed and compares it; checks key, token and expiry. */
  private async verifySignature(req: IncomingMessage, body: string): Promise<void> {
    const auth = String(req.headers.authorization ?? '');
    const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth);
    if (!m) throw new ServiceError('MissingAuthenticationTokenException', 'Missing or malformed Authorization header');
    const [, akid, , region, service, signedHeaders, signature] = m;
    const creds = this.principals.get(akid);
    if (!creds) throw new ServiceError('UnrecognizedClientException', 'The security token included in the request is invalid.');
    if ((creds.sessionToken ?? '') !== String(req.headers['x-amz-security-token'] ?? '')) {
      throw new ServiceError('UnrecognizedClientException', 'The security token included in the request is invalid.');
    }
    const now = Date.now() + this.clockOffsetMs;
    if (creds.expiresAt !== undefined && now >= creds.expiresAt) {
      throw new ServiceError('ExpiredTokenException', 'The security token included in the request is expired');
    }
    if (region !== this.region || service !== 'logs') throw new ServiceError('InvalidSignatureException', `Credential should be scoped to a valid region and service 'logs'`);
    const amzDate = String(req.headers['x-amz-date'] ?? '');
    const d = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
    if (!d) throw new ServiceError('IncompleteSignatureException', 'Missing X-Amz-Date');
    const signingDate = new Date(Date.UTC(+d[1], +d[2] - 1, +d[3], +d[4], +d[5], +d[6]));
    if (Math.abs(now - signingDate.getTime()) > MAX_SIGNATURE_SKEW_MS) {
      throw new ServiceError('InvalidSignatureException', 'Signature expired: the request date is more than 5 minutes from the current time.');
    }
    const names = signedHeaders.split(';');
    const headers: Record<string, string> = {};
    for (const n of names) {
      const v = req.headers[n];
      if (v === undefined) throw new ServiceError('InvalidSignatureException', `Signed header ${n} is missing`);
      headers[n] = Array.isArray(v) ? v.join(',') : v;
    }
    const signer = new SignatureV4({ service: 'logs', region: this.region, credentials: creds, sha256: NodeSha256 });
    const request = new HttpRequest({ method: req.method ?? 'POST', protocol: 'http:', hostname: '127.0.0.1', port: this.port, path: req.url ?? '/', headers, body });
    const signed = await signer.sign(request, { signingDate, signableHeaders: new Set(names) });
    const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization))?.[1];
    if (expected !== signature) throw new ServiceError('InvalidSignatureException', 'The request signature we calculated does not match the signature you provided.');
    this.signedBy.push(akid);
  }

  private group(name: unknown): Map<string, StreamState> {
    const g = typeof name === 'string' ? this.groups.get(name) : undefined;
    if (!g) throw new ServiceError('ResourceNotFoundException', 'The specified log group does not exist.');
    return g;
  }

  private stream(groupName: unknown, streamName: unknown): StreamState {
    const s = typeof streamName === 'string' ? this.group(groupName).get(streamName) : undefined;
    if (!s) throw new ServiceError('ResourceNotFoundException', 'The specified log stream does not exist.');
    return s;
  }

  private dispatch(op: string, input: Record<string, unknown>): Record<string, unknown> {
    switch (op) {
      case 'CreateLogGroup': {
        const name = String(input.logGroupName ?? '');
        if (this.groups.has(name)) throw new ServiceError('ResourceAlreadyExistsException', 'The specified log group already exists');
        this.createLogGroup(name);
        return {};
      }
      case 'CreateLogStream': {
        const g = this.group(input.logGroupName);
        const name = input.logStreamName;
        if (typeof name !== 'string' || name.length < 1 || name.length > 512 || /[:*]/.test(name)) {
          throw new ServiceError('InvalidParameterException', 'logStreamName must be 1-512 characters without : or *');
        }
        if (g.has(name)) throw new ServiceError('ResourceAlreadyExistsException', 'The specified log stream already exists');
        g.set(name, { creationTime: Date.now(), events: [], accepted: 0, uploadSequence: 1 });
        return {};
      }
      case 'PutLogEvents':
        return this.putLogEvents(input);
      case 'DescribeLogStreams': {
        const g = this.group(input.logGroupName);
        const prefix = typeof input.logStreamNamePrefix === 'string' ? input.logStreamNamePrefix : '';
        const logStreams = [...g.entries()]
          .filter(([n]) => n.startsWith(prefix))
          .map(([n, s]) => ({
            logStreamName: n,
            creationTime: s.creationTime,
            arn: `arn:aws:logs:${this.region}:000000000000:log-group:${String(input.logGroupName)}:log-stream:${n}`,
            storedBytes: 0,
            ...(s.events.length ? {
              firstEventTimestamp: s.events[0].timestamp,
              lastEventTimestamp: s.events[s.events.length - 1].timestamp,
              lastIngestionTime: s.events[s.events.length - 1].ingestionTime,
            } : {}),
            uploadSequenceToken: String(s.uploadSequence),
          }));
        return { logStreams };
      }
      case 'GetLogEvents': {
        const s = this.stream(input.logGroupName, input.logStreamName);
        const start = typeof input.nextToken === 'string' ? Number(input.nextToken.slice(2)) : 0;
        const limit = typeof input.limit === 'number' ? input.limit : 10_000;
        const page = s.events.slice(start, start + limit);
        const end = start + page.length;
        return {
          events: page.map((e) => ({ timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime })),
          nextForwardToken: `f/${end}`,
          nextBackwardToken: `b/${start}`,
        };
      }
      case 'FilterLogEvents': {
        const g = this.group(input.logGroupName);
        const names = Array.isArray(input.logStreamNames) ? (input.logStreamNames as string[]) : [...g.keys()];
        const all = names
          .flatMap((n) => g.get(n)?.events ?? [])
          .sort((a, b) => a.timestamp - b.timestamp || Number(a.eventId) - Number(b.eventId));
        const start = typeof input.nextToken === 'string' ? Number(input.nextToken) : 0;
        const limit = typeof input.limit === 'number' ? input.limit : 10_000;
        const page = all.slice(start, start + limit);
        const end = start + page.length;
        return {
          events: page.map((e) => ({ ...e })),
          searchedLogStreams: names.map((n) => ({ logStreamName: n, searchedCompletely: true })),
          ...(end < all.length ? { nextToken: String(end) } : {}),
        };
      }
      default:
        throw new ServiceError('UnknownOperationException', `Unknown operation ${op}`);
    }
  }

  private putLogEvents(input: Record<string, unknown>): Record<string, unknown> {
    const s = this.stream(input.logGroupName, input.logStreamName);
    const events = input.logEvents;
    if (!Array.isArray(events) || events.length === 0) {
      throw new ServiceError('InvalidParameterException', "1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must have length greater than or equal to 1");
    }
    if (events.length > MAX_BATCH_EVENTS) {
      throw new ServiceError('InvalidParameterException', `1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must have length less than or equal to ${MAX_BATCH_EVENTS}`);
    }
    let bytes = 0;
    let prev = -Infinity;
    for (const e of events as { timestamp?: unknown; message?: unknown }[]) {
      if (typeof e.timestamp !== 'number' || typeof e.message !== 'string' || e.message.length === 0) {
        throw new ServiceError('InvalidParameterException', 'Each log event needs a numeric timestamp and a non-empty message');
      }
      if (e.timestamp < prev) throw new ServiceError('InvalidParameterException', 'Log events in a single PutLogEvents request must be in chronological order.');
      prev = e.timestamp;
      bytes += Buffer.byteLength(e.message, 'utf8') + EVENT_OVERHEAD_BYTES;
    }
    if (bytes > MAX_BATCH_BYTES) throw new ServiceError('InvalidParameterException', `Upload too large: ${bytes} bytes exceeds limit of ${MAX_BATCH_BYTES}`);
    const list = events as { timestamp: number; message: string }[];
    const now = Date.now();
    // The 24 h span applies to the valid events (within 14 days in the past to 2 hours in the future).
    const valid = list.filter((e) => e.timestamp <= now + 2 * 60 * 60 * 1000 && e.timestamp >= now - 14 * DAY_MS);
    if (valid.length > 1 && valid[valid.length - 1].timestamp - valid[0].timestamp > DAY_MS) {
      throw new ServiceError('InvalidParameterException', 'The batch of log events in a single PutLogEvents request cannot span more than 24 hours.');
    }
    const rejected: Record<string, number> = {};
    list.forEach((e, i) => {
      if (e.timestamp > now + 2 * 60 * 60 * 1000) {
        if (rejected.tooNewLogEventStartIndex === undefined) rejected.tooNewLogEventStartIndex = i;
        return;
      }
      if (e.timestamp < now - 14 * DAY_MS) {
        rejected.tooOldLogEventEndIndex = i + 1;
        return;
      }
      s.accepted++;
      if (!this.countOnly) s.events.push({ logStreamName: String(input.logStreamName), timestamp: e.timestamp, message: e.message, ingestionTime: now, eventId: String(this.nextEventId++) });
    });
    s.uploadSequence++;
    return { nextSequenceToken: String(s.uploadSequence), ...(Object.keys(rejected).length ? { rejectedLogEventsInfo: rejected } : {}) };
  }
}
