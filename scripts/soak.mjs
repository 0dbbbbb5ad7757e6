#!/usr/bin/env node
/**
 * Soak test of the BUILT proxy bundle (assets/runtime/index.js), loopback only, bounded in time.
 *
 *   node scripts/soak.mjs [--minutes 5] [--rate 40] [--sample-seconds 5] [--concurrency 32] [--out docs/SOAK.md] [--no-write]
 *
 * Holds a steady rate of tools/call (plus a tools/list now and then) through the full pipeline: JWT identity against a
 * real OIDC issuer (oauth2-mock-server), Cedar access control with an argument condition, input sanitization, PII
 * tokenization of arguments, redaction of results, and the audit trail shipped (fail-closed) to the loopback CloudWatch
 * Logs endpoint (test/support/cloudwatch-logs-endpoint.ts: real wire protocol, SigV4-verified), in front of a real MCP
 * server built with the SDK (test/support/upstream.ts). Samples the proxy's RSS every few seconds.
 *
 * At the end: stops the load, shuts the proxy down with SIGTERM (final audit flush), then checks that every call
 * succeeded, that every call the upstream saw has its decision record in CloudWatch, and that the hash chain verifies.
 * Prints the figures (RSS first/last/max, linear-regression slope, latency percentiles) and writes them to docs/SOAK.md.
 * Exit code 0 when there were zero errors and the audit checks passed; 1 otherwise. Stops by itself: a watchdog ends
 * everything `minutes + 3` minutes after the start whatever happens.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
// The loopback helpers are TypeScript (test/support): run under tsx's loader, re-executing once if needed.
if (!process.env.SOAK_UNDER_TSX) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, SOAK_UNDER_TSX: '1' },
  });
  process.exit(r.status ?? 1);
}
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUNDLE = `${ROOT}assets/runtime/index.js`;

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    rate: { type: 'string', default: '40' },
    'sample-seconds': { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '32' },
    out: { type: 'string', default: `${ROOT}docs/SOAK.md` },
    /** Extra Node/V8 flags for the proxy process (diagnosis), e.g. "--trace-deopt" or "--max-opt=2". */
    'proxy-node-flags': { type: 'string', default: '' },
    /** Diagnosis: no governance stages and no audit (transport and upstream client only). */
    minimal: { type: 'boolean', default: false },
    /** Diagnosis: also write every stdout line of the proxy (e.g. --trace-gc output) to this file. */
    'proxy-stdout-file': { type: 'string', default: '' },
    /** The proxy's log level (debug shows upstream transport errors). */
    'proxy-log-level': { type: 'string', default: 'info' },
    'no-write': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(2, 18).map((l) => l.replace(/^ \*\/? ?/, '')).join('\n') + '\n');
  process.exit(0);
}
const MINUTES = Number(args.minutes);
const RATE = Number(args.rate);
const SAMPLE_S = Number(args['sample-seconds']);
const CONCURRENCY = Number(args.concurrency);
for (const [k, v] of Object.entries({ minutes: MINUTES, rate: RATE, 'sample-seconds': SAMPLE_S, concurrency: CONCURRENCY })) {
  if (!Number.isFinite(v) || v <= 0) {
    process.stderr.write(`--${k} must be a positive number\n`);
    process.exit(2);
  }
}
if (!existsSync(BUNDLE)) {
  process.stderr.write(`The proxy bundle ${BUNDLE} is missing: run \`npm run build:runtime\` first.\n`);
  process.exit(2);
}

const say = (msg) => process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const cleanups = [];
let finished = false;
async function cleanup() {
  while (cleanups.length) {
    try {
      await cleanups.pop()();
    } catch {
      // best effort
    }
  }
}
// The watchdog: whatever happens, nothing outlives minutes + 3.
const watchdog = setTimeout(async () => {
  say('watchdog: the soak ran over its time bound; stopping everything');
  await cleanup();
  process.exit(1);
}, (MINUTES + 3) * 60_000);
watchdog.unref();
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    say(`${sig}: stopping`);
    await cleanup();
    process.exit(130);
  });
}

// ---------------------------------------------------------------------------------------------------------------------
// Loopback parts: OIDC issuer, CloudWatch Logs endpoint, SDK upstream.
const { OAuth2Server } = await import('oauth2-mock-server');
const { McpServer } = await import('@modelcontextprotocol/sdk/server/mcp.js');
const { z } = await import('zod');
const { startSdkUpstream } = await import('../test/support/upstream.ts');
const { LoopbackCloudWatchLogs, TEST_CREDENTIALS } = await import('../test/support/cloudwatch-logs-endpoint.ts');
const { verifyAuditLog } = await import('../runtime/src/stages/audit/verify.ts');

const idp = new OAuth2Server();
await idp.issuer.keys.generate('RS256');
await idp.start(0, '127.0.0.1');
cleanups.push(() => idp.stop());
const issuer = idp.issuer.url;
const callerToken = await idp.issuer.buildToken({
  expiresIn: Math.ceil(MINUTES * 60 + 900),
  scopesOrTransform: (_h, p) => Object.assign(p, { sub: 'soak-user', aud: 'soak-api', 'cognito:groups': ['analysts'] }),
});

const LOG_GROUP = '/soak/audit';
const cw = await LoopbackCloudWatchLogs.start({ logGroups: [LOG_GROUP] });
cleanups.push(() => cw.close());

let upstreamToolCalls = 0;
const upstream = await startSdkUpstream(() => {
  const s = new McpServer({ name: 'soak-upstream', version: '1.0.0' });
  s.registerTool('lookup', { description: 'Looks a customer up', inputSchema: { region: z.string(), email: z.string(), note: z.string().optional() } }, async ({ region, email, note }) => {
    upstreamToolCalls++;
    return { content: [{ type: 'text', text: `customer in ${region}: ${email} ${note ?? ''}`.trim() }] };
  });
  s.registerTool('profile', { description: 'Returns a profile with PII', inputSchema: { id: z.number() } }, async ({ id }) => {
    upstreamToolCalls++;
    return { content: [{ type: 'text', text: `profile ${id}: jane.doe@example.com, +1 415 555 0100, SSN 123-45-6789` }], structuredContent: { id, email: 'jane.doe@example.com' } };
  });
  s.registerTool('admin_purge', { description: 'Hidden from analysts' }, async () => {
    upstreamToolCalls++;
    return { content: [{ type: 'text', text: 'purged' }] };
  });
  return s;
});
cleanups.push(() => upstream.close());
// The helper keeps every request for assertions; the soak does not need them (and must not grow without bound).
const trimUpstream = setInterval(() => (upstream.requests.length = 0), 1000);
trimUpstream.unref();

// ---------------------------------------------------------------------------------------------------------------------
// The proxy, full pipeline.
const config = {
  version: 1,
  server: { host: '127.0.0.1', port: 0 },
  upstreams: [{ name: 'crm', url: upstream.url, timeoutMs: 10_000 }],
  identity: { mode: 'jwt', jwt: { issuer, audiences: ['soak-api'] } },
  accessControl: {
    enabled: true,
    ruleSets: [
      {
        name: 'soak',
        rules: [
          { id: 'lookup-eu-us', effect: 'permit', groups: ['analysts'], tools: ['lookup'], when: 'context.arguments.hasTag("region") && context.arguments.getTag("region") has string && ["eu", "us"].contains(context.arguments.getTag("region").string)' },
          { id: 'profiles', effect: 'permit', groups: ['analysts'], tools: ['profile'] },
        ],
      },
    ],
  },
  sanitize: { enabled: true, denyPatterns: [{ name: 'sql', pattern: 'drop\\s+table', caseInsensitive: true }] },
  tokenize: { enabled: true },
  redact: { enabled: true },
  audit: {
    sink: 'cloudwatch',
    failMode: 'closed',
    cloudwatch: { logGroupName: LOG_GROUP, region: 'us-east-1', endpoint: cw.endpoint },
    flushIntervalMs: 1000,
    closeTimeoutMs: 20_000,
    metrics: { enabled: true, intervalMs: 60_000 },
  },
};
if (args.minimal) {
  for (const k of ['identity', 'accessControl', 'sanitize', 'tokenize', 'redact']) delete config[k];
  config.audit = { sink: 'none', metrics: { enabled: false } };
}
const proxyEnv = {
  PATH: process.env.PATH ?? '',
  HOST: '127.0.0.1',
  PORT: '0',
  MCP_PROXY_CONFIG: JSON.stringify(config),
  MCP_PROXY_LOG_LEVEL: args['proxy-log-level'],
  MCP_PROXY_TOKENIZATION_KEY: randomBytes(64).toString('hex'),
  AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
  AWS_REGION: 'us-east-1',
};
const nodeFlags = args['proxy-node-flags'].split(/\s+/).filter(Boolean);
const child = spawn(process.execPath, [...nodeFlags, BUNDLE], { cwd: ROOT, env: proxyEnv, stdio: ['ignore', 'pipe', 'pipe'] });
const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
cleanups.push(async () => {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await exited;
  }
});
const logCounts = { debug: 0, info: 0, warn: 0, error: 0 };
/** Warnings/errors (and, at debug level, upstream transport errors) by message, for the report. */
const notable = new Map();
const lastLogs = [];
let stderrBuf = '';
let port;
let ready = false;
// stdout: EMF metric lines only (audit goes to CloudWatch), plus V8 traces when diagnosis flags are given.
const lastStdout = [];
const stdoutFile = args['proxy-stdout-file'] ? createWriteStream(args['proxy-stdout-file']) : undefined;
child.stdout.setEncoding('utf8').on('data', (d) => {
  stdoutFile?.write(d);
  for (const line of d.split('\n')) {
    if (!line) continue;
    lastStdout.push(line.slice(0, 400));
    if (lastStdout.length > 40) lastStdout.shift();
  }
});
child.stderr.setEncoding('utf8').on('data', (d) => {
  stderrBuf += d;
  let nl;
  while ((nl = stderrBuf.indexOf('\n')) >= 0) {
    const line = stderrBuf.slice(0, nl);
    stderrBuf = stderrBuf.slice(nl + 1);
    lastLogs.push(line);
    if (lastLogs.length > 80) lastLogs.shift();
    try {
      const l = JSON.parse(line);
      if (l.level in logCounts) logCounts[l.level]++;
      if (l.level === 'warn' || l.level === 'error' || l.msg === 'upstream transport error') {
        const key = `${l.level}: ${l.msg}${l.error ? ` (${String(l.error).slice(0, 100)})` : ''}`;
        notable.set(key, (notable.get(key) ?? 0) + 1);
      }
      if (l.msg === 'listening') port = l.port;
      if (l.msg === 'ready') ready = true;
    } catch {
      // not a log line (e.g. a Node warning)
    }
  }
});
const startDeadline = Date.now() + 60_000;
while (!ready) {
  if (child.exitCode !== null || Date.now() > startDeadline) {
    say(`the proxy did not become ready:\n${lastLogs.join('\n')}`);
    await cleanup();
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, 50));
}
const url = `http://127.0.0.1:${port}/mcp`;
const pid = child.pid;
let stopping = false;
let crashed;
let crashOutput = '';
void exited.then((code) => {
  if (stopping) return;
  crashed = code;
  crashOutput = [...lastLogs.filter((l) => !l.startsWith('{')), stderrBuf].join('\n').trim();
  say(`the proxy exited during the load (${code}); its last output:\n${[...lastLogs, stderrBuf].join('\n')}\n--- last stdout lines ---\n${lastStdout.join('\n')}`);
});
say(`proxy ready on ${url} (pid ${pid}); upstream ${upstream.url}; CloudWatch ${cw.endpoint}`);

// ---------------------------------------------------------------------------------------------------------------------
// Load.
const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${callerToken}` };
const REGIONS = ['eu', 'us'];
let nextId = 0;
function nextBody() {
  const id = ++nextId;
  const r = id % 10;
  if (r === 0) return { id, method: 'tools/list', body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/list' }) };
  if (r < 4) return { id, method: 'tools/call', body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'profile', arguments: { id } } }) };
  const args = { region: REGIONS[id % 2], email: `user${id}@example.org`, note: `call ${id}, phone +1 212 555 01${String(id % 100).padStart(2, '0')}` };
  return { id, method: 'tools/call', body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'lookup', arguments: args } }) };
}

const stats = { sent: 0, callsSent: 0, ok: 0, calls: 0, lists: 0, errors: 0, errorKinds: new Map(), latencies: [] };
let inFlight = 0;
let maxInFlight = 0;
/** Largest number of calls that were due but waiting for a free slot (the concurrency cap). */
let maxBacklog = 0;
/** Latencies since the last sample (for the per-sample columns). */
let window = [];
async function one() {
  const { id, method, body } = nextBody();
  stats.sent++;
  if (method === 'tools/call') stats.callsSent++;
  inFlight++;
  maxInFlight = Math.max(maxInFlight, inFlight);
  const t0 = performance.now();
  try {
    const res = await fetch(url, { method: 'POST', headers: HEADERS, body, signal: AbortSignal.timeout(30_000) });
    const text = await res.text();
    const msg = JSON.parse(text);
    if (res.status !== 200 || msg.id !== id || msg.error || !msg.result) throw new Error(msg.error ? `JSON-RPC ${msg.error.code} ${msg.error.message}` : `HTTP ${res.status}`);
    if (method === 'tools/call') {
      const t = msg.result.content?.[0]?.text ?? '';
      // The result redaction must have run on every profile (the upstream always returns PII there).
      if (!args.minimal && t.startsWith('profile') && /jane\.doe@example\.com|123-45-6789/.test(t)) throw new Error('unredacted PII in a result');
      stats.calls++;
    } else {
      const names = msg.result.tools.map((x) => x.name).sort().join(',');
      if (names !== (args.minimal ? 'admin_purge,lookup,profile' : 'lookup,profile')) throw new Error(`tools/list showed ${names}`);
      stats.lists++;
    }
    stats.ok++;
    const ms = performance.now() - t0;
    stats.latencies.push(ms);
    window.push(ms);
  } catch (err) {
    stats.errors++;
    const kind = String(err?.message ?? err).slice(0, 120);
    stats.errorKinds.set(kind, (stats.errorKinds.get(kind) ?? 0) + 1);
  } finally {
    inFlight--;
  }
}

function rssKiB() {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}
function cpuSeconds() {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / (os.constants?.CLK_TCK ?? 100);
}

const samples = [];
const t0 = performance.now();
const cpu0 = cpuSeconds();
let cpuLast = cpu0;
const sample = () => {
  const w = window.sort((a, b) => a - b);
  window = [];
  const q = (x) => (w.length ? w[Math.min(w.length - 1, Math.floor(x * w.length))] : NaN);
  try {
    samples.push({ t: (performance.now() - t0) / 1000, rssKiB: rssKiB(), sent: stats.sent, errors: stats.errors, inFlight, p50: q(0.5), p95: q(0.95) });
    cpuLast = cpuSeconds();
  } catch {
    // the process is gone
  }
};
sample();
const sampler = setInterval(sample, SAMPLE_S * 1000);
const progress = setInterval(() => {
  const s = samples[samples.length - 1];
  say(`t=${Math.round(s.t)}s sent=${stats.sent} ok=${stats.ok} errors=${stats.errors} inFlight=${inFlight} rss=${(s.rssKiB / 1024).toFixed(1)} MiB`);
}, 30_000);

// Steady rate: a tick every 10 ms issues the calls due by then; at most CONCURRENCY in flight (calls due while the
// cap is reached wait for a free slot, so the average rate holds and the backlog is reported).
const durationMs = MINUTES * 60_000;
await new Promise((resolve) => {
  const tick = setInterval(() => {
    const elapsed = performance.now() - t0;
    if (elapsed >= durationMs || crashed !== undefined) {
      clearInterval(tick);
      resolve();
      return;
    }
    const due = Math.floor((elapsed / 1000) * RATE);
    maxBacklog = Math.max(maxBacklog, due - stats.sent - Math.max(0, CONCURRENCY - inFlight));
    while (stats.sent < due && inFlight < CONCURRENCY) void one();
  }, 10);
});
const drainDeadline = Date.now() + 30_000;
while (inFlight > 0 && Date.now() < drainDeadline) await new Promise((r) => setTimeout(r, 20));
sample();
clearInterval(sampler);
clearInterval(progress);
const elapsedS = (performance.now() - t0) / 1000;
let cpuUsed;
try {
  cpuUsed = cpuSeconds() - cpu0;
} catch {
  cpuUsed = cpuLast - cpu0; // the process is gone
}
say(`load done: ${stats.sent} requests in ${elapsedS.toFixed(1)} s; stopping the proxy (SIGTERM, final audit flush)`);

// ---------------------------------------------------------------------------------------------------------------------
// Shutdown and audit checks.
stopping = true;
child.kill('SIGTERM');
const exitCode = crashed ?? await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 60_000))]);
const messages = cw.events(LOG_GROUP).map((e) => e.message);
const records = [];
for (const m of messages) {
  try {
    records.push(JSON.parse(m));
  } catch {
    // not JSON
  }
}
const decisions = records.filter((r) => r.type === 'decision' && r.rpc?.method === 'tools/call').length;
const callOutcomes = records.filter((r) => r.type === 'outcome' && r.rpc?.method === 'tools/call');
const listOutcomes = records.filter((r) => r.type === 'outcome' && r.rpc?.method === 'tools/list').length;
const verify = verifyAuditLog(messages);

// ---------------------------------------------------------------------------------------------------------------------
// Figures.
function regression(points) {
  const n = points.length;
  if (n < 2) return { slope: 0, intercept: points[0]?.y ?? 0 };
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const p of points) {
    sxy += (p.x - mx) * (p.y - my);
    sxx += (p.x - mx) ** 2;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return { slope, intercept: my - slope * mx };
}
const mib = (kib) => kib / 1024;
const pts = samples.map((s) => ({ x: s.t / 60, y: mib(s.rssKiB) }));
const warm = pts.filter((p) => p.x >= Math.min(1, (MINUTES * 0.2)));
const fit = regression(pts);
const fitWarm = regression(warm.length >= 3 ? warm : pts);
const rss = samples.map((s) => s.rssKiB);
const lat = [...stats.latencies].sort((a, b) => a - b);
const pct = (q) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(q * lat.length))] : NaN);
const achieved = stats.sent / elapsedS;
const figures = {
  date: new Date().toISOString(),
  machine: `${os.cpus().length} x ${os.cpus()[0]?.model?.trim() ?? 'cpu'}, ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB, ${process.platform} ${os.release()}, Node ${process.version}`,
  loadavg: os.loadavg().map((x) => x.toFixed(2)).join(' '),
  minutes: MINUTES,
  targetRate: RATE,
  achievedRate: achieved,
  sent: stats.sent,
  ok: stats.ok,
  calls: stats.calls,
  lists: stats.lists,
  errors: stats.errors,
  maxBacklog: Math.max(0, maxBacklog),
  maxInFlight,
  latencyMs: { p50: pct(0.5), p95: pct(0.95), p99: pct(0.99), max: lat[lat.length - 1] },
  rssMiB: { first: mib(rss[0]), last: mib(rss[rss.length - 1]), max: mib(Math.max(...rss)), min: mib(Math.min(...rss)) },
  slopeMiBPerMin: fit.slope,
  slopeAfterWarmupMiBPerMin: fitWarm.slope,
  proxyCpuSeconds: cpuUsed,
  audit: { upstreamToolCalls, decisions, callOutcomes: callOutcomes.length, listOutcomes, chainOk: verify.ok, duplicates: verify.instances[0]?.duplicates ?? 0, stopped: verify.instances[0]?.stopped ?? false, problems: verify.problems.slice(0, 5) },
  proxyExit: exitCode,
  proxyLogs: logCounts,
};
// Flat: the heap saws up and down with GC, so compare peaks: the highest RSS of the last third of the run may not exceed
// the highest of the middle third by more than 10 %, or the post-warm-up slope projects under 32 MiB per hour.
const third = Math.floor(samples.length / 3);
const peakMiddle = third > 0 ? Math.max(...samples.slice(third, 2 * third).map((x) => x.rssKiB)) / 1024 : NaN;
const peakLast = third > 0 ? Math.max(...samples.slice(2 * third).map((x) => x.rssKiB)) / 1024 : NaN;
const flat = fitWarm.slope * 60 < 32 || peakLast <= peakMiddle * 1.1;
// Audit completeness: every tool call the upstream saw has a decision record (more decisions than upstream calls only
// for calls that failed on the way to the upstream), and every tools/call sent has exactly one outcome record.
const auditComplete = verify.ok && decisions >= upstreamToolCalls && callOutcomes.length === stats.callsSent;
const pass = stats.errors === 0 && auditComplete && listOutcomes === stats.lists && exitCode === 0 && achieved >= RATE * 0.95 && flat;

const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
const f3 = (x) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
const summary = [
  `soak: ${pass ? 'PASS' : 'FAIL'} (${figures.minutes} min at ${figures.targetRate}/s target, ${f1(achieved)}/s achieved)`,
  `requests: ${stats.sent} sent, ${stats.ok} ok (${stats.calls} tools/call, ${stats.lists} tools/list), ${stats.errors} errors; max in flight ${maxInFlight}, max backlog at the cap ${Math.max(0, maxBacklog)}`,
  `latency ms: p50 ${f1(figures.latencyMs.p50)}, p95 ${f1(figures.latencyMs.p95)}, p99 ${f1(figures.latencyMs.p99)}, max ${f1(figures.latencyMs.max)}`,
  `proxy RSS MiB: first ${f1(figures.rssMiB.first)}, last ${f1(figures.rssMiB.last)}, max ${f1(figures.rssMiB.max)}; slope ${f3(fit.slope)} MiB/min (after warm-up ${f3(fitWarm.slope)} MiB/min); peak middle third ${f1(peakMiddle)}, last third ${f1(peakLast)}: ${flat ? 'flat' : 'GROWING'}`,
  `proxy CPU: ${f1(cpuUsed)} s over ${f1(elapsedS)} s`,
  `audit: ${decisions} decision records for ${upstreamToolCalls} upstream tool calls, ${callOutcomes.length} call outcomes for ${stats.callsSent} calls sent, ${listOutcomes} list outcomes, chain ${verify.ok ? 'verifies' : 'BROKEN'}${verify.instances[0]?.stopped ? ' (audit_stop present)' : ''}: ${auditComplete ? 'complete' : 'INCOMPLETE'}`,
  `proxy exit: ${exitCode}; log lines: ${JSON.stringify(logCounts)}`,
];
for (const [k, c] of notable) summary.push(`  log x${c}: ${k}`);
if (crashed !== undefined) summary.push(`proxy CRASHED during the load (${crashed}) after ${f1(samples[samples.length - 1]?.t ?? 0)} s`);
for (const [kind, count] of stats.errorKinds) summary.push(`  error x${count}: ${kind}`);
process.stdout.write(`${summary.join('\n')}\n`);

if (!args['no-write']) {
  const rows = samples.map((s) => `| ${s.t.toFixed(0)} | ${(s.rssKiB / 1024).toFixed(1)} | ${s.sent} | ${s.errors} | ${s.inFlight} | ${f1(s.p50)} | ${f1(s.p95)} |`);
  const md = `# Soak test

Produced by \`node scripts/soak.mjs --minutes ${MINUTES} --rate ${RATE}${nodeFlags.length ? ` --proxy-node-flags "${nodeFlags.join(' ')}"` : ''}\` on ${figures.date}. Loopback only: the built bundle
(\`assets/runtime/index.js\`) in front of a real MCP server built with the SDK, with the full pipeline on: JWT identity
against a real OIDC issuer (oauth2-mock-server), Cedar access control with an argument condition, input sanitization,
PII tokenization of arguments, redaction of results (every profile result carries PII and is checked to come back
redacted), and the audit trail shipped fail-closed to the loopback CloudWatch Logs endpoint (real wire protocol,
SigV4-verified). Mix: 60 % \`lookup\` (argument condition, PII in arguments), 30 % \`profile\` (PII in results),
10 % \`tools/list\` (checked to show exactly the permitted tools). RSS is read from \`/proc/<pid>/status\` every
${SAMPLE_S} s; the slope is a least-squares fit of RSS (MiB) against time (minutes), also after the first
${Math.min(1, MINUTES * 0.2).toFixed(1)} min of warm-up.

Machine: ${figures.machine}; load average at the end ${figures.loadavg}
(the machine is shared; latencies are not a benchmark, see \`npm run bench\` for those).

## Result: ${pass ? 'PASS' : 'FAIL'}

| figure | value |
|---|---|
| duration | ${f1(elapsedS)} s |
| rate (target / achieved) | ${RATE}/s / ${f1(achieved)}/s |
| requests sent / ok / errors | ${stats.sent} / ${stats.ok} / ${stats.errors} |
| tools/call / tools/list | ${stats.calls} / ${stats.lists} |
| max in flight (cap ${CONCURRENCY}) / max backlog at the cap | ${maxInFlight} / ${Math.max(0, maxBacklog)} |
| latency p50 / p95 / p99 / max | ${f1(figures.latencyMs.p50)} / ${f1(figures.latencyMs.p95)} / ${f1(figures.latencyMs.p99)} / ${f1(figures.latencyMs.max)} ms |
| proxy RSS first / last / max | ${f1(figures.rssMiB.first)} / ${f1(figures.rssMiB.last)} / ${f1(figures.rssMiB.max)} MiB |
| RSS slope (whole run) | ${f3(fit.slope)} MiB/min |
| RSS slope (after warm-up) | ${f3(fitWarm.slope)} MiB/min |
| RSS peak, middle third / last third of the run | ${f1(peakMiddle)} / ${f1(peakLast)} MiB |
| memory verdict | ${flat ? 'flat (last-third peak within 10 % of the middle-third peak, or under 32 MiB/hour projected)' : 'GROWING'} |
| proxy CPU time | ${f1(cpuUsed)} s |
| audit decision records / upstream tool calls | ${decisions} / ${upstreamToolCalls} |
| audit call outcomes / tools/call sent | ${callOutcomes.length} / ${stats.callsSent} |
| audit list outcomes / tools/list answered | ${listOutcomes} / ${stats.lists} |
| audit hash chain | ${verify.ok ? 'verifies' : 'BROKEN'}, ${figures.audit.duplicates} duplicate(s), audit_stop ${verify.instances[0]?.stopped ? 'present' : 'MISSING'} |
| proxy exit code after SIGTERM | ${exitCode} |
| proxy log lines (info / warn / error) | ${logCounts.info} / ${logCounts.warn} / ${logCounts.error} |
${crashed !== undefined ? `\n**The proxy process died during the load (${crashed}).** Its last non-JSON output:\n\n\`\`\`\n${crashOutput.slice(-3000)}\n\`\`\`\n` : ''}${notable.size ? `\nProxy warnings and errors (by message):\n\n${[...notable].map(([k, c]) => `- ${c} x ${k.replace(/\|/g, '/')}`).join('\n')}\n` : ''}${stats.errorKinds.size ? `\nErrors:\n\n${[...stats.errorKinds].map(([k, c]) => `- ${c} x ${k}`).join('\n')}\n` : ''}
## RSS samples

| t (s) | RSS (MiB) | requests sent | errors | in flight | p50 ms (window) | p95 ms (window) |
|---|---|---|---|---|---|---|
${rows.join('\n')}
`;
  writeFileSync(args.out, md);
  say(`wrote ${args.out}`);
}

finished = true;
clearInterval(trimUpstream);
await cleanup();
clearTimeout(watchdog);
process.exit(pass && finished ? 0 : 1);
