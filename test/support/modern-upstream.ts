/**
 * Real MCP 2026-07-28 upstream servers for tests: the official SDK v2 server package (`@modelcontextprotocol/server`)
 * behind its own `createMcpHandler` entry, served over node:http on 127.0.0.1:<ephemeral>.
 *
 *   const up = await startModernUpstream(() => { const s = new McpServer({ name: 'x', version: '1' }); ...; return s; }, { legacy: 'reject' });
 *   up.url  // http://127.0.0.1:<port>/mcp
 *
 * `legacy: 'reject'` is a modern-only server (it answers `initialize` with an error naming its versions);
 * `legacy: 'stateless'` (the SDK's default) is dual-era. Every HTTP request is recorded (method, headers, JSON body).
 */
import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import {
  createMcpHandler,
  hostHeaderValidationResponse,
  localhostAllowedHostnames,
  localhostAllowedOrigins,
  originValidationResponse,
  type McpServer,
  type ServerNotifier,
} from '@modelcontextprotocol/server';

export interface ModernUpstreamOptions {
  /** `reject`: modern only; `stateless`: dual-era (2025 traffic served statelessly). */
  readonly legacy: 'reject' | 'stateless';
  /** Listen on this port (e.g. to replace an upstream where the proxy expects it). Default: ephemeral. */
  readonly port?: number;
  /** Refuse requests whose Host or Origin is not localhost (DNS rebinding protection, the SDK's own helpers). */
  readonly localhostOnly?: boolean;
}

export interface RecordedRequest {
  readonly method: string;
  readonly headers: IncomingMessage['headers'];
  readonly body?: { method?: string; params?: Record<string, unknown>; [k: string]: unknown };
}

export interface ModernUpstream {
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** Publishes list changes to open `subscriptions/listen` streams (the handler's own notifier). */
  readonly notify: ServerNotifier;
  /** The JSON-RPC methods received, in order. */
  methods(): string[];
  close(): Promise<void>;
}

export async function startModernUpstream(factory: () => McpServer, opts: ModernUpstreamOptions): Promise<ModernUpstream> {
  const handler = createMcpHandler(() => factory(), { legacy: opts.legacy, keepAliveMs: 0 });
  const requests: RecordedRequest[] = [];
  let port = 0;
  const http: HttpServer = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const raw = Buffer.concat(chunks);
      let body: RecordedRequest['body'];
      try {
        body = raw.length > 0 ? JSON.parse(raw.toString('utf8')) : undefined;
      } catch {
        body = undefined;
      }
      requests.push({ method: req.method ?? '', headers: req.headers, body });
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === 'string') headers.set(k, v);
        else if (Array.isArray(v)) for (const item of v) headers.append(k, item);
      }
      const abort = new AbortController();
      res.once('close', () => abort.abort());
      const request = new Request(`http://127.0.0.1:${port}${req.url ?? '/'}`, {
        method: req.method,
        headers,
        body: req.method === 'POST' || req.method === 'PUT' ? raw : undefined,
        signal: abort.signal,
      });
      const refused = opts.localhostOnly
        ? (hostHeaderValidationResponse(request, localhostAllowedHostnames()) ?? originValidationResponse(request, localhostAllowedOrigins()))
        : undefined;
      const response = refused ?? (await handler.fetch(request));
      const out: Record<string, string> = {};
      response.headers.forEach((value, name) => (out[name] = value));
      res.writeHead(response.status, out);
      if (!response.body) {
        res.end();
        return;
      }
      Readable.fromWeb(response.body as import('node:stream/web').ReadableStream).on('error', () => res.destroy()).pipe(res);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(err));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (http.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    port,
    requests,
    notify: handler.notify,
    methods: () => requests.map((r) => r.body?.method ?? `(${r.method})`),
    close: async () => {
      await handler.close().catch(() => {});
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
