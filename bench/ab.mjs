#!/usr/bin/env node
/**
 * Interleaved A/B of two proxy bundles: proxy CPU per tools/call at 16 clients (from /proc, the figure the bench's CPU
 * targets use), both builds running at once against the same upstream, IdP and loopback CloudWatch Logs endpoint,
 * alternated round by round so that the shared machine's drift falls on both. For judging a change (bench/README.md,
 * "Tried, not kept"), not a report:
 *   node bench/ab.mjs --a <baseline>/index.js --b assets/runtime/index.js [--configs full,full-modern,full-pinned,floor] [--rounds 6] [--duration 2]
 * Prints each round's figures and the median and range per build and configuration, and the median of the per-round
 * B/A ratios.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SMALL_CALL, fullConfig, passthroughConfig, pinnedConfig } from './scenarios.mjs';
import { modernHeaders, modernToolsCallBody, runLoad, toolsCallBody } from './lib/load.mjs';
import { cpuMs, freePort, killAll } from './lib/proc.mjs';
import { median } from './lib/stats.mjs';
import { makeEnv, makeToolLock, startCloudWatch, startFloor, startIdp, startProxy, startUpstream } from './lib/targets.mjs';
import { probe } from './sections/hotpath.mjs';

const { values } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string' },
    configs: { type: 'string', default: 'full,full-modern,full-pinned' },
    rounds: { type: 'string', default: '6' },
    duration: { type: 'string', default: '2' },
    'no-cloudwatch': { type: 'boolean', default: false },
    threads: { type: 'boolean', default: false },
  },
});
if (!values.a || !values.b) {
  process.stderr.write('usage: node bench/ab.mjs --a BUNDLE --b BUNDLE [--configs full,full-modern,full-pinned,passthrough,floor] [--rounds N] [--duration S]\n');
  process.exit(2);
}
const log = (m) => process.stderr.write(`${m}\n`);
const rounds = Number(values.rounds);
const durationS = Number(values.duration);

/** CPU ms of each thread of a process, by thread name (V8's and libuv's helpers have their own). */
function threadCpuMs(pid) {
  const out = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const name = tid === String(pid) ? 'main' : `+${Number(tid) - pid}`;
      out[name] = (out[name] ?? 0) + ((Number(f[11]) + Number(f[12])) * 1000) / 100;
    } catch {
      // the thread ended
    }
  }
  return out;
}

/** id -> [config(env, port), caller era, needs a token]. */
const CONFIGS = {
  full: [fullConfig, 'legacy', true],
  'full-modern': [fullConfig, 'modern', true],
  'full-pinned': [pinnedConfig, 'legacy', true],
  passthrough: [passthroughConfig, 'legacy', false],
};

const cleanups = [];
try {
  const upstream = await startUpstream();
  cleanups.push(() => upstream.stop());
  const idp = await startIdp();
  cleanups.push(() => idp.stop());
  let cloudwatch;
  if (!values['no-cloudwatch']) {
    cloudwatch = await startCloudWatch();
    cleanups.push(() => cloudwatch.stop());
  }
  const env = makeEnv({ upstreamUrl: upstream.url, idp, cloudwatch });
  const targets = [];
  for (const id of values.configs.split(',')) {
    if (id === 'floor') {
      const f = await startFloor(upstream.url);
      cleanups.push(() => f.stop());
      targets.push({ id, build: '-', url: f.url, pid: f.pid, headers: {}, body: toolsCallBody(SMALL_CALL.name, SMALL_CALL.arguments), runs: [] });
      continue;
    }
    const [make, era, auth] = CONFIGS[id];
    if (id === 'full-pinned') env.toolLock ??= makeToolLock(env);
    for (const [build, bundle] of [['A', values.a], ['B', values.b]]) {
      const port = await freePort();
      const p = await startProxy(env, make(env, port), { name: `${id}-${build}`, bundle });
      cleanups.push(() => p.stop());
      const headers = { ...(auth ? { authorization: `Bearer ${idp.token}` } : {}), ...(era === 'modern' ? modernHeaders(SMALL_CALL.name) : {}) };
      const body = era === 'modern' ? modernToolsCallBody(SMALL_CALL.name, SMALL_CALL.arguments) : toolsCallBody(SMALL_CALL.name, SMALL_CALL.arguments);
      await probe({ id, url: p.url, headers }, body);
      await runLoad({ url: p.url, body, headers, connections: 16, durationS: 2 });
      targets.push({ id, build, url: p.url, pid: p.pid, headers, body, runs: [] });
    }
  }
  for (let r = 0; r < rounds; r++) {
    // Alternate which build goes first in each round.
    const order = r % 2 === 0 ? targets : [...targets].reverse();
    const line = [];
    for (const t of order) {
      const c0 = cpuMs(t.pid);
      const th0 = values.threads ? threadCpuMs(t.pid) : {};
      const run = await runLoad({ url: t.url, body: t.body, headers: t.headers, connections: 16, durationS });
      const c1 = cpuMs(t.pid);
      if (run.failures) log(`  ${t.id} ${t.build}: ${run.failures} failures`);
      t.runs.push(((c1 - c0) * 1000) / run.requests);
      if (values.threads) {
        const th1 = threadCpuMs(t.pid);
        t.threads ??= {};
        for (const [k, v] of Object.entries(th1)) (t.threads[k] ??= []).push((((v - (th0[k] ?? 0)) * 1000) / run.requests));
      }
      line.push(`${t.id}/${t.build} ${t.runs.at(-1).toFixed(0)}`);
    }
    log(`round ${r + 1}: ${line.join('  ')}`);
  }
  if (values.threads) {
    for (const t of targets) {
      if (!t.threads) continue;
      log(`${t.id}/${t.build} CPU µs per call by thread (median): ${Object.entries(t.threads).map(([k, xs]) => `${k} ${median(xs).toFixed(0)}`).join(', ')}`);
    }
  }
  const fmt = (xs) => `${median(xs).toFixed(0)} µs (${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)})`;
  for (const id of new Set(targets.map((t) => t.id))) {
    const a = targets.find((t) => t.id === id && (t.build === 'A' || t.build === '-'));
    const b = targets.find((t) => t.id === id && t.build === 'B');
    if (!b) {
      log(`${id}: ${fmt(a.runs)}`);
      continue;
    }
    const ratios = a.runs.map((x, i) => b.runs[i] / x);
    log(`${id}: A ${fmt(a.runs)}  B ${fmt(b.runs)}  B/A median ${median(ratios).toFixed(3)} (${Math.min(...ratios).toFixed(3)}-${Math.max(...ratios).toFixed(3)})`);
  }
} finally {
  for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {});
  killAll();
}
