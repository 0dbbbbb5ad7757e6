/**
 * Footprint: bundle and code-zip size, cold start (process start to ready, upstream discovery done), and memory
 * (RSS after warm-up and across a long run of calls).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, cpSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMALL_CALL, fullConfig, passthroughConfig, pinnedConfig } from '../scenarios.mjs';
import { isOkResult, post, runLoad, toolsCallBody } from '../lib/load.mjs';
import { cpuMs, freePort, rssBytes, startNode } from '../lib/proc.mjs';
import { median } from '../lib/stats.mjs';
import { BUNDLE, ROOT, startProxy } from '../lib/targets.mjs';
import { DEPLOY_NODE_MAJOR, deploymentNode } from '../lib/deploy-node.mjs';
import { probe } from './hotpath.mjs';

function walk(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else out.push({ path: p, bytes: statSync(p).size });
  }
  return out;
}

/** Sizes of assets/runtime (JS, wasm, other) and of the code zip as deployed (assets/runtime + proxy-config.json). */
export function measureBundle(ctx) {
  const dir = `${ROOT}assets/runtime`;
  if (!existsSync(BUNDLE)) return { missing: true };
  const files = walk(dir);
  const sum = (f) => files.filter(f).reduce((a, x) => a + x.bytes, 0);
  const res = {
    files: files.map((f) => ({ path: f.path.slice(ROOT.length), bytes: f.bytes })),
    jsBytes: sum((f) => /\.(m|c)?js$/.test(f.path)),
    entryBytes: statSync(BUNDLE).size,
    wasmBytes: sum((f) => f.path.endsWith('.wasm')),
    otherBytes: sum((f) => !/\.(m|c)?js$/.test(f.path) && !f.path.endsWith('.wasm')),
    totalBytes: sum(() => true),
  };
  // The code asset as the construct ships it: the bundle folder plus proxy-config.json, zipped (deflate, default level).
  const tmp = mkdtempSync(join(tmpdir(), 'bench-zip-'));
  try {
    const stage = join(tmp, 'asset');
    cpSync(dir, stage, { recursive: true });
    writeFileSync(join(stage, 'proxy-config.json'), JSON.stringify(fullConfig(ctx.env, 8000), null, 2));
    const zip = join(tmp, 'code.zip');
    execFileSync('zip', ['-q', '-r', '-X', zip, '.'], { cwd: stage, timeout: 60_000 });
    res.zipBytes = statSync(zip).size;
    res.zipTool = 'zip (Info-ZIP, deflate level 6)';
  } catch (e) {
    res.zipBytes = NaN;
    res.zipError = e.code === 'ENOENT' ? 'the zip tool is not installed (apt-get install zip)' : e.message;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return res;
}

const fmtCalls = (n) => n.toLocaleString('en-US');

/** The telling lines of a crashed child's stderr: V8/Node fatal errors and the first V8 frames, else the last lines. */
export function crashSummary(tail) {
  const telling = tail.filter((l) => /Fatal error|unreachable code|FATAL|Error:|v8::internal::\w+::\w+/.test(l)).map((l) => l.replace(/^\s*\d+: 0x[0-9a-f]+\s*/, '').trim());
  const lines = telling.length ? [...new Set(telling)].slice(0, 4) : tail.slice(-3);
  return lines.join(' | ').slice(0, 500);
}

/** The floor under any Node.js proxy: a bare `node` process's spawn-to-first-line time and its RSS. */
async function nodeBaseline(runs, node) {
  const wall = [];
  const rss = [];
  for (let i = 0; i < runs; i++) {
    const h = await startNode({
      name: 'node-baseline',
      node,
      args: ['-e', "process.stderr.write('ready\\n'); setTimeout(() => {}, 5000)"],
      isReady: (line) => (line === 'ready' ? true : undefined),
    });
    wall.push(h.readyAt - h.spawnedAt);
    rss.push(rssBytes(h.pid));
    await h.stop();
  }
  return { runs, wallMs: wall, medianWallMs: median(wall), medianRssBytes: median(rss) };
}

/**
 * Median start-to-ready over N start-ups (at least 3, within --coldstart-max-s), for pass-through and full, with this
 * machine's node; then the same under Node 22, the runtime AgentCore runs (`deployRuntime`, see lib/deploy-node.mjs),
 * when this machine's node is another major.
 */
export async function measureColdStart(ctx, log) {
  const out = await coldStarts(ctx, log, undefined);
  const deploy = deploymentNode(ROOT);
  if (deploy.sameAsMachine) {
    out.deployRuntime = { version: deploy.version, source: deploy.source, sameAsMachine: true };
  } else if (deploy.missing) {
    out.deployRuntime = { missing: deploy.missing };
    log(`  Node ${DEPLOY_NODE_MAJOR}: ${deploy.missing}`);
  } else {
    log(`  under ${deploy.version} (${deploy.source}):`);
    out.deployRuntime = { version: deploy.version, source: deploy.source, ...(await coldStarts(ctx, log, deploy.path)) };
  }
  return out;
}

async function coldStarts(ctx, log, node) {
  const out = {};
  out.nodeBaseline = await nodeBaseline(ctx.opts.coldstartRuns, node);
  log(`  bare node: median ${out.nodeBaseline.medianWallMs.toFixed(0)} ms spawn-to-first-line, RSS ${(out.nodeBaseline.medianRssBytes / 2 ** 20).toFixed(1)} MiB`);
  const configs = [['passthrough', passthroughConfig], ['full', fullConfig], ...(ctx.env.toolLock ? [['full-pinned', pinnedConfig]] : [])];
  for (const [id, make] of configs) {
    const wall = [];
    const self = [];
    const rss = [];
    // CPU time of the proxy process at ready: on a shared host far less noisy than the wall time.
    const cpu = [];
    const timelines = [];
    // The first tools/call after "ready" (what a session's first tool call waits for on top of the cold start: code
    // paths compiled on first use, the first JWT verification, Cedar slice, tokenization and audit record).
    const first = [];
    // Spawn to the first tools/call answered: what a new AgentCore session waits for before its first tool result.
    const toFirst = [];
    const headers = id !== 'passthrough' ? { authorization: `Bearer ${ctx.env.idp.token}` } : {};
    const body = toolsCallBody(SMALL_CALL.name, SMALL_CALL.arguments);
    const end = performance.now() + (ctx.opts.coldstartMaxS * 1000) / configs.length;
    for (let i = 0; i < ctx.opts.coldstartRuns && (i < 3 || performance.now() < end); i++) {
      const port = await freePort();
      const p = await startProxy(ctx.env, make(ctx.env, port), { name: `coldstart-${id}`, node });
      wall.push(p.wallReadyMs);
      self.push(p.readyMs);
      rss.push(rssBytes(p.pid));
      cpu.push(cpuMs(p.pid));
      timelines.push(p.timeline);
      const call = await post(p.url, body, headers).catch((e) => ({ text: String(e), ms: NaN }));
      first.push(isOkResult(call.text) ? call.ms : NaN);
      toFirst.push(isOkResult(call.text) ? performance.now() - p.spawnedAt : NaN);
      await p.stop();
    }
    // Median time of each start-up log line (first occurrence of each message), in ms since spawn.
    const msgs = [...new Set(timelines.flat().map((e) => e.msg))];
    const timeline = msgs.map((msg) => ({ msg, ms: median(timelines.map((tl) => tl.find((e) => e.msg === msg)?.ms ?? NaN)) })).sort((a, b) => a.ms - b.ms);
    const firstOk = first.filter(Number.isFinite);
    out[id] = { runs: wall.length, wallMs: wall, selfMs: self, medianWallMs: median(wall), medianSelfMs: median(self), medianRssAtReadyBytes: median(rss), cpuAtReadyMs: cpu, medianCpuAtReadyMs: median(cpu), timeline, firstCallMs: first, medianFirstCallMs: firstOk.length === first.length ? median(firstOk) : NaN, toFirstCallMs: toFirst, medianToFirstCallMs: firstOk.length === first.length ? median(toFirst) : NaN };
    log(`  cold start ${id}: median ${median(wall).toFixed(0)} ms spawn-to-ready (self-reported ${median(self).toFixed(0)} ms) over ${wall.length} runs; CPU to ready ${median(cpu).toFixed(0)} ms; RSS at ready ${(median(rss) / 2 ** 20).toFixed(1)} MiB; first tools/call ${out[id].medianFirstCallMs.toFixed(1)} ms (${out[id].medianToFirstCallMs.toFixed(0)} ms after spawn)${firstOk.length < first.length ? ` (${first.length - firstOk.length} failed)` : ''}`);
  }
  return out;
}

/**
 * RSS of the full-pipeline proxy after warm-up and across --soak-calls calls at 16 clients, sampled every tenth;
 * bounded by --soak-max-s (the calls actually made are reported). Stops early if the proxy dies.
 */
export async function measureSoak(ctx, log) {
  const { opts } = ctx;
  const port = await freePort();
  const p = await startProxy(ctx.env, fullConfig(ctx.env, port), { name: 'soak' });
  const headers = { authorization: `Bearer ${ctx.env.idp.token}` };
  const body = toolsCallBody(SMALL_CALL.name, SMALL_CALL.arguments);
  try {
    await probe({ id: 'soak', url: p.url, headers }, body);
    const rssStart = rssBytes(p.pid);
    const warmCalls = Math.min(5_000, Math.ceil(opts.soakCalls / 10));
    await runLoad({ url: p.url, body, headers, connections: 16, amount: warmCalls, maxS: 30 });
    await new Promise((r) => setTimeout(r, 1500)); // let the audit buffer flush and GC settle
    const rssWarm = rssBytes(p.pid);
    const series = [];
    const chunk = Math.ceil(opts.soakCalls / 10);
    let failures = 0;
    let calls = 0;
    const failureKinds = { errors: 0, timeouts: 0, non2xx: 0, mismatches: 0 };
    const t0 = performance.now();
    const deadline = t0 + opts.soakMaxS * 1000;
    for (let i = 0; i < 10; i++) {
      const leftS = (deadline - performance.now()) / 1000;
      if (leftS < 1) break;
      const r = await runLoad({ url: p.url, body, headers, connections: 16, amount: chunk, maxS: Math.max(1, Math.ceil(leftS)) });
      failures += r.failures;
      calls += r.requests;
      for (const k of Object.keys(failureKinds)) failureKinds[k] += r[k];
      if (p.exited || r.failures) break;
      series.push({ calls, rssBytes: rssBytes(p.pid) });
    }
    const elapsedS = (performance.now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 1500));
    const rssEnd = p.exited ? NaN : rssBytes(p.pid);
    const res = { config: 'full', rssStart, rssWarm, rssEnd, series, calls, targetCalls: opts.soakCalls, failures, failureKinds, elapsedS, warmCalls };
    if (p.exited) {
      res.died = `the proxy exited (${p.exitCode ?? p.exitSignal}) after ${fmtCalls(calls + warmCalls)} calls: ${crashSummary(p.stderrTail)}`;
      log(`  soak: ${res.died}`);
    } else if (failures) {
      res.lastLogLines = p.stderrTail.slice(-3).join(' | ').slice(0, 600);
      log(`  soak: calls failed (${JSON.stringify(failureKinds)}); last log lines: ${res.lastLogLines}`);
    }
    log(`  soak: ${calls} calls in ${elapsedS.toFixed(0)} s; RSS warm ${(rssWarm / 2 ** 20).toFixed(1)} MiB -> end ${(rssEnd / 2 ** 20).toFixed(1)} MiB${failures ? `, ${failures} FAILED` : ''}`);
    return res;
  } finally {
    await p.stop();
  }
}
