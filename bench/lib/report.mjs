/** Verdicts against the targets, the stdout summary table and bench/REPORT.md. */
import { fmt, fmtBytes, fmtInt, fmtPct, median, ratioOf, verdict } from './stats.mjs';

const MiB = 2 ** 20;
const ms = (v, d = 2) => (Number.isFinite(v) ? `${v.toFixed(d)} ms` : 'n/a');

/** Every target with its measured value and PASS/FAIL (n/a when not measured). */
export function verdicts(r) {
  const out = [];
  const add = (target, measured, ok, note = '') => out.push({ target, measured, verdict: verdict(ok), note });
  const hp = r.sections.hotpath;
  const lat = hp?.latency ?? {};
  for (const id of ['passthrough', 'full']) {
    const crashes = [hp?.died?.[id], id === 'full' ? r.sections.soak?.died : undefined].filter(Boolean);
    if (hp?.targets?.some((t) => t.id === id) || (id === 'full' && r.sections.soak)) {
      add(`The ${id === 'full' ? 'full-pipeline' : 'pass-through'} proxy stays up under load (hot path${id === 'full' ? ' and soak' : ''})`, crashes.length ? 'crashed' : 'no crash', crashes.length === 0, crashes.join(' / ').slice(0, 400));
    }
  }
  const full = hp?.targets?.find((t) => t.id === 'full');
  if (full?.checks) {
    const ok = full.checks.filter((c) => c.ok).length;
    add('The measured full pipeline governs (checks below)', `${ok}/${full.checks.length} checks${Number.isFinite(r.meta.auditEventsReceived) ? `; ${r.meta.auditEventsReceived.toLocaleString('en-US')} audit events reached the loopback CloudWatch Logs endpoint` : ''}`, ok === full.checks.length);
  }
  if (lat.direct && lat.full) {
    const d50 = lat.full.latencyMs.p50 - lat.direct.latencyMs.p50;
    const d99 = lat.full.latencyMs.p99 - lat.direct.latencyMs.p99;
    const how = `16 clients, fixed ${lat.full.offeredRate} calls/s`;
    add('Full pipeline adds < 1 ms at p50 (small payload, 16 clients)', ms(d50, 3), d50 < 1, how);
    add('Full pipeline adds < 5 ms at p99 (small payload, 16 clients)', ms(d99, 3), d99 < 5, how);
  } else {
    add('Full pipeline adds < 1 ms at p50 (small payload, 16 clients)', 'not measured', null);
    add('Full pipeline adds < 5 ms at p99 (small payload, 16 clients)', 'not measured', null);
  }
  for (const c of Object.keys(hp?.throughput ?? {})) {
    const t = hp.throughput[c];
    if (!t.direct) continue;
    for (const [id, min] of [['passthrough', 0.8], ['full', 0.6]]) {
      const ratio = t[id] ? ratioOf(t[id], t.direct) : NaN;
      const name = id === 'passthrough' ? 'Pass-through throughput >= 80% of direct' : 'Full pipeline throughput >= 60% of direct';
      const bad = t[id] && (t[id].failures || t[id].crashed) ? `${fmtInt(t[id].failures)} failed calls${t[id].crashed ? ' (the proxy crashed during this run)' : ''}` : '';
      const spread = t[id]?.roundRatios?.length > 1 ? `; rounds ${t[id].roundRatios.map(fmtPct).join(', ')}` : '';
      add(`${name} (${c} clients)`, t[id] ? `${fmtPct(ratio)} (${fmtInt(t[id].rps)} vs ${fmtInt(t.direct.rps)} calls/s)` : 'not measured', t[id] ? ratio >= min && !bad : null, `${bad}${bad && spread ? '; ' : ''}${spread ? `median of the per-round ratios${spread}` : ''}`);
    }
  }
  const cs = r.sections.coldstart;
  if (cs?.full) add(`Cold start to ready < 300 ms (median, full config, local upstream; this machine's node ${r.meta?.node ?? ''})`, ms(cs.full.medianWallMs, 0), cs.full.medianWallMs < 300, `median of ${cs.full.runs}; pass-through ${ms(cs.passthrough?.medianWallMs, 0)}`);
  const dr = cs?.deployRuntime;
  if (dr?.full) {
    add(`Cold start to ready < 300 ms under ${dr.version} (AgentCore runs the bundle on Node 22)`, ms(dr.full.medianWallMs, 0), dr.full.medianWallMs < 300, `median of ${dr.full.runs}; pass-through ${ms(dr.passthrough?.medianWallMs, 0)}; bare node ${ms(dr.nodeBaseline?.medianWallMs, 0)}`);
  } else if (dr?.missing) {
    add('Cold start to ready < 300 ms under Node 22 (AgentCore runs the bundle on Node 22)', 'not measured', null, dr.missing);
  }
  const fp = r.sections.footprint;
  if (fp && !fp.missing) add('Bundle JS < 2 MB (Cedar wasm counted separately)', `${fmtBytes(fp.jsBytes)} (${fmtInt(fp.jsBytes)} B)`, fp.jsBytes < 2_000_000, `wasm ${fmtBytes(fp.wasmBytes)}; code zip ${fmtBytes(fp.zipBytes)}`);
  const soak = r.sections.soak;
  if (soak) {
    add('RSS after warm-up < 100 MB (full pipeline)', fmtBytes(soak.rssWarm), soak.rssWarm < 100 * 1e6, `at ready: ${fmtBytes(soak.rssStart)}${cs?.passthrough?.medianRssAtReadyBytes ? `; pass-through at ready: ${fmtBytes(cs.passthrough.medianRssAtReadyBytes)}` : ''}${cs?.nodeBaseline ? `; bare node: ${fmtBytes(cs.nodeBaseline.medianRssBytes)}` : ''}`);
    // Growth between samples taken in the same state: the first and last three of the ten taken under load (the
    // after-warm-up and end figures are taken idle, 1.5 s after the load stops, and differ by whether V8 happened to
    // collect and shrink the heap in that pause: the under-load samples of a run move by ~15 MiB either way).
    const med3 = (xs) => median(xs.map((x) => x.rssBytes));
    const series = soak.series ?? [];
    const [from, to, state] = series.length >= 6 ? [med3(series.slice(0, 3)), med3(series.slice(-3)), ', under load'] : [soak.rssWarm, soak.rssEnd, ''];
    const growth = to - from;
    const noise = Math.max(10 * MiB, 0.1 * soak.rssWarm);
    const grew = Number.isFinite(growth) ? `${growth < 0 ? '-' : '+'}${fmtBytes(Math.abs(growth))} (${fmtBytes(from)} -> ${fmtBytes(to)}${state})` : 'n/a';
    const idle = Number.isFinite(soak.rssEnd) ? `idle after warm-up ${fmtBytes(soak.rssWarm)}, idle at the end ${fmtBytes(soak.rssEnd)}` : '';
    const why = [soak.died, soak.failures ? `${fmtInt(soak.failures)} failed calls` : '', soak.calls < soak.targetCalls ? `${fmtInt(soak.calls)} of ${fmtInt(soak.targetCalls)} calls within the --soak-max-s limit` : '', idle].filter(Boolean).join('; ');
    add(`No RSS growth across ${fmtInt(soak.calls)} calls (median of the last 3 vs first 3 of 10 samples under load; beyond noise: max(10 MiB, 10%))`, grew, Number.isFinite(growth) && growth <= noise && soak.failures === 0 && !soak.died, why);
  }
  const cat = (r.sections.catalog ?? []).filter((x) => !x.error);
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
  const pol = (r.sections.policy ?? []).filter((x) => !x.error);
  if (pol.length >= 2) {
    const a = pol[0];
    const b = pol[pol.length - 1];
    const ratio = b.p50 / a.p50;
    add(`Decision latency flat in rule count (${b.rules}/${a.rules} rules, call p50 ratio <= 1.5x)`, `${fmt(ratio, 2)}x (${ms(a.p50, 3)} -> ${ms(b.p50, 3)})`, ratio <= 1.5);
  }
  const micro = r.sections.micro?.policy;
  if (Array.isArray(micro) && micro.length >= 2 && micro.every((x) => Number.isFinite(x.p50Us))) {
    const a = micro[0];
    const b = micro[micro.length - 1];
    add(`Cedar decision flat in rule count (module, ${b.rules}/${a.rules} rules, p50 ratio <= 1.5x)`, `${fmt(b.p50Us / a.p50Us, 2)}x (${fmt(a.p50Us, 1)} -> ${fmt(b.p50Us, 1)} µs)`, b.p50Us / a.p50Us <= 1.5);
  }
  return out;
}

function table(headers, rows) {
  const esc = (c) => String(c ?? '').replace(/\|/g, '\\|');
  return [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

/** Plain-text table for the terminal. */
function textTable(headers, rows) {
  const all = [headers, ...rows].map((r) => r.map((c) => String(c ?? '')));
  const w = headers.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => c.padEnd(w[i])).join('  ');
  return [line(all[0]), w.map((n) => '-'.repeat(n)).join('  '), ...all.slice(1).map(line)].join('\n');
}

function throughputRows(hp) {
  const cs = Object.keys(hp.throughput ?? {});
  return hp.targets.map((t) => {
    const cells = [t.label];
    for (const c of cs) {
      const run = hp.throughput[c][t.id];
      const d = hp.throughput[c].direct;
      cells.push(run ? `${fmtInt(run.rps)}${d && t.id !== 'direct' ? ` (${fmtPct(ratioOf(run, d))})` : ''}${run.failures ? ` [${run.failures} failed]` : ''}${run.crashed ? ' [crashed]' : ''}` : 'n/a');
    }
    return cells;
  });
}

function latencyRows(hp) {
  const d = hp.latency?.direct;
  return hp.targets.filter((t) => hp.latency?.[t.id]).map((t) => {
    const l = hp.latency[t.id];
    const add50 = d && t.id !== 'direct' ? l.latencyMs.p50 - d.latencyMs.p50 : NaN;
    const add99 = d && t.id !== 'direct' ? l.latencyMs.p99 - d.latencyMs.p99 : NaN;
    return [t.label, fmtInt(l.offeredRate), fmt(l.latencyMs.p50, 3), fmt(l.latencyMs.p99, 3), t.id === 'direct' ? '-' : fmt(add50, 3), t.id === 'direct' ? '-' : fmt(add99, 3), fmtInt(l.requests), l.failures || 0];
  });
}

function saturatedLatencyRows(hp) {
  const cs = Object.keys(hp.throughput ?? {});
  return hp.targets.map((t) => [t.label, ...cs.map((c) => {
    const run = hp.throughput[c][t.id];
    return run ? `${fmt(run.latencyMs.p50, 2)} / ${fmt(run.latencyMs.p99, 2)}` : 'n/a';
  })]);
}

function cpuRows(hp) {
  const run16 = hp.throughput?.[16] ?? hp.throughput?.[Object.keys(hp.throughput ?? {})[0]];
  if (!run16) return [];
  return hp.targets.filter((t) => run16[t.id]).map((t) => {
    const c = run16[t.id].cpuUsPerCall ?? {};
    return [t.label, t.id === 'direct' ? '-' : fmt(c.front, 0), fmt(c.upstream, 0), Number.isFinite(c.auditEndpoint) ? fmt(c.auditEndpoint, 0) : '-', fmt(c.loadgen, 0)];
  });
}

/** The terminal summary (stdout). */
export function summaryText(r) {
  const parts = [];
  const m = r.meta;
  parts.push(`MCP governance proxy benchmark — ${m.date} — ${m.cores} cores (${m.cpuModel}), node ${m.node}, load avg ${m.loadavgStart.map((x) => x.toFixed(2)).join(' ')} -> ${m.loadavgEnd?.map((x) => x.toFixed(2)).join(' ') ?? '?'}, other processes used ${fmtPct(m.cpuOthersShare)} of the CPU, ${fmt(m.durationS, 0)} s${r.opts.quick ? ' (QUICK smoke run)' : ''}`);
  const hp = r.sections.hotpath;
  if (hp?.targets?.length) {
    const cs = Object.keys(hp.throughput ?? {});
    if (cs.length) parts.push('\nThroughput, tools/call calls/s (ratio to direct):\n' + textTable(['target', ...cs.map((c) => `${c} clients`)], throughputRows(hp)));
    if (Object.keys(hp.latency ?? {}).length) parts.push(`\nLatency at a fixed offered load, 16 clients (ms):\n` + textTable(['target', 'rate/s', 'p50', 'p99', '+p50', '+p99', 'calls', 'failed'], latencyRows(hp)));
  }
  for (const s of hp?.skipped ?? []) parts.push(`skipped ${s.id}: ${s.reason}`);
  for (const [id, why] of Object.entries(hp?.died ?? {})) parts.push(`${id} died: ${why}`);
  parts.push('\nTargets:\n' + textTable(['target', 'measured', 'verdict', 'note'], verdicts(r).map((v) => [v.target, v.measured, v.verdict, v.note])));
  for (const [name, e] of Object.entries(r.errors ?? {})) parts.push(`section ${name} failed: ${e}`);
  return parts.join('\n');
}

/** bench/REPORT.md */
export function reportMarkdown(r) {
  const m = r.meta;
  const o = r.opts;
  const L = [];
  L.push('# Benchmark report');
  L.push('');
  L.push(`Generated by \`npm run bench${o.quick ? ' -- --quick' : ''}\` (bench/run.mjs). Every figure below comes from one run, with all targets measured side by side on the same machine.`);
  L.push('');
  L.push(table(['machine', 'value'], [
    ['date', m.date],
    ['CPU cores', `${m.cores} (${m.cpuModel})`],
    ['memory', fmtBytes(m.totalMem)],
    ['node', m.node],
    ['OS', m.os],
    ['load average (1/5/15 min) at start -> end', `${m.loadavgStart.map((x) => x.toFixed(2)).join(' ')} -> ${m.loadavgEnd?.map((x) => x.toFixed(2)).join(' ') ?? '?'}`],
    ['run time', `${fmt(m.durationS, 0)} s`],
    ['machine CPU during the run', Number.isFinite(m.cpuOthersShare) ? `this run ${fmtPct(m.cpuOursShare)}, other processes ${fmtPct(m.cpuOthersShare)}, hypervisor steal ${fmtPct(m.cpuStealShare)} of ${m.cores} cores${m.cpuOthersShare > 0.1 ? ' (**shared machine: figures are noisy; re-run on an idle machine for release numbers**)' : ''}` : 'n/a'],
    ['proxy bundle', m.bundlePresent ? `assets/runtime/index.js of ${m.bundleMtime}${m.bundleBuilt ? ' (built by this run)' : ''}${m.bundleBuildError ? ` (rebuild failed: ${m.bundleBuildError}; existing bundle measured)` : ''}` : 'missing'],
    ['MCP SDK / peer', `@modelcontextprotocol/sdk ${m.sdkVersion}; mcp-proxy ${m.peerVersion}`],
    ['proxy node flags', o.proxyNodeArgs?.length ? o.proxyNodeArgs.join(' ') : 'none (defaults)'],
    ['settings', `duration ${o.durationS} s/run, warm-up ${o.warmupS} s, rounds ${o.rounds}, fixed-rate runs ${o.latencyDurationS} s, soak ${fmtInt(o.soakCalls)} calls, cold starts x${o.coldstartRuns}${o.quick ? ' (QUICK smoke run: figures are indicative only)' : ''}`],
  ]));
  L.push('');
  L.push('## Targets');
  L.push('');
  L.push(table(['target', 'measured', 'verdict', 'how'], verdicts(r).map((v) => [v.target, v.measured, `**${v.verdict}**`, v.note])));
  L.push('');
  if (r.analysis?.length) {
    L.push('### Reading the verdicts');
    L.push('');
    for (const a of r.analysis) L.push(`- ${a}`);
    L.push('');
  }
  const hp = r.sections.hotpath;
  if (hp) {
    L.push('## Hot path: tools/call, small payload');
    L.push('');
    L.push(`Upstream: an SDK (\`@modelcontextprotocol/sdk\` ${m.sdkVersion}) Streamable HTTP server, stateless (fresh \`Server\` + transport per POST, JSON responses), tool \`echo\` with a ${Buffer.byteLength(JSON.stringify(r.smallCall.arguments))}-byte argument that carries one email address (so tokenization and redaction have work). Load: autocannon, raw JSON-RPC POSTs (\`Accept: application/json, text/event-stream\`), one complete stateless \`tools/call\` per POST; every response body is checked to be a JSON-RPC result that is not an error. Percentiles are computed from every request's own duration.`);
    L.push('');
    L.push(table(['target', 'configuration'], hp.targets.map((t) => [t.label, t.note || '-'])));
    for (const s of hp.skipped ?? []) L.push(`\nSkipped **${s.label}**: ${s.reason}`);
    for (const [id, why] of Object.entries(hp.died ?? {})) L.push(`\n**${id} crashed during the hot-path runs**: ${why}. The harness restarted it to finish measuring; runs marked [crashed] lost calls to the crash.`);
    L.push('');
    for (const t of hp.targets.filter((x) => x.checks)) {
      L.push(`Checks that ${t.label} really governs (run before it is measured):`);
      L.push('');
      L.push(table(['check', 'result', 'detail'], t.checks.map((c) => [c.check, c.ok ? 'ok' : '**FAIL**', c.detail])));
      L.push('');
    }
    if (Object.keys(hp.throughput ?? {}).length) {
      L.push(`### Throughput (calls/s, closed loop, ${o.durationS} s per run${o.rounds > 1 ? `, median of ${o.rounds} interleaved rounds` : ''}; ratio to direct)`);
      L.push('');
      const cs = Object.keys(hp.throughput);
      L.push(table(['target', ...cs.map((c) => `${c} clients`)], throughputRows(hp)));
      L.push('');
      L.push('Latency in those saturated runs, p50 / p99 in ms (includes queueing: every process competes for the same cores):');
      L.push('');
      L.push(table(['target', ...cs.map((c) => `${c} clients`)], saturatedLatencyRows(hp)));
      L.push('');
      L.push('CPU time per call at 16 clients (µs, from /proc/<pid>/stat: utime+stime over the run / calls):');
      L.push('');
      L.push(table(['target', 'front process (proxy or relay)', 'upstream process', 'loopback CloudWatch endpoint', 'load generator'], cpuRows(hp)));
      L.push('');
    }
    if (Object.keys(hp.latency ?? {}).length) {
      L.push(`### Added latency at a fixed offered load (16 clients, ${o.latencyDurationS} s)`);
      L.push('');
      L.push('The offered load is at most half the slowest compared target\'s 16-client capacity, so the figures are the per-call cost of each hop rather than queueing. "+p50/+p99" are the differences to the direct upstream in the same run.');
      L.push('');
      L.push(table(['target', 'offered calls/s', 'p50 ms', 'p99 ms', '+p50 ms', '+p99 ms', 'calls', 'failed'], latencyRows(hp)));
      L.push('');
    }
  }
  const st = r.sections.stages;
  if (st?.variants?.length) {
    L.push('## What each control costs');
    L.push('');
    L.push(`The pass-through proxy with one section of the full configuration switched on at a time, then all of them: CPU time of the proxy process per \`tools/call\` (small payload, ${st.connections} clients, ${st.durationS} s runs, median of ${st.rounds} interleaved round${st.rounds > 1 ? 's' : ''}; from /proc, so scheduling on the shared cores matters less than for calls/s). The stage costs need not add up to the full pipeline's: some work is shared (the request context, one JSON parse) and some only exists together (access control needs an identity to decide on; redaction and tokenization see each other's output).`);
    L.push('');
    L.push(table(['configuration', 'proxy CPU µs per call', 'over pass-through', 'calls/s', 'rounds (µs)'], st.variants.map((v) => [
      v.label,
      fmt(v.cpuUsPerCall, 0),
      v.id === 'passthrough' ? '-' : `${v.overPassthroughUs >= 0 ? '+' : ''}${fmt(v.overPassthroughUs, 0)}`,
      `${fmtInt(v.rps)}${v.failures ? ` [${v.failures} failed]` : ''}`,
      v.roundsCpuUs.map((x) => fmt(x, 0)).join(', '),
    ])));
    L.push('');
  }
  const cs = r.sections.coldstart;
  const fp = r.sections.footprint;
  const soak = r.sections.soak;
  if (cs || fp || soak) {
    L.push('## Footprint');
    L.push('');
    if (fp && !fp.missing) {
      L.push(table(['artifact', 'bytes'], [
        ['assets/runtime JS (all .js)', `${fmtInt(fp.jsBytes)} (${fmtBytes(fp.jsBytes)})`],
        ['  of which index.js', `${fmtInt(fp.entryBytes)} (${fmtBytes(fp.entryBytes)})`],
        ['Cedar wasm', `${fmtInt(fp.wasmBytes)} (${fmtBytes(fp.wasmBytes)})`],
        ['other files', `${fmtInt(fp.otherBytes)} (${fmtBytes(fp.otherBytes)})`],
        [`code zip as deployed (assets/runtime + proxy-config.json; ${fp.zipTool ?? fp.zipError})`, `${fmtInt(fp.zipBytes)} (${fmtBytes(fp.zipBytes)})`],
      ]));
      L.push('');
    }
    if (cs) {
      L.push(`Cold start: \`node assets/runtime/index.js\` spawned with the config in \`MCP_PROXY_CONFIG\` until its JSON "ready" line on stderr (upstream discovery done), against the local upstream; median of ${o.coldstartRuns}. "self-reported" is the readyMs field of that line. "Then the first tools/call" is the latency of one small call sent right after "ready" (with the bench caller's token for the full configuration): what a new session's first tool call waits for on top of the start-up (code compiled on first use, the first token verification, Cedar slice, tokenization and audit record).`);
      L.push('');
      const runs = (set) => Object.entries(set).filter(([, c]) => Array.isArray(c?.wallMs));
      const firstCall = (c) => (c.firstCallMs === undefined ? '-' : Number.isFinite(c.medianFirstCallMs) ? ms(c.medianFirstCallMs, 1) : `failed (${c.firstCallMs.filter((x) => !Number.isFinite(x)).length} of ${c.firstCallMs.length})`);
      const coldTable = (set) => table(['configuration', 'median spawn-to-ready', 'median self-reported', 'then the first tools/call', 'all runs (ms)'], runs(set).map(([id, c]) => [
        id === 'nodeBaseline' ? `bare \`node -e\` (floor; RSS ${fmtBytes(c.medianRssBytes)})` : id,
        ms(c.medianWallMs, 0),
        id === 'nodeBaseline' ? '-' : ms(c.medianSelfMs, 0),
        id === 'nodeBaseline' ? '-' : firstCall(c),
        c.wallMs.map((x) => x.toFixed(0)).join(', '),
      ]));
      L.push(`With this machine's node (${m.node}):`);
      L.push('');
      L.push(coldTable(cs));
      L.push('');
      const dr = cs.deployRuntime;
      if (dr?.nodeBaseline) {
        L.push(`Under ${dr.version}, the Node.js major AgentCore Runtime runs the code zip on (binary: ${dr.source}); same bundle, configurations and upstream:`);
        L.push('');
        L.push(coldTable(dr));
        L.push('');
      } else if (dr?.missing) {
        L.push(`Under Node 22 (AgentCore's runtime): not measured: ${dr.missing}.`);
        L.push('');
      }
      const tl = [...runs(cs), ...(dr?.nodeBaseline ? runs(dr).map(([id, c]) => [`${id} (${dr.version})`, c]) : [])].filter(([, c]) => c.timeline?.length);
      if (tl.length) {
        L.push('Start-up timeline (median ms since spawn at which each log line appeared; the gap before a line is the work that line reports as done):');
        L.push('');
        L.push(table(['configuration', 'timeline'], tl.map(([id, c]) => [id, c.timeline.map((e) => `${e.msg} @${fmt(e.ms, 0)}`).join(' → ')])));
        L.push('');
      }
    }
    if (soak) {
      L.push(`Memory (full pipeline, VmRSS of the proxy process): ${fmtBytes(soak.rssStart)} at ready, ${fmtBytes(soak.rssWarm)} after ${fmtInt(soak.warmCalls)} warm-up calls, ${fmtBytes(soak.rssEnd)} after ${fmtInt(soak.calls)} more calls at 16 clients (${fmt(soak.elapsedS, 0)} s, ${fmtInt(soak.calls / soak.elapsedS)} calls/s, ${soak.failures} failed).${soak.died ? ` **${soak.died}**` : ''}`);
      L.push('');
      L.push(table(['calls', ...soak.series.map((s) => fmtInt(s.calls))], [['RSS MiB', ...soak.series.map((s) => fmt(s.rssBytes / MiB, 1))]]));
      L.push('');
    }
    if (hp?.rss && Object.keys(hp.rss).length) {
      L.push(`RSS of each front process at the end of the hot-path runs: ${Object.entries(hp.rss).map(([id, b]) => `${id} ${fmtBytes(b)}`).join(', ')}.`);
      L.push('');
    }
  }
  const cat = r.sections.catalog;
  const pol = r.sections.policy;
  const pay = r.sections.payload;
  if (cat || pol || pay) {
    L.push('## Scale with work');
    L.push('');
  }
  if (cat) {
    L.push('### Catalog size (one upstream with N tools)');
    L.push('');
    L.push('Ready = spawn-to-ready of the proxy (includes process start); discovery = the wait between the "listening" and "ready" log lines (upstream initialize + tools/list + catalog build). tools/list p50 at 1 client; the full pipeline filters the list through Cedar (the bench caller may see 2 tools). Its policy permits by tool name, so entries no permit can apply to are hidden without a Cedar evaluation; "full, generic permit" adds one permit that names no tool, which the caller meets and whose condition reads the target (`resource.name like "report_*"`, matching no bench tool): it might apply to any entry, so Cedar evaluates each one (the worst case; a generic permit the caller cannot meet, such as one for an admin group, is ruled out once per caller).');
    L.push('');
    const generic = (c) => (c.fullGeneric ? ms(c.fullGeneric.p50, 2) : 'n/a');
    L.push(table(['tools', 'ready / discovery (pass-through)', 'ready / discovery (full)', 'tools/list direct', 'tools/list pass-through', 'tools/list full', 'tools/list full, generic permit', 'visible (pass-through / full / generic)', 'list bytes (pass-through)', 'RSS at ready (pass-through / full)'], cat.map((c) => c.error ? [fmtInt(c.tools), c.error, '', '', '', '', '', '', '', ''] : [
      fmtInt(c.tools), `${ms(c.passthrough.wallReadyMs, 0)} / ${ms(c.passthrough.discoveryMs, 0)}`, `${ms(c.full.wallReadyMs, 0)} / ${ms(c.full.discoveryMs, 0)}`, ms(c.direct.p50, 2), ms(c.passthrough.p50, 2), ms(c.full.p50, 2), generic(c), `${c.passthrough.visibleTools} / ${c.full.visibleTools} / ${c.fullGeneric?.visibleTools ?? 'n/a'}`, fmtBytes(c.passthrough.responseBytes), `${fmtBytes(c.passthrough.rssAtReadyBytes)} / ${fmtBytes(c.full.rssAtReadyBytes)}`])));
    const ok = cat.filter((c) => !c.error);
    if (ok.length >= 2) {
      const a = ok[0];
      const b = ok[ok.length - 1];
      L.push('');
      L.push(`Growth ${fmtInt(b.tools)}/${fmtInt(a.tools)} tools (${fmtInt(b.tools / a.tools)}x the work): ready ${fmt(b.passthrough.wallReadyMs / a.passthrough.wallReadyMs, 1)}x (pass-through), ${fmt(b.full.wallReadyMs / a.full.wallReadyMs, 1)}x (full); discovery alone ${fmt(b.passthrough.discoveryMs / Math.max(1, a.passthrough.discoveryMs), 1)}x (pass-through), ${fmt(b.full.discoveryMs / Math.max(1, a.full.discoveryMs), 1)}x (full); tools/list ${fmt(b.direct.p50 / a.direct.p50, 1)}x direct, ${fmt(b.passthrough.p50 / a.passthrough.p50, 1)}x pass-through, ${fmt(b.full.p50 / a.full.p50, 1)}x full${a.fullGeneric && b.fullGeneric ? `, ${fmt(b.fullGeneric.p50 / a.fullGeneric.p50, 1)}x full with a generic permit` : ''}. Linear would be ${fmtInt(b.tools / a.tools)}x; a fixed start-up cost makes the small-catalog figure a floor, so ratios well under linear are expected.`);
    }
    L.push('');
  }
  if (pol) {
    L.push('### Policy size (Cedar rules)');
    L.push('');
    L.push('Proxy with JWT identity + access control only (other stages off), N rules of which one permits the bench caller; tools/call at 1 client.');
    L.push('');
    L.push(table(['rules', 'start-to-ready', 'tools/call p50', 'tools/call p99', 'calls'], pol.map((p) => p.error ? [fmtInt(p.rules), p.error, '', '', ''] : [fmtInt(p.rules), ms(p.wallReadyMs, 0), ms(p.p50, 3), ms(p.p99, 3), fmtInt(p.n)])));
    L.push('');
  }
  const micro = r.sections.micro;
  if (micro) {
    L.push('### Module level (runtime stages imported directly via tsx)');
    L.push('');
    if (Array.isArray(micro.policy)) {
      L.push(`Access control decision (${micro.policyApi ?? ''}):`);
      L.push('');
      L.push(table(['rules', 'build (ms)', 'decision p50 (µs)', 'decision p99 (µs)', 'decisions', 'with shadow p50 (µs)', 'with shadow p99 (µs)', '10k-tool list (ms)', 'with shadow (ms)'], micro.policy.map((p) => [fmtInt(p.rules), fmt(p.buildMs, 1), fmt(p.p50Us, 1), fmt(p.p99Us, 1), fmtInt(p.n), fmt(p.shadowP50Us, 1), fmt(p.shadowP99Us, 1), fmt(p.listMs, 1), fmt(p.listShadowMs, 1)])));
      L.push('');
      L.push('"with shadow": a candidate policy (the same rules plus one forbid) evaluated beside the enforced one (accessControl.shadow, agreeing: no disagreement records).');
      L.push('');
    }
    if (Array.isArray(micro.redact)) {
      L.push(`Redaction (${micro.redactApi ?? ''}; text with an email, a phone number, an IP and a card number every ~200 bytes):`);
      L.push('');
      L.push(table(['bytes', 'p50 (ms)', 'MB/s', 'runs'], micro.redact.map((p) => [fmtInt(p.bytes), fmt(p.p50Ms, 3), fmt(p.mbPerS, 1), fmtInt(p.n)])));
      L.push('');
    }
    for (const n of micro.notes ?? []) L.push(`- ${n}`);
    if (micro.notes?.length) L.push('');
  }
  const sinkCap = r.sections.auditsink;
  if (Array.isArray(sinkCap?.capacity)) {
    L.push('### Audit sink capacity (records/s shipped to CloudWatch Logs at a given PutLogEvents latency)');
    L.push('');
    L.push(table(['PutLogEvents latency', 'records/s', 'records per batch', 'record bytes', 'batches', 'seconds'], sinkCap.capacity.map((c) => [`${fmtInt(c.latencyMs)} ms`, fmtInt(c.recordsPerSec), fmtInt(c.avgBatch), fmtInt(c.recordBytes), fmtInt(c.batches), fmt(c.seconds, 1)])));
    L.push('');
    for (const n of sinkCap.notes ?? []) L.push(`- ${n}`);
    L.push('');
  }
  if (pay) {
    L.push('### Payload size (tool result bytes, end to end)');
    L.push('');
    L.push('`blob` returns a text of N bytes with an email, a phone number, an IP address and a card number every ~200 bytes; p50 at 1 client and MB/s = N / p50.');
    L.push('');
    const ids = ['direct', 'passthrough', 'redact', 'full'];
    L.push(table(['result bytes', ...ids.map((i) => `${i} p50 (MB/s)`)], pay.rows.map((row) => [fmtInt(row.bytes), ...ids.map((i) => (row[i]?.error ? row[i].error : row[i] ? `${ms(row[i].p50, 2)} (${fmt(row[i].mbPerS, 1)})${row[i].failures ? ` [${row[i].failures} failed]` : ''}` : 'n/a'))])));
    for (const [id, e] of Object.entries(pay.errors ?? {})) L.push(`\n${id}: ${e}`);
    L.push('');
  }
  L.push('## Method and caveats');
  L.push('');
  for (const n of r.methodNotes ?? []) L.push(`- ${n}`);
  L.push('');
  if (Object.keys(r.errors ?? {}).length) {
    L.push('## Sections that failed');
    L.push('');
    for (const [k, v] of Object.entries(r.errors)) L.push(`- ${k}: ${v}`);
    L.push('');
  }
  L.push('## Reproduce');
  L.push('');
  L.push('```');
  L.push('npm run bench               # full run (< 10 min on 2 cores)');
  L.push('npm run bench -- --quick    # smoke run (~1-2 min)');
  L.push('npm run bench -- --help     # durations, sizes, targets, sections');
  L.push('```');
  L.push('');
  L.push('Raw results of each run are written to bench/results/ (git-ignored).');
  L.push('');
  return L.join('\n');
}
