#!/usr/bin/env node
/**
 * A cheap 2025-era MCP upstream for A/B runs of the proxy's own CPU (bench/passthrough-ab.mjs): canned JSON answers to
 * initialize, notifications, tools/list and tools/call of `echo`, no SDK, so that the upstream's own work loads the
 * shared cores as little as possible. Not a conformance reference: the real upstreams are upstream.mjs and
 * upstream-modern.mjs.
 *
 *   node bench/servers/canned-upstream.mjs [--port 0]
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { serveUntilStopped } from './serve.mjs';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, 'max-lifetime-s': { type: 'string', default: '1800' } } });
const tools = [{ name: 'echo', description: 'Echoes its text', inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } }];

function answer(res, body) {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

const http = createServer((req, res) => {
  if (req.method !== 'POST') {
    res.writeHead(405).end();
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let m;
    try {
      m = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (m.id === undefined) {
      res.writeHead(202).end();
      return;
    }
    if (m.method === 'initialize') answer(res, { jsonrpc: '2.0', id: m.id, result: { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'canned', version: '1.0.0' } } });
    else if (m.method === 'tools/list') answer(res, { jsonrpc: '2.0', id: m.id, result: { tools } });
    else if (m.method === 'tools/call' && m.params?.name === 'echo') answer(res, { jsonrpc: '2.0', id: m.id, result: { content: [{ type: 'text', text: String(m.params.arguments?.text ?? '') }] } });
    else answer(res, { jsonrpc: '2.0', id: m.id, error: { code: -32601, message: 'Method not found' } });
  });
});
serveUntilStopped(http, { port: values.port, tools: tools.length, maxLifetimeS: values['max-lifetime-s'] });
