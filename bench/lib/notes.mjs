/** The method notes and the data-driven reading of failed verdicts that go into the report. */
import { fmtInt, fmt, fmtPct, ratioOf } from './stats.mjs';

export function methodNotes(r) {
  const m = r.meta;
  return [
    `All processes run on this one ${m.cores}-core machine: the load generator (autocannon, inside bench/run.mjs), the upstream, the proxy under test and, for the full pipeline, the loopback CloudWatch Logs endpoint. Any proxy adds a process that competes for the same cores, so throughput ratios here are a pessimistic bound for a deployment where the proxy has its own vCPUs (AgentCore Runtime). CPU time per call depends less on contention than wall-clock figures, though on an oversubscribed VM it is inflated too (cache pressure, steal).`,
    `Other work on the machine is not controlled (shared development host): the CPU share other processes took during the run (from /proc/stat, minus this run's own processes) and the load average are recorded above. Targets are interleaved per concurrency level so drift affects all of them alike; ratios measured in the same run are more trustworthy than absolute figures.`,
    'Pass-through (b): identity `none`, access control off, sanitize/tokenize/redact off, audit sink `none` (no audit records at all).',
    `Full pipeline (c): JWT verification (RS256; keys from oauth2-mock-server on 127.0.0.1, fetched at start-up) with a real token, Cedar access control (a permit rule for the caller's group and a forbid rule on destructive tools), sanitization (schema validation, control characters, injection heuristics), tokenization (key from the environment), redaction (all built-in detectors), audit to ${m.auditSink}, fail-closed.`,
    `Peer (d): mcp-proxy ${m.peerVersion} from npm, the most used TypeScript MCP proxy. Its CLI only spawns stdio servers, and supergateway likewise only bridges stdio to HTTP (or HTTP to stdio), so no npm peer fronts a Streamable HTTP server with Streamable HTTP out of the box. (d) uses mcp-proxy's documented library API (\`proxyServer\` + \`startHTTPServer\`, stateless) wired exactly as its CLI does, with an HTTP upstream client instead of a stdio one: a true HTTP->HTTP pass-through with no governance. (d') is the CLI as users run it (\`--stateless --server stream\`) fronting the stdio variant of the same upstream: it saves the second HTTP hop, so it is not like-for-like with (b)/(c); it is shown for reference. mcp-proxy answers with SSE streams (its default); the upstream and our proxy answer JSON.`,
    'Latency percentiles are nearest-rank over every request\'s own duration (autocannon\'s per-response timing, sub-millisecond), not autocannon\'s integer-millisecond histogram. Closed-loop runs measure capacity (latency there includes queueing); fixed-rate runs measure per-call cost.',
    'Cold start is spawn-to-ready measured by the harness (includes node start and bundle load), with the self-reported readyMs alongside. RSS is VmRSS from /proc/<pid>/status of the proxy process.',
  ];
}

/** Plain-language reasons for what failed, computed from the measurements. */
export function analysis(r) {
  const out = [];
  const hp = r.sections.hotpath;
  const t16 = hp?.throughput?.[16];
  if (t16?.direct) {
    const cpu = (id) => t16[id]?.cpuUsPerCall;
    const total = (id) => {
      const c = cpu(id);
      if (!c) return NaN;
      return (Number.isFinite(c.front) ? c.front : 0) + c.upstream + c.loadgen + (Number.isFinite(c.auditEndpoint) ? c.auditEndpoint : 0);
    };
    const cores = r.meta?.cores ?? 2;
    /**
     * Calls/s the CPU allows, and what bounds it: each process is single-threaded (at most one core's worth: 1e6 / its
     * µs per call), and all of them share the machine's cores (cores x 1e6 / their sum).
     */
    const limit = (id) => {
      const c = cpu(id);
      if (!c) return { rate: NaN, bound: 'n/a' };
      const procs = [
        [id === 'floor' ? 'the relay process' : 'the proxy process', Number.isFinite(c.front) ? c.front : 0],
        ['the upstream process', c.upstream],
        ['the loopback CloudWatch endpoint', Number.isFinite(c.auditEndpoint) ? c.auditEndpoint : 0],
      ];
      const [busiest, us] = procs.reduce((a, b) => (b[1] > a[1] ? b : a));
      const shared = (cores * 1e6) / total(id);
      return 1e6 / us <= shared ? { rate: 1e6 / us, bound: busiest } : { rate: shared, bound: 'all cores' };
    };
    const d = limit('direct');
    for (const id of ['floor', 'passthrough', 'full', 'peer']) {
      const c = cpu(id);
      if (!c || !Number.isFinite(total(id))) continue;
      out.push(
        `${id} at 16 clients: the ${id === 'floor' ? 'relay' : 'proxy'} process spent ${fmt(c.front, 0)} µs of CPU per call, the upstream ${fmt(c.upstream, 0)} µs, the load generator ${fmt(c.loadgen, 0)} µs${Number.isFinite(c.auditEndpoint) ? ` and the loopback CloudWatch Logs endpoint receiving the audit records ${fmt(c.auditEndpoint, 0)} µs (on AWS that work is the service's, not on the proxy's cores)` : ''} (direct: upstream ${fmt(cpu('direct').upstream, 0)} µs + load generator ${fmt(cpu('direct').loadgen, 0)} µs). Each process runs on one core and all share ${cores}: the CPU allows ${fmtInt(d.rate)} calls/s direct (bound: ${d.bound}) and ${fmtInt(limit(id).rate)} through ${id} (bound: ${limit(id).bound}), a ceiling of ${fmtPct(limit(id).rate / d.rate)} of direct on this machine; measured ${fmtPct(ratioOf(t16[id], t16.direct))}.`,
      );
    }
  }
  if (t16?.direct && t16?.floor && t16?.passthrough) {
    const f = t16.floor.cpuUsPerCall?.front;
    const p = t16.passthrough.cpuUsPerCall?.front;
    const g = t16.full?.cpuUsPerCall?.front;
    out.push(
      `The floor (a bare Node.js HTTP relay, no MCP) reaches ${fmtPct(ratioOf(t16.floor, t16.direct))} of direct at 16 clients with ${fmt(f, 0)} µs of CPU per call: that is what any Node.js hop costs on this machine${hp.throughput?.[1]?.floor && hp.throughput[1].direct ? `; with 1 client it reaches ${fmtPct(ratioOf(hp.throughput[1].floor, hp.throughput[1].direct))}, because one client waits for every extra loopback round trip and process wake-up in turn (latency-bound, not CPU-bound), so no proxy can meet an 80% target at 1 client here` : ''}. The pass-through proxy spends ${fmt(p - f, 0)} µs per call above the floor (JSON-RPC parsing and checks, routing, the upstream session)${Number.isFinite(g) ? `, the full pipeline ${fmt(g - p, 0)} µs more (governance and audit)` : ''}.`,
    );
  }
  const lat = hp?.latency;
  if (lat?.direct && lat?.full && lat?.['full-stdout']) {
    const a = (id, p) => lat[id].latencyMs[p] - lat.direct.latencyMs[p];
    out.push(
      `Audit destination: with the audit records on stdout instead of the loopback CloudWatch Logs endpoint, the full pipeline adds ${fmt(a('full-stdout', 'p50'), 3)} ms at p50 and ${fmt(a('full-stdout', 'p99'), 3)} ms at p99 (vs ${fmt(a('full', 'p50'), 3)} / ${fmt(a('full', 'p99'), 3)} ms with the endpoint): the endpoint decoding, verifying and acknowledging each batch on the same 2 cores, once per flush, is what the tail measures there.`,
    );
  }
  if (lat?.direct && lat?.passthrough && lat?.full) {
    const hop = lat.passthrough.latencyMs.p50 - lat.direct.latencyMs.p50;
    const gov = lat.full.latencyMs.p50 - lat.passthrough.latencyMs.p50;
    out.push(`Of the full pipeline's added p50 latency, ${fmt(hop, 3)} ms is the extra HTTP hop and MCP handling of the pass-through proxy and ${fmt(gov, 3)} ms the governance stages on top of it.`);
  }
  if (r.sections.soak?.died) out.push(`Soak: ${r.sections.soak.died}.`);
  const cs = r.sections.coldstart;
  if (cs?.nodeBaseline && cs.full) {
    out.push(`Cold start: a bare \`node\` process needs ${fmt(cs.nodeBaseline.medianWallMs, 0)} ms to its first line on this machine, so ${fmt(cs.full.medianWallMs - cs.nodeBaseline.medianWallMs, 0)} ms of the full configuration's ${fmt(cs.full.medianWallMs, 0)} ms (pass-through: ${fmt(cs.passthrough?.medianWallMs - cs.nodeBaseline.medianWallMs, 0)} ms of ${fmt(cs.passthrough?.medianWallMs, 0)} ms) is the proxy's own start-up: loading the bundle, building the stages (JWKS fetch, Cedar compile), listening and discovery.`);
  }
  for (const id of ['passthrough', 'full']) {
    const tl = cs?.[id]?.timeline;
    if (tl?.length && cs.nodeBaseline) {
      const first = tl[0];
      const steps = tl.slice(1).map((e, i) => [e.msg, e.ms - tl[i].ms]).sort((a, b) => b[1] - a[1]).slice(0, 2);
      out.push(`Start-up (${id}): the first log line ("${first.msg}") appears ${fmt(first.ms, 0)} ms after spawn, against ${fmt(cs.nodeBaseline.medianWallMs, 0)} ms for a bare \`node\`: ~${fmt(first.ms - cs.nodeBaseline.medianWallMs, 0)} ms go to loading and evaluating the bundle and building the first stage. Largest gaps after that: ${steps.map(([m, d]) => `${fmt(d, 0)} ms before "${m}"`).join(', ')}.`);
    }
  }
  const soak = r.sections.soak;
  if (soak && cs?.nodeBaseline) {
    out.push(`Memory: a bare \`node\` process is ${fmt(cs.nodeBaseline.medianRssBytes / 2 ** 20, 1)} MiB; the pass-through proxy is ${fmt(cs.passthrough?.medianRssAtReadyBytes / 2 ** 20, 1)} MiB at ready and the full pipeline ${fmt(soak.rssStart / 2 ** 20, 1)} MiB at ready, ${fmt(soak.rssWarm / 2 ** 20, 1)} MiB after warm-up.`);
  }
  const cat = (r.sections.catalog ?? []).filter((c) => !c.error && c.full && c.passthrough);
  const big = cat[cat.length - 1];
  if (big && big.tools >= 1000) {
    const perEntry = (x) => fmt(((x.p50 - big.passthrough.p50) * 1000) / big.tools, 1);
    const generic = big.fullGeneric
      ? ` With a generic permit that the caller meets and that reads the target, any entry might be permitted and Cedar evaluates each: ${perEntry(big.fullGeneric)} µs per entry (${fmt(big.fullGeneric.p50, 1)} ms p50).`
      : '';
    out.push(`tools/list with ${big.tools.toLocaleString('en-US')} tools: with permits that name their tools, the full pipeline hides the entries no permit can apply to without asking Cedar and evaluates the rest, ${perEntry(big.full)} µs per entry on top of pass-through (${fmt(big.passthrough.p50, 1)} ms -> ${fmt(big.full.p50, 1)} ms p50).${generic}`);
  }
  const pay = r.sections.payload?.rows ?? [];
  const micro = r.sections.micro?.redact ?? [];
  for (const row of pay) {
    const m = micro.find((x) => x.bytes === row.bytes);
    if (row.redact?.p50 && row.passthrough?.p50 && m) {
      out.push(`${fmt(row.bytes / 1024, 0)} KiB result: redaction adds ${fmt(row.redact.p50 - row.passthrough.p50, 2)} ms end to end over pass-through; the redactor alone takes ${fmt(m.p50Ms, 2)} ms (${fmt(m.mbPerS, 1)} MB/s) on the same text.`);
    }
  }
  return out;
}
