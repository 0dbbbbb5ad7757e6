/**
 * Reliability: the tool-poisoning scan runs in linear time on adversarial descriptions, shown without a clock (so
 * machine load cannot decide it):
 * - every rule's pattern runs on RE2 (re2js, no backtracking: linear by construction);
 * - every native RegExp the scan runs (the literal prefilters, the invisible-character class, the whitespace squeeze;
 *   found by wrapping RegExp.prototype.exec while it runs) is linear by recheck's automaton checker (the prefilters'
 *   long word lists checked as one word each: test/support/linear-regex.ts collapseWordGroups says why);
 * - the scan loop calls the RE2 matcher a number of times that grows linearly with the text (8x the text, at most 8x
 *   the calls plus a constant), for every adversarial fragment, with every input passing every prefilter.
 * Each check is shown to fail on a super-linear counterpart. Wall-clock growth is measured by the bench
 * (`node bench/linear.mjs`).
 */
import { RE2JS } from 're2js';
import { POISON_RULES, type PoisonRule } from '../../runtime/src/config/sections/poisoning';
import { compiledRules, scanText } from '../../runtime/src/stages/poisoning/rules';
import { linearity, linearityOf, regexpsRunBy } from '../support/linear-regex';

/** Fragments that would drive a backtracking matcher of these patterns into super-linear work. */
const SEEDS = [
  '<important>', '< important >x', '<system>', '</', 'ignore ', 'ignore all ', 'ignore the the ', 'do not ', 'do not tell ',
  'without telling ', 'important: ', 'silently ', 'bcc ', 'bcc aaaa', 'before using ', 'before using any ', 'instead of using the ',
  'all tools ', 'when you call the ', 'side effect on the ', 'when (x) ', 'when a_b ', 'run the ', '~/.', '~/.ssh', 'id_rs', '/etc/',
  ' .env', '.env.', 'read ', 'read the ', 'send api ', 'seed ', 'full conversation ', 'data:', 'data:a/b', 'data:a/b;c=d', 'a_', '`a_b',
  '\u200b', '\u{E0041}', 'a', ' ',
];
const ALL: { maxChars: number; strip: ReadonlySet<PoisonRule>; skip: ReadonlySet<PoisonRule> } = { maxChars: 4096, strip: new Set(POISON_RULES), skip: new Set() };

/** Passes every rule's prefilter, so each RE2 pattern runs over the whole adversarial text. */
const TRIGGER = '<important> ignore do not tell without telling users must not important: you are now silently bcc when you call the all tools must side effect on is used run the ~/. id_rsa .env password seed phrase data: ';

function text(seed: string, size: number): string {
  return TRIGGER + seed.repeat(Math.ceil(size / seed.length)).slice(0, size);
}

/** Calls of the RE2 matcher's find (the scan loop's inner step) while `fn` runs. */
function re2FindCalls(fn: () => void): number {
  const proto = Object.getPrototypeOf(RE2JS.compile('a').matcher('')) as { find: (...a: unknown[]) => boolean };
  const find = proto.find;
  let calls = 0;
  proto.find = function (this: unknown, ...args: unknown[]) {
    calls++;
    return find.apply(this, args);
  };
  try {
    fn();
  } finally {
    proto.find = find;
  }
  return calls;
}

/** 8x the text costs at most 8x the matcher calls, plus a constant. */
function scanGrowsLinearly(scan: (t: string) => void, seed: string) {
  const small = re2FindCalls(() => scan(text(seed, 500)));
  const large = re2FindCalls(() => scan(text(seed, 4_000)));
  return { seed, small, large, linear: large <= 8 * small + 64 };
}

describe('poisoning rules on long adversarial descriptions', () => {
  it('every pattern rule runs on RE2', () => {
    const { patterns } = compiledRules();
    expect(patterns.length).toBeGreaterThan(0);
    for (const { re } of patterns) expect(re).toBeInstanceOf(RE2JS);
  });

  it('runs only native patterns recheck proves linear', () => {
    const seen = regexpsRunBy(() => SEEDS.forEach((s) => scanText(text(s, 300), ALL)));
    // The prefilters of every pattern rule ran (each input carries TRIGGER), so the hook saw them.
    expect(seen.size).toBeGreaterThanOrEqual(compiledRules().patterns.length);
    expect(linearityOf([...seen.values()].map(({ re }) => re), { collapseWords: true }).filter((v) => !v.linear)).toEqual([]);
  }, 300_000); // ~45 automata

  it.each(SEEDS.map((s) => [JSON.stringify(s), s]))('%s: RE2 matcher calls grow linearly with the length', (_, seed) => {
    expect(scanGrowsLinearly((t) => scanText(t, ALL), seed)).toMatchObject({ linear: true });
  });
});

describe('the checks fail on super-linear scans', () => {
  it('a prefilter with adjacent unbounded runs is flagged', () => {
    expect(linearity(new RegExp(String.raw`(?:ignore|forget)\s*\s*x|(?:do|dont)\s+\s+tell`, 'iu'), { collapseWords: true })).toMatchObject({ linear: false });
  });

  it('a scan loop that restarts from the start after each match is flagged', () => {
    // Finds every match, but re-finds all earlier ones first each time: quadratic in the number of matches.
    const re = RE2JS.compile('(?i)ignore');
    const restarting = (t: string) => {
      for (let found = 0; ; found++) {
        const m = re.matcher(t);
        let from = 0;
        let k = 0;
        while (k <= found && m.find(from)) {
          from = m.end();
          k++;
        }
        if (k <= found) return;
      }
    };
    expect(scanGrowsLinearly(restarting, 'ignore ')).toMatchObject({ linear: false });
  });
});
