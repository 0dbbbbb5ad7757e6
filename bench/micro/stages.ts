/**
 * Module-level measurements of the runtime's stages, imported as TypeScript via tsx (run by bench/sections/micro.mjs):
 *   - access control: build time and per-decision latency with N Cedar rules (through the Stage contract: onRequest);
 *   - redaction: createRedactor().redactText throughput on texts of N bytes.
 * Prints progress lines, then one JSON line {"micro": {...}} on stdout. Each loop is bounded by a count and a time
 * budget (--budget-ms per measurement). One rule count per process keeps the Cedar wasm heap of one size from
 * influencing the next:
 *   node --import tsx bench/micro/stages.ts --rules 1000 --sizes '' [--quick]
 *   node --import tsx bench/micro/stages.ts --rules '' --sizes 1024,102400,5242880 [--quick]
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { accessRules, BENCH_GROUP } from '../scenarios.mjs';
import { blobText } from '../servers/tools.mjs';
import { summarize } from '../lib/stats.mjs';
import { measureShadow } from './shadow';

const { values } = parseArgs({
  options: {
    rules: { type: 'string', default: '10,1000,10000' },
    sizes: { type: 'string', default: '1024,102400,5242880' },
    quick: { type: 'boolean', default: false },
    'budget-ms': { type: 'string', default: '4000' },
  },
});
const list = (s: string) => s.split(',').filter(Boolean).map(Number);
const ruleCounts = list(values.rules);
const sizes = list(values.sizes);
const quick = values.quick;
const budgetMs = Number(values['budget-ms']) / (quick ? 4 : 1);
const SRC = fileURLToPath(new URL('../../runtime/src/', import.meta.url));

type AnyFn = (...a: unknown[]) => unknown;
interface StageLike {
  onRequest?(ctx: unknown): void | Promise<void>;
  filterList?(ctx: unknown, entries: readonly unknown[]): unknown;
  close?(): Promise<void>;
}

const silentLog = { debug() {}, info() {}, warn() {}, error() {} };

function ctxFor(i: number) {
  return {
    requestId: `bench-${i}`,
    rpcId: i,
    method: 'tools/call',
    headers: {},
    startedAt: performance.now(),
    principal: { kind: 'jwt', sub: 'bench-user', clientId: 'bench-client', issuer: 'http://127.0.0.1', groups: [BENCH_GROUP], scopes: ['mcp:tools'], claims: {} },
    target: {
      kind: 'tool',
      upstream: 'bench',
      name: 'echo',
      exposedName: 'echo',
      annotations: { readOnlyHint: true, openWorldHint: false },
      inputSchema: { type: 'object', properties: { text: { type: 'string' } } },
      definition: { name: 'echo' },
    },
    arguments: { text: 'hello' },
    actions: [] as unknown[],
    timings: { policyMs: 0, upstreamMs: 0 },
  } as Record<string, unknown>;
}

/** Finds the access-control stage factory: the module's exported function named create*Stage / build*Stage. */
async function accessControlFactory(): Promise<{ name: string; fn: AnyFn } | undefined> {
  const dir = `${SRC}stages/access-control/index.ts`;
  if (!existsSync(dir)) return undefined;
  const mod = (await import(dir)) as Record<string, unknown>;
  const entry = Object.entries(mod).find(([k, v]) => typeof v === 'function' && /^(create|build).*(Stage|AccessControl)/.test(k));
  return entry ? { name: entry[0], fn: entry[1] as AnyFn } : undefined;
}

async function measurePolicy(notes: string[]) {
  const factory = await accessControlFactory();
  if (!factory) {
    notes.push('access control: runtime/src/stages/access-control has no stage factory yet; decision latency measured through the proxy only');
    return { api: undefined, rows: undefined };
  }
  const rows = [];
  for (const n of ruleCounts) {
    const cfg = { enabled: true, ruleSets: [{ name: 'bench', dryRun: false, rules: accessRules(Math.max(0, n - 2)) }] };
    const t0 = performance.now();
    const stage = (await factory.fn(cfg, silentLog)) as StageLike;
    const buildMs = performance.now() - t0;
    const iterations = quick ? 1_000 : 5_000;
    const warmEnd = performance.now() + budgetMs / 4;
    for (let i = 0; i < 200 && performance.now() < warmEnd; i++) await stage.onRequest?.(ctxFor(i));
    const samples: number[] = [];
    const end = performance.now() + budgetMs;
    for (let i = 0; i < iterations && (i < 20 || performance.now() < end); i++) {
      const ctx = ctxFor(i);
      const s = performance.now();
      await stage.onRequest?.(ctx);
      samples.push((performance.now() - s) * 1000);
      const decision = ctx.decision as { effect?: string } | undefined;
      if (i === 0 && decision?.effect !== 'allow') throw new Error(`access control denied the bench caller with ${n} rules (decision ${JSON.stringify(decision)})`);
    }
    const st = summarize(samples);
    const shadow = await measureShadow(cfg, ctxFor, { iterations, budgetMs });
    rows.push({ rules: n, buildMs, p50Us: st.p50, p99Us: st.p99, n: st.n, ...shadow });
    process.stdout.write(`policy ${n} rules: build ${buildMs.toFixed(1)} ms, decision p50 ${st.p50.toFixed(1)} µs, p99 ${st.p99.toFixed(1)} µs; with a shadow policy p50 ${shadow.shadowP50Us.toFixed(1)} µs, p99 ${shadow.shadowP99Us.toFixed(1)} µs; 10,000-tool list ${shadow.listMs.toFixed(1)} ms, with shadow ${shadow.listShadowMs.toFixed(1)} ms\n`);
    await stage.close?.();
  }
  return { api: `${factory.name}(config.accessControl).onRequest`, rows };
}

async function measureRedact(notes: string[]) {
  const path = `${SRC}stages/redact/index.ts`;
  if (!existsSync(path)) {
    notes.push('redaction: runtime/src/stages/redact is missing');
    return undefined;
  }
  const { createRedactor } = (await import(path)) as { createRedactor: AnyFn };
  const { DETECTORS } = (await import(`${SRC}config/sections/redact.ts`)) as { DETECTORS: readonly string[] };
  const redactor = createRedactor({ detectors: [...DETECTORS], custom: [], replacement: 'label' }) as { redactText(s: string): { text: string; counts: Record<string, number> } };
  const rows = [];
  for (const bytes of sizes) {
    const text = blobText(bytes);
    const runs = Math.max(5, Math.min(2_000, Math.floor(2e7 / bytes)));
    redactor.redactText(text);
    const samples: number[] = [];
    let found = 0;
    const end = performance.now() + budgetMs;
    for (let i = 0; i < runs && (i < 5 || performance.now() < end); i++) {
      const s = performance.now();
      const out = redactor.redactText(text);
      samples.push(performance.now() - s);
      found = Object.values(out.counts).reduce((a, b) => a + b, 0);
    }
    const st = summarize(samples);
    rows.push({ bytes, p50Ms: st.p50, p99Ms: st.p99, mbPerS: bytes / 1e6 / (st.p50 / 1000), n: st.n, replacements: found });
    process.stdout.write(`redact ${bytes} B: p50 ${st.p50.toFixed(3)} ms, ${(bytes / 1e6 / (st.p50 / 1000)).toFixed(1)} MB/s, ${found} replacements\n`);
  }
  return rows;
}

async function main(): Promise<void> {
  const notes: string[] = [];
  const out: Record<string, unknown> = { notes };
  if (ruleCounts.length) try {
    const p = await measurePolicy(notes);
    out.policy = p.rows;
    out.policyApi = p.api;
  } catch (e) {
    notes.push(`access control: ${(e as Error).message}`);
  }
  if (sizes.length) try {
    out.redact = await measureRedact(notes);
    out.redactApi = 'createRedactor({ all built-in detectors, label }).redactText';
  } catch (e) {
    notes.push(`redaction: ${(e as Error).message}`);
  }
  process.stdout.write(`${JSON.stringify({ micro: out })}\n`);
  process.exit(0);
}

void main();
