/**
 * Every detector runs in linear time on adversarial input, shown without a clock (so machine load cannot decide it):
 * 1. every native RegExp a built-in detector runs on the fragments that drive backtracking regexes into quadratic or
 *    exponential behaviour (found by wrapping RegExp.prototype.exec while the detectors run) is proven linear by
 *    recheck's automaton checker (test/support/linear-regex.ts says how patterns with lookaround are split);
 * 2. the detector's scan loop calls its matchers a number of times that grows linearly with the input (8x the text,
 *    at most 8x the calls plus a constant);
 * 3. configured (custom) patterns run on RE2 (re2js), linear by construction: a catastrophic pattern compiles and
 *    backreferences are refused.
 * Each check is shown to fail on a super-linear counterpart. Wall-clock figures on 100 KB inputs are in the bench
 * (`node bench/linear.mjs`).
 */
import { RE2JS } from 're2js';
import { linearity, linearityOf, regexpsRunBy } from '../../../../../test/support/linear-regex';
import { PATHOLOGICAL_SEEDS } from '../../../../../test/support/pathological-seeds';
import { BUILT_IN_DETECTORS, compileLinearPattern, customDetector } from '.';
import { regexDetector, type Detector } from './types';


/** Each seed repeated to `size` characters, plain and with a character after / before that changes the match. */
function inputs(size: number): string[] {
  const out: string[] = [];
  for (const seed of PATHOLOGICAL_SEEDS) {
    const s = seed.repeat(Math.ceil(size / seed.length)).slice(0, size);
    out.push(s, `${s}!`, `x${s}`);
  }
  return out;
}

/** Matcher calls (RegExp exec) a detector makes over all inputs of one size. */
function matcherCalls(detector: Detector, size: number): number {
  const texts = inputs(size);
  let calls = 0;
  for (const { calls: n } of regexpsRunBy(() => texts.forEach((t) => detector.find(t))).values()) calls += n;
  return calls;
}

/** The scan-loop check: 8x the text costs at most 8x the matcher calls plus a constant per input. */
function scanGrowsLinearly(detector: Detector): { small: number; large: number; linear: boolean } {
  const small = matcherCalls(detector, 100);
  const large = matcherCalls(detector, 800);
  return { small, large, linear: large <= 8 * small + 8 * inputs(1).length };
}

/** A detector with a quadratic scan: for each candidate it re-scans the text from the start (e.g. to number it). */
const quadraticScan: Detector = {
  name: 'QUADRATIC',
  find(text) {
    const re = /\d/g;
    const spans = [];
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const at = re.lastIndex;
      const again = /\d/g;
      while (again.exec(text) && again.lastIndex < at);
      re.lastIndex = at;
      spans.push({ start: m.index, end: at, type: 'QUADRATIC' });
    }
    return spans;
  },
};

describe('built-in detectors on pathological inputs', () => {
  const run = regexpsRunBy(() => {
    for (const d of Object.values(BUILT_IN_DETECTORS)) for (const t of inputs(1_000)) d.find(t);
  });

  it('finds the native patterns the detectors run (the exec hook sees them)', () => {
    // Every detector runs at least one native pattern on these inputs; a hook that saw nothing would prove nothing.
    expect(run.size).toBeGreaterThanOrEqual(Object.keys(BUILT_IN_DETECTORS).length);
  });

  it('runs only patterns recheck finds linear (no super-linear backtracking, no super-linear scan)', () => {
    const verdicts = linearityOf([...run.values()].map(({ re }) => re));
    expect(verdicts.filter((v) => !v.linear)).toEqual([]);
  });

  it.each(Object.entries(BUILT_IN_DETECTORS))('%s: matcher calls grow linearly with the input', (_name, detector) => {
    expect(scanGrowsLinearly(detector)).toMatchObject({ linear: true });
  });
});

describe('the linearity checks fail on super-linear matchers', () => {
  it.each([
    ['exponential backtracking', /(a+)+b/],
    ['quadratic backtracking', /\s*a\s*b/g],
    ['quadratic scan: a run re-read from every start', /\d+x/g],
    ['quadratic scan: a JWT pattern without its leading lookbehind', /ey[A-Za-z0-9_-]{4,}\.ey[A-Za-z0-9_-]{2,}\./g],
    ['quadratic scan, lookaround elsewhere: a JWT pattern with its lookbehind at the end', /ey[A-Za-z0-9_-]{4,}\.ey[A-Za-z0-9_-]{2,}\.(?![\w-])/g],
    ['quadratic attempt behind a lookbehind', /(?<![\w])\d+\d+y/g],
  ])('%s is flagged', (_what, re) => {
    expect(linearity(re)).toMatchObject({ linear: false });
  });

  it('a scan loop that re-scans the text per candidate is flagged', () => {
    expect(scanGrowsLinearly(quadraticScan)).toMatchObject({ linear: false });
  });

  it('a regex detector built from a quadratic pattern is caught by the exec hook and recheck', () => {
    const bad = regexDetector({ name: 'BAD', pattern: /\d+\s*\d+x/g });
    const seen = regexpsRunBy(() => bad.find('1 '.repeat(1000)));
    expect([...seen.values()].map(({ re }) => linearity(re).linear)).toEqual([false]);
  });
});

describe('configured (custom) patterns run on RE2', () => {
  it('compiles a classic catastrophic pattern with RE2 and finds nothing in a long run', () => {
    expect(compileLinearPattern('test', '(a+)+b')).toBeInstanceOf(RE2JS);
    expect(customDetector('EVIL', '(a+)+b', 'test').find('a'.repeat(100_000))).toEqual([]);
  });

  it('refuses what only a backtracking engine can run', () => {
    expect(() => compileLinearPattern('test', '(a)\\1')).toThrow(/not supported \(RE2 syntax, linear time/);
    expect(() => compileLinearPattern('test', 'a(?=b)')).toThrow(/not supported/);
  });

  it('runs no native RegExp on the text (so nothing can backtrack)', () => {
    const d = customDetector('EVIL', '(a+)+b', 'test');
    expect(regexpsRunBy(() => d.find('a'.repeat(1000) + 'ab')).size).toBe(0);
  });
});
