/**
 * The hot path: tools/call throughput at 1/16/64 clients and latency at a fixed offered load, for every target side by
 * side in one run (targets interleaved per concurrency level, so drift on a shared machine hits all of them alike).
 */
import { readFileSync } from 'node:fs';
import { SMALL_CALL, TARGETS } from '../scenarios.mjs';
import { modernHeaders, modernToolsCallBody, runLoad, toolsCallBody, post } from '../lib/load.mjs';
import { runPaced } from '../lib/paced.mjs';
import { cpuMs, freePort, rssBytes } from '../lib/proc.mjs';
import { median } from '../lib/stats.mjs';
import { startFloor, startPeerCli, startPeerHttp, startProxy, startUpstream } from '../lib/targets.mjs';
import { governanceChecks } from './checks.mjs';
import { crashSummary } from './footprint.mjs';

/** Direct children of a process (for a peer that spawns its own upstream). */
function childPids(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The 2026-07-28 upstream (bench/servers/upstream-modern.mjs), started once per run when a target needs it. */
function modernUpstream(ctx) {
  ctx.upstreamModern ??= startUpstream({ era: 'modern' }).then((u) => {
    ctx.cleanups?.push(() => u.stop());
    return u;
  });
  return ctx.upstreamModern;
}

/** Starts one target; returns { id, label, url, headers, pids: { front, upstream }, stop }. */
export async function startTarget(t, ctx) {
  const headers = { ...(t.auth ? { authorization: `Bearer ${ctx.env.idp.token}` } : {}), ...(t.era === 'modern' ? modernHeaders(SMALL_CALL.name) : {}) };
  // The tools/call every run of this target sends: a 2025 request, or the same call as a 2026-07-28 caller sends it.
  const body = t.era === 'modern' ? modernToolsCallBody(SMALL_CALL.name, SMALL_CALL.arguments) : toolsCallBody(SMALL_CALL.name, SMALL_CALL.arguments);
  const common = { id: t.id, label: t.label, note: t.note ?? '', kind: t.kind, headers, body };
  // Targets marked `upstream: 'modern'` talk to the 2026-07-28 upstream (started on first use), the others to the SDK v1 one.
  const upstream = t.upstream === 'modern' ? await modernUpstream(ctx) : ctx.upstream;
  switch (t.kind) {
    case 'direct':
      return { ...common, url: upstream.url, pids: { upstream: upstream.pid }, stop: async () => {} };
    case 'proxy': {
      const port = await freePort();
      const env = upstream === ctx.upstream ? ctx.env : { ...ctx.env, upstreamUrl: upstream.url };
      const p = await startProxy(env, t.config(env, port), { name: t.id });
      // The loopback CloudWatch Logs endpoint the full pipeline ships audit records to runs on the same cores: its CPU
      // is measured too (the real service is remote).
      const audit = t.auth && t.id !== 'full-stdout' ? ctx.env.cloudwatch?.pid : undefined;
      return { ...common, url: p.url, pids: { front: p.pid, upstream: upstream.pid, audit }, readyMs: p.readyMs, proc: p, stop: p.stop };
    }
    case 'floor': {
      const p = await startFloor(upstream.url);
      return { ...common, url: p.url, pids: { front: p.pid, upstream: upstream.pid }, proc: p, stop: p.stop };
    }
    case 'peer-http': {
      const p = await startPeerHttp(ctx.upstream.url);
      return { ...common, url: p.url, pids: { front: p.pid, upstream: ctx.upstream.pid }, proc: p, stop: p.stop };
    }
    case 'peer-cli': {
      const p = await startPeerCli();
      return { ...common, url: p.url, pids: { front: p.pid, upstream: childPids(p.pid)[0] }, proc: p, stop: p.stop };
    }
    default:
      throw new Error(`unknown target kind ${t.kind}`);
  }
}

/** Checks a target answers the small call correctly before it is measured. */
export async function probe(target, body) {
  const r = await post(target.url, body, target.headers, 10_000);
  if (r.status !== 200 || !r.text.includes('"result"') || r.text.includes('"isError":true')) {
    throw new Error(`${target.id}: probe tools/call failed: HTTP ${r.status} ${r.text.slice(0, 300)}`);
  }
  return r.text;
}

/**
 * Keeps a target measurable after its process died: records why (the crash is a finding, shown in the report) and,
 * for our proxy, starts a fresh one so the remaining runs still measure it. Returns false when the target is gone.
 */
async function ensureAlive(t, ctx, log) {
  if (!t.proc?.exited) return !t.gone;
  const why = `exited (${t.proc.exitCode ?? t.proc.exitSignal}): ${crashSummary(t.proc.stderrTail)}`;
  (t.crashes ??= []).push(why);
  log(`  ${t.id}: ${why}`);
  if (t.kind !== 'proxy' || t.crashes.length > 3) {
    t.gone = true;
    return false;
  }
  const fresh = await startTarget(t.def, ctx);
  Object.assign(t, { url: fresh.url, pids: fresh.pids, proc: fresh.proc, stop: fresh.stop });
  log(`  ${t.id}: restarted (crash ${t.crashes.length}) to continue measuring`);
  return true;
}

function cpuSnapshot(pids) {
  return { front: pids.front ? cpuMs(pids.front) : NaN, upstream: pids.upstream ? cpuMs(pids.upstream) : NaN, audit: pids.audit ? cpuMs(pids.audit) : NaN };
}

/** Throughput per concurrency and fixed-rate latency for every target. */
export async function runHotPath(ctx, log) {
  const { opts } = ctx;
  const wanted = TARGETS.filter((t) => opts.targets.includes(t.id));
  const targets = [];
  const skipped = [];
  for (const t of wanted) {
    try {
      const started = await startTarget(t, ctx);
      started.def = t;
      try {
        started.probe = (await probe(started, started.body)).slice(0, 400);
        if (t.auth) {
          started.checks = await governanceChecks(started);
          for (const c of started.checks) log(`  ${t.id} check: ${c.ok ? 'ok  ' : 'FAIL'} ${c.check} (${c.detail})`);
        }
        targets.push(started);
      } catch (e) {
        await started.stop();
        throw e;
      }
    } catch (e) {
      skipped.push({ id: t.id, label: t.label, reason: e.message.split('\n')[0] });
      log(`  ${t.id}: skipped (${e.message.split('\n')[0]})`);
    }
  }
  const out = {
    targets: targets.map(({ id, label, note, kind, readyMs, probe: pr, checks }) => ({ id, label, note, kind, readyMs, probe: pr, checks })),
    skipped,
    throughput: {},
    latency: {},
    rss: {},
  };
  try {
    if (opts.sections.has('throughput')) {
      for (const t of targets) {
        if (!(await ensureAlive(t, ctx, log))) continue;
        log(`  warm-up ${t.id} (${opts.warmupS}s)`);
        await runLoad({ url: t.url, body: t.body, headers: t.headers, connections: 16, durationS: opts.warmupS });
      }
      for (const c of opts.concurrency) {
        const rounds = {};
        for (let r = 0; r < opts.rounds; r++) {
          for (const t of targets) {
            if (!(await ensureAlive(t, ctx, log))) continue;
            const before = cpuSnapshot(t.pids);
            const gen0 = process.cpuUsage();
            const run = await runLoad({ url: t.url, body: t.body, headers: t.headers, connections: c, durationS: opts.durationS });
            const after = cpuSnapshot(t.pids);
            const gen = process.cpuUsage(gen0);
            run.cpuUsPerCall = {
              loadgen: (gen.user + gen.system) / run.requests,
              front: ((after.front - before.front) * 1000) / run.requests,
              upstream: ((after.upstream - before.upstream) * 1000) / run.requests,
              auditEndpoint: ((after.audit - before.audit) * 1000) / run.requests,
            };
            if (t.proc?.exited) run.crashed = true;
            run.round = r;
            (rounds[t.id] ??= []).push(run);
            log(`  c=${c} ${t.id}: ${run.rps.toFixed(0)} calls/s, p50 ${run.latencyMs.p50.toFixed(2)} ms, p99 ${run.latencyMs.p99.toFixed(2)} ms${run.failures ? `, ${run.failures} FAILED` : ''}`);
          }
        }
        out.throughput[c] = {};
        for (const [id, runs] of Object.entries(rounds)) {
          const m = median(runs.map((x) => x.rps));
          const mid = runs.reduce((best, x) => (Math.abs(x.rps - m) < Math.abs(best.rps - m) ? x : best));
          // Ratio to direct per round (direct ran minutes apart at most, on the same machine state), then the median:
          // a round where the machine was fast or slow for everyone cancels out.
          const ratios = runs.map((x) => x.rps / (rounds.direct?.find((d) => d.round === x.round)?.rps ?? NaN)).filter(Number.isFinite);
          // Per round: the proxy's CPU per call and p50, paired with the baseline's of the same round by the verdicts.
          const perRound = runs.map((x) => ({ round: x.round, cpuFrontUs: x.cpuUsPerCall.front, p50: x.latencyMs.p50 }));
          out.throughput[c][id] = { ...mid, roundsRps: runs.map((x) => x.rps), roundRatios: ratios, ratioToDirect: ratios.length ? median(ratios) : undefined, rounds: perRound };
        }
      }
    }
    if (opts.sections.has('latency')) {
      // Fixed offered load, evenly paced, on up to 16 connections, below every compared target's capacity: latency is the
      // per-call cost, not queueing (see lib/paced.mjs).
      const caps = ['direct', 'passthrough', 'full'].map((id) => out.throughput[16]?.[id]?.rps).filter(Number.isFinite);
      const rate = Math.max(16, Math.floor(Math.min(opts.latencyRate, caps.length ? Math.min(...caps) / 2 : Infinity)));
      out.latencyRate = rate;
      for (const t of targets) {
        if (!(await ensureAlive(t, ctx, log))) continue;
        const own = out.throughput[16]?.[t.id]?.rps ?? Infinity;
        const tRate = own / 2 < rate ? Math.max(16, Math.floor(own / 2)) : rate;
        const run = await runPaced({ url: t.url, body: t.body, headers: t.headers, connections: 16, durationS: opts.latencyDurationS, rate: tRate });
        out.latency[t.id] = { ...run, offeredRate: tRate, crashed: t.proc?.exited || undefined };
        log(`  fixed ${tRate}/s c=16 ${t.id}: p50 ${run.latencyMs.p50.toFixed(3)} ms, p99 ${run.latencyMs.p99.toFixed(3)} ms${run.failures ? `, ${run.failures} FAILED` : ''}`);
      }
    }
    for (const t of targets) if (t.pids.front && (await ensureAlive(t, ctx, log))) out.rss[t.id] = rssBytes(t.pids.front);
    out.died = Object.fromEntries(targets.filter((t) => t.crashes).map((t) => [t.id, `${t.crashes.length} crash(es); ${t.crashes[0]}`]));
  } finally {
    for (const t of targets) await t.stop();
  }
  return out;
}
