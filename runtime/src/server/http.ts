/**
 * The HTTP front: AgentCore's MCP contract on one port.
 *   POST <path>[/]     MCP Streamable HTTP, stateless (JSON response, or SSE when notifications must flow first); each
 *                      POST is classified by its envelope (era.ts) and served by the legacy (2025) or modern (2026-07-28) leg
 *   GET|DELETE <path>  405 (no standalone SSE stream and no sessions in stateless mode)
 *   GET <healthPath>   health (see health.ts)
 * Body size is enforced before the body is read whole; every failure is a JSON-RPC error, never a hang.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log';
import { ErrorCode } from '../pipeline/errors';
import { discardRest, readBody } from './body';
import { healthReport, type HealthSource } from './health';
import { classifyEra } from './era';
import { errorResponse, ParseErrorBody } from './jsonrpc';
import type { RequestRunner, ServerLeg } from './leg';
import { LegacyLeg } from './legacy-leg';
import type { McpHandler } from './mcp-handler';
import { ModernLeg, type ModernLegOptions } from './modern-leg';
import { ResponseChannel, sendJson } from './response';

export interface HttpServerOptions {
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly healthPath: string;
  readonly maxBodyBytes: number;
  readonly handler: McpHandler;
  readonly health: HealthSource;
  readonly log: Logger;
  /** Settles when the initial discovery has run once; MCP requests other than initialize/ping/server/discover wait for it. */
  readonly ready: Promise<void>;
  /** Settings of the modern (2026-07-28) leg. */
  readonly modern?: Partial<Pick<ModernLegOptions, 'keepAliveMs'>>;
  /**
   * How long a client may take to send a request's headers, in ms; past it Node answers 408 and closes the connection
   * (slow-loris). Counted from the request's first byte, so time idle on a keep-alive connection between requests does
   * not count. At most `requestTimeoutMs` (Node refuses a larger value). Default 10 s.
   */
  readonly headersTimeoutMs?: number;
  /**
   * How long a client may take to send a whole request, headers and body, in ms; past it Node answers 408 and closes
   * the connection (a body trickled forever). It bounds receiving only, never the response: a long tool call is not
   * cut by it. Default 30 s.
   */
  readonly requestTimeoutMs?: number;
  /**
   * How long an idle keep-alive connection stays open after a response, in ms. Default 65 s: longer than the idle
   * timeout of the load balancers in front (60 s on AWS ALB), so that the proxy never closes a connection at the moment
   * the balancer reuses it (the balancer would answer that request with a 502).
   */
  readonly keepAliveTimeoutMs?: number;
}

const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 65_000;

/**
 * How often Node checks the header and request deadlines, in ms. Node only looks every `connectionsCheckingInterval`
 * (30 s by default), which would let a slow client hold a request up to that much past its deadline; a fifth of the
 * shorter deadline, within [50 ms, 1 s], keeps the overshoot small for a negligible cost (one walk over the open
 * connections per tick).
 */
function deadlineCheckInterval(headersTimeoutMs: number, requestTimeoutMs: number): number {
  const shorter = Math.min(headersTimeoutMs || Infinity, requestTimeoutMs || Infinity); // 0 disables a deadline
  return Math.max(50, Math.min(1_000, Math.floor(shorter / 5)));
}

/** Answer to a request still running when the shutdown grace period ends. */
const CUT_OFF_MESSAGE = 'Server is shutting down: the request was cut off';

/**
 * After answering the requests cut off by the end of the grace period, how long their handlers get to wind down (the
 * abort cancels the upstream call and records the call's outcome in the audit trail) before the connections close.
 */
const CUT_OFF_SETTLE_MS = 2_000;

/** A request being answered, with what cutting it off at shutdown needs. */
interface InFlightRequest {
  readonly id: string | number;
  readonly res: ServerResponse;
  readonly channel: ResponseChannel;
  /** Aborts the call (the handler's signal): cancels the upstream request, and the call's outcome is audited. */
  readonly abort: AbortController;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

function isLoopbackBind(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || host.startsWith('127.');
}

/** Hostname of a Host header or Origin URL, lower-cased, without port. */
function hostnameOf(value: string, isOrigin: boolean): string | undefined {
  try {
    return new URL(isOrigin ? value : `http://${value}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * Whether a Host header (isOrigin false) or Origin names a loopback host, remembered per exact header text: a local
 * caller sends the same one or two values on every request, and parsing them as URLs each time cost a few µs per call.
 * Bounded: cleared when it reaches CHECKED_HOSTS_MAX values (a caller sending ever new values only costs the parse).
 */
const CHECKED_HOSTS_MAX = 64;

function loopbackChecker(isOrigin: boolean): (value: string) => boolean {
  const seen = new Map<string, boolean>();
  return (value) => {
    let ok = seen.get(value);
    if (ok === undefined) {
      const name = hostnameOf(value, isOrigin);
      ok = name !== undefined && name !== '' && LOOPBACK_HOSTS.has(name);
      if (seen.size >= CHECKED_HOSTS_MAX) seen.clear();
      seen.set(value, ok);
    }
    return ok;
  };
}

/** `application/json`, optionally with parameters (`; charset=utf-8`), any case. */
const JSON_CONTENT_TYPE = /^application\/json\s*(;|$)/i;

function flattenHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  const h = req.headers;
  for (const k in h) {
    const v = h[k];
    out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

export class ProxyHttpServer {
  readonly server: Server;
  private readonly requests = new Set<InFlightRequest>();
  private lastActivity = Date.now();
  private shuttingDown = false;
  private isReady = false;
  private readonly rebindingProtection: boolean;
  private readonly loopbackHost = loopbackChecker(false);
  private readonly loopbackOrigin = loopbackChecker(true);
  private readonly legacy: ServerLeg;
  private readonly modern: ServerLeg;

  constructor(private readonly opts: HttpServerOptions) {
    this.rebindingProtection = isLoopbackBind(opts.host);
    opts.ready.then(() => {
      this.isReady = true;
    });
    const pending = () => (this.isReady ? undefined : opts.ready);
    this.legacy = new LegacyLeg({ handler: opts.handler, log: opts.log, pending });
    this.modern = new ModernLeg({ ...opts.modern, handler: opts.handler, log: opts.log, pending });
    // Explicit bounds rather than Node's defaults, which differ between Node versions and can be disabled (0).
    const headersTimeout = opts.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
    const requestTimeout = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.server = createServer(
      {
        headersTimeout,
        requestTimeout,
        keepAliveTimeout: opts.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
        connectionsCheckingInterval: deadlineCheckInterval(headersTimeout, requestTimeout),
      },
      (req, res) => this.route(req, res),
    );
  }

  get inFlight(): number {
    return this.requests.size;
  }

  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port, this.opts.host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /**
   * Stops accepting connections and waits (at most `graceMs`) for in-flight requests to finish. Requests still running
   * then are cut off (see cutOff) before the remaining connections are closed. Returns whether none had to be.
   */
  async shutdown(graceMs: number): Promise<boolean> {
    this.shuttingDown = true;
    this.modern.close?.();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const drained = await this.waitUntil(() => this.requests.size === 0, graceMs);
    if (!drained) await this.cutOff();
    this.server.closeAllConnections();
    await closed;
    return drained;
  }

  /**
   * Answers every request still in flight with a JSON-RPC error carrying its id (as the last event of an SSE stream
   * already started), instead of letting the caller see a reset connection, and aborts its call. Then waits (bounded)
   * for the answers to be written out and for the handlers to settle, so that the pipeline has recorded each call's
   * outcome before the caller of shutdown() closes the audit trail.
   */
  private async cutOff(): Promise<void> {
    const cut = [...this.requests];
    for (const r of cut) {
      r.channel.finish(errorResponse(r.id, -32000, CUT_OFF_MESSAGE), true);
      r.abort.abort();
    }
    await this.waitUntil(() => cut.every((r) => !this.requests.has(r) && (r.res.writableFinished || r.res.destroyed)), CUT_OFF_SETTLE_MS);
  }

  /** Polls `done` until it holds or `ms` have passed; returns whether it held. */
  private async waitUntil(done: () => boolean, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!done() && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    return done();
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const q = req.url?.indexOf('?') ?? -1;
    const path = q >= 0 ? req.url!.slice(0, q) : req.url;
    // `<path>/` too: the AgentCore health check POSTs its JSON-RPC ping to `/mcp/`.
    if (path === this.opts.path || path === `${this.opts.path}/`) {
      if (req.method === 'POST') {
        this.handlePost(req, res).catch((err) => {
          this.opts.log.error('unhandled error in request handling', { error: (err as Error)?.message });
          sendJson(res, 500, errorResponse(null, ErrorCode.InternalError, 'Internal error'));
        });
        return;
      }
      sendJson(res, 405, errorResponse(null, -32000, 'Method not allowed: this stateless MCP endpoint accepts POST only'), { allow: 'POST' });
      return;
    }
    if (path === this.opts.healthPath && (req.method === 'GET' || req.method === 'HEAD')) {
      const body = JSON.stringify(healthReport(this.opts.health, this.requests.size, this.isReady, this.lastActivity));
      sendJson(res, 200, body, { 'cache-control': 'no-store' });
      return;
    }
    sendJson(res, 404, JSON.stringify({ error: 'not found' }));
  }

  /** DNS-rebinding protection, only when bound to loopback (a local run): Host and Origin must name localhost. */
  private rebindingRejected(req: IncomingMessage): boolean {
    if (!this.rebindingProtection) return false;
    const host = req.headers.host;
    if (host !== undefined && !this.loopbackHost(host)) return true;
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== 'null' && !this.loopbackOrigin(origin)) return true;
    return false;
  }

  private async handlePost(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.shuttingDown) {
      sendJson(res, 503, errorResponse(null, -32000, 'Server is shutting down'), { connection: 'close' });
      return;
    }
    if (this.rebindingRejected(req)) {
      sendJson(res, 403, errorResponse(null, -32000, 'Forbidden: Host/Origin is not localhost'));
      return;
    }
    const ct = req.headers['content-type'];
    if (!ct || (ct !== 'application/json' && !JSON_CONTENT_TYPE.test(ct))) {
      sendJson(res, 415, errorResponse(null, ErrorCode.InvalidRequest, 'Unsupported Media Type: Content-Type must be application/json'));
      return;
    }
    const body = await readBody(req, this.opts.maxBodyBytes);
    if (!body.ok) {
      if (body.reason === 'too_large') {
        const msg = `Request body exceeds the limit of ${this.opts.maxBodyBytes} bytes`;
        // No `Connection: close`: Node would then destroy the socket with the body still arriving, and the client could
        // see a reset instead of this answer. The rest is discarded (bounded) and the connection cut only past the bound.
        sendJson(res, 413, errorResponse(null, ErrorCode.PayloadTooLarge, msg));
        discardRest(req);
      } else {
        res.destroy();
      }
      return;
    }
    let doc: unknown;
    try {
      doc = JSON.parse(body.text);
    } catch {
      sendJson(res, 400, ParseErrorBody);
      return;
    }
    const headers = flattenHeaders(req);
    const leg = classifyEra(doc, headers) === 'modern' ? this.modern : this.legacy;
    await leg.serve({ doc, headers, res }, this.run);
  }

  /** See RequestRunner: the request is aborted when the caller goes away, and answered by cutOff at shutdown. */
  private readonly run: RequestRunner = async (id, x, work) => {
    const { res } = x;
    const ac = new AbortController();
    const onClose = () => {
      if (!res.writableFinished) ac.abort();
    };
    res.once('close', onClose);
    const accept = x.headers.accept ?? '';
    const channel = new ResponseChannel(res, accept.includes('text/event-stream') || accept.includes('*/*'));
    const entry: InFlightRequest = { id, res, channel, abort: ac };
    this.requests.add(entry);
    try {
      await work({ signal: ac.signal, cancel: () => ac.abort(), channel });
    } finally {
      this.requests.delete(entry);
      this.lastActivity = Date.now();
    }
  };
}

