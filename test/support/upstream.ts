/**
 * Real MCP upstream servers for tests, built with the SDK and served over Streamable HTTP on 127.0.0.1:<ephemeral>.
 *
 *   const up = await startSdkUpstream(() => { const s = new McpServer({ name: 'x', version: '1' }); s.registerTool(...); return s; });
 *   up.url  // http://127.0.0.1:<port>/mcp
 *   await up.close();
 *
 * `createServer` is called once per MCP session (stateful mode, the default: the upstream issues Mcp-Session-Id) or
 * once per HTTP request (stateless mode). `expireSessions()` forgets every session, so the next request carrying an
 * old Mcp-Session-Id gets HTTP 404, as a restarted upstream would answer.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

export interface SdkUpstreamOptions {
  readonly mode?: 'stateful' | 'stateless';
  /** Listen on this port (e.g. to bring an upstream "back up" where the proxy expects it). Default: ephemeral. */
  readonly port?: number;
  /** Called for every HTTP request before the MCP transport sees it (e.g. to inspect headers). */
  readonly onHttpRequest?: (req: IncomingMessage) => void;
  /** When given, a request for which it returns false is answered HTTP 401 (e.g. to test credential refresh). */
  readonly authorize?: (req: IncomingMessage, body: unknown) => boolean;
}

export interface SdkUpstream {
  readonly url: string;
  readonly port: number;
  /** Every HTTP request the upstream received (method, headers, parsed JSON-RPC body). */
  readonly requests: { method: string; headers: IncomingMessage['headers']; body?: unknown }[];
  /** Number of MCP sessions opened (initialize handshakes) so far. */
  sessionsOpened(): number;
  expireSessions(): Promise<void>;
  close(): Promise<void>;
}

type AnyServer = McpServer | Server;

function lowLevel(s: AnyServer): Server {
  return 'server' in s && typeof (s as McpServer).registerTool === 'function' ? (s as McpServer).server : (s as Server);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  if (chunks.length === 0) return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function startSdkUpstream(createServerFn: () => AnyServer, opts: SdkUpstreamOptions = {}): Promise<SdkUpstream> {
  const mode = opts.mode ?? 'stateful';
  const sessions = new Map<string, { transport: StreamableHTTPServerTransport; server: AnyServer }>();
  const requests: SdkUpstream['requests'] = [];
  let opened = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    opts.onHttpRequest?.(req);
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    requests.push({ method: req.method ?? '', headers: req.headers, body });
    if (opts.authorize && !opts.authorize(req, body)) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' }).end(JSON.stringify({ error: 'unauthorized' }));
      return;
    }
    if (mode === 'stateless') {
      if (req.method !== 'POST') {
        res.writeHead(405, { allow: 'POST' }).end();
        return;
      }
      const server = createServerFn();
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await lowLevel(server).connect(transport);
      await transport.handleRequest(req, res, body);
      return;
    }
    const sid = req.headers['mcp-session-id'];
    if (typeof sid === 'string') {
      const s = sessions.get(sid);
      if (!s) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } }));
        return;
      }
      await s.transport.handleRequest(req, res, body);
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(400).end();
      return;
    }
    const server = createServerFn();
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        opened++;
        sessions.set(id, { transport, server });
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await lowLevel(server).connect(transport);
    await transport.handleRequest(req, res, body);
  };

  const http: HttpServer = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) res.writeHead(500).end(String(err));
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (http.address() as AddressInfo).port;

  const expireSessions = async () => {
    const all = [...sessions.values()];
    sessions.clear();
    await Promise.all(all.map(async (s) => {
      await s.transport.close().catch(() => {});
      await s.server.close().catch(() => {});
    }));
  };

  return {
    url: `http://127.0.0.1:${port}/mcp`,
    port,
    requests,
    sessionsOpened: () => opened,
    expireSessions,
    close: async () => {
      await expireSessions();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
