/**
 * Module-level measurements of the runtime's stages (access-control decisions vs rule count, redaction MB/s),
 * run in child processes under tsx so the runtime's TypeScript modules are imported as they are; one process per
 * rule count, one for redaction.
 */
import { existsSync } from 'node:fs';
import { jsonLine, startNode } from '../lib/proc.mjs';
import { ROOT } from '../lib/targets.mjs';

async function child(args, log) {
  const h = await startNode({
    name: 'micro',
    // The proxy's own V8 flags (runtime/src/v8-flags.ts): without them, cedar-wasm under a long decision loop can hit the
    // V8 fatal error that file describes (seen here with the shadow policy's second evaluation per decision).
    args: ['--no-turbo-inline-js-wasm-calls', '--liftoff-only', '--import', 'tsx', `${ROOT}bench/micro/stages.ts`, ...args],
    isReady: (line, stream) => {
      const j = stream === 'stdout' ? jsonLine(line) : undefined;
      if (j?.micro) return j.micro;
      if (stream === 'stdout' && line.trim()) log(`  ${line}`);
      return undefined;
    },
    timeoutMs: 180_000,
  });
  await h.stop();
  return h.ready;
}

/**
 * Module-level Cedar decisions come at one of two speeds that hold for a whole process (on the development host,
 * 2026-12-04: ~135 or ~190-245 µs per decision at 10 rules and at 10,000 alike; with a shadow policy ~290 or ~480 µs),
 * in phases of the host rather than by rule count, so one process per rule count made the flatness verdict a coin toss. The first and the last rule count (the verdict's) therefore run in --micro-processes
 * processes, interleaved, and each figure of their row is the median over those processes (`perProcessP50Us` lists
 * each one's p50).
 */
const MEDIAN_FIELDS = ['buildMs', 'p50Us', 'p99Us', 'shadowP50Us', 'shadowP99Us', 'listMs', 'listShadowMs'];

function medianRow(rows) {
  const med = (xs) => {
    const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
    return v.length ? (v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2) : NaN;
  };
  const out = { ...rows[0], n: rows.reduce((t, r) => t + (r.n ?? 0), 0), processes: rows.length, perProcessP50Us: rows.map((r) => r.p50Us) };
  for (const f of MEDIAN_FIELDS) out[f] = med(rows.map((r) => r[f]));
  return out;
}

export async function runMicro(ctx, log) {
  if (!existsSync(`${ROOT}bench/micro/stages.ts`)) return { notes: ['bench/micro/stages.ts is missing'] };
  const quick = [...(ctx.opts.quick ? ['--quick'] : []), '--budget-ms', String(ctx.opts.sampleMaxS * 500)];
  const out = { policy: [], notes: [] };
  const counts = ctx.opts.ruleCounts;
  const repeats = Math.max(1, ctx.opts.microProcesses ?? 3);
  const byCount = new Map(counts.map((n) => [n, []]));
  let failed = false;
  for (let round = 0; round < repeats && !failed; round++) {
    for (const [i, n] of counts.entries()) {
      if (round > 0 && i !== 0 && i !== counts.length - 1) continue;
      try {
        const r = await child(['--rules', String(n), '--sizes', '', ...quick], log);
        if (r.policy) byCount.get(n).push(...r.policy);
        out.policyApi ??= r.policyApi;
        out.notes.push(...(r.notes ?? []));
        if (!r.policy) {
          failed = true;
          break;
        }
      } catch (e) {
        out.notes.push(`access control with ${n} rules: ${e.message.split('\n')[0]}`);
      }
    }
  }
  for (const n of counts) if (byCount.get(n).length) out.policy.push(medianRow(byCount.get(n)));
  if (!out.policy.length) delete out.policy;
  try {
    const r = await child(['--rules', '', '--sizes', ctx.opts.payloadSizes.join(','), ...quick], log);
    out.redact = r.redact;
    out.redactApi = r.redactApi;
    out.notes.push(...(r.notes ?? []));
  } catch (e) {
    out.notes.push(`redaction: ${e.message.split('\n')[0]}`);
  }
  out.notes = [...new Set(out.notes)];
  return out;
}
