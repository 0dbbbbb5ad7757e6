/**
 * A fault-injecting MCP upstream for reliability tests: a plain node:http server on 127.0.0.1 that speaks just enough
 * of MCP Streamable HTTP (stateless: initialize, notifications, tools/list, tools/call, ping) to be discovered by the
 * proxy, and then misbehaves on purpose, one behaviour per tool name:
 *
 *   ok                  echoes its arguments (`text`, or the whole arguments object as JSON) as text content
 *   hang                never answers (until the connection closes); counts as in flight meanwhile
 *   reset               destroys the connection without an answer
 *   reset_mid           sends 200 and half of a JSON body, then destroys the connection
 *   http500 / http503   answers that HTTP status with a text body
 *   unauthorized        answers 401 (the proxy's credential is refused)
 *   malformed_json      200 application/json whose body is not JSON
 *   not_jsonrpc         200 application/json with a JSON value that is not a JSON-RPC message
 *   malformed_sse       200 text/event-stream with broken events and no result, then ends the stream
 *   jsonrpc_error       a JSON-RPC error response (`arguments.code`, default -32050; `arguments.message`)
 *   huge                a text result of `arguments.bytes` bytes (default 8 MiB)
 *   drip                a valid JSON answer sent one small chunk every `arguments.intervalMs` (default 200 ms)
 *
 * Every request is recorded (`requests`, `calls`) so tests can assert on the upstream side what was, and what was
 * never, forwarded. `authorize` lets a test refuse some credentials with 401 (token refresh tests).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export const FAULT_TOOLS = [
  'ok', 'hang', 'reset', 'reset_mid', 'http500', 'http503', 'unauthorized', 'malformed_json', 'not_jsonrpc',
  'malformed_sse', 'jsonrpc_error', 'huge', 'drip',
] as const;
export type FaultTool = (typeof FAULT_TOOLS)[number];

export interface ToolDefinition {
  readonly name: string;
  readonly description?: string;
  readonly inputSchema: Record<string, unknown>;
  readonly annotations?: Record<string, unknown>;
}

/** What the upstream received for one tools/call. */
export interface ReceivedCall {
  readonly name: string;
  readonly arguments: unknown;
  /** The raw JSON-RPC body text (to check e.g. that a key never reached the upstream). */
  readonly raw: string;
  readonly headers: IncomingMessage['headers'];
}

export interface ReceivedRequest {
  readonly httpMethod: string;
  /** JSON-RPC method, when the body was one. */
  readonly rpcMethod?: string;
  readonly headers: IncomingMessage['headers'];
}

export interface FaultUpstreamOptions {
  /** Tool definitions served by tools/list. @default one `{type: object}` tool per FAULT_TOOLS name */
  readonly tools?: readonly ToolDefinition[];
  /** Listen on this port (to bring an upstream back where the proxy expects it). @default ephemeral */
  readonly port?: number;
  /** serverInfo.name */
  readonly name?: string;
  /**
   * Called for every POST; return false to answer 401 (e.g. a revoked bearer token). Discovery requests included.
   * @default every request is authorized
   */
  readonly authorize?: (req: IncomingMessage) => boolean;
  /** Custom behaviour for tool names not in FAULT_TOOLS (return the tools/call result). */
  readonly handlers?: Readonly<Record<string, (args: Record<string, unknown>) => unknown>>;
}

export interface FaultUpstream {
  readonly url: string;
  readonly port: number;
  readonly requests: ReceivedRequest[];
  readonly calls: ReceivedCall[];
  /** tools/call requests received for `name`. */
  callsTo(name: string): ReceivedCall[];
  /** `hang` / `drip` requests whose connection is still open. */
  inFlight(): number;
  /** Requests the proxy gave up on (connection closed before the upstream answered). */
  abandoned(): number;
  /** notifications/cancelled the proxy sent. */
  cancellations(): number;
  /** Replaces the tool list (the proxy sees it at its next discovery). */
  setTools(tools: readonly ToolDefinition[]): void;
  /** Stops listening and drops every connection (the port is free afterwards: connections are refused). */
  close(): Promise<void>;
}

export function defaultFaultTools(): ToolDefinition[] {
  return FAULT_TOOLS.map((name) => ({ name, description: `fault: ${name}`, inputSchema: { type: 'object' } }));
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFaultUpstream(opts: FaultUpstreamOptions = {}): Promise<FaultUpstream> {
  let tools: readonly ToolDefinition[] = opts.tools ?? defaultFaultTools();
  const requests: ReceivedRequest[] = [];
  const calls: ReceivedCall[] = [];
  const sockets = new Set<Socket>();
  let open = 0;
  let abandoned = 0;
  let cancelled = 0;

  const toolCall = (res: ServerResponse, id: unknown, name: string, args: Record<string, unknown>): void => {
    const result = (r: unknown) => json(res, 200, { jsonrpc: '2.0', id, result: r });
    const track = () => {
      open++;
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        open--;
      };
      res.once('finish', finish);
      res.once('close', () => {
        if (!res.writableFinished) abandoned++;
        finish();
      });
    };
    switch (name) {
      case 'ok':
        result({ content: [{ type: 'text', text: typeof args.text === 'string' ? args.text : JSON.stringify(args) }] });
        return;
      case 'hang':
        track();
        return;
      case 'reset':
        res.socket?.destroy();
        return;
      case 'reset_mid': {
        const body = JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: 'x'.repeat(4096) }] } });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.write(body.slice(0, body.length >> 1), () => setTimeout(() => res.socket?.destroy(), 10));
        return;
      }
      case 'http500':
        res.writeHead(500, { 'content-type': 'text/plain' }).end('internal server error');
        return;
      case 'http503':
        res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '1' }).end('service unavailable');
        return;
      case 'unauthorized':
        res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer error="invalid_token"' }).end('{"error":"invalid_token"}');
        return;
      case 'malformed_json':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":' + JSON.stringify(id) + ',"result":{"content":[{"type":"text","text":"unterminated');
        return;
      case 'not_jsonrpc':
        json(res, 200, { hello: 'world', items: [1, 2, 3] });
        return;
      case 'malformed_sse':
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.write('event: message\ndata: {"jsonrpc":"2.0","id":\n\n');
        res.write('data: this is not json at all\n\n');
        res.write('event: message\ndata: {"jsonrpc":"1.0","oops":true}\n\n');
        res.end(': the stream ends without a result\n\n');
        return;
      case 'jsonrpc_error':
        json(res, 200, {
          jsonrpc: '2.0',
          id,
          error: { code: typeof args.code === 'number' ? args.code : -32050, message: typeof args.message === 'string' ? args.message : 'the upstream tool failed' },
        });
        return;
      case 'huge': {
        const bytes = typeof args.bytes === 'number' && args.bytes > 0 ? Math.floor(args.bytes) : 8 * 1024 * 1024;
        result({ content: [{ type: 'text', text: 'h'.repeat(bytes) }] });
        return;
      }
      case 'drip': {
        track();
        const interval = typeof args.intervalMs === 'number' ? args.intervalMs : 200;
        const body = JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: 'drip '.repeat(200) }] } });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        let i = 0;
        const timer = setInterval(() => {
          if (res.destroyed) {
            clearInterval(timer);
            return;
          }
          res.write(body.slice(i, i + 8));
          i += 8;
          if (i >= body.length) {
            clearInterval(timer);
            res.end();
          }
        }, interval);
        res.once('close', () => clearInterval(timer));
        return;
      }
      default: {
        const h = opts.handlers?.[name];
        if (h) {
          result(h(args));
          return;
        }
        json(res, 200, { jsonrpc: '2.0', id, error: { code: -32602, message: `Unknown tool: ${name.slice(0, 100)}` } });
      }
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST') {
      req.resume();
      requests.push({ httpMethod: req.method ?? '', headers: req.headers });
      res.writeHead(req.method === 'DELETE' ? 200 : 405, { allow: 'POST' }).end();
      return;
    }
    const raw = await readText(req);
    let msg: { id?: unknown; method?: unknown; params?: Record<string, unknown> } | undefined;
    try {
      msg = JSON.parse(raw) as typeof msg;
    } catch {
      msg = undefined;
    }
    const rpcMethod = typeof msg?.method === 'string' ? msg.method : undefined;
    requests.push({ httpMethod: 'POST', rpcMethod, headers: req.headers });
    if (opts.authorize && !opts.authorize(req)) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer error="invalid_token"' }).end('{"error":"invalid_token"}');
      return;
    }
    if (!msg || !rpcMethod) {
      json(res, 400, { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request' } });
      return;
    }
    if (msg.id === undefined) {
      if (rpcMethod === 'notifications/cancelled') cancelled++;
      res.writeHead(202).end();
      return;
    }
    const id = msg.id;
    const params = msg.params ?? {};
    switch (rpcMethod) {
      case 'initialize':
        json(res, 200, {
          jsonrpc: '2.0',
          id,
          result: {
            protocolVersion: typeof params.protocolVersion === 'string' ? params.protocolVersion : '2025-06-18',
            capabilities: { tools: { listChanged: true } },
            serverInfo: { name: opts.name ?? 'fault-upstream', version: '1.0.0' },
          },
        });
        return;
      case 'ping':
        json(res, 200, { jsonrpc: '2.0', id, result: {} });
        return;
      case 'tools/list':
        json(res, 200, { jsonrpc: '2.0', id, result: { tools } });
        return;
      case 'tools/call': {
        const name = typeof params.name === 'string' ? params.name : '';
        const args = params.arguments && typeof params.arguments === 'object' ? (params.arguments as Record<string, unknown>) : {};
        calls.push({ name, arguments: params.arguments, raw, headers: req.headers });
        toolCall(res, id, name, args);
        return;
      }
      default:
        json(res, 200, { jsonrpc: '2.0', id, error: { code: -32601, message: 'Method not found' } });
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    port,
    requests,
    calls,
    callsTo: (name) => calls.filter((c) => c.name === name),
    inFlight: () => open,
    abandoned: () => abandoned,
    cancellations: () => cancelled,
    setTools: (t) => {
      tools = t;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
