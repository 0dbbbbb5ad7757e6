#!/usr/bin/env node
/**
 * The benchmark's modern upstream: the same tools as upstream.mjs, served by the SDK v2 server package
 * (`@modelcontextprotocol/server`, `createMcpHandler`) as a 2026-07-28-only server (it answers `initialize` with an
 * error), over node:http on 127.0.0.1. Answers are single JSON bodies (the SDK's `auto` mode: no notification here).
 *
 *   node bench/servers/upstream-modern.mjs [--port 0] [--tools N]
 *
 * Prints one JSON line `{"ready":true,"url":"http://127.0.0.1:<port>/mcp"}` on stdout once listening.
 * Stops on SIGTERM/SIGINT, or by itself after --max-lifetime-s (default 1800) so nothing outlives a crashed run.
 */
import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { createMcpHandler, fromJsonSchema, McpServer } from '@modelcontextprotocol/server';
import { serveUntilStopped } from './serve.mjs';
import { callTool, toolDefinitions } from './tools.mjs';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    tools: { type: 'string', default: '2' },
    'max-lifetime-s': { type: 'string', default: '1800' },
  },
});

const tools = toolDefinitions(Number(values.tools));
// Input schemas converted once, shared by the per-request server instances.
const schemas = new Map(tools.map((t) => [t.name, fromJsonSchema(t.inputSchema)]));

function mcpServer() {
  const server = new McpServer({ name: 'bench-upstream-modern', version: '1.0.0' });
  for (const t of tools) {
    server.registerTool(t.name, { description: t.description, inputSchema: schemas.get(t.name), annotations: t.annotations }, async (args) => callTool(t.name, args));
  }
  return server;
}

const handler = createMcpHandler(mcpServer, { legacy: 'reject', keepAliveMs: 0 });
let port = 0;

const http = createServer(async (req, res) => {
  try {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
    const abort = new AbortController();
    res.once('close', () => abort.abort());
    const response = await handler.fetch(
      new Request(`http://127.0.0.1:${port}${req.url}`, { method: req.method, headers, body: req.method === 'POST' ? Buffer.concat(chunks) : undefined, signal: abort.signal }),
    );
    const out = {};
    response.headers.forEach((value, name) => (out[name] = value));
    res.writeHead(response.status, out);
    if (response.body) Readable.fromWeb(response.body).on('error', () => res.destroy()).pipe(res);
    else res.end();
  } catch {
    if (!res.headersSent) res.writeHead(500).end();
    else res.destroy();
  }
});
serveUntilStopped(http, { port: values.port, tools: tools.length, maxLifetimeS: values['max-lifetime-s'], onPort: (p) => (port = p) });
