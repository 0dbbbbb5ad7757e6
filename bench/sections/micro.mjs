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

export async function runMicro(ctx, log) {
  if (!existsSync(`${ROOT}bench/micro/stages.ts`)) return { notes: ['bench/micro/stages.ts is missing'] };
  const quick = [...(ctx.opts.quick ? ['--quick'] : []), '--budget-ms', String(ctx.opts.sampleMaxS * 500)];
  const out = { policy: [], notes: [] };
  for (const n of ctx.opts.ruleCounts) {
    try {
      const r = await child(['--rules', String(n), '--sizes', '', ...quick], log);
      if (r.policy) out.policy.push(...r.policy);
      out.policyApi ??= r.policyApi;
      out.notes.push(...(r.notes ?? []));
      if (!r.policy) break;
    } catch (e) {
      out.notes.push(`access control with ${n} rules: ${e.message.split('\n')[0]}`);
    }
  }
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
