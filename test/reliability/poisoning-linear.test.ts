/**
 * Reliability: the tool-poisoning rules run in linear time on adversarial descriptions. Each rule's pattern has RE2
 * semantics (re2js: no backtracking), its prefilter is a V8 regex of literals and `\s` runs, and the scan loop restarts
 * after each match; this checks the whole scan (every input passes every prefilter), not just the engine. Growth, not
 * speed: for every adversarial fragment, scanning a text 8x longer must cost well under the 64x a quadratic scan would (the bound is 24x; best of several runs, so a busy machine does not decide it).
 */
import { POISON_RULES, type PoisonRule } from '../../runtime/src/config/sections/poisoning';
import { scanText } from '../../runtime/src/stages/poisoning/rules';

/** Fragments that would drive a backtracking matcher of these patterns into super-linear work. */
const SEEDS = [
  '<important>', '< important >x', '<system>', '</', 'ignore ', 'ignore all ', 'ignore the the ', 'do not ', 'do not tell ',
  'without telling ', 'important: ', 'silently ', 'bcc ', 'bcc aaaa', 'before using ', 'before using any ', 'instead of using the ',
  'all tools ', 'when you call the ', 'side effect on the ', 'when (x) ', 'when a_b ', 'run the ', '~/.', '~/.ssh', 'id_rs', '/etc/',
  ' .env', '.env.', 'read ', 'read the ', 'send api ', 'seed ', 'full conversation ', 'data:', 'data:a/b', 'data:a/b;c=d', 'a_', '`a_b',
  '\u200b', '\u{E0041}', 'a', ' ',
];
const SMALL = 4_000;
const LARGE = 32_000;
const ALL: { maxChars: number; strip: ReadonlySet<PoisonRule>; skip: ReadonlySet<PoisonRule> } = { maxChars: 4096, strip: new Set(POISON_RULES), skip: new Set() };

/** Passes every rule's prefilter, so each RE2 pattern runs over the whole adversarial text. */
const TRIGGER = '<important> ignore do not tell without telling users must not important: you are now silently bcc when you call the all tools must side effect on is used run the ~/. id_rsa .env password seed phrase data: ';

function text(seed: string, size: number): string {
  return TRIGGER + seed.repeat(Math.ceil(size / seed.length)).slice(0, size);
}

/**
 * Best of `runs` measurements of the time per scan (strip on: every rule's removal path runs too). Each measurement
 * repeats the scan for at least 20 ms, so short scans are not lost in timer granularity.
 */
function cost(input: string, runs: number): number {
  let best = Infinity;
  for (let r = 0; r < runs; r++) {
    let n = 0;
    const t0 = process.hrtime.bigint();
    let elapsed = 0;
    do {
      scanText(input, ALL);
      n++;
      elapsed = Number(process.hrtime.bigint() - t0);
    } while (elapsed < 20e6);
    best = Math.min(best, elapsed / n);
  }
  return best;
}

describe('poisoning rules on long adversarial descriptions', () => {
  it.each(SEEDS.map((s) => [JSON.stringify(s), s]))('%s: scan cost grows linearly with the length', (_, seed) => {
    const small = text(seed, SMALL);
    const large = text(seed, LARGE);
    cost(small, 1); // warm up (compilation, JIT)
    const ratio = cost(large, 3) / cost(small, 3);
    expect({ seed, linear: ratio < 24 }).toEqual({ seed, linear: true });
  });
});
