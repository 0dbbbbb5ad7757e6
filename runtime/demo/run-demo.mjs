#!/usr/bin/env node
/**
 * `npm run demo`: builds the proxy if needed, starts the demo upstream (runtime/demo/upstream.mjs) on 127.0.0.1 and the
 * proxy in front of it on 127.0.0.1:8000 (PORT overrides), prints the URL for MCP Inspector, stops cleanly on Ctrl-C.
 * `npm run demo -- --smoke`: same, then lists the tools and calls one through the proxy with the SDK client, prints
 * the results and exits 0 (non-zero on any failure). The smoke run uses an ephemeral port unless PORT is set.
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDemoUpstream } from './upstream.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bundle = join(root, 'assets', 'runtime', 'index.js');
const smoke = process.argv.includes('--smoke');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

if (!existsSync(bundle) || statSync(bundle).mtimeMs < newestSource(join(root, 'runtime', 'src'))) {
  console.log('Building the proxy bundle...');
  execFileSync(process.execPath, [join(root, 'runtime', 'build.mjs')], { stdio: 'inherit' });
}

const upstream = await startDemoUpstream();
const port = process.env.PORT ?? (smoke ? '0' : '8000');
const config = { version: 1, server: { host: '127.0.0.1' }, upstreams: [{ name: 'crm', url: upstream.url, timeoutMs: 10_000 }] };
const proxy = spawn(process.execPath, [bundle], {
  cwd: root,
  env: { ...process.env, MCP_PROXY_CONFIG: JSON.stringify(config), HOST: '127.0.0.1', PORT: port },
  // Interactive: the audit trail (stdout) shows what governance recorded. Smoke: only the results are printed.
  stdio: ['ignore', smoke ? 'ignore' : 'inherit', 'pipe'],
});

let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  if (proxy.exitCode === null && proxy.signalCode === null) {
    proxy.kill('SIGTERM');
    await new Promise((r) => proxy.once('exit', r));
  }
  await upstream.close();
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
proxy.once('exit', (code) => {
  if (!stopping) {
    console.error(`The proxy exited unexpectedly (code ${code}).`);
    void stop(1);
  }
});

// Relay the proxy's JSON logs; resolve when it is ready.
const ready = new Promise((resolveReady) => {
  let buf = '';
  proxy.stderr.setEncoding('utf8').on('data', (chunk) => {
    buf += chunk;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (!smoke) process.stderr.write(`${line}\n`);
      try {
        const log = JSON.parse(line);
        if (log.msg === 'listening') proxy.port = log.port;
        if (log.msg === 'ready') resolveReady(log);
      } catch {
        if (smoke) process.stderr.write(`${line}\n`);
      }
    }
  });
});

const readyLog = await ready;
const url = `http://127.0.0.1:${proxy.port}/mcp`;

if (!smoke) {
  console.log(`
Governance MCP proxy ready in ${readyLog.readyMs} ms.
  MCP endpoint (Streamable HTTP): ${url}
  Health:                         http://127.0.0.1:${proxy.port}/ping
  Demo upstream:                  ${upstream.url}

Point MCP Inspector at it:  npx @modelcontextprotocol/inspector  -> Transport "Streamable HTTP", URL ${url}
Press Ctrl-C to stop.`);
} else {
  try {
    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
    const client = new Client({ name: 'demo-smoke', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    const { tools } = await client.listTools();
    console.log(`tools/list through the proxy (${tools.length}): ${tools.map((t) => t.name).join(', ')}`);
    const result = await client.callTool({ name: 'get_weather', arguments: { city: 'Lisbon' } });
    console.log(`tools/call get_weather -> ${JSON.stringify(result.structuredContent ?? result.content)}`);
    await client.close();
    if (tools.length === 0 || result.isError) throw new Error('unexpected smoke result');
    console.log(`smoke test passed (proxy ready in ${readyLog.readyMs} ms)`);
    await stop(0);
  } catch (err) {
    console.error(`smoke test failed: ${err instanceof Error ? err.message : String(err)}`);
    await stop(1);
  }
}
