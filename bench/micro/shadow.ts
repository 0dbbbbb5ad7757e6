/**
 * The shadow policy's cost (issue 20), measured beside the access-control rows of bench/micro/stages.ts: the same
 * decision with a candidate policy evaluated beside the enforced one (createShadowedAccessControlStage), and a
 * 10,000-tool tools/list filtered with and without the candidate. The candidate is the enforced rules plus one forbid
 * on a tool nobody calls, so the two agree and no disagreement is recorded (the steady state before a promotion).
 */
import { fileURLToPath } from 'node:url';
import { summarize } from '../lib/stats.mjs';

const SRC = fileURLToPath(new URL('../../runtime/src/', import.meta.url));

interface StageLike {
  onRequest?(ctx: unknown): void | Promise<void>;
  filterList?(ctx: unknown, entries: readonly unknown[]): unknown;
}

export interface ShadowRow {
  /** Decision p50/p99 (µs) with the candidate evaluated beside the enforced policy. */
  readonly shadowP50Us: number;
  readonly shadowP99Us: number;
  /** tools/list of LIST_TOOLS entries, p50 (ms), without and with the candidate. */
  readonly listMs: number;
  readonly listShadowMs: number;
}

export const LIST_TOOLS = 10_000;

export async function measureShadow(cfg: { enabled: boolean; ruleSets: { name: string; dryRun: boolean; rules: unknown[] }[] }, ctxFor: (i: number) => Record<string, unknown>, opts: { iterations: number; budgetMs: number }): Promise<ShadowRow> {
  const { createShadowedAccessControlStage } = (await import(`${SRC}stages/access-control/shadow.ts`)) as { createShadowedAccessControlStage: (c: unknown, log: unknown) => Promise<StageLike> };
  const silentLog = { debug() {}, info() {}, warn() {}, error() {} };
  const candidate = { enabled: true, ruleSets: [...cfg.ruleSets.map((s) => ({ ...s, name: `next-${s.name}` })), { name: 'next-extra', dryRun: false, rules: [{ id: 'never', effect: 'forbid', actions: ['tools/call'], tools: ['never_called'] }] }] };
  const plain = await createShadowedAccessControlStage(cfg, silentLog);
  const shadowed = await createShadowedAccessControlStage({ ...cfg, shadow: candidate }, silentLog);

  for (let i = 0; i < 200; i++) await shadowed.onRequest?.(ctxFor(i));
  const samples: number[] = [];
  const end = performance.now() + opts.budgetMs;
  for (let i = 0; i < opts.iterations && (i < 20 || performance.now() < end); i++) {
    const ctx = ctxFor(i);
    const s = performance.now();
    await shadowed.onRequest?.(ctx);
    samples.push((performance.now() - s) * 1000);
    if (i === 0 && (ctx.decision as { effect?: string } | undefined)?.effect !== 'allow') throw new Error('shadowed access control denied the bench caller');
    if (ctx.shadowDisagreement) throw new Error('the candidate disagreed: the bench candidate must agree');
  }
  const st = summarize(samples);

  const base = ctxFor(0);
  const target = base.target as Record<string, unknown>;
  const entries = Array.from({ length: LIST_TOOLS }, (_, i) => {
    const name = i === 0 ? 'echo' : `tool_${String(i).padStart(5, '0')}`;
    return { ...target, name, exposedName: name, definition: { name } };
  });
  const list = async (stage: StageLike) => {
    const runs: number[] = [];
    for (let r = 0; r < 5; r++) {
      const ctx = { ...ctxFor(r), method: 'tools/list', target: undefined };
      const s = performance.now();
      await stage.filterList?.(ctx, entries);
      runs.push(performance.now() - s);
    }
    return summarize(runs).p50;
  };
  // Warm both (slices and partial evaluations are built on first use), then measure.
  await list(plain);
  await list(shadowed);
  const listMs = await list(plain);
  const listShadowMs = await list(shadowed);
  return { shadowP50Us: st.p50, shadowP99Us: st.p99, listMs, listShadowMs };
}
