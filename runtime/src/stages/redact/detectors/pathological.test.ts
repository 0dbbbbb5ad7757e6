/**
 * Every detector must run in (near) linear time on adversarial input: strings built from the fragments that drive
 * backtracking regexes into quadratic or exponential behaviour. The check compares growth, not wall-clock time: the
 * same inputs at 100 K and at 4x that (400 K) characters, the faster of two passes each after a warm-up pass, must
 * cost less than 10x
 * (linear is ~4x, quadratic ~16x, exponential never finishes), so a busy machine slows both sizes alike while a
 * backtracking bug still fails it. Below ~50 K characters fixed costs and caches dominate and the ratio means nothing
 * (measured: 2 ms -> 30 ms for a linear detector at 25 K -> 100 K, 25 ms -> 97 ms at 100 K -> 400 K).
 */
import { BUILT_IN_DETECTORS, customDetector } from '.';

const SEEDS = [
  'a', '1', '1 ', '1-', '1.', 'a.', 'a@', '@a', 'a@b.', 'a-', '+1', '+1 1', '(1', '(415) ', ':', 'a:', '1:', 'ff:', '::', 'f.',
  'ey', 'eyJ', 'eyJa.', 'eyJhbGciOiJub25lIn0.', 'AKIA', 'A', 'A1', 'DE89', 'DE89 ', 'DE89 3704 ', 'Bearer ', 'bearer a1',
  '-----BEGIN PRIVATE KEY-----', '-----BEGIN PRIVATE KEY-----\nAAAA', '-----END PRIVATE KEY-----', '/', 'x/', 'Ab1/',
  'aws_secret ', 'ssn ', '123-45-', '4111 ', '1.2.', '-', '\n', '%', '\u00e9',
];
const SMALL = 100_000;
const GROWTH = 4;
/** Linear work grows ~4x for 4x the input, quadratic ~16x. */
const MAX_RATIO = 10;

function inputs(size: number): string[] {
  const out: string[] = [];
  for (const seed of SEEDS) {
    const s = seed.repeat(Math.ceil(size / seed.length)).slice(0, size);
    out.push(s, `${s}!`, `x${s}`);
  }
  return out;
}

/** The faster of two passes over the inputs (after one warm-up pass), in ms. */
function cost(find: (text: string) => unknown, texts: string[]): number {
  for (const text of texts) find(text);
  let best = Infinity;
  for (let pass = 0; pass < 2; pass++) {
    const t0 = performance.now();
    for (const text of texts) find(text);
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/** Cost ratio of GROWTH x the input to the input (never below 1 ms for the small size, so timer noise cannot inflate it). */
function growth(find: (text: string) => unknown, small: string[], large: string[]): number {
  return cost(find, large) / Math.max(1, cost(find, small));
}

describe('detectors on pathological inputs grow linearly', () => {
  const small = inputs(SMALL);
  const large = inputs(SMALL * GROWTH);
  it.each(Object.entries(BUILT_IN_DETECTORS))('%s', (_name, detector) => {
    expect(growth((t) => detector.find(t), small, large)).toBeLessThan(MAX_RATIO);
  });

  it('a custom (RE2) detector on a classic catastrophic pattern', () => {
    const d = customDetector('EVIL', '(a+)+b', 'test');
    expect(d.find('a'.repeat(SMALL))).toEqual([]);
    expect(growth((t) => d.find(t), ['a'.repeat(SMALL)], ['a'.repeat(SMALL * GROWTH)])).toBeLessThan(MAX_RATIO);
  });

  it('the check itself fails a quadratic matcher (so it can catch a backtracking detector)', () => {
    const quadratic = (t: string) => {
      let n = 0;
      for (let i = 0; i < t.length; i += 25) for (let j = i; j < t.length; j += 25) n += t.charCodeAt(j);
      return n;
    };
    expect(growth(quadratic, ['a'.repeat(SMALL)], ['a'.repeat(SMALL * GROWTH)])).toBeGreaterThan(MAX_RATIO);
  });
});
