#!/usr/bin/env node
/**
 * The benchmark upstream: a real MCP server from @modelcontextprotocol/sdk on Streamable HTTP, stateless
 * (a fresh Server + transport per POST, as the SDK's stateless example does), on 127.0.0.1.
 *
 *   node bench/servers/upstream.mjs [--port 0] [--tools N] [--sse]
 *
 * Prints one JSON line `{"ready":true,"url":"http://127.0.0.1:<port>/mcp"}` on stdout once listening.
 * `--sse` answers POSTs with an SSE stream instead of a JSON body (the SDK's default); JSON is the default here.
 * Stops on SIGTERM/SIGINT, or by itself after --max-lifetime-s (default 1800) so nothing outlives a crashed run.
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { serveUntilStopped } from './serve.mjs';
import { callTool, toolDefinitions } from './tools.mjs';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    tools: { type: 'string', default: '2' },
    sse: { type: 'boolean', default: false },
    'max-lifetime-s': { type: 'string', default: '1800' },
  },
});

const tools = toolDefinitions(Number(values.tools));
const MAX_BODY = 1_048_576;
// One validator for all per-request Servers: the SDK otherwise builds a new Ajv instance per Server (most of its CPU).
const jsonSchemaValidator = new AjvJsonSchemaValidator();

function mcpServer() {
  const server = new Server({ name: 'bench-upstream', version: '1.0.0' }, { capabilities: { tools: {} }, jsonSchemaValidator });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools }));
  server.setRequestHandler(CallToolRequestSchema, async (req) => callTool(req.params.name, req.params.arguments));
  return server;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const http = createServer(async (req, res) => {
  if (req.method !== 'POST' || !req.url?.startsWith('/mcp')) {
    res.writeHead(req.url?.startsWith('/mcp') ? 405 : 404).end();
    return;
  }
  let body;
  try {
    body = JSON.parse(await readBody(req));
  } catch {
    res.writeHead(400, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}');
    return;
  }
  const server = mcpServer();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: !values.sse });
  res.on('close', () => {
    transport.close().catch(() => {});
    server.close().catch(() => {});
  });
  try {
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  } catch {
    if (!res.headersSent) res.writeHead(500).end();
  }
});
serveUntilStopped(http, { port: values.port, tools: tools.length, maxLifetimeS: values['max-lifetime-s'] });
