/**
 * Starting what the benchmark talks to: the SDK upstream, the loopback IdP, the loopback CloudWatch Logs endpoint,
 * proxy bundles with a given configuration, and the peer proxies. Everything binds 127.0.0.1.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OAuth2Server } from 'oauth2-mock-server';
import { AUDIENCE, BENCH_GROUP, proxyEnv } from '../scenarios.mjs';
import { freePort, jsonLine, startNode } from './proc.mjs';
import { post, toolsListBody } from './load.mjs';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The proxy bundle under test; PROXY_BUNDLE points elsewhere (e.g. an unminified build for readable profiles). */
export const BUNDLE = process.env.PROXY_BUNDLE ?? `${ROOT}assets/runtime/index.js`;
const SERVERS = `${ROOT}bench/servers/`;
const CW_HELPER = `${ROOT}test/support/cloudwatch-logs-endpoint.ts`;

/**
 * Starts the SDK upstream (HTTP, stateless) with a catalog of `tools` tools: the SDK v1 server (legacy, 2025
 * revisions), or with `era: 'modern'` the SDK v2 server answering 2026-07-28 only (servers/upstream-modern.mjs).
 */
export async function startUpstream({ tools = 3, era = 'legacy' } = {}) {
  const h = await startNode({
    name: era === 'modern' ? 'upstream-modern' : 'upstream',
    args: [`${SERVERS}${era === 'modern' ? 'upstream-modern.mjs' : 'upstream.mjs'}`, '--tools', String(tools)],
    isReady: (line, stream) => (stream === 'stdout' ? jsonLine(line)?.url : undefined),
    timeoutMs: 30_000,
  });
  return Object.assign(h, { url: h.ready });
}

/** Starts oauth2-mock-server on 127.0.0.1 (in-process: it is only hit at proxy start-up for the JWKS). */
export async function startIdp() {
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  await server.start(0, '127.0.0.1');
  const issuer = `http://127.0.0.1:${server.address().port}`;
  server.issuer.url = issuer;
  const token = await server.issuer.buildToken({
    expiresIn: 3600,
    scopesOrTransform: (_header, payload) => {
      payload.sub = 'bench-user';
      payload.aud = AUDIENCE;
      payload.groups = [BENCH_GROUP];
      payload.scope = 'mcp:tools';
      payload.client_id = 'bench-client';
    },
  });
  return { issuer, jwksUri: `${issuer}/jwks`, token, stop: () => server.stop() };
}

/** Starts the loopback CloudWatch Logs endpoint in a child (tsx), when the test helper exists. */
export async function startCloudWatch() {
  if (!existsSync(CW_HELPER)) return undefined;
  let events = NaN;
  const h = await startNode({
    name: 'cloudwatch-endpoint',
    args: ['--import', 'tsx', `${SERVERS}cloudwatch.mjs`, '--log-group', '/bench/audit'],
    isReady: (line, stream) => (stream === 'stdout' ? jsonLine(line)?.ready && jsonLine(line) : undefined),
    onLine: (line, stream) => {
      const j = stream === 'stdout' ? jsonLine(line) : undefined;
      if (j && typeof j.events === 'number') events = j.events;
    },
    timeoutMs: 30_000,
  });
  // The endpoint prints the count of audit events it stored when it stops.
  return { ...h.ready, pid: h.pid, handle: h, stop: h.stop, receivedEvents: () => events };
}

/** The shared environment every proxy configuration is built from. */
export function makeEnv({ upstreamUrl, idp, cloudwatch }) {
  return { upstreamUrl, idp, cloudwatch, tokenizationKey: randomBytes(64).toString('base64') };
}

/** Recognizes the proxy's JSON "ready" log line on stderr; returns { readyMs } (NaN when the line has none). */
export function proxyReadyLine(line, stream) {
  if (stream !== 'stderr') return undefined;
  const j = jsonLine(line);
  if (!j) return undefined;
  const msg = String(j.msg ?? j.message ?? '');
  if (msg === 'ready' || typeof j.readyMs === 'number') {
    return { readyMs: typeof j.readyMs === 'number' ? j.readyMs : NaN, line: j };
  }
  return undefined;
}

let proxyNodeArgs = [];
/** Extra node flags for every proxy child (e.g. --cpu-prof for `npm run bench -- --profile`). */
export function setProxyNodeArgs(args) {
  proxyNodeArgs = args;
}

/** Linux caps one environment string at 128 KiB (MAX_ARG_STRLEN): larger configs go through MCP_PROXY_CONFIG_FILE. */
const MAX_ENV_CONFIG = 100_000;

const stamps = new Map();
/**
 * MCP_PROXY_CONFIG_CHECKED as the construct deploys it: the `policiesChecked` stamp the bundle's own `check` prints
 * for this configuration (cached per bundle and configuration), so start-up skips re-validating the Cedar policies,
 * exactly as on AgentCore. Undefined when check refuses the configuration (start-up then says why).
 */
function checkedStamp(config, configEnv, env, bundle) {
  // The stamp covers the access-control section only (other fields, such as the port, do not change it).
  const key = `${bundle}\0${JSON.stringify(config.accessControl ?? null)}`;
  if (!stamps.has(key)) {
    let stamp;
    try {
      const out = execFileSync(process.execPath, [bundle, 'check'], { env: { ...process.env, ...env, ...configEnv }, encoding: 'utf8', timeout: 60_000 });
      stamp = JSON.parse(out.trim().split('\n').pop()).policiesChecked;
    } catch {
      stamp = undefined;
    }
    stamps.set(key, stamp);
  }
  return stamps.get(key);
}

/**
 * Starts the proxy bundle with `config` (a config document; its server.port is honoured; `node`: another node binary), passed in MCP_PROXY_CONFIG
 * (or, when too large for one environment variable, in a temporary file named by MCP_PROXY_CONFIG_FILE).
 * Audit to stdout goes to /dev/null; stderr (operational logs) is read for the ready line. The environment carries
 * MCP_PROXY_CONFIG_CHECKED as the construct sets it (see checkedStamp). `bundle`: another build of the proxy (A/B runs,
 * bench/ab.mjs).
 */
export async function startProxy(env, config, { timeoutMs = 60_000, name = 'proxy', node, bundle = BUNDLE, nodeArgs = [] } = {}) {
  if (!existsSync(bundle)) throw new Error(`runtime bundle missing: ${bundle} (npm run build:runtime)`);
  const text = JSON.stringify(config);
  let tmp;
  const configEnv = {};
  if (text.length > MAX_ENV_CONFIG) {
    tmp = mkdtempSync(join(tmpdir(), 'bench-proxy-'));
    writeFileSync(join(tmp, 'proxy-config.json'), text);
    configEnv.MCP_PROXY_CONFIG_FILE = join(tmp, 'proxy-config.json');
  } else {
    configEnv.MCP_PROXY_CONFIG = text;
  }
  const cleanup = () => tmp && rmSync(tmp, { recursive: true, force: true });
  let h;
  let listeningAt = NaN;
  const startupLog = [];
  let readySeen = false;
  const onLine = (line, stream) => {
    if (stream !== 'stderr' || readySeen) return;
    const j = jsonLine(line);
    if (!j?.time) return;
    startupLog.push({ msg: String(j.msg ?? ''), at: Date.parse(j.time) });
    if (j.msg === 'listening') listeningAt = Date.parse(j.time);
    if (j.msg === 'ready') readySeen = true;
  };
  try {
    const stamp = checkedStamp(config, configEnv, proxyEnv(env), bundle);
    const checked = stamp ? { MCP_PROXY_CONFIG_CHECKED: stamp } : {};
    h = await startNode({ name, node, args: [...proxyNodeArgs, ...nodeArgs, bundle], env: { ...proxyEnv(env), ...configEnv, ...checked }, stdout: 'null', isReady: proxyReadyLine, onLine, timeoutMs });
  } catch (e) {
    cleanup();
    throw e;
  }
  const stop = h.stop;
  h.stop = async () => {
    await stop();
    cleanup();
  };
  const degraded = h.ready.line?.degraded;
  if (Array.isArray(degraded) && degraded.length) {
    await h.stop();
    throw new Error(`${name}: ready but upstream(s) degraded: ${degraded.join(', ')}; stderr tail:\n${h.stderrTail.join('\n')}`);
  }
  // Discovery runs while the server starts listening; "listening" -> "ready" (log timestamps) is the discovery wait.
  const discoveryMs = Date.parse(h.ready.line?.time ?? '') - listeningAt;
  // The handle itself (not a copy): its exited/exitCode fields are updated when the process ends.
  // Start-up timeline: each log line before "ready", in ms since spawn (log timestamps have ms resolution).
  const timeline = startupLog.map((e) => ({ msg: e.msg, ms: e.at - h.spawnedWall }));
  return Object.assign(h, { url: `http://127.0.0.1:${config.server.port}${config.server.path ?? '/mcp'}`, readyMs: h.ready.readyMs, wallReadyMs: h.readyAt - h.spawnedAt, discoveryMs, readyLine: h.ready.line, timeline });
}

/** Polls with tools/list until a target answers a result (bounded). */
export async function waitForMcp(url, headers = {}, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const r = await post(url, toolsListBody(), headers, 2_000);
      if (r.status === 200 && r.text.includes('"tools"')) return;
      last = `${r.status} ${r.text.slice(0, 200)}`;
    } catch (e) {
      last = e.message;
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`${url} did not answer tools/list within ${timeoutMs} ms (${last})`);
}

/** mcp-proxy library fronting the HTTP upstream (HTTP -> HTTP). */
export async function startPeerHttp(upstreamUrl) {
  const port = await freePort();
  const h = await startNode({
    name: 'peer mcp-proxy (http)',
    args: [`${SERVERS}peer-mcp-proxy.mjs`, '--upstream', upstreamUrl, '--port', String(port)],
    isReady: (line, stream) => (stream === 'stdout' ? jsonLine(line)?.url : undefined),
    timeoutMs: 30_000,
  });
  return Object.assign(h, { url: h.ready });
}

/** The floor: a bare Node.js HTTP relay in front of the upstream (what any Node.js hop costs at least). */
export async function startFloor(upstreamUrl) {
  const h = await startNode({
    name: 'floor relay',
    args: [`${SERVERS}floor-proxy.mjs`, '--upstream', upstreamUrl],
    isReady: (line, stream) => (stream === 'stdout' ? jsonLine(line)?.url : undefined),
    timeoutMs: 30_000,
  });
  return Object.assign(h, { url: h.ready });
}

/** mcp-proxy CLI (as users run it) fronting the stdio variant of the same upstream. */
export async function startPeerCli() {
  const port = await freePort();
  const bin = `${ROOT}node_modules/mcp-proxy/dist/bin/mcp-proxy.mjs`;
  const h = await startNode({
    name: 'peer mcp-proxy (cli)',
    args: [bin, '--host', '127.0.0.1', '--port', String(port), '--stateless', '--server', 'stream', '--', process.execPath, `${SERVERS}upstream-stdio.mjs`],
    isReady: (line) => (/starting server/i.test(line) ? true : undefined),
    timeoutMs: 30_000,
  });
  const url = `http://127.0.0.1:${port}/mcp`;
  await waitForMcp(url);
  return Object.assign(h, { url });
}

/**
 * The tool lock of the bench upstream as users write it: the bundle's own `pin` command (assets/runtime/pin.js)
 * discovering the upstream with a proxy configuration. Returns the lock document (for pinning.lock).
 */
export function makeToolLock(env) {
  const pin = `${ROOT}assets/runtime/pin.js`;
  if (!existsSync(pin)) throw new Error(`pin command missing: ${pin} (npm run build:runtime)`);
  const tmp = mkdtempSync(join(tmpdir(), 'bench-pin-'));
  try {
    const config = join(tmp, 'proxy-config.json');
    const lock = join(tmp, 'mcp-tool-lock.json');
    writeFileSync(config, JSON.stringify({ version: 1, server: { host: '127.0.0.1', port: 1 }, upstreams: [{ name: 'bench', url: env.upstreamUrl, timeoutMs: 30_000 }], identity: { mode: 'none' }, accessControl: { enabled: false }, audit: { sink: 'none' } }));
    execFileSync(process.execPath, [pin, '--config', config, '--lock', lock], { env: { ...process.env, ...proxyEnv(env) }, stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
    return JSON.parse(readFileSync(lock, 'utf8'));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
