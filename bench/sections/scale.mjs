/**
 * Scale with work: catalog size (discovery = ready time, tools/list latency), policy size (call latency through the
 * proxy with N Cedar rules) and payload size (result bytes through redaction, end to end).
 */
import { SMALL_CALL, accessOnlyConfig, fullConfig, fullGenericPermitConfig, passthroughConfig, redactOnlyConfig } from '../scenarios.mjs';
import { runLoad, toolsCallBody, toolsListBody, post } from '../lib/load.mjs';
import { freePort, rssBytes } from '../lib/proc.mjs';
import { startProxy, startUpstream } from '../lib/targets.mjs';

const hasTools = (b) => typeof b === 'string' && b.includes('"tools"') && !b.includes('"error":{');

/** Count of tools in a tools/list answer (JSON body or one SSE event). */
function countTools(text) {
  const json = text.trimStart().startsWith('{') ? text : (/^data: (.*)$/m.exec(text)?.[1] ?? '{}');
  try {
    return JSON.parse(json).result?.tools?.length ?? NaN;
  } catch {
    return NaN;
  }
}

async function listLatency(url, headers, amount, maxS) {
  const probeRes = await post(url, toolsListBody(), headers, 60_000);
  const run = await runLoad({ url, body: toolsListBody(), headers, connections: 1, amount, maxS, verify: hasTools });
  return { visibleTools: countTools(probeRes.text), responseBytes: Buffer.byteLength(probeRes.text), p50: run.latencyMs.p50, p99: run.latencyMs.p99, n: run.requests, failures: run.failures };
}

export async function measureCatalog(ctx, log) {
  const out = [];
  const auth = { authorization: `Bearer ${ctx.env.idp.token}` };
  for (const n of ctx.opts.catalogSizes) {
    const amount = Math.max(10, Math.min(200, Math.floor(200_000 / n))) / (ctx.opts.quick ? 2 : 1);
    const up = await startUpstream({ tools: n });
    const env = { ...ctx.env, upstreamUrl: up.url };
    const row = { tools: n };
    try {
      row.direct = await listLatency(up.url, {}, amount, ctx.opts.sampleMaxS);
      // fullGeneric: the same caller and visible tools, but a generic permit puts every entry in scope (Cedar for each).
      for (const [id, make, headers] of [['passthrough', passthroughConfig, {}], ['full', fullConfig, auth], ['fullGeneric', fullGenericPermitConfig, auth]]) {
        const port = await freePort();
        const p = await startProxy(env, make(env, port), { name: `catalog-${id}-${n}`, timeoutMs: 120_000 });
        try {
          row[id] = { readyMs: p.readyMs, wallReadyMs: p.wallReadyMs, discoveryMs: p.discoveryMs, rssAtReadyBytes: rssBytes(p.pid), ...(await listLatency(p.url, headers, amount, ctx.opts.sampleMaxS)) };
        } finally {
          await p.stop();
        }
      }
      log(`  catalog ${n}: ready ${row.passthrough.wallReadyMs.toFixed(0)} ms (discovery ${row.passthrough.discoveryMs} ms); tools/list p50 direct ${row.direct.p50.toFixed(2)} / pass-through ${row.passthrough.p50.toFixed(2)} / full ${row.full.p50.toFixed(2)} / full with a generic permit ${row.fullGeneric.p50.toFixed(2)} ms`);
    } catch (e) {
      row.error = e.message.split('\n')[0].slice(0, 300);
      log(`  catalog ${n}: ${row.error}`);
    } finally {
      await up.stop();
    }
    out.push(row);
  }
  return out;
}

export async function measurePolicy(ctx, log) {
  const out = [];
  const headers = { authorization: `Bearer ${ctx.env.idp.token}` };
  const body = toolsCallBody(SMALL_CALL.name, SMALL_CALL.arguments);
  const amount = ctx.opts.quick ? 500 : 2000;
  for (const n of ctx.opts.ruleCounts) {
    const port = await freePort();
    const row = { rules: n };
    try {
      const p = await startProxy(ctx.env, accessOnlyConfig(ctx.env, port, { extraRules: Math.max(0, n - 2) }), { name: `policy-${n}`, timeoutMs: 120_000 });
      try {
        row.readyMs = p.readyMs;
        row.wallReadyMs = p.wallReadyMs;
        await runLoad({ url: p.url, body, headers, connections: 1, amount: 200, maxS: Math.ceil(ctx.opts.sampleMaxS / 3) });
        const run = await runLoad({ url: p.url, body, headers, connections: 1, amount, maxS: ctx.opts.sampleMaxS });
        Object.assign(row, { p50: run.latencyMs.p50, p99: run.latencyMs.p99, n: run.requests, failures: run.failures });
      } finally {
        await p.stop();
      }
      log(`  policy ${n} rules: start ${row.wallReadyMs.toFixed(0)} ms; tools/call p50 ${row.p50.toFixed(3)} ms, p99 ${row.p99.toFixed(3)} ms`);
    } catch (e) {
      row.error = e.message.split('\n')[0].slice(0, 300);
      log(`  policy ${n} rules: ${row.error}`);
    }
    out.push(row);
  }
  return out;
}

export async function measurePayload(ctx, log) {
  const auth = { authorization: `Bearer ${ctx.env.idp.token}` };
  const configs = [['passthrough', passthroughConfig, {}], ['redact', redactOnlyConfig, {}], ['full', fullConfig, auth]];
  const targets = [{ id: 'direct', url: ctx.upstream.url, headers: {}, stop: async () => {} }];
  const errors = {};
  for (const [id, make, headers] of configs) {
    try {
      const port = await freePort();
      const p = await startProxy(ctx.env, make(ctx.env, port), { name: `payload-${id}` });
      targets.push({ id, url: p.url, headers, stop: p.stop });
    } catch (e) {
      errors[id] = e.message.split('\n')[0];
    }
  }
  const out = { rows: [], errors };
  try {
    for (const size of ctx.opts.payloadSizes) {
      const amount = size <= 4096 ? 300 : size <= 262_144 ? 100 : 8;
      const body = toolsCallBody('blob', { bytes: size });
      const row = { bytes: size };
      for (const t of targets) {
        try {
          await runLoad({ url: t.url, body, headers: t.headers, connections: 1, amount: Math.max(2, Math.ceil(amount / 10)), maxS: Math.ceil(ctx.opts.sampleMaxS / 3) });
          const run = await runLoad({ url: t.url, body, headers: t.headers, connections: 1, amount, maxS: ctx.opts.sampleMaxS });
          row[t.id] = { p50: run.latencyMs.p50, p99: run.latencyMs.p99, n: run.requests, failures: run.failures, mbPerS: size / 1e6 / (run.latencyMs.p50 / 1000) };
        } catch (e) {
          row[t.id] = { error: e.message.split('\n')[0] };
        }
      }
      out.rows.push(row);
      log(`  payload ${size} B: p50 ${targets.map((t) => `${t.id} ${row[t.id].p50?.toFixed(2)} ms`).join(', ')}`);
    }
  } finally {
    for (const t of targets) await t.stop();
  }
  return out;
}
