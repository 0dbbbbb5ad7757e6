#!/usr/bin/env node
/**
 * The floor: the least a Node.js HTTP hop can cost on this machine. Reads each POST body whole, forwards it on a
 * keep-alive socket to the upstream, reads the answer whole and writes it back; no MCP, no JSON parsing, no governance.
 * `npm run bench` measures it beside the proxy so the proxy's own cost (what it adds above the floor) is visible.
 *
 *   node bench/servers/floor-proxy.mjs --upstream http://127.0.0.1:PORT/mcp [--port 0]
 *
 * Prints one JSON line `{"ready":true,"url":"http://127.0.0.1:<port>/mcp"}` on stdout once listening.
 */
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { upstream: { type: 'string' }, port: { type: 'string', default: '0' }, 'max-lifetime-s': { type: 'string', default: '1800' } } });
if (!values.upstream) {
  process.stderr.write('--upstream is required\n');
  process.exit(2);
}
const upstream = new URL(values.upstream);
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function readAll(stream, done) {
  const chunks = [];
  stream.on('data', (c) => chunks.push(c));
  stream.on('end', () => done(Buffer.concat(chunks)));
}

// The MCP-* headers a 2026-07-28 request carries (MCP-Protocol-Version, Mcp-Method, Mcp-Name) are passed on as they
// are, so the relay can front the 2026-07-28 upstream too.
const mcpHeaders = (h) => Object.fromEntries(Object.entries(h).filter(([k]) => k.startsWith('mcp-')));

const server = http.createServer((req, res) => {
  readAll(req, (body) => {
    const out = http.request(
      upstream,
      { method: 'POST', agent, headers: { ...mcpHeaders(req.headers), 'content-type': 'application/json', accept: req.headers.accept ?? 'application/json', 'content-length': body.length } },
      (up) =>
        readAll(up, (answer) => {
          res.writeHead(up.statusCode ?? 502, { 'content-type': up.headers['content-type'] ?? 'application/json', 'content-length': answer.length });
          res.end(answer);
        }),
    );
    out.on('error', () => {
      res.writeHead(502).end();
    });
    out.end(body);
  });
});
server.listen(Number(values.port), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ ready: true, url: `http://127.0.0.1:${server.address().port}/mcp` })}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setTimeout(() => process.exit(0), Number(values['max-lifetime-s']) * 1000).unref();
