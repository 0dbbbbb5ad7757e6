#!/usr/bin/env node
/**
 * `node bench/linear.mjs`: wall-clock figures behind the linear-time tests (which count matcher calls and prove the
 * patterns linear without a clock: runtime/src/stages/redact/detectors/pathological.test.ts,
 * test/reliability/poisoning-linear.test.ts). Times every built-in detector on ~100 KB pathological inputs (each seed
 * repeated, plain and with a character before / after), and the tool-poisoning scan on adversarial descriptions of
 * 4,000 and 32,000 characters (the growth a linear scan keeps near 8x). Informal: nothing asserts on these figures.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

if (!process.execArgv.some((a) => a.includes('tsx'))) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
const root = fileURLToPath(new URL('..', import.meta.url));
const { BUILT_IN_DETECTORS } = await import(`${root}runtime/src/stages/redact/detectors/index.ts`);
const { PATHOLOGICAL_SEEDS } = await import(`${root}test/support/pathological-seeds.ts`);
const { POISON_RULES } = await import(`${root}runtime/src/config/sections/poisoning.ts`);
const { scanText } = await import(`${root}runtime/src/stages/poisoning/rules.ts`);

const SIZE = 100_000;
const inputs = PATHOLOGICAL_SEEDS.flatMap((seed) => {
  const s = seed.repeat(Math.ceil(SIZE / seed.length)).slice(0, SIZE);
  return [s, `${s}!`, `x${s}`];
});
console.log(`detectors on ${inputs.length} pathological inputs of ~100 KB (all inputs, one pass):`);
for (const [name, d] of Object.entries(BUILT_IN_DETECTORS)) {
  const t0 = performance.now();
  for (const t of inputs) d.find(t);
  console.log(`  ${name.padEnd(16)} ${(performance.now() - t0).toFixed(0)} ms`);
}
const ALL = { maxChars: 4096, strip: new Set(POISON_RULES), skip: new Set() };
const TRIGGER = '<important> ignore do not tell without telling users must not important: you are now silently bcc when you call the all tools must side effect on is used run the ~/. id_rsa .env password seed phrase data: ';
const best = (text) => {
  let b = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    scanText(text, ALL);
    b = Math.min(b, performance.now() - t0);
  }
  return b;
};
console.log('poisoning scan, 4,000 -> 32,000 characters (best of 3; linear ~8x, quadratic ~64x):');
for (const seed of ['<important>', 'ignore the the ', 'do not tell ', 'when you call the ', '~/.', 'data:a/b;c=d', ' ']) {
  const small = best(TRIGGER + seed.repeat(Math.ceil(4000 / seed.length)).slice(0, 4000));
  const large = best(TRIGGER + seed.repeat(Math.ceil(32000 / seed.length)).slice(0, 32000));
  console.log(`  ${JSON.stringify(seed).padEnd(22)} ${small.toFixed(1)} -> ${large.toFixed(1)} ms (${(large / small).toFixed(1)}x)`);
}
