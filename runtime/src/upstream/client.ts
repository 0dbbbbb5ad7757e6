/**
 * One upstream MCP server over Streamable HTTP: the client side of the protocol, written for the proxy's hot path.
 *
 * The proxy only relays JSON-RPC: it never needs the SDK Client's typed methods, zod validation of every message,
 * WHATWG fetch objects or an AsyncLocalStorage to find the inbound call an upstream message belongs to. Here each
 * request is one POST on a keep-alive socket, its answer read as JSON or as an SSE stream, and everything that arrives
 * meanwhile is routed by hand to the inbound call that caused it (passed along explicitly as `scope`):
 *   - progress notifications for the request -> `onprogress`;
 *   - other notifications (log messages...) -> the caller's SSE response (`scope.notify`);
 *   - server->client requests (sampling, elicitation) -> relayed to the caller (`scope.relay`), the answer POSTed back;
 *   - list_changed notifications -> `onListChanged` (also from the standalone GET stream the upstream may offer).
 *
 * The session: `initialize` + `notifications/initialized` on first use; Mcp-Session-Id and MCP-Protocol-Version on every
 * later request; a session the upstream forgot (HTTP 404) is re-established and the request retried once. A POST
 * stream that ends before its answer, after the upstream gave its events ids, is resumed with GET + Last-Event-ID.
 * Every outgoing HTTP request passes the upstream authenticator (signing the exact body); a 401 is retried once when
 * the authenticator says fresh credentials may help.
 */
import type { IncomingMessage } from 'node:http';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { UpstreamConfig } from '../config/sections/proxy';
import type { Logger } from '../log';
import type { JsonResult } from '../pipeline/context';
import type { GovernanceError } from '../pipeline/errors';
import { classifyMessage, LATEST_PROTOCOL_VERSION, RpcError, SUPPORTED_PROTOCOL_VERSIONS, type RpcId, type UpstreamMessage } from '../protocol';
import type { UpstreamAuthenticator, UpstreamCallContext } from './auth/types';
import { cancelledError, ConnectionClosedError, isSessionExpired, toUpstreamError, UpstreamHttpError, UpstreamTimeoutError } from './errors';
import { discard, exchange, mediaType, PlainHeaders, readText, targetOf, type Target } from './http-exchange';

export type ListKind = 'tools' | 'resources' | 'prompts';

/** A sink for notifications the upstream sends while serving one call (e.g. `notifications/message`). */
export type NotificationSink = (notification: { method: string; params?: Record<string, unknown> }) => void;

/** Sends a server->client request (sampling/createMessage, elicitation/create) to the caller and awaits its answer. */
export type RequestRelay = (request: { method: string; params?: Record<string, unknown> }, signal: AbortSignal) => Promise<Record<string, unknown>>;

/** The inbound call an upstream request is made for: what its upstream traffic may need from, or send to, the caller. */
export interface InboundCallScope {
  /** Handed to the authenticator on every outgoing HTTP request. */
  readonly auth: UpstreamCallContext;
  /** Where request-related upstream notifications go (the caller's SSE response), if anywhere. */
  readonly notify?: NotificationSink;
  /** How upstream requests to the client reach the caller during this call, if they can. */
  readonly relay?: RequestRelay;
}

/** Discovery, refresh and the standalone stream: no caller. */
const NO_CALLER: InboundCallScope = { auth: {} };

export interface Progress {
  readonly progress: number;
  readonly total?: number;
  readonly message?: string;
}

export interface UpstreamRequestOptions {
  /** Aborts the upstream request (and sends notifications/cancelled upstream). */
  readonly signal?: AbortSignal;
  /** Called for each upstream progress notification of this request. */
  readonly onprogress?: (progress: Progress) => void;
  /** The inbound call this request serves. @default no caller (discovery) */
  readonly scope?: InboundCallScope;
  /**
   * The caller's protocol era, version and declared client capabilities. The upstream client builds each upstream
   * envelope itself from this (it never forwards the caller's `io.modelcontextprotocol/*` `_meta` keys): a modern
   * upstream is told exactly the client capabilities this caller declared, no more.
   * @default no caller (discovery, refresh): no client capabilities declared
   */
  readonly caller?: CallerProtocol;
}

/** The protocol a caller speaks to the proxy, as the server leg classified it. */
export interface CallerProtocol {
  /** `legacy`: the 2025 revisions (initialize/session); `modern`: 2026-07-28 (stateless). */
  readonly era: 'legacy' | 'modern';
  readonly protocolVersion: string;
  /** The client capabilities the caller declared (at initialize, or in the request's `_meta`). */
  readonly clientCapabilities: Record<string, unknown>;
}

export interface UpstreamClientOptions {
  readonly log: Logger;
  readonly clientInfo: { name: string; version: string };
  /** Called when the upstream says one of its lists changed. */
  readonly onListChanged?: (kind: ListKind) => void;
}

/** What `initialize` established. */
interface Session {
  readonly id?: string;
  readonly protocolVersion: string;
  readonly capabilities: Record<string, unknown>;
  /** Aborts the standalone GET stream and any reconnection of it. */
  readonly closed: AbortController;
}

/** How reading one SSE stream ended. */
interface StreamOutcome {
  /** The answer to the request. */
  readonly answer?: JsonResult;
  /** The upstream's error answer to the request. */
  readonly rejection?: Error;
  /** The stream broke (reset, abort) before the answer. */
  readonly error?: Error;
  /** The reconnection delay the upstream asked for (SSE `retry:`). */
  readonly retryMs?: number;
}

/** One request in flight: how its answer and the messages about it are delivered. */
interface Pending {
  readonly id: RpcId;
  readonly scope: InboundCallScope;
  readonly signal: AbortSignal;
  readonly onprogress?: (progress: Progress) => void;
  readonly progressToken?: RpcId;
}

const LIST_CHANGED: Record<string, ListKind> = {
  'notifications/tools/list_changed': 'tools',
  'notifications/resources/list_changed': 'resources',
  'notifications/prompts/list_changed': 'prompts',
};

/** Server->client requests relayed to the caller. */
const RELAYED = new Set(['sampling/createMessage', 'elicitation/create']);

/** Standalone GET stream: reconnect delays (ms), doubling, and how many failed attempts in a row end the retries. */
const STREAM_RETRY = { initialMs: 1000, maxMs: 30_000, maxFailures: 2 } as const;
/** How many times a POST stream that ended before its answer is resumed with GET + Last-Event-ID. */
const MAX_RESUMES = 2;

export class UpstreamClient {
  private session?: Session;
  private connecting?: Promise<Session>;
  private closed = false;
  private nextId = 0;
  private readonly url: URL;
  private readonly target: Target;
  private readonly staticHeaders: readonly (readonly [string, string])[];

  constructor(
    readonly config: UpstreamConfig,
    private readonly auth: UpstreamAuthenticator,
    private readonly opts: UpstreamClientOptions,
  ) {
    this.url = new URL(config.url);
    this.target = targetOf(this.url);
    this.staticHeaders = Object.entries(config.headers).map(([k, v]) => [k.toLowerCase(), v] as const);
  }

  get name(): string {
    return this.config.name;
  }

  /** What the upstream declared at initialize (undefined before the first successful connect). */
  get capabilities(): Record<string, unknown> | undefined {
    return this.session?.capabilities;
  }

  /** Connects (initialize handshake) if not connected; concurrent callers share one attempt. */
  async connect(): Promise<void> {
    await this.sessionOrConnect();
  }

  private sessionOrConnect(): Promise<Session> {
    if (this.closed) return Promise.reject(new Error('upstream client closed'));
    if (this.session) return Promise.resolve(this.session);
    if (!this.connecting) {
      this.connecting = this.open().finally(() => {
        this.connecting = undefined;
      });
    }
    return this.connecting;
  }

  /**
   * Sends one request and returns the upstream's result untouched (only checked to be a JSON-RPC result object).
   * Throws GovernanceError (see toUpstreamError).
   */
  async request(method: string, params: Record<string, unknown> | undefined, opts: UpstreamRequestOptions = {}): Promise<JsonResult> {
    let session = await this.connectOrThrow();
    try {
      return await this.send(session, method, params, opts);
    } catch (err) {
      if (!isSessionExpired(err) || this.closed || opts.signal?.aborted) throw toUpstreamError(this.name, err, this.config.timeoutMs);
    }
    this.opts.log.info('upstream session expired, reconnecting', { upstream: this.name });
    session = await this.reconnectOrThrow(session);
    try {
      return await this.send(session, method, params, opts);
    } catch (err) {
      throw toUpstreamError(this.name, err, this.config.timeoutMs);
    }
  }

  private async connectOrThrow(): Promise<Session> {
    try {
      return await this.sessionOrConnect();
    } catch (err) {
      throw this.connectError(err);
    }
  }

  private async reconnectOrThrow(stale: Session): Promise<Session> {
    this.drop(stale);
    return this.connectOrThrow();
  }

  /** A failed handshake is the upstream being unavailable, whatever it answered (an RpcError included). */
  private connectError(err: unknown): GovernanceError {
    return toUpstreamError(this.name, err instanceof RpcError ? new UpstreamHttpError(-1, `initialize failed: ${err.message}`) : err, this.config.timeoutMs);
  }

  /** Forgets the session (if it is still `stale`) so that the next request opens a new one. */
  private drop(stale: Session): void {
    if (this.session !== stale) return;
    this.session = undefined;
    stale.closed.abort();
    // Tell the upstream it may forget the session (best effort, not awaited).
    if (stale.id) this.http(stale, 'DELETE', undefined, NO_CALLER, AbortSignal.timeout(this.config.timeoutMs)).then(discard, () => {});
  }

  async close(): Promise<void> {
    this.closed = true;
    const s = this.session;
    this.session = undefined;
    s?.closed.abort();
  }

  /**
   * One JSON-RPC request under the proxy's own timeout (told apart from an upstream's own -32001 error). The timeout or
   * the caller's cancellation aborts the HTTP exchange carrying the request, so a hanging upstream does not keep a
   * socket per abandoned call, and notifications/cancelled goes upstream.
   */
  private async send(session: Session, method: string, params: Record<string, unknown> | undefined, opts: UpstreamRequestOptions): Promise<JsonResult> {
    // One controller for the timeout and the caller's cancellation, linked by hand with the listener removed in
    // `finally`: AbortSignal.any() keeps every combined signal (and so every finished request) reachable on Node 20
    // (nodejs/node#55328), a leak of ~7 KB per call that test/reliability/memory.test.ts measures.
    const linked = new AbortController();
    const timer = setTimeout(() => linked.abort(new UpstreamTimeoutError(this.config.timeoutMs)), this.config.timeoutMs);
    const caller = opts.signal;
    const onCallerAbort = () => linked.abort(cancelledError());
    if (caller?.aborted) onCallerAbort();
    else caller?.addEventListener('abort', onCallerAbort, { once: true });
    const id = ++this.nextId;
    const scope = opts.scope ?? NO_CALLER;
    let sendParams = params;
    if (opts.onprogress) sendParams = { ...params, _meta: { ...(params?._meta as Record<string, unknown> | undefined), progressToken: id } };
    const pending: Pending = { id, scope, signal: linked.signal, onprogress: opts.onprogress, progressToken: opts.onprogress ? id : undefined };
    try {
      return await this.call(session, { jsonrpc: '2.0', id, method, ...(sendParams === undefined ? {} : { params: sendParams }) }, pending);
    } catch (err) {
      if (linked.signal.aborted) {
        const reason = linked.signal.reason;
        this.notify(session, 'notifications/cancelled', { requestId: id, reason: reason instanceof UpstreamTimeoutError ? 'timeout' : 'cancelled' });
        throw reason;
      }
      throw err;
    } finally {
      clearTimeout(timer);
      caller?.removeEventListener('abort', onCallerAbort);
    }
  }

  /** POSTs a request and reads its answer (JSON body, or SSE stream with messages about it before the answer). */
  private async call(session: Session, message: Record<string, unknown>, pending: Pending): Promise<JsonResult> {
    const body = JSON.stringify(message);
    const res = await this.http(session, 'POST', body, pending.scope, pending.signal);
    if (res.statusCode === 404 && session.id) {
      discard(res);
      throw new UpstreamHttpError(404, 'session not found', true);
    }
    this.checkStatus(res);
    const type = mediaType(res.headers['content-type']);
    if (type === 'application/json') return this.fromJson(session, await readText(res), pending);
    if (type === 'text/event-stream') return this.fromStream(session, res, pending);
    discard(res);
    throw new UpstreamHttpError(-1, `unexpected content type ${type.slice(0, 60) || '(none)'}`);
  }

  private checkStatus(res: IncomingMessage): void {
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) return;
    discard(res);
    throw new UpstreamHttpError(status, res.statusMessage ?? '');
  }

  private fromJson(session: Session, text: string, pending: Pending): JsonResult {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new UpstreamHttpError(-1, 'response body is not JSON');
    }
    let answer: JsonResult | undefined;
    for (const item of Array.isArray(doc) ? doc : [doc]) {
      const msg = classifyMessage(item);
      if (!msg) throw new UpstreamHttpError(-1, 'response is not a JSON-RPC message');
      const settled = this.dispatch(session, msg, pending);
      if (settled) answer = settled.result;
    }
    if (!answer) throw new UpstreamHttpError(-1, 'response carries no answer to the request');
    return answer;
  }

  /**
   * Reads an SSE response until the answer to `pending` arrives. The stream may end early: when the upstream gave its
   * events ids (so it can replay), it is resumed with GET + Last-Event-ID, as the Streamable HTTP transport specifies.
   */
  private async fromStream(session: Session, first: IncomingMessage, pending: Pending): Promise<JsonResult> {
    let res = first;
    let lastEventId: string | undefined;
    for (let resumes = 0; ; resumes++) {
      const outcome = await this.readStream(session, res, pending, (id) => (lastEventId = id));
      if (outcome.answer) return outcome.answer;
      if (outcome.rejection) throw outcome.rejection;
      if (lastEventId === undefined || resumes >= MAX_RESUMES || pending.signal.aborted || this.closed) {
        throw outcome.error ?? new ConnectionClosedError('the upstream ended the event stream before answering');
      }
      await delay(outcome.retryMs ?? 0, pending.signal);
      res = await this.http(session, 'GET', undefined, pending.scope, pending.signal, lastEventId);
      this.checkStatus(res);
      if (mediaType(res.headers['content-type']) !== 'text/event-stream') {
        discard(res);
        throw new UpstreamHttpError(-1, 'resumed stream is not an event stream');
      }
    }
  }

  /** Parses one SSE stream, dispatching every message; settles at the answer, the end of the stream, or an error. */
  private readStream(
    session: Session,
    res: IncomingMessage,
    pending: Pending | undefined,
    onEventId: (id: string) => void,
  ): Promise<StreamOutcome> {
    return new Promise((resolve) => {
      let done = false;
      let retryMs: number | undefined;
      const finish = (outcome: Omit<StreamOutcome, 'retryMs'>) => {
        if (done) return;
        done = true;
        // After the answer the rest of the stream (normally nothing: the upstream closes it) is drained, not read.
        res.removeListener('data', onData);
        discard(res);
        resolve({ ...outcome, retryMs });
      };
      const parser = createParser({
        onEvent: (event: EventSourceMessage) => {
          if (event.id) onEventId(event.id);
          if (done || !event.data || (event.event !== undefined && event.event !== 'message')) return;
          let msg: UpstreamMessage | undefined;
          try {
            msg = classifyMessage(JSON.parse(event.data));
          } catch {
            msg = undefined;
          }
          if (!msg) {
            this.opts.log.debug('upstream sent an event that is not JSON-RPC; ignored', { upstream: this.name });
            return;
          }
          try {
            const settled = this.dispatch(session, msg, pending);
            if (settled) finish({ answer: settled.result });
          } catch (err) {
            // The upstream's error answer to the request: final, not a broken stream.
            finish({ answer: undefined, rejection: err as Error });
          }
        },
        onRetry: (ms) => (retryMs = ms),
      });
      res.setEncoding('utf8');
      const onData = (chunk: string) => parser.feed(chunk);
      res.on('data', onData);
      res.once('end', () => finish({}));
      res.once('error', (err) => finish({ error: err }));
      res.once('aborted', () => finish({ error: new ConnectionClosedError() }));
    });
  }

  /**
   * Routes one message from the upstream. Returns the result when it is the answer to `pending` (an error answer is
   * thrown); everything else is delivered where it belongs and undefined returned.
   */
  private dispatch(session: Session, msg: UpstreamMessage, pending: Pending | undefined): { result: JsonResult } | undefined {
    switch (msg.kind) {
      case 'result':
        if (pending && msg.id === pending.id) return { result: msg.result as JsonResult };
        return undefined;
      case 'error':
        if (pending && msg.id === pending.id) throw msg.error;
        return undefined;
      case 'notification': {
        const listKind = LIST_CHANGED[msg.method];
        if (listKind) this.opts.onListChanged?.(listKind);
        else if (msg.method === 'notifications/progress') {
          const p = msg.params;
          if (pending?.onprogress && p && p.progressToken === pending.progressToken && typeof p.progress === 'number') {
            const { progressToken: _token, ...progress } = p;
            pending.onprogress(progress as unknown as Progress);
          }
        } else if (msg.method !== 'notifications/cancelled') pending?.scope.notify?.({ method: msg.method, params: msg.params });
        return undefined;
      }
      case 'request':
        void this.answerServerRequest(session, msg, pending);
        return undefined;
    }
  }

  /** A server->client request: relayed to the caller when it is sampling or elicitation during a call, answered here otherwise. */
  private async answerServerRequest(session: Session, req: { id: RpcId; method: string; params?: Record<string, unknown> }, pending: Pending | undefined): Promise<void> {
    let reply: Record<string, unknown>;
    try {
      let result: Record<string, unknown>;
      if (req.method === 'ping') result = {};
      else if (!RELAYED.has(req.method)) throw new RpcError(-32601, `Method not found: ${req.method.slice(0, 100)}`);
      else if (!pending?.scope.relay) throw new RpcError(-32600, `${req.method} is only available while a client request is in flight`);
      else result = await pending.scope.relay({ method: req.method, params: req.params }, pending.signal);
      reply = { jsonrpc: '2.0', id: req.id, result };
    } catch (err) {
      const e = err instanceof RpcError ? err : new RpcError(-32603, 'Internal error');
      reply = { jsonrpc: '2.0', id: req.id, error: { code: e.code, message: e.message, ...(e.data === undefined ? {} : { data: e.data }) } };
    }
    this.post(session, reply, pending?.scope ?? NO_CALLER);
  }

  /** Sends a notification upstream; best effort (not awaited, failures logged at debug). */
  private notify(session: Session, method: string, params: Record<string, unknown>): void {
    this.post(session, { jsonrpc: '2.0', method, params }, NO_CALLER);
  }

  /** POSTs a message that expects no answer (a notification, or our answer to a server request). */
  private post(session: Session, message: Record<string, unknown>, scope: InboundCallScope): void {
    this.http(session, 'POST', JSON.stringify(message), scope, AbortSignal.timeout(this.config.timeoutMs)).then(discard, (err: Error) =>
      this.opts.log.debug('upstream message not delivered', { upstream: this.name, error: err.message.slice(0, 200) }),
    );
  }

  /**
   * One HTTP request to the upstream with the session headers, the static headers and the authenticator's credentials
   * (it signs the exact body). A 401 is retried once when the authenticator says fresh credentials may help.
   */
  private async http(
    session: Session | undefined,
    method: 'GET' | 'POST' | 'DELETE',
    body: string | undefined,
    scope: InboundCallScope,
    signal: AbortSignal,
    lastEventId?: string,
  ): Promise<IncomingMessage> {
    const attempt = async () => {
      const headers = new PlainHeaders();
      for (const [k, v] of this.staticHeaders) headers.set(k, v);
      headers.set('accept', method === 'POST' ? 'application/json, text/event-stream' : 'text/event-stream');
      if (body !== undefined) headers.set('content-type', 'application/json');
      if (session?.id) headers.set('mcp-session-id', session.id);
      if (session) headers.set('mcp-protocol-version', session.protocolVersion);
      if (lastEventId !== undefined) headers.set('last-event-id', lastEventId);
      await this.auth.authorize({ url: this.url, method, headers, body }, scope.auth);
      return exchange({ url: this.target, method, headers: headers.record, body, signal });
    };
    const res = await attempt();
    if (res.statusCode !== 401 || !this.auth.invalidate()) return res;
    discard(res);
    return attempt();
  }

  /** The initialize handshake; then the standalone GET stream, if the upstream offers one. */
  private async open(): Promise<Session> {
    const signal = AbortSignal.timeout(this.config.timeoutMs);
    try {
      const id = ++this.nextId;
      const init = {
        jsonrpc: '2.0',
        id,
        method: 'initialize',
        params: {
          protocolVersion: LATEST_PROTOCOL_VERSION,
          // Sampling and elicitation are relayed to the inbound caller whose call caused them.
          capabilities: { sampling: {}, elicitation: { form: {}, url: {} } },
          clientInfo: this.opts.clientInfo,
        },
      };
      const res = await this.http(undefined, 'POST', JSON.stringify(init), NO_CALLER, signal);
      const sessionId = res.headers['mcp-session-id'];
      const provisional: Session = { id: typeof sessionId === 'string' ? sessionId : undefined, protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, closed: new AbortController() };
      this.checkStatus(res);
      const pending: Pending = { id, scope: NO_CALLER, signal };
      const type = mediaType(res.headers['content-type']);
      let result: JsonResult;
      if (type === 'application/json') result = this.fromJson(provisional, await readText(res), pending);
      else if (type === 'text/event-stream') result = await this.fromStream(provisional, res, pending);
      else {
        discard(res);
        throw new UpstreamHttpError(-1, `unexpected content type ${type.slice(0, 60) || '(none)'}`);
      }
      const version = result.protocolVersion;
      if (typeof version !== 'string' || !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) {
        throw new UpstreamHttpError(-1, `unsupported protocol version ${String(version).slice(0, 40)}`);
      }
      const caps = result.capabilities;
      const session: Session = {
        id: provisional.id,
        protocolVersion: version,
        capabilities: caps && typeof caps === 'object' && !Array.isArray(caps) ? (caps as Record<string, unknown>) : {},
        closed: provisional.closed,
      };
      const ack = await this.http(session, 'POST', JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), NO_CALLER, signal);
      this.checkStatus(ack);
      discard(ack);
      if (this.closed) throw new Error('upstream client closed');
      this.session = session;
      void this.standaloneStream(session);
      return session;
    } catch (err) {
      if (signal.aborted && !(err instanceof UpstreamHttpError) && !(err instanceof RpcError)) throw new UpstreamTimeoutError(this.config.timeoutMs);
      throw err;
    }
  }

  /**
   * The optional GET stream on which an upstream sends messages outside any request (list_changed above all). 405 means
   * the upstream has none. A stream that ends is reopened after a delay; after `maxFailures` failed attempts in a row
   * the client stops trying (periodic discovery still refreshes the catalog).
   */
  private async standaloneStream(session: Session): Promise<void> {
    let failures = 0;
    let lastEventId: string | undefined;
    let retryMs: number | undefined;
    while (!session.closed.signal.aborted && this.session === session) {
      try {
        const res = await this.http(session, 'GET', undefined, NO_CALLER, session.closed.signal, lastEventId);
        if (res.statusCode === 405) {
          discard(res);
          return;
        }
        this.checkStatus(res);
        if (mediaType(res.headers['content-type']) !== 'text/event-stream') {
          discard(res);
          throw new UpstreamHttpError(-1, 'GET stream is not an event stream');
        }
        failures = 0;
        const outcome = await this.readStream(session, res, undefined, (id) => (lastEventId = id));
        retryMs = outcome.retryMs ?? retryMs;
      } catch (err) {
        if (session.closed.signal.aborted) return;
        failures++;
        this.opts.log.debug('upstream GET stream failed', { upstream: this.name, error: (err as Error).message.slice(0, 200), failures });
        if (failures > STREAM_RETRY.maxFailures) return;
      }
      const wait = retryMs ?? Math.min(STREAM_RETRY.initialMs * 2 ** failures, STREAM_RETRY.maxMs);
      try {
        await delay(wait, session.closed.signal);
      } catch {
        return;
      }
    }
  }
}

/** Waits `ms`, or rejects with the signal's reason when it fires first. */
function delay(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
