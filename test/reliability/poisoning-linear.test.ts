/**
 * Reliability: the tool-poisoning rules run in linear time on adversarial descriptions. Each rule's pattern has RE2
 * semantics (re2js: no backtracking), and the scan loop restarts after each match; this checks the whole scan, not
 * just the engine. Growth, not speed: for every adversarial fragment, scanning a text 8x longer must cost well under
 * the 64x a quadratic scan would (the bound is 24x; best of several runs, so a busy machine does not decide it).
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

function text(seed: string, size: number): string {
  return seed.repeat(Math.ceil(size / seed.length)).slice(0, size);
}

/** Best of `runs` timings of one scan (strip on: every rule's removal path runs too). */
function cost(input: string, runs: number): number {
  let best = Infinity;
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    scanText(input, ALL);
    best = Math.min(best, Number(process.hrtime.bigint() - t0));
  }
  return best;
}

describe('poisoning rules on long adversarial descriptions', () => {
  it.each(SEEDS.map((s) => [JSON.stringify(s), s]))('%s: scan cost grows linearly with the length', (_, seed) => {
    const small = text(seed, SMALL);
    const large = text(seed, LARGE);
    cost(small, 2); // warm up (compilation, JIT)
    const ratio = cost(large, 3) / Math.max(cost(small, 5), 1);
    expect({ seed, linear: ratio < 24 }).toEqual({ seed, linear: true });
  });
});
