/**
 * One upstream MCP server over Streamable HTTP: the SDK Client + StreamableHTTPClientTransport, with a custom `fetch`
 * that lets the upstream authenticator sign/decorate every outgoing request (exact body included) and retries once
 * after a 401 when the authenticator says fresh credentials may help. A session the upstream forgot (HTTP 404) is
 * re-established transparently and the request retried once.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ErrorCode as SdkErrorCode,
  McpError,
  ResultSchema,
  ToolListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  PromptListChangedNotificationSchema,
  type ServerCapabilities,
  type Progress,
} from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamConfig } from '../config/sections/proxy';
import type { Logger } from '../log';
import type { JsonResult } from '../pipeline/context';
import type { UpstreamAuthenticator } from './auth/types';
import { currentCallScope, runInCallScope } from './call-context';
import { cancelledError, isSessionExpired, toUpstreamError, UpstreamTimeoutError } from './errors';
import type { GovernanceError } from '../pipeline/errors';
import { nodeFetch } from './http-fetch';
import { noopJsonSchemaValidator } from './schema-validator';

export type ListKind = 'tools' | 'resources' | 'prompts';

export interface UpstreamRequestOptions {
  /** Aborts the upstream request (the SDK also sends notifications/cancelled upstream). */
  readonly signal?: AbortSignal;
  /** Called for each upstream progress notification of this request. */
  readonly onprogress?: (progress: Progress) => void;
}

export interface UpstreamClientOptions {
  readonly log: Logger;
  readonly clientInfo: { name: string; version: string };
  /** Called when the upstream says one of its lists changed. */
  readonly onListChanged?: (kind: ListKind) => void;
  /** A WHATWG fetch to use instead of the built-in node:http one (tests, special transports). */
  readonly fetch?: typeof fetch;
}

type FetchInput = string | URL;

/** The SDK's own request timeout is not used (see UpstreamClient.send); this is setTimeout's maximum. */
const SDK_TIMEOUT_DISABLED = 2_147_483_647;

/**
 * The SDK passes its transport-wide AbortSignal to every fetch. undici registers a listener on that long-lived signal
 * per request and only drops it when the request is garbage-collected, so under load thousands pile up
 * (MaxListenersExceededWarning). Each fetch therefore gets its own signal, linked to the transport's by a listener
 * that is removed as soon as the response body is done (JSON: when headers arrive and the SDK reads the body at once;
 * SSE: when the stream ends).
 */
async function linkedFetch(baseFetch: typeof fetch, url: URL, init: RequestInit): Promise<Response> {
  const outer = init.signal;
  if (!outer) return baseFetch(url, init);
  const ac = new AbortController();
  const onAbort = () => ac.abort(outer.reason);
  if (outer.aborted) ac.abort(outer.reason);
  else outer.addEventListener('abort', onAbort, { once: true });
  const unlink = () => outer.removeEventListener('abort', onAbort);
  let res: Response;
  try {
    res = await baseFetch(url, { ...init, signal: ac.signal });
  } catch (err) {
    unlink();
    throw err;
  }
  const isStream = res.body !== null && (res.headers.get('content-type') ?? '').startsWith('text/event-stream');
  if (!isStream) {
    unlink();
    return res;
  }
  const body = res.body!.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ flush: unlink }));
  return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
}

/**
 * A server->client request from the upstream (sampling, elicitation) is only meaningful while a caller's request is in
 * flight: it goes to that caller over its SSE response. Outside a call (discovery) there is nobody to ask.
 */
async function relayToCaller(req: { method: string; params?: Record<string, unknown> }, signal: AbortSignal): Promise<Record<string, unknown>> {
  const relay = currentCallScope().relay;
  if (!relay) throw new McpError(SdkErrorCode.InvalidRequest, `${req.method} is only available while a client request is in flight`);
  return relay({ method: req.method, params: req.params }, signal);
}

export class UpstreamClient {
  private client?: Client;
  private connecting?: Promise<Client>;
  private closed = false;

  constructor(
    readonly config: UpstreamConfig,
    private readonly auth: UpstreamAuthenticator,
    private readonly opts: UpstreamClientOptions,
  ) {}

  get name(): string {
    return this.config.name;
  }

  /** What the upstream declared at initialize (undefined before the first successful connect). */
  get capabilities(): ServerCapabilities | undefined {
    return this.client?.getServerCapabilities();
  }

  /** Connects (initialize handshake) if not connected; concurrent callers share one attempt. */
  connect(): Promise<Client> {
    if (this.closed) return Promise.reject(new Error('upstream client closed'));
    if (this.client) return Promise.resolve(this.client);
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
    let client = await this.connectOrThrow();
    try {
      return await this.send(client, method, params, opts);
    } catch (err) {
      if (!isSessionExpired(err) || this.closed || opts.signal?.aborted) throw this.mapError(err, client);
    }
    this.opts.log.info('upstream session expired, reconnecting', { upstream: this.name });
    client = await this.reconnectOrThrow(client);
    try {
      return await this.send(client, method, params, opts);
    } catch (err) {
      throw this.mapError(err, client);
    }
  }

  /** A request error as the caller sees it; `used` tells whether a ConnectionClosed came from our own connection closing. */
  private mapError(err: unknown, used: Client): GovernanceError {
    return toUpstreamError(this.name, err, this.config.timeoutMs, { connectionClosed: this.client !== used, timedOut: false });
  }

  private async connectOrThrow(): Promise<Client> {
    try {
      return await this.connect();
    } catch (err) {
      throw toUpstreamError(this.name, err, this.config.timeoutMs, { connectionClosed: true, timedOut: true });
    }
  }

  private async reconnectOrThrow(stale: Client): Promise<Client> {
    try {
      return await this.reconnect(stale);
    } catch (err) {
      throw toUpstreamError(this.name, err, this.config.timeoutMs, { connectionClosed: true, timedOut: true });
    }
  }

  /** Drops the current connection (if it is still `stale`) and connects again. */
  async reconnect(stale: Client | undefined = this.client): Promise<Client> {
    if (stale && this.client === stale) {
      this.client = undefined;
      stale.close().catch(() => {});
    }
    return this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = undefined;
    if (c) await c.close().catch(() => {});
  }

  /**
   * One JSON-RPC request. The proxy runs the timeout itself (not the SDK's), so that a timeout is told apart from an
   * upstream's own -32001 error, and so that the timeout or the caller's cancellation also aborts the HTTP exchange
   * carrying the request (via `requestSignal`, see authorizedFetch): a hanging upstream does not keep a socket per
   * abandoned call. The SDK still sends notifications/cancelled upstream.
   */
  private async send(client: Client, method: string, params: Record<string, unknown> | undefined, opts: UpstreamRequestOptions): Promise<JsonResult> {
    // One controller for the timeout and the caller's cancellation, linked by hand with the listener removed in
    // `finally`: AbortSignal.any() keeps every combined signal (and so every finished request) reachable on Node 20
    // (nodejs/node#55328), a leak of ~7 KB per call that test/reliability/memory.test.ts measures.
    const linked = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      linked.abort(new UpstreamTimeoutError(this.config.timeoutMs));
    }, this.config.timeoutMs);
    const caller = opts.signal;
    const onCallerAbort = () => linked.abort(caller?.reason);
    if (caller?.aborted) onCallerAbort();
    else caller?.addEventListener('abort', onCallerAbort, { once: true });
    const signal = linked.signal;
    try {
      const result = await runInCallScope({ ...currentCallScope(), requestSignal: signal }, () =>
        client.request({ method, params } as never, ResultSchema, { signal, timeout: SDK_TIMEOUT_DISABLED, onprogress: opts.onprogress }),
      );
      return result as JsonResult;
    } catch (err) {
      // The SDK wraps an abort reason in McpError(-32001): tell our timeout and the caller's cancellation apart.
      if (timedOut) throw signal.reason;
      if (caller?.aborted) throw cancelledError();
      throw err;
    } finally {
      clearTimeout(timer);
      caller?.removeEventListener('abort', onCallerAbort);
    }
  }

  private async open(): Promise<Client> {
    // Sampling and elicitation are relayed to the inbound caller whose tools/call caused them (see relayToCaller).
    const client = new Client(this.opts.clientInfo, {
      capabilities: { sampling: {}, elicitation: { form: {}, url: {} } },
      jsonSchemaValidator: noopJsonSchemaValidator,
    });
    client.setRequestHandler(CreateMessageRequestSchema, (req, extra) => relayToCaller(req, extra.signal) as never);
    client.setRequestHandler(ElicitRequestSchema, (req, extra) => relayToCaller(req, extra.signal) as never);
    // Request-related notifications (e.g. notifications/message during a tools/call) go to the inbound caller whose
    // request caused them: the SSE reader runs in that request's async context.
    client.fallbackNotificationHandler = async (n) => {
      const sink = currentCallScope().notify;
      if (sink && n.method !== 'notifications/cancelled') sink(n as { method: string; params?: Record<string, unknown> });
    };
    const onListChanged = this.opts.onListChanged;
    if (onListChanged) {
      client.setNotificationHandler(ToolListChangedNotificationSchema, async () => onListChanged('tools'));
      client.setNotificationHandler(ResourceListChangedNotificationSchema, async () => onListChanged('resources'));
      client.setNotificationHandler(PromptListChangedNotificationSchema, async () => onListChanged('prompts'));
    }
    client.onerror = (err) => this.opts.log.debug('upstream transport error', { upstream: this.name, error: err.message.slice(0, 200) });
    const transport = new StreamableHTTPClientTransport(new URL(this.config.url), {
      fetch: this.authorizedFetch(),
      // The proxy does its own reconnects (session expiry) and discovery retries; keep the SDK's GET-stream retries short.
      reconnectionOptions: { initialReconnectionDelay: 1000, maxReconnectionDelay: 30_000, reconnectionDelayGrowFactor: 2, maxRetries: 2 },
    });
    try {
      await client.connect(transport, { timeout: this.config.timeoutMs });
    } catch (err) {
      await client.close().catch(() => {});
      throw err;
    }
    if (this.closed) {
      await client.close().catch(() => {});
      throw new Error('upstream client closed');
    }
    client.onclose = () => {
      if (this.client === client) this.client = undefined;
    };
    this.client = client;
    return client;
  }

  /** fetch that adds static headers, asks the authenticator to authorize the exact request, and retries once on 401. */
  private authorizedFetch(): typeof fetch {
    const injected = this.opts.fetch;
    const baseFetch = injected ?? (nodeFetch as typeof fetch);
    const staticHeaders = Object.entries(this.config.headers);
    const auth = this.auth;
    const upstream = this.name;
    const attempt = async (input: FetchInput, init: RequestInit | undefined): Promise<Response> => {
      const url = new URL(typeof input === 'string' ? input : input.href);
      const headers = new Headers(init?.headers);
      for (const [k, v] of staticHeaders) if (!headers.has(k)) headers.set(k, v);
      const body = typeof init?.body === 'string' ? init.body : undefined;
      const scope = currentCallScope();
      await auth.authorize({ url, method: init?.method ?? 'GET', headers, body }, scope.auth);
      // The POST carrying a request is aborted with that request (timeout, caller gone). A notification sent after the
      // abort (notifications/cancelled) runs in the same scope and finds the signal already aborted: it is not tied.
      // (The transport-wide signal is not combined in: it only fires on close(), when the process is going away, and
      // combining with a long-lived signal would pile up dependants on it.)
      const rs = scope.requestSignal;
      const signal = rs && !rs.aborted && init?.method === 'POST' ? rs : (init?.signal ?? undefined);
      // nodeFetch removes its abort listener when each request closes; an injected WHATWG fetch needs the linking.
      return injected ? linkedFetch(injected, url, { ...init, headers, signal }) : baseFetch(url, { ...init, headers, signal });
    };
    const wrapped = async (input: FetchInput | Request, init?: RequestInit): Promise<Response> => {
      if (input instanceof Request) throw new Error(`upstream "${upstream}": unexpected Request object`);
      const res = await attempt(input, init);
      if (res.status !== 401 || !auth.invalidate()) return res;
      await res.body?.cancel().catch(() => {});
      return attempt(input, init);
    };
    return wrapped as typeof fetch;
  }
}
