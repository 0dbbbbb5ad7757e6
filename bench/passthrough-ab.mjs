#!/usr/bin/env node
/**
 * A/B of the pass-through proxy's own CPU per tools/call: the relay (servers/floor-proxy.mjs), bundle A and bundle B
 * in front of the canned upstream (servers/canned-upstream.mjs, `protocol: legacy`), loaded one after the other at 16
 * clients, interleaved (the order reversed every round), for --rounds rounds. Prints, per target, the median CPU µs per
 * call and its range, and the medians of the per-round ratios (to the relay, and B/A). Run an A/A first (the same
 * bundle as A and B, copied): its spread is what a B/A must beat on the host at that time.
 *
 *   node bench/passthrough-ab.mjs --a /tmp/base/index.js --b assets/runtime/index.js [--rounds 12] [--dur 2] [--mode pt|ptm]
 *
 * --mode ptm sends the call as a 2026-07-28 caller (envelope in _meta, Mcp-* headers); the relay gets the 2025 call.
 */
import { parseArgs } from 'node:util';
import { passthroughConfig, SMALL_CALL } from './scenarios.mjs';
import { modernHeaders, modernToolsCallBody, runLoad, toolsCallBody } from './lib/load.mjs';
import { cpuMs, freePort, jsonLine, killAll, startNode } from './lib/proc.mjs';
import { median } from './lib/stats.mjs';
import { makeEnv, ROOT, startFloor, startProxy } from './lib/targets.mjs';

const { values } = parseArgs({
  options: { a: { type: 'string' }, b: { type: 'string' }, rounds: { type: 'string', default: '12' }, dur: { type: 'string', default: '2' }, mode: { type: 'string', default: 'pt' } },
});
if (!values.a) {
  process.stderr.write('--a <bundle> is required (and --b <bundle> to compare)\n');
  process.exit(2);
}
const stops = [];
try {
  const up = await startNode({ name: 'canned upstream', args: [`${ROOT}bench/servers/canned-upstream.mjs`], isReady: (l, s) => (s === 'stdout' ? jsonLine(l)?.url : undefined), timeoutMs: 20_000 });
  stops.push(up.stop);
  const env = makeEnv({ upstreamUrl: up.ready });
  const start = async (bundle) => {
    const config = passthroughConfig(env, await freePort());
    config.upstreams[0].protocol = 'legacy';
    const h = await startProxy(env, config, { bundle });
    stops.push(h.stop);
    return { url: h.url, pid: h.pid };
  };
  const legacyBody = toolsCallBody(SMALL_CALL.name, SMALL_CALL.arguments);
  const modern = values.mode === 'ptm';
  const body = modern ? modernToolsCallBody(SMALL_CALL.name, SMALL_CALL.arguments) : legacyBody;
  const headers = modern ? modernHeaders(SMALL_CALL.name) : {};
  const floor = await startFloor(up.ready);
  stops.push(floor.stop);
  const targets = [{ id: 'relay', url: floor.url, pid: floor.pid, body: legacyBody, headers: {} }, { id: 'A', ...(await start(values.a)), body, headers }];
  if (values.b) targets.push({ id: 'B', ...(await start(values.b)), body, headers });
  for (const t of targets) await runLoad({ url: t.url, body: t.body, headers: t.headers, connections: 16, durationS: 2 });
  const us = Object.fromEntries(targets.map((t) => [t.id, []]));
  for (let r = 0; r < Number(values.rounds); r++) {
    for (const t of r % 2 ? [...targets].reverse() : targets) {
      const c0 = cpuMs(t.pid);
      const run = await runLoad({ url: t.url, body: t.body, headers: t.headers, connections: 16, durationS: Number(values.dur) });
      us[t.id].push(((cpuMs(t.pid) - c0) * 1000) / Math.max(1, run.requests));
    }
    process.stderr.write(`round ${r}: ${targets.map((t) => `${t.id} ${us[t.id][r].toFixed(0)} µs`).join(', ')}\n`);
  }
  const ratio = (x, y) => median(us[x].map((v, i) => v / us[y][i]));
  const out = { mode: values.mode, rounds: Number(values.rounds) };
  for (const t of targets) out[t.id] = { medianUs: Math.round(median(us[t.id])), rangeUs: [Math.round(Math.min(...us[t.id])), Math.round(Math.max(...us[t.id]))] };
  out.A.vsRelay = Number(ratio('A', 'relay').toFixed(2));
  if (values.b) Object.assign(out, { BvsRelay: Number(ratio('B', 'relay').toFixed(2)), BoverA: Number(ratio('B', 'A').toFixed(3)) });
  process.stdout.write(`${JSON.stringify(out)}\n`);
} finally {
  for (const stop of stops) await stop().catch(() => {});
  killAll('SIGKILL');
}
