/**
 * Verdicts against the targets (issue 21): every one a ratio to a baseline measured side by side in the same run
 * (the bare Node.js relay, a bare `node` process), so a fast or slow machine moves both sides alike. The former
 * absolute targets (throughput vs direct, p99 < 5 ms, cold start < 300 ms, RSS < 100 MB) are printed for reference
 * by referenceFigures, without a verdict.
 */
import { fmt, fmtBytes, fmtInt, fmtPct, median, ratioOf, verdict } from './stats.mjs';

const MiB = 2 ** 20;
const ms = (v, d = 2) => (Number.isFinite(v) ? `${v.toFixed(d)} ms` : 'n/a');
const x = (v) => (Number.isFinite(v) ? `${v.toFixed(2)}x` : 'n/a');

/**
 * The hot-path targets whose proxy CPU per call is judged against a relay in the same run, with the relay that fronts
 * the same upstream (the modern-upstream targets against the relay in front of the modern upstream).
 */
export const CPU_TARGETS = [
  { id: 'passthrough', max: 1.3, floor: 'floor', what: 'pass-through' },
  { id: 'full', max: 2, floor: 'floor', what: 'full pipeline' },
  { id: 'passthrough-modern', max: 1.3, floor: 'floor', what: 'pass-through, 2026-07-28 caller (dual-era)' },
  { id: 'full-modern', max: 2, floor: 'floor', what: 'full pipeline, 2026-07-28 caller (dual-era)' },
  { id: 'passthrough-upstream-modern', max: 1.3, floor: 'floor-modern', what: 'pass-through, 2026-07-28 upstream (dual-era)' },
  { id: 'passthrough-both-modern', max: 1.3, floor: 'floor-modern', what: 'pass-through, 2026-07-28 caller and upstream (dual-era)' },
  { id: 'full-pinned', max: 2, floor: 'floor', what: 'full pipeline + tool pinning (enforce, with a lock)' },
];

/** Targets whose added latency at 1 client is judged against the relay's + 0.3 ms. */
export const LATENCY_TARGETS = [
  { id: 'full', what: 'full pipeline' },
  { id: 'full-modern', what: 'full pipeline, 2026-07-28 caller (dual-era)' },
  { id: 'full-pinned', what: 'full pipeline + tool pinning' },
];

/** Median over rounds of f(targetRun, baselineRun), pairing runs of the same round. */
function perRound(runs, base, f) {
  const vals = (runs ?? []).map((r) => {
    const b = (base ?? []).find((y) => y.round === r.round);
    return b ? f(r, b) : NaN;
  });
  return { median: median(vals), rounds: vals.filter(Number.isFinite) };
}

/** Every target with its measured value and PASS/FAIL (n/a when not measured). */
export function verdicts(r) {
  const out = [];
  const add = (target, measured, ok, note = '') => out.push({ target, measured, verdict: verdict(ok), note });
  const hp = r.sections.hotpath;
  const ids = new Set((hp?.targets ?? []).map((t) => t.id));
  for (const id of ['passthrough', 'full']) {
    const crashes = [hp?.died?.[id], id === 'full' ? r.sections.soak?.died : undefined].filter(Boolean);
    if (ids.has(id) || (id === 'full' && r.sections.soak)) {
      add(`The ${id === 'full' ? 'full-pipeline' : 'pass-through'} proxy stays up under load (hot path${id === 'full' ? ' and soak' : ''})`, crashes.length ? 'crashed' : 'no crash', crashes.length === 0, crashes.join(' / ').slice(0, 400));
    }
  }
  for (const t of (hp?.targets ?? []).filter((y) => y.checks)) {
    const ok = t.checks.filter((c) => c.ok).length;
    const events = t.id === 'full' && Number.isFinite(r.meta.auditEventsReceived) ? `; ${r.meta.auditEventsReceived.toLocaleString('en-US')} audit events reached the loopback CloudWatch Logs endpoint` : '';
    add(`${t.label} governs (checks below)`, `${ok}/${t.checks.length} checks${events}`, ok === t.checks.length);
  }
  // CPU per call at 16 clients, ratio to the bare relay, per round.
  const t16 = hp?.throughput?.[16];
  for (const c of CPU_TARGETS) {
    if (!ids.has(c.id) && !t16?.[c.id]) continue;
    const name = `Proxy CPU per tools/call at 16 clients, ${c.what}: <= ${c.max}x the bare relay's`;
    const run = t16?.[c.id];
    const base = t16?.[c.floor];
    if (!run || !base) {
      add(name, 'not measured', null, !base ? `needs the ${c.floor} target in the same run` : '');
      continue;
    }
    const ratio = perRound(run.rounds, base.rounds, (a, b) => a.cpuFrontUs / b.cpuFrontUs);
    const bad = run.failures || run.crashed ? `${fmtInt(run.failures)} failed calls${run.crashed ? ' (crashed)' : ''}; ` : '';
    add(name, `${x(ratio.median)} (${fmt(run.cpuUsPerCall?.front, 0)} vs ${fmt(base.cpuUsPerCall?.front, 0)} µs)`, Number.isFinite(ratio.median) ? ratio.median <= c.max && !bad : null, `${bad}median of the per-round ratios${ratio.rounds.length > 1 ? `: ${ratio.rounds.map(x).join(', ')}` : ''}; relay: ${c.floor}`);
  }
  // Added latency at 1 client, p50: the target's minus the relay's, per round.
  const t1 = hp?.throughput?.[1];
  for (const l of LATENCY_TARGETS) {
    if (!ids.has(l.id)) continue;
    const name = `Added p50 latency at 1 client, ${l.what}: <= the relay's + 0.3 ms`;
    const run = t1?.[l.id];
    const base = t1?.floor;
    if (!run || !base || !t1?.direct) {
      add(name, 'not measured', null, 'needs direct, floor and the target at 1 client');
      continue;
    }
    const over = perRound(run.rounds, base.rounds, (a, b) => a.p50 - b.p50);
    const added = (id) => t1[id].latencyMs.p50 - t1.direct.latencyMs.p50;
    add(name, `+${ms(over.median, 3)} over the relay`, Number.isFinite(over.median) ? over.median <= 0.3 : null, `added to direct: ${ms(added(l.id), 3)} vs the relay's ${ms(added('floor'), 3)}; median of the per-round differences${over.rounds.length > 1 ? `: ${over.rounds.map((v) => fmt(v, 3)).join(', ')} ms` : ''}`);
  }
  // Cold start under Node 22 (AgentCore's runtime): spawn to the first tools/call answered, ratio to a bare node.
  const cs = r.sections.coldstart;
  const dr = cs?.deployRuntime?.sameAsMachine ? { ...cs, version: cs.deployRuntime.version } : cs?.deployRuntime;
  for (const [id, max, what] of [['full', 4, 'full configuration'], ['passthrough', 2.5, 'pass-through'], ['full-pinned', 4, 'full configuration + tool pinning']]) {
    if (!cs || (id === 'full-pinned' && !dr?.[id])) continue;
    const name = `Cold start under Node 22, spawn to the first tools/call answered, ${what}: <= ${max}x a bare node start`;
    if (!dr?.[id] || !dr.nodeBaseline) {
      add(name, 'not measured', null, dr?.missing ?? '');
      continue;
    }
    const ratio = dr[id].medianToFirstCallMs / dr.nodeBaseline.medianWallMs;
    add(name, `${x(ratio)} (${ms(dr[id].medianToFirstCallMs, 0)} vs ${ms(dr.nodeBaseline.medianWallMs, 0)})`, Number.isFinite(ratio) ? ratio <= max : null, `${dr.version ?? ''}: medians of ${dr[id].runs} starts; ready at ${ms(dr[id].medianWallMs, 0)}, first call ${ms(dr[id].medianFirstCallMs, 1)}`);
  }
  const soak = r.sections.soak;
  if (soak) {
    const bare = cs?.nodeBaseline?.medianRssBytes;
    add('RSS after warm-up, full pipeline: <= a bare node process + 80 MiB', `${fmtBytes(soak.rssWarm)} (bare node + ${fmtBytes(soak.rssWarm - bare)})`, Number.isFinite(bare) ? soak.rssWarm <= bare + 80 * MiB : null, Number.isFinite(bare) ? `bare node ${fmtBytes(bare)}; at ready ${fmtBytes(soak.rssStart)}` : 'needs the coldstart section (bare node RSS) in the same run');
    // Growth between samples taken in the same state: the first and last three of the ten taken under load (the
    // idle figures differ by whether V8 happened to collect and shrink the heap in the pause).
    const med3 = (xs) => median(xs.map((y) => y.rssBytes));
    const series = soak.series ?? [];
    const [from, to, state] = series.length >= 6 ? [med3(series.slice(0, 3)), med3(series.slice(-3)), ', under load'] : [soak.rssWarm, soak.rssEnd, ''];
    const growth = to - from;
    const noise = Math.max(10 * MiB, 0.1 * soak.rssWarm);
    const grew = Number.isFinite(growth) ? `${growth < 0 ? '-' : '+'}${fmtBytes(Math.abs(growth))} (${fmtBytes(from)} -> ${fmtBytes(to)}${state})` : 'n/a';
    const why = [soak.died, soak.failures ? `${fmtInt(soak.failures)} failed calls` : '', soak.calls < soak.targetCalls ? `${fmtInt(soak.calls)} of ${fmtInt(soak.targetCalls)} calls within the --soak-max-s limit` : ''].filter(Boolean).join('; ');
    add(`RSS flat across ${fmtInt(soak.calls)} calls (median of the last 3 vs first 3 of 10 samples under load; beyond noise: max(10 MiB, 10%))`, grew, Number.isFinite(growth) && growth <= noise && soak.failures === 0 && !soak.died, why);
  }
  const fp = r.sections.footprint;
  if (fp && !fp.missing) add('Bundle JS < 2 MB (Cedar wasm counted separately)', `${fmtBytes(fp.jsBytes)} (${fmtInt(fp.jsBytes)} B)`, fp.jsBytes < 2_000_000, `wasm ${fmtBytes(fp.wasmBytes)}; code zip ${fmtBytes(fp.zipBytes)}`);
  scaleVerdicts(r, add);
  return out;
}

/** Catalog and policy scale: no worse than linear, flat in rule count (ratios within one run). */
function scaleVerdicts(r, add) {
  const cat = (r.sections.catalog ?? []).filter((y) => !y.error);
  if (cat.length >= 2) {
    const a = cat[0];
    const b = cat[cat.length - 1];
    const size = b.tools / a.tools;
    const disc = b.passthrough.wallReadyMs / a.passthrough.wallReadyMs;
    const discOnly = b.passthrough.discoveryMs / Math.max(1, a.passthrough.discoveryMs);
    const list = b.passthrough.p50 / a.passthrough.p50;
    add(`Start-to-ready no worse than linear (${b.tools}/${a.tools} tools = ${size}x)`, `${fmt(disc, 1)}x (${ms(a.passthrough.wallReadyMs, 0)} -> ${ms(b.passthrough.wallReadyMs, 0)})`, disc <= size, `discovery alone (listening -> ready): ${ms(a.passthrough.discoveryMs, 0)} -> ${ms(b.passthrough.discoveryMs, 0)}, ${fmt(discOnly, 1)}x`);
    add(`tools/list no worse than linear (${b.tools}/${a.tools} tools, pass-through)`, `${fmt(list, 1)}x`, list <= size);
    if (a.full && b.full) add(`tools/list no worse than linear (${b.tools}/${a.tools} tools, full: Cedar-filtered)`, `${fmt(b.full.p50 / a.full.p50, 1)}x`, b.full.p50 / a.full.p50 <= size);
    if (a.fullGeneric && b.fullGeneric) add(`tools/list no worse than linear (${b.tools}/${a.tools} tools, full with a generic permit: Cedar for every entry)`, `${fmt(b.fullGeneric.p50 / a.fullGeneric.p50, 1)}x`, b.fullGeneric.p50 / a.fullGeneric.p50 <= size);
  }
  const pol = (r.sections.policy ?? []).filter((y) => !y.error);
  if (pol.length >= 2) {
    const a = pol[0];
    const b = pol[pol.length - 1];
    const ratio = b.p50 / a.p50;
    add(`Decision latency flat in rule count (${b.rules}/${a.rules} rules, call p50 ratio <= 1.5x)`, `${fmt(ratio, 2)}x (${ms(a.p50, 3)} -> ${ms(b.p50, 3)})`, ratio <= 1.5);
  }
  const micro = r.sections.micro?.policy;
  if (Array.isArray(micro) && micro.length >= 2 && micro.every((y) => Number.isFinite(y.p50Us))) {
    const a = micro[0];
    const b = micro[micro.length - 1];
    add(`Cedar decision flat in rule count (module, ${b.rules}/${a.rules} rules, p50 ratio <= 1.5x)`, `${fmt(b.p50Us / a.p50Us, 2)}x (${fmt(a.p50Us, 1)} -> ${fmt(b.p50Us, 1)} µs)`, b.p50Us / a.p50Us <= 1.5);
  }
}

/** The former absolute targets' figures, for reference (no verdict: they do not survive a change of machine). */
export function referenceFigures(r) {
  const out = [];
  const add = (figure, measured, formerTarget, note = '') => out.push({ figure, measured, formerTarget, note });
  const hp = r.sections.hotpath;
  const lat = hp?.latency ?? {};
  if (lat.direct && lat.full) {
    const how = `16 clients, fixed ${lat.full.offeredRate} calls/s`;
    add('Full pipeline added latency, p50 (small payload, 16 clients)', ms(lat.full.latencyMs.p50 - lat.direct.latencyMs.p50, 3), '< 1 ms', how);
    add('Full pipeline added latency, p99 (small payload, 16 clients)', ms(lat.full.latencyMs.p99 - lat.direct.latencyMs.p99, 3), '< 5 ms', how);
  }
  for (const c of Object.keys(hp?.throughput ?? {})) {
    const t = hp.throughput[c];
    if (!t.direct) continue;
    for (const [id, min] of [['passthrough', '>= 80%'], ['full', '>= 60%']]) {
      if (!t[id]) continue;
      const spread = t[id].roundRatios?.length > 1 ? `rounds ${t[id].roundRatios.map(fmtPct).join(', ')}` : '';
      add(`${id === 'full' ? 'Full pipeline' : 'Pass-through'} throughput vs direct (${c} clients)`, `${fmtPct(ratioOf(t[id], t.direct))} (${fmtInt(t[id].rps)} vs ${fmtInt(t.direct.rps)} calls/s)`, min, spread);
    }
  }
  const cs = r.sections.coldstart;
  if (cs?.full) add(`Cold start to ready, full config (this machine's node ${r.meta?.node ?? ''})`, ms(cs.full.medianWallMs, 0), '< 300 ms', `pass-through ${ms(cs.passthrough?.medianWallMs, 0)}`);
  const dr = cs?.deployRuntime;
  if (dr?.full) add(`Cold start to ready, full config, ${dr.version}`, ms(dr.full.medianWallMs, 0), '< 300 ms', `pass-through ${ms(dr.passthrough?.medianWallMs, 0)}; bare node ${ms(dr.nodeBaseline?.medianWallMs, 0)}`);
  const soak = r.sections.soak;
  if (soak) add('RSS after warm-up, full pipeline', fmtBytes(soak.rssWarm), '< 100 MB', `at ready ${fmtBytes(soak.rssStart)}`);
  return out;
}
