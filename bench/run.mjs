#!/usr/bin/env node
/**
 * `npm run bench`: the proxy's cost on the hot path, its footprint and how it scales, measured side by side in one run
 * against a real SDK upstream on loopback, with a peer proxy (mcp-proxy) as a baseline. Prints a summary table, writes
 * bench/REPORT.md and the raw results to bench/results/ (git-ignored). Bounded: every load is bounded by time or count,
 * every child is stopped at the end, and a watchdog ends the whole run after --max-minutes.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { HELP, parseOptions } from './lib/options.mjs';
import { killAll, machineCpuMs, selfAndChildrenCpuMs } from './lib/proc.mjs';
import { reportMarkdown, summaryText } from './lib/report.mjs';
import { BUNDLE, ROOT, makeEnv, makeToolLock, setProxyNodeArgs, startCloudWatch, startIdp, startUpstream } from './lib/targets.mjs';
import { SMALL_CALL } from './scenarios.mjs';
import { runHotPath } from './sections/hotpath.mjs';
import { measureBundle, measureColdStart, measureSoak } from './sections/footprint.mjs';
import { measureCatalog, measurePayload, measurePolicy } from './sections/scale.mjs';
import { runMicro } from './sections/micro.mjs';
import { measureAuditSink } from './sections/auditsink.mjs';
import { measureStages } from './sections/stages.mjs';
import { analysis, methodNotes } from './lib/notes.mjs';

const opts = parseOptions();
if (opts.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const t0 = performance.now();
setProxyNodeArgs([...opts.proxyNodeArgs, ...(opts.profile ? ['--cpu-prof', '--cpu-prof-dir', `${ROOT}bench/results/profiles`] : [])]);
const log = (msg) => process.stderr.write(`${msg}\n`);
const sdkVersion = JSON.parse(readFileSync(`${ROOT}node_modules/@modelcontextprotocol/sdk/package.json`, 'utf8')).version;
const results = {
  meta: {
    date: new Date().toISOString(),
    cores: os.availableParallelism?.() ?? os.cpus().length,
    cpuModel: os.cpus()[0]?.model?.trim() ?? 'unknown',
    totalMem: os.totalmem(),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadavgStart: os.loadavg(),
    sdkVersion,
    peerVersion: JSON.parse(readFileSync(`${ROOT}node_modules/mcp-proxy/package.json`, 'utf8')).version,
  },
  opts: { ...opts, sections: [...opts.sections] },
  smallCall: SMALL_CALL,
  sections: {},
  errors: {},
};

const machineAtStart = machineCpuMs();
const selfAtStart = selfAndChildrenCpuMs();
const cleanups = [];
let cloudwatchRef;
function finish(aborted) {
  results.meta.loadavgEnd = os.loadavg();
  // How busy the machine was with work that is not this run (other users' processes), and hypervisor steal.
  const m1 = machineCpuMs();
  if (machineAtStart && m1) {
    const total = m1.total - machineAtStart.total;
    const ours = selfAndChildrenCpuMs() - selfAtStart;
    results.meta.cpuOthersShare = Math.max(0, (m1.busy - machineAtStart.busy - ours) / total);
    results.meta.cpuOursShare = ours / total;
    results.meta.cpuStealShare = (m1.steal - machineAtStart.steal) / total;
  }
  results.meta.durationS = (performance.now() - t0) / 1000;
  results.meta.aborted = aborted || undefined;
  results.methodNotes = methodNotes(results);
  results.analysis = analysis(results);
  process.stdout.write(`\n${summaryText(results)}\n`);
  mkdirSync(`${ROOT}bench/results`, { recursive: true });
  const stamp = results.meta.date.replace(/[:.]/g, '-');
  writeFileSync(`${ROOT}bench/results/run-${stamp}.json`, JSON.stringify(results, null, 2));
  if (opts.report) {
    writeFileSync(opts.report.startsWith('/') ? opts.report : `${ROOT}${opts.report}`, reportMarkdown(results));
    log(`\nwrote ${opts.report} and bench/results/run-${stamp}.json`);
  }
}

// Watchdog: whatever happens, the run ends (with a partial report) after --max-minutes.
const watchdog = setTimeout(() => {
  log(`\nwatchdog: run exceeded ${opts.maxMinutes} min; stopping with a partial report`);
  results.errors.watchdog = `run stopped after ${opts.maxMinutes} min`;
  try {
    finish(true);
  } finally {
    killAll();
    process.exit(2);
  }
}, opts.maxMinutes * 60_000);
watchdog.unref();
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    killAll();
    process.exit(130);
  });
}

async function section(name, fn) {
  const s = performance.now();
  log(`\n== ${name}`);
  try {
    results.sections[name] = await fn();
  } catch (e) {
    results.errors[name] = e.message.split('\n')[0];
    log(`  ${name} failed: ${e.message}`);
  }
  log(`  (${((performance.now() - s) / 1000).toFixed(1)} s)`);
}

/** Newest modification time (ms) of the runtime sources the bundle is built from. */
function newestSourceMs() {
  let newest = 0;
  const visit = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory()) visit(p);
      else if (!e.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  visit(`${ROOT}runtime/src`);
  return Math.max(newest, statSync(`${ROOT}runtime/build.mjs`).mtimeMs);
}

/** Builds the runtime bundle when it is missing, older than its sources, or --build is given. */
function ensureBundle() {
  const present = existsSync(BUNDLE);
  const stale = present && statSync(BUNDLE).mtimeMs < newestSourceMs();
  if (present && !stale && !opts.build) return;
  log(`${!present ? 'bundle missing' : stale ? 'bundle older than runtime/src' : '--build'}: building the runtime (npm run build:runtime)`);
  try {
    execFileSync('npm', ['run', '-s', 'build:runtime', '--', '--quiet'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], timeout: 180_000 });
    results.meta.bundleBuilt = true;
  } catch (e) {
    results.meta.bundleBuildError = e.message.split('\n')[0];
    log(`  build failed: ${results.meta.bundleBuildError} (${present ? 'measuring the existing bundle' : 'proxy targets will be skipped'})`);
  }
}

try {
  ensureBundle();
  results.meta.bundlePresent = existsSync(BUNDLE);
  if (results.meta.bundlePresent) results.meta.bundleMtime = statSync(BUNDLE).mtime.toISOString();
  log(`machine: ${results.meta.cores} cores, node ${process.version}, load ${results.meta.loadavgStart.map((x) => x.toFixed(2)).join(' ')}`);
  const upstream = await startUpstream();
  cleanups.push(() => upstream.stop());
  const idp = await startIdp();
  cleanups.push(() => idp.stop());
  let cloudwatch;
  if (opts.cloudwatch) {
    try {
      cloudwatch = await startCloudWatch();
      if (cloudwatch) cleanups.push(() => cloudwatch.stop());
      cloudwatchRef = cloudwatch;
    } catch (e) {
      log(`  loopback CloudWatch Logs endpoint unavailable (${e.message.split('\n')[0]}); auditing to stdout`);
    }
  }
  results.meta.auditSink = cloudwatch ? 'cloudwatch (loopback endpoint)' : 'stdout (to /dev/null)';
  const ctx = { opts, upstream, cleanups, env: makeEnv({ upstreamUrl: upstream.url, idp, cloudwatch }) };
  try {
    ctx.env.toolLock = makeToolLock(ctx.env);
  } catch (e) {
    log(`  tool lock for the pinning targets not written (${e.message.split('\n')[0]}); they are skipped`);
  }

  if (opts.sections.has('throughput') || opts.sections.has('latency')) await section('hotpath', () => runHotPath(ctx, log));
  if (opts.sections.has('stages')) await section('stages', () => measureStages(ctx, log));
  if (opts.sections.has('footprint')) await section('footprint', async () => measureBundle(ctx));
  if (opts.sections.has('coldstart')) await section('coldstart', () => measureColdStart(ctx, log));
  if (opts.sections.has('soak')) await section('soak', () => measureSoak(ctx, log));
  if (opts.sections.has('catalog')) await section('catalog', () => measureCatalog(ctx, log));
  if (opts.sections.has('policy')) await section('policy', () => measurePolicy(ctx, log));
  if (opts.sections.has('payload')) await section('payload', () => measurePayload(ctx, log));
  if (opts.sections.has('micro')) await section('micro', () => runMicro(ctx, log));
  if (opts.sections.has('auditsink')) await section('auditsink', () => measureAuditSink(ctx, log));
} catch (e) {
  results.errors.setup = e.message.split('\n')[0];
  log(`setup failed: ${e.message}`);
} finally {
  for (const c of cleanups.reverse()) {
    try {
      await c();
    } catch {
      /* best effort */
    }
  }
}
if (cloudwatchRef) results.meta.auditEventsReceived = cloudwatchRef.receivedEvents();
clearTimeout(watchdog);
finish(false);
killAll();
process.exit(Object.keys(results.errors).length ? 1 : 0);
