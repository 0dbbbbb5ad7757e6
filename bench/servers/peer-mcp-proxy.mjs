#!/usr/bin/env node
/**
 * Peer baseline: mcp-proxy (npm, punkpeye/mcp-proxy) fronting a Streamable HTTP upstream and exposing Streamable HTTP.
 *
 * mcp-proxy's CLI only spawns stdio servers. Its library API is transport-agnostic, so this does exactly what its CLI
 * does (bin/mcp-proxy: one upstream Client, `createServer` = new Server + `proxyServer`, `startHTTPServer`,
 * stateless, stream endpoint only) with one difference: the upstream Client uses `StreamableHTTPClientTransport`
 * instead of `StdioClientTransport`. No governance: it is a pure pass-through.
 *
 *   node bench/servers/peer-mcp-proxy.mjs --upstream <url> --port <port>
 * Prints `{"ready":true,"url":...}` on stdout once the upstream is connected and the server listens.
 * `@modelcontextprotocol/client` and `/server` (SDK v2) are mcp-proxy's own dependencies.
 */
import { parseArgs } from 'node:util';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Server } from '@modelcontextprotocol/server';
import { proxyServer, startHTTPServer } from 'mcp-proxy';

const { values } = parseArgs({
  options: {
    upstream: { type: 'string' },
    port: { type: 'string' },
    'max-lifetime-s': { type: 'string', default: '1800' },
  },
});

const client = new Client({ name: 'mcp-proxy', version: '1.0.0' }, { capabilities: {} });
await client.connect(new StreamableHTTPClientTransport(new URL(values.upstream)));
const serverCapabilities = client.getServerCapabilities();

const { close } = await startHTTPServer({
  createServer: async () => {
    const server = new Server(client.getServerVersion(), { capabilities: serverCapabilities, instructions: client.getInstructions() });
    await proxyServer({ client, server, serverCapabilities, requestTimeout: 30_000 });
    return server;
  },
  host: '127.0.0.1',
  port: Number(values.port),
  stateless: true,
  sseEndpoint: null,
  streamEndpoint: '/mcp',
  eventStore: false,
});
process.stdout.write(JSON.stringify({ ready: true, url: `http://127.0.0.1:${values.port}/mcp` }) + '\n');

const stop = async () => {
  setTimeout(() => process.exit(0), 1000).unref();
  try {
    await close();
    await client.close();
  } finally {
    process.exit(0);
  }
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setTimeout(stop, Number(values['max-lifetime-s']) * 1000).unref();
