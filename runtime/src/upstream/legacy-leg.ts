/**
 * The legacy leg (protocol revisions 2024-11-05 to 2025-11-25): a session opened by `initialize` +
 * `notifications/initialized` on first use; Mcp-Session-Id and MCP-Protocol-Version on every later request; a session
 * the upstream forgot (HTTP 404) is re-established and the request retried once. A POST stream that ends before its
 * answer, after the upstream gave its events ids, is resumed with GET + Last-Event-ID. What arrives meanwhile is routed
 * to the inbound call that caused it: progress -> `onprogress`; other notifications -> the caller's stream;
 * server->client requests (sampling, elicitation) -> relayed to the caller, the answer POSTed back; list_changed ->
 * `onListChanged` (also from the standalone GET stream the upstream may offer). Errors are thrown raw: the client maps
 * them. An answer that says the upstream is modern (a modern error to `initialize`) is an EraMismatchError.
 */
import type { IncomingMessage } from 'node:http';
import type { UpstreamConfig } from '../config/sections/proxy';
import type { JsonResult } from '../pipeline/context';
import { LATEST_PROTOCOL_VERSION, RpcError, SUPPORTED_PROTOCOL_VERSIONS, type RpcId, type UpstreamMessage } from '../protocol';
import type { InboundCallScope, UpstreamClientOptions, UpstreamLeg, UpstreamRequestOptions } from './client';
import { legacyParams, isModernErrorCode } from './envelope';
import { ConnectionClosedError, EraMismatchError, isSessionExpired, UpstreamHttpError, UpstreamTimeoutError } from './errors';
import { discard, mediaType, readText } from './http-exchange';
import { answerFromJson, delay, deliverNotification, readEventStream, withDeadline, type Pending, type StreamOutcome } from './messages';
import { isSuccess, readFailure, type UpstreamHttp } from './upstream-http';

/** What `initialize` established. */
interface Session {
  readonly id?: string;
  readonly protocolVersion: string;
  readonly capabilities: Record<string, unknown>;
  /** Aborts the standalone GET stream and any reconnection of it. */
  readonly closed: AbortController;
}

/** Discovery, refresh and the standalone stream: no caller. */
const NO_CALLER: InboundCallScope = { auth: {} };

/** Server->client requests relayed to the caller. */
const RELAYED = new Set(['sampling/createMessage', 'elicitation/create']);

/** Standalone GET stream: reconnect delays (ms), doubling, and how many failed attempts in a row end the retries. */
const STREAM_RETRY = { initialMs: 1000, maxMs: 30_000, maxFailures: 2 } as const;
/** How many times a POST stream that ended before its answer is resumed with GET + Last-Event-ID. */
const MAX_RESUMES = 2;

export class LegacyLeg implements UpstreamLeg {
  readonly era = 'legacy' as const;
  private session?: Session;
  private connecting?: Promise<Session>;
  private closed = false;
  /** Requests in flight for an inbound call (a caller's scope with a relay): the candidates for attribution. */
  private readonly calls = new Set<Pending>();

  constructor(
    private readonly config: UpstreamConfig,
    private readonly http: UpstreamHttp,
    private readonly opts: UpstreamClientOptions,
    private readonly nextId: () => number,
  ) {}

  get capabilities(): Record<string, unknown> | undefined {
    return this.session?.capabilities;
  }

  get protocolVersion(): string | undefined {
    return this.session?.protocolVersion;
  }

  async connect(): Promise<void> {
    await this.sessionOrConnect();
  }

  close(): void {
    this.closed = true;
    const s = this.session;
    this.session = undefined;
    s?.closed.abort();
  }

  async request(method: string, params: Record<string, unknown> | undefined, opts: UpstreamRequestOptions): Promise<JsonResult> {
    const sendParams = legacyParams(params);
    // The session is open on every call but the first: no extra await for it.
    let session = (!this.closed && this.session) || (await this.sessionOrConnect());
    try {
      return await this.send(session, method, sendParams, opts);
    } catch (err) {
      if (!isSessionExpired(err) || this.closed || opts.signal?.aborted) throw err;
    }
    this.opts.log.info('upstream session expired, reconnecting', { upstream: this.config.name });
    this.drop(session);
    session = await this.sessionOrConnect();
    return this.send(session, method, sendParams, opts);
  }

  private sessionOrConnect(): Promise<Session> {
    if (this.closed) return Promise.reject(new Error('upstream client closed'));
    if (this.session) return Promise.resolve(this.session);
    if (!this.connecting) {
      this.connecting = this.open()
        .catch((err: unknown) => {
          // A failed handshake is the upstream being unavailable, whatever it answered (an RpcError included),
          // unless the answer says the upstream is modern.
          throw err instanceof RpcError ? new UpstreamHttpError(-1, `initialize failed: ${err.message}`) : err;
        })
        .finally(() => {
          this.connecting = undefined;
        });
    }
    return this.connecting;
  }

  /** Forgets the session (if it is still `stale`) so that the next request opens a new one. */
  private drop(stale: Session): void {
    if (this.session !== stale) return;
    this.session = undefined;
    stale.closed.abort();
    // Tell the upstream it may forget the session (best effort, not awaited).
    if (stale.id) this.sendSession(stale, 'DELETE', undefined, NO_CALLER, AbortSignal.timeout(this.config.timeoutMs)).then(discard, () => {});
  }

  /** One JSON-RPC request under the deadline; a timeout or cancellation sends notifications/cancelled upstream. */
  private send(session: Session, method: string, params: Record<string, unknown> | undefined, opts: UpstreamRequestOptions): Promise<JsonResult> {
    const id = this.nextId();
    const scope = opts.scope ?? NO_CALLER;
    let sendParams = params;
    if (opts.onprogress) sendParams = { ...params, _meta: { ...(params?._meta as Record<string, unknown> | undefined), progressToken: id } };
    const message = { jsonrpc: '2.0', id, method, ...(sendParams === undefined ? {} : { params: sendParams }) };
    return withDeadline(
      this.config.timeoutMs,
      opts.signal,
      async (signal) => {
        const pending: Pending = { id, scope, signal, onprogress: opts.onprogress, progressToken: opts.onprogress ? id : undefined };
        if (scope.relay) this.calls.add(pending);
        try {
          return await this.call(session, message, pending);
        } finally {
          this.calls.delete(pending);
        }
      },
      (reason) => this.post(session, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason } }, NO_CALLER),
      opts.cancel,
    );
  }

  /** POSTs a request and reads its answer (JSON body, or SSE stream with messages about it before the answer). */
  private async call(session: Session, message: Record<string, unknown>, pending: Pending): Promise<JsonResult> {
    const res = await this.sendSession(session, 'POST', JSON.stringify(message), pending.scope, pending.signal);
    if (res.statusCode === 404 && session.id) {
      discard(res);
      throw new UpstreamHttpError(404, 'session not found', true);
    }
    await this.checkStatus(res);
    return this.answer(session, res, pending);
  }

  private async answer(session: Session, res: IncomingMessage, pending: Pending): Promise<JsonResult> {
    const type = mediaType(res.headers['content-type']);
    if (type === 'application/json') return answerFromJson(await readText(res), (m) => this.route(session, m, pending));
    if (type === 'text/event-stream') return this.fromStream(session, res, pending);
    discard(res);
    throw new UpstreamHttpError(-1, `unexpected content type ${type.slice(0, 60) || '(none)'}`);
  }

  /** A non-2xx response is read: a modern error in its body means the upstream is (now) modern. */
  private async checkStatus(res: IncomingMessage): Promise<void> {
    if (isSuccess(res)) return;
    const { error } = await readFailure(res);
    if (error.status >= 400 && error.status < 500 && error.rpc && isModernErrorCode(error.rpc.code)) {
      throw new EraMismatchError('modern', `the upstream answered a legacy request with MCP error ${error.rpc.code}`);
    }
    throw error;
  }

  /**
   * Reads an SSE response until the answer to `pending` arrives. The stream may end early: when the upstream gave its
   * events ids (so it can replay), it is resumed with GET + Last-Event-ID, as the Streamable HTTP transport specifies.
   */
  private async fromStream(session: Session, first: IncomingMessage, pending: Pending): Promise<JsonResult> {
    let res = first;
    let lastEventId: string | undefined;
    for (let resumes = 0; ; resumes++) {
      const outcome: StreamOutcome = await readEventStream(res, (m) => this.route(session, m, pending), (id) => (lastEventId = id), this.opts.log, this.config.name);
      if (outcome.answer) return outcome.answer;
      if (outcome.rejection) throw outcome.rejection;
      if (lastEventId === undefined || resumes >= MAX_RESUMES || pending.signal.aborted || this.closed) {
        throw outcome.error ?? new ConnectionClosedError('the upstream ended the event stream before answering');
      }
      await delay(outcome.retryMs ?? 0, pending.signal);
      res = await this.sendSession(session, 'GET', undefined, pending.scope, pending.signal, lastEventId);
      await this.checkStatus(res);
      if (mediaType(res.headers['content-type']) !== 'text/event-stream') {
        discard(res);
        throw new UpstreamHttpError(-1, 'resumed stream is not an event stream');
      }
    }
  }

  /**
   * Routes one message from the upstream. Returns the result when it is the answer to `pending` (an error answer is
   * thrown); everything else is delivered where it belongs and undefined returned.
   */
  private route(session: Session, msg: UpstreamMessage, pending: Pending | undefined): { result: JsonResult } | undefined {
    switch (msg.kind) {
      case 'result':
        return pending && msg.id === pending.id ? { result: msg.result as JsonResult } : undefined;
      case 'error':
        if (pending && msg.id === pending.id) throw msg.error;
        return undefined;
      case 'notification':
        deliverNotification(msg, pending, this.opts.onListChanged);
        return undefined;
      case 'request':
        void this.answerServerRequest(session, msg, pending ?? this.attribute(msg));
        return undefined;
    }
  }

  /**
   * A server->client request that arrived outside any call's response stream (the standalone GET stream): it belongs to
   * the one call in flight on this upstream, if there is exactly one. With several, it cannot be attributed: it is
   * refused (never delivered to another caller), and each candidate call's audit trail says so.
   */
  private attribute(req: { method: string; params?: Record<string, unknown> }): Pending | undefined {
    if (!RELAYED.has(req.method) || this.calls.size === 0) return undefined;
    if (this.calls.size === 1) return [...this.calls][0];
    this.opts.log.warn('upstream request outside a call stream refused: several calls in flight', { upstream: this.config.name, method: req.method.slice(0, 100), calls: this.calls.size });
    for (const p of this.calls) p.scope.unattributed?.(req);
    return undefined;
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

  /** POSTs a message that expects no answer (a notification, or our answer to a server request); best effort. */
  private post(session: Session, message: Record<string, unknown>, scope: InboundCallScope): void {
    this.sendSession(session, 'POST', JSON.stringify(message), scope, AbortSignal.timeout(this.config.timeoutMs)).then(discard, (err: Error) =>
      this.opts.log.debug('upstream message not delivered', { upstream: this.config.name, error: err.message.slice(0, 200) }),
    );
  }

  /** One HTTP request with the session headers. */
  private sendSession(
    session: Session | undefined,
    method: 'GET' | 'POST' | 'DELETE',
    body: string | undefined,
    scope: InboundCallScope,
    signal: AbortSignal,
    lastEventId?: string,
  ): Promise<IncomingMessage> {
    const headers: Record<string, string> = {};
    if (session?.id) headers['mcp-session-id'] = session.id;
    if (session) headers['mcp-protocol-version'] = session.protocolVersion;
    if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
    return this.http.send({ method, body, headers, auth: scope.auth, signal });
  }

  /** The initialize handshake; then the standalone GET stream, if the upstream offers one. */
  private async open(): Promise<Session> {
    const signal = AbortSignal.timeout(this.config.timeoutMs);
    try {
      const id = this.nextId();
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
      const res = await this.sendSession(undefined, 'POST', JSON.stringify(init), NO_CALLER, signal);
      const sessionId = res.headers['mcp-session-id'];
      const provisional: Session = { id: typeof sessionId === 'string' ? sessionId : undefined, protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, closed: new AbortController() };
      await this.checkStatus(res);
      let result: JsonResult;
      try {
        result = await this.answer(provisional, res, { id, scope: NO_CALLER, signal });
      } catch (err) {
        if (err instanceof RpcError && isModernErrorCode(err.code)) throw new EraMismatchError('modern', `the upstream answered initialize with MCP error ${err.code}`);
        throw err;
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
      const ack = await this.sendSession(session, 'POST', JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), NO_CALLER, signal);
      await this.checkStatus(ack);
      discard(ack);
      if (this.closed) throw new Error('upstream client closed');
      this.session = session;
      void this.standaloneStream(session);
      return session;
    } catch (err) {
      if (signal.aborted && !(err instanceof UpstreamHttpError) && !(err instanceof RpcError) && !(err instanceof EraMismatchError)) {
        throw new UpstreamTimeoutError(this.config.timeoutMs);
      }
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
        const res = await this.sendSession(session, 'GET', undefined, NO_CALLER, session.closed.signal, lastEventId);
        if (res.statusCode === 405) {
          discard(res);
          return;
        }
        await this.checkStatus(res);
        if (mediaType(res.headers['content-type']) !== 'text/event-stream') {
          discard(res);
          throw new UpstreamHttpError(-1, 'GET stream is not an event stream');
        }
        failures = 0;
        const outcome = await readEventStream(res, (m) => this.route(session, m, undefined), (id) => (lastEventId = id), this.opts.log, this.config.name);
        retryMs = outcome.retryMs ?? retryMs;
      } catch (err) {
        if (session.closed.signal.aborted) return;
        failures++;
        this.opts.log.debug('upstream GET stream failed', { upstream: this.config.name, error: (err as Error).message.slice(0, 200), failures });
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
