#!/usr/bin/env node
/**
 * Tool-poisoning rules on the labelled corpus (test/data/poisoning/*.jsonl) and the cost of tool pinning:
 * `node bench/poisoning.mjs` rewrites the "Tool-poisoning rules" section of bench/DETECTORS.md (bench/detectors.mjs
 * appends the same section when it rewrites the file). Figures are informal (one machine, best of a few runs).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const MARK = '## Tool-poisoning rules';

/** The markdown section (needs the TypeScript sources: run under tsx). */
export async function poisoningSection() {
  const { parsePoisonSamples, scorePoisonRules } = await import(join(root, 'runtime/src/stages/poisoning/evaluate.ts'));
  const { configSchema } = await import(join(root, 'runtime/src/config/schema.ts'));
  const { createPinningStage } = await import(join(root, 'runtime/src/stages/pinning/index.ts'));
  const { lockOf } = await import(join(root, 'runtime/src/stages/pinning/lock.ts'));
  const { createLogger } = await import(join(root, 'runtime/src/log.ts'));

  const FILES = ['benign', 'poisoned', 'challenge'];
  const counts = {};
  const samples = FILES.flatMap((f) => {
    const s = parsePoisonSamples(readFileSync(join(root, 'test/data/poisoning', `${f}.jsonl`), 'utf8'));
    counts[f] = s.length;
    return s;
  });
  const byId = new Map(samples.map((s) => [s.id, s]));
  const { rules, anyRule } = scorePoisonRules(samples);
  const pct = (x) => `${(x * 100).toFixed(1)} %`;
  const rows = rules.map((r) => `| ${r.rule} | ${r.tp + r.fn} | ${r.tp} | ${r.fp} | ${r.fn} | ${pct(r.precision)} | ${pct(r.recall)} |`);
  const errors = rules.flatMap((r) =>
    [...r.falsePositives.map((id) => [r.rule, 'false positive', id]), ...r.falseNegatives.map((id) => [r.rule, 'false negative', id])].map(
      ([rule, kind, id]) => `| ${rule} | ${kind} | ${id} | \`${byId.get(id).text.replace(/[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u00ad\u034f]|[\u{e0000}-\u{e007f}]/gu, '·').replace(/\r?\n/g, ' ').replace(/\|/g, '\\|').replace(/`/g, "'").slice(0, 90)}\` |`,
    ),
  );

  // Pinning cost: 10,000 tools, digest of each at the first list after a refresh (cold), then cached lookups.
  const N = 10_000;
  const tool = (i, d = `Tool number ${i}: does one thing with its arguments.`) => {
    const definition = { name: `t${i}`, description: d, inputSchema: { type: 'object', properties: { a: { type: 'string', description: 'first' }, b: { type: 'number' } }, required: ['a'] } };
    return { kind: 'tool', upstream: 'u', name: `t${i}`, exposedName: `t${i}`, inputSchema: definition.inputSchema, definition };
  };
  const lock = lockOf(Array.from({ length: N }, (_, i) => tool(i)), ['u'], (_u, e) => e);
  const config = configSchema.parse({ version: 1, upstreams: [{ name: 'u', url: 'http://127.0.0.1:1/mcp' }], pinning: { mode: 'enforce', lock } });
  const log = createLogger('bench', { level: 'error', write: () => {} });
  const ctx = () => ({ requestId: 'r', method: 'tools/list', headers: {}, startedAt: 0, actions: [], timings: { policyMs: 0, upstreamMs: 0 } });
  let cold = Infinity;
  let warm = Infinity;
  let stage;
  let entries;
  for (let r = 0; r < 3; r++) {
    stage = createPinningStage(config, log);
    entries = Array.from({ length: N }, (_, i) => tool(i));
    let t0 = performance.now();
    stage.filterList(ctx(), entries);
    cold = Math.min(cold, performance.now() - t0);
    t0 = performance.now();
    stage.filterList(ctx(), entries);
    warm = Math.min(warm, performance.now() - t0);
  }
  // Poisoning scan: every description and schema description of 10,000 tools at the first list after a refresh.
  const { createPoisoningStage } = await import(join(root, 'runtime/src/stages/poisoning/index.ts'));
  const poisoning = createPoisoningStage(configSchema.parse({ version: 1, upstreams: [{ name: 'u', url: 'http://127.0.0.1:1/mcp' }] }).poisoning, log);
  let scan = Infinity;
  for (let r = 0; r < 3; r++) {
    const fresh = Array.from({ length: N }, (_, i) => tool(i));
    const t1 = performance.now();
    poisoning.filterList(ctx(), fresh);
    scan = Math.min(scan, performance.now() - t1);
  }
  const CALLS = 100_000;
  let t0 = performance.now();
  for (let i = 0; i < CALLS; i++) stage.onRequest({ ...ctx(), method: 'tools/call', target: entries[i % N] });
  const perCallUs = ((performance.now() - t0) / CALLS) * 1000;
  await stage.close();

  return `
${MARK}

Sample-level precision and recall of each rule of the poisoning stage (runtime/src/stages/poisoning/rules.ts) on ${samples.length} labelled descriptions in test/data/poisoning: ${FILES.map((f) => `${f}.jsonl (${counts[f]})`).join(', ')}. A sample is labelled with every rule a reviewer expects to fire; a rule's true positive is a labelled sample it fired on. \`benign.jsonl\` holds real-world-style tool descriptions (GitHub, file system, databases, chat, cloud, payments) including hard negatives ("reset a user's password", ".env.example", "before you call create_deployment, call get_environments"); \`poisoned.jsonl\` holds poisoned descriptions modelled on published tool-poisoning examples (hidden \`<IMPORTANT>\` blocks, Unicode tag characters, "do not tell the user", requests for ~/.ssh/id_rsa or mcp.json, tool shadowing of send_email, data: URLs, padding). The rules were written alongside these two files, so their figures are an upper bound; \`challenge.jsonl\` (written afterwards, rules not tuned on it) holds paraphrases, homoglyphs, spaced-out and base64-encoded instructions that the rules are known to miss, plus more hard negatives, and keeps the figures honest.

| rule | labelled | TP | FP | FN | precision | recall |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}

Any rule fired, per sample: ${anyRule.tp} poisoned caught, ${anyRule.fn} missed, ${anyRule.fp} benign flagged, ${anyRule.tn} benign passed (recall ${pct(anyRule.tp / (anyRule.tp + anyRule.fn))}, precision ${pct(anyRule.tp / Math.max(1, anyRule.tp + anyRule.fp))}).

### Misses and false alarms

| rule | kind | sample | text (invisible characters shown as ·) |
| --- | --- | --- | --- |
${errors.join('\n')}

### Pinning cost (informal)

${N.toLocaleString('en-US')} tools in enforce mode: the first list after a catalog refresh computes every digest (canonical JSON + SHA-256): ${cold.toFixed(1)} ms; later lists ${warm.toFixed(2)} ms (one WeakMap lookup per entry); a call ${perCallUs.toFixed(2)} µs. The poisoning heuristics (default rules) at the first list after a refresh: ${scan.toFixed(1)} ms for the same 10,000 tools (3 descriptions each; later lists reuse the result). Best of 3.
`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (!process.execArgv.some((a) => a.includes('tsx'))) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
    process.exit(r.status ?? 1);
  }
  const section = await poisoningSection();
  const file = join(here, 'DETECTORS.md');
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const at = old.indexOf(`\n${MARK}`);
  writeFileSync(file, (at >= 0 ? old.slice(0, at) : old.replace(/\n*$/, '\n')) + section);
  console.log(section);
}
