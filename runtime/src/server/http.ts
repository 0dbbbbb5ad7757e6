/**
 * The HTTP front: AgentCore's MCP contract on one port.
 *   POST <path>        MCP Streamable HTTP, stateless (JSON response, or SSE when notifications must flow first)
 *   GET|DELETE <path>  405 (no standalone SSE stream and no sessions in stateless mode)
 *   GET <healthPath>   health (see health.ts)
 * Body size is enforced before the body is read whole; every failure is a JSON-RPC error, never a hang.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../log';
import { ErrorCode, GovernanceError } from '../pipeline/errors';
import { discardRest, readBody } from './body';
import { healthReport, type HealthSource } from './health';
import { classify, errorResponse, ParseErrorBody, resultResponse } from './jsonrpc';
import type { McpHandler } from './mcp-handler';
import { ResponseChannel } from './response';

export interface HttpServerOptions {
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly healthPath: string;
  readonly maxBodyBytes: number;
  readonly handler: McpHandler;
  readonly health: HealthSource;
  readonly log: Logger;
  /** Settles when the initial discovery has run once; MCP requests other than initialize/ping wait for it. */
  readonly ready: Promise<void>;
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

function flattenHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  const h = req.headers;
  for (const k in h) {
    const v = h[k];
    out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

function sendJson(res: ServerResponse, status: number, body: string, extra: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...extra });
  res.end(body);
}

export class ProxyHttpServer {
  readonly server: Server;
  private inFlightCount = 0;
  private lastActivity = Date.now();
  private shuttingDown = false;
  private isReady = false;
  private readonly rebindingProtection: boolean;

  constructor(private readonly opts: HttpServerOptions) {
    this.rebindingProtection = isLoopbackBind(opts.host);
    opts.ready.then(() => {
      this.isReady = true;
    });
    // Node's defaults bound how long a client may take to send headers and body (slow-loris); they do not limit how
    // long a response (a long tool call) may take.
    this.server = createServer((req, res) => this.route(req, res));
  }

  get inFlight(): number {
    return this.inFlightCount;
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

  /** Stops accepting connections and waits (at most `graceMs`) for in-flight requests to finish. */
  async shutdown(graceMs: number): Promise<boolean> {
    this.shuttingDown = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const deadline = Date.now() + graceMs;
    while (this.inFlightCount > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const drained = this.inFlightCount === 0;
    this.server.closeAllConnections();
    await closed;
    return drained;
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const q = req.url?.indexOf('?') ?? -1;
    const path = q >= 0 ? req.url!.slice(0, q) : req.url;
    if (path === this.opts.path) {
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
      const body = JSON.stringify(healthReport(this.opts.health, this.inFlightCount, this.isReady, this.lastActivity));
      sendJson(res, 200, body, { 'cache-control': 'no-store' });
      return;
    }
    sendJson(res, 404, JSON.stringify({ error: 'not found' }));
  }

  /** DNS-rebinding protection, only when bound to loopback (a local run): Host and Origin must name localhost. */
  private rebindingRejected(req: IncomingMessage): boolean {
    if (!this.rebindingProtection) return false;
    const host = req.headers.host;
    if (host !== undefined) {
      const name = hostnameOf(host, false);
      if (!name || !LOOPBACK_HOSTS.has(name)) return true;
    }
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== 'null') {
      const name = hostnameOf(origin, true);
      if (!name || !LOOPBACK_HOSTS.has(name)) return true;
    }
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
    const pv = req.headers['mcp-protocol-version'];
    if (typeof pv === 'string' && !SUPPORTED_PROTOCOL_VERSIONS.includes(pv)) {
      sendJson(res, 400, errorResponse(null, ErrorCode.InvalidRequest, `Unsupported MCP-Protocol-Version: ${pv.slice(0, 40)}`));
      return;
    }
    const ct = req.headers['content-type'];
    if (!ct || !/^application\/json\s*(;|$)/i.test(ct)) {
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
    const msg = classify(doc);
    if (msg.type === 'invalid') {
      sendJson(res, 400, errorResponse(msg.id, ErrorCode.InvalidRequest, `Invalid Request: ${msg.reason}`));
      return;
    }
    const headers = flattenHeaders(req);
    if (msg.type === 'response') {
      this.opts.handler.handleResponse(msg.message);
      res.writeHead(202).end();
      return;
    }
    if (msg.type === 'notification') {
      this.opts.handler.handleNotification(msg.message, headers);
      res.writeHead(202).end();
      return;
    }
    const message = msg.message;
    this.inFlightCount++;
    const ac = new AbortController();
    const onClose = () => {
      if (!res.writableFinished) ac.abort();
    };
    res.once('close', onClose);
    const accept = req.headers.accept ?? '';
    const channel = new ResponseChannel(res, accept.includes('text/event-stream') || accept.includes('*/*'));
    try {
      if (!this.isReady && message.method !== 'initialize' && message.method !== 'ping') await this.opts.ready;
      const result = await this.opts.handler.handle({ message, headers, signal: ac.signal, channel });
      channel.finish(resultResponse(message.id, result));
    } catch (err) {
      if (!channel.closed) channel.finish(this.errorBody(message.id, err));
    } finally {
      this.inFlightCount--;
      this.lastActivity = Date.now();
    }
  }

  private errorBody(id: string | number, err: unknown): string {
    if (err instanceof GovernanceError) return errorResponse(id, err.code, err.message, err.data);
    this.opts.log.error('internal error', { error: err instanceof Error ? err.message.slice(0, 200) : 'unknown' });
    return errorResponse(id, ErrorCode.InternalError, 'Internal error');
  }
}
