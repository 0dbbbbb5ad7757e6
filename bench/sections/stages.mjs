/**
 * What each governance control costs per call: the pass-through proxy with one stage switched on at a time (identity,
 * access control, sanitize, tokenize, redact, audit to stdout, audit to the loopback CloudWatch Logs endpoint), then
 * everything, each measured as the proxy process's CPU time per tools/call at 16 clients (from /proc, so the figure
 * does not depend on how the other processes on the machine were scheduled). All proxies run at once; rounds are
 * interleaved and the median round is reported.
 */
import { SMALL_CALL, fullConfig, passthroughConfig } from '../scenarios.mjs';
import { runLoad, toolsCallBody } from '../lib/load.mjs';
import { cpuMs, freePort } from '../lib/proc.mjs';
import { median } from '../lib/stats.mjs';
import { startProxy } from '../lib/targets.mjs';
import { probe } from './hotpath.mjs';

/** [id, label, config(env, port), needs a token]: pass-through plus one section of the full configuration. */
function variants(env) {
  const full = (port) => fullConfig(env, port);
  const pass = (port) => passthroughConfig(env, port);
  const withSections = (...names) => (port) => {
    const f = full(port);
    return { ...pass(port), ...Object.fromEntries(names.map((n) => [n, f[n]])) };
  };
  const out = [
    ['passthrough', 'pass-through (baseline)', pass, false],
    ['identity', '+ JWT identity', withSections('identity'), true],
    ['accessControl', '+ JWT identity + Cedar access control', withSections('identity', 'accessControl'), true],
    ['sanitize', '+ sanitize', withSections('sanitize'), false],
    ['tokenize', '+ tokenize', withSections('tokenize'), false],
    ['redact', '+ redact', withSections('redact'), false],
    ['auditStdout', '+ audit to stdout', (port) => ({ ...pass(port), audit: fullConfig({ ...env, cloudwatch: undefined }, port).audit }), false],
  ];
  if (env.cloudwatch) out.push(['auditCloudWatch', '+ audit to the loopback CloudWatch Logs endpoint', withSections('audit'), false]);
  out.push(['full', `everything (the full pipeline${env.cloudwatch ? ', CloudWatch audit' : ''})`, full, true]);
  return out;
}

export async function measureStages(ctx, log) {
  const { opts } = ctx;
  const body = toolsCallBody(SMALL_CALL.name, SMALL_CALL.arguments);
  // Short runs, several rounds: CPU per call needs few calls to be exact, and rounds spread the machine's drift.
  const durationS = Math.max(1, Math.min(2, opts.durationS));
  const rounds = Math.max(1, opts.rounds);
  const started = [];
  const out = { connections: 16, durationS, rounds, variants: [] };
  try {
    for (const [id, label, make, auth] of variants(ctx.env)) {
      const port = await freePort();
      const p = await startProxy(ctx.env, make(port), { name: `stage-${id}` });
      const headers = auth ? { authorization: `Bearer ${ctx.env.idp.token}` } : {};
      const target = { id, label, url: p.url, headers, proc: p, runs: [] };
      started.push(target);
      await probe({ id, url: p.url, headers }, body);
      await runLoad({ url: p.url, body, headers, connections: 16, durationS: Math.min(2, opts.warmupS) });
    }
    for (let r = 0; r < rounds; r++) {
      for (const t of started) {
        if (t.proc.exited) continue;
        const c0 = cpuMs(t.proc.pid);
        const run = await runLoad({ url: t.url, body, headers: t.headers, connections: 16, durationS });
        const c1 = cpuMs(t.proc.pid);
        t.runs.push({ rps: run.rps, cpuUsPerCall: ((c1 - c0) * 1000) / run.requests, failures: run.failures });
      }
    }
    const base = median(started[0].runs.map((x) => x.cpuUsPerCall));
    for (const t of started) {
      const us = median(t.runs.map((x) => x.cpuUsPerCall));
      const v = { id: t.id, label: t.label, cpuUsPerCall: us, overPassthroughUs: us - base, rps: median(t.runs.map((x) => x.rps)), failures: t.runs.reduce((a, x) => a + x.failures, 0), roundsCpuUs: t.runs.map((x) => x.cpuUsPerCall) };
      out.variants.push(v);
      log(`  ${t.id}: ${us.toFixed(0)} µs CPU per call (${v.overPassthroughUs >= 0 ? '+' : ''}${v.overPassthroughUs.toFixed(0)} over pass-through), ${v.rps.toFixed(0)} calls/s${v.failures ? `, ${v.failures} FAILED` : ''}`);
    }
  } finally {
    for (const t of started) await t.proc.stop();
  }
  return out;
}
