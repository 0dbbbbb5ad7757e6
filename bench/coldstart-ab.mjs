#!/usr/bin/env node
/**
 * `node bench/coldstart-ab.mjs --bundle A=path/index.js --bundle B=path/index.js [--runs N] [--configs passthrough,full]
 *  [--no-cloudwatch] [--warm-calls N] [--node-args="--cpu-prof ..."]`
 * Interleaved cold-start A/B of proxy bundles under Node 22 (lib/deploy-node.mjs), as the footprint section measures
 * it: per round a bare `node` start, then each configuration with each bundle (the order of the bundles alternates
 * between rounds). Per start: spawn to "ready", the first tools/call, spawn to the first tools/call answered, RSS at
 * ready and, with --warm-calls, RSS after that many calls at 16 clients and 1.5 s to settle. Prints medians and
 * ranges per bundle and configuration, with the bare node start of the same rounds.
 */
import { parseArgs } from 'node:util';
import { SMALL_CALL, fullConfig, passthroughConfig } from './scenarios.mjs';
import { isOkResult, post, runLoad, toolsCallBody } from './lib/load.mjs';
import { freePort, killAll, rssBytes, startNode } from './lib/proc.mjs';
import { median } from './lib/stats.mjs';
import { ROOT, makeEnv, startCloudWatch, startIdp, startProxy, startUpstream } from './lib/targets.mjs';
import { deploymentNode } from './lib/deploy-node.mjs';

const { values } = parseArgs({
  options: {
    bundle: { type: 'string', multiple: true, default: [`main=${ROOT}assets/runtime/index.js`] },
    runs: { type: 'string', default: '7' },
    configs: { type: 'string', default: 'passthrough,full' },
    'no-cloudwatch': { type: 'boolean', default: false },
    'warm-calls': { type: 'string', default: '0' },
    'node-args': { type: 'string', default: '' },
  },
});
const bundles = values.bundle.map((b) => {
  const at = b.indexOf('=');
  return { id: b.slice(0, at), path: b.slice(at + 1) };
});
const configs = { passthrough: passthroughConfig, full: fullConfig };
const node = deploymentNode(ROOT);
if (node.missing) throw new Error(node.missing);
const nodeArgs = values['node-args'].split(' ').filter(Boolean);
const warmCalls = Number(values['warm-calls']);

const upstream = await startUpstream();
const idp = await startIdp();
const cloudwatch = values['no-cloudwatch'] ? undefined : await startCloudWatch();
const env = makeEnv({ upstreamUrl: upstream.url, idp, cloudwatch });
const rows = {};
const bare = [];
const bareRss = [];
try {
  for (let round = 0; round < Number(values.runs); round++) {
    const h = await startNode({ name: 'bare', node: node.path, args: ['-e', "process.stderr.write('ready\\n'); setTimeout(() => {}, 5000)"], isReady: (l) => (l === 'ready' ? true : undefined) });
    bare.push(h.readyAt - h.spawnedAt);
    bareRss.push(rssBytes(h.pid));
    await h.stop();
    const order = round % 2 ? [...bundles].reverse() : bundles;
    for (const id of values.configs.split(',')) {
      for (const b of order) {
        const port = await freePort();
        const p = await startProxy(env, configs[id](env, port), { name: `${b.id}-${id}`, node: node.path, bundle: b.path, nodeArgs });
        const rssReady = rssBytes(p.pid);
        const headers = id === 'passthrough' ? {} : { authorization: `Bearer ${idp.token}` };
        const body = toolsCallBody(SMALL_CALL.name, SMALL_CALL.arguments);
        const call = await post(p.url, body, headers);
        const ok = isOkResult(call.text);
        const toFirst = performance.now() - p.spawnedAt;
        let rssWarm = NaN;
        if (warmCalls > 0) {
          await runLoad({ url: p.url, body, headers, connections: 16, amount: warmCalls, maxS: 60 });
          await new Promise((r) => setTimeout(r, 1500));
          rssWarm = rssBytes(p.pid);
        }
        await p.stop();
        const r = (rows[`${id} ${b.id}`] ??= { ready: [], first: [], toFirst: [], rssReady: [], rssWarm: [], failed: 0 });
        if (!ok) r.failed++;
        r.ready.push(p.wallReadyMs);
        r.first.push(ok ? call.ms : NaN);
        r.toFirst.push(ok ? toFirst : NaN);
        r.rssReady.push(rssReady);
        r.rssWarm.push(rssWarm);
      }
    }
  }
} finally {
  await cloudwatch?.stop();
  await idp.stop();
  await upstream.stop();
  killAll();
}
const MiB = 2 ** 20;
const range = (xs, f = (x) => x.toFixed(0)) => `${f(median(xs))} (${f(Math.min(...xs))}-${f(Math.max(...xs))})`;
const mib = (x) => (x / MiB).toFixed(1);
console.log(`node ${node.version}; ${bare.length} rounds; audit ${cloudwatch ? 'loopback CloudWatch' : 'stdout'}; bare node ${range(bare)} ms, RSS ${mib(median(bareRss))} MiB`);
for (const [k, r] of Object.entries(rows)) {
  const bareMed = median(bare);
  console.log(
    `${k.padEnd(24)} ready ${range(r.ready)} ms; first call ${range(r.first, (x) => x.toFixed(1))} ms; spawn to first call ${range(r.toFirst)} ms = ${(median(r.toFirst) / bareMed).toFixed(2)}x bare; RSS ready ${range(r.rssReady, mib)} MiB` +
      (warmCalls > 0 ? `; RSS warm ${range(r.rssWarm, mib)} MiB = bare + ${mib(median(r.rssWarm) - median(bareRss))}` : '') +
      (r.failed ? `; ${r.failed} FAILED` : ''),
  );
}
// Paired per round: each bundle's spawn-to-first-call over the first bundle's in the same round (same load).
for (const id of values.configs.split(',')) {
  const ref = rows[`${id} ${bundles[0].id}`];
  for (const b of bundles.slice(1)) {
    const r = rows[`${id} ${b.id}`];
    const ratios = r.toFirst.map((x, i) => x / ref.toFirst[i]).filter(Number.isFinite);
    const diffs = r.toFirst.map((x, i) => x - ref.toFirst[i]).filter(Number.isFinite);
    console.log(`${id}: ${b.id} vs ${bundles[0].id}, spawn to first call, paired per round: ratio ${range(ratios, (x) => x.toFixed(2))}, difference ${range(diffs)} ms`);
  }
}
