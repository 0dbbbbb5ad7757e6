/**
 * Linear-time evidence for native (backtracking) regular expressions that does not depend on how fast the machine is:
 * which RegExps a piece of code really runs, and a proof by recheck's automaton checker
 * (https://makenowjust-labs.github.io/recheck/) that none backtracks super-linearly. recheck's automaton checker
 * decides from the pattern alone (no clock, no randomness) and models the search as the engine runs it: an
 * unanchored pattern is tried from every position, so a scan that re-reads a run from each start (`/\d+x/g`) is
 * caught as well as nested quantifiers (`/(a+)+b/`).
 *
 * A pattern with top-level alternatives is checked one alternative at a time (an attempt at A|B costs at most an
 * attempt at A plus one at B; the automaton of a long case-insensitive union takes minutes to build whole).
 *
 * The automaton checker cannot read lookaround. A pattern with lookaround is checked in parts, each a proof:
 * - one attempt: the pattern without its lookarounds, and each lookaround's body, anchored where the attempt starts
 *   (an assertion only prunes an attempt, so the skeleton's work bounds the attempt's);
 * - the scan: when one attempt can read an unbounded run, the pattern must open with a negative lookbehind (the
 *   detectors' documented rule: a run is entered once, at its start, so the attempts over one run cost that run once).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { checkSync } from 'recheck';

// In-process backend: no worker thread or child process that could outlive the test.
process.env.RECHECK_SYNC_BACKEND = 'pure';

export interface Linearity {
  readonly pattern: string;
  readonly linear: boolean;
  /** Why it is or is not linear (recheck's verdict for each part). */
  readonly why: string;
}

/** recheck's automaton verdict: 'safe' (constant), 'linear', or the super-linear complexity / why it could not tell. */
function automaton(source: string, flags: string): string {
  const r = checkSync(source, flags, { checker: 'automaton', timeout: null });
  if (r.status === 'unknown') return `unknown (${r.error?.kind ?? '?'})`;
  return r.status === 'safe' ? r.complexity.type : `${r.complexity.summary}, e.g. ${r.attack.pattern}`;
}

/** The pattern without its lookaround groups, and their bodies (character classes and escapes are skipped over). */
export function splitLookarounds(source: string): { skeleton: string; bodies: string[] } {
  const bodies: string[] = [];
  let skeleton = '';
  const skipClass = (j: number) => {
    for (j++; j < source.length && source[j] !== ']'; j++) if (source[j] === '\\') j++;
    return j;
  };
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      skeleton += source.slice(i, i + 2);
      i++;
    } else if (c === '[') {
      const j = skipClass(i);
      skeleton += source.slice(i, j + 1);
      i = j;
    } else if (/^\(\?<?[=!]/.test(source.slice(i, i + 4))) {
      const open = source[i + 2] === '<' ? 4 : 3;
      let depth = 0;
      let j = i;
      for (; j < source.length; j++) {
        if (source[j] === '\\') j++;
        else if (source[j] === '[') j = skipClass(j);
        else if (source[j] === '(') depth++;
        else if (source[j] === ')' && --depth === 0) break;
      }
      bodies.push(source.slice(i + open, j));
      i = j;
    } else {
      skeleton += c;
    }
  }
  return { skeleton, bodies };
}

/** The top-level alternatives of a pattern source (`a|b(c|d)` -> `a`, `b(c|d)`). */
export function topLevelAlternatives(source: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let inClass = false;
  let cur = '';
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      cur += source.slice(i, i + 2);
      i++;
      continue;
    }
    if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  out.push(cur);
  return out;
}

/**
 * With `collapseWords`, each group of plain alternative words not followed by a quantifier (`(?:tell|inform|show)`)
 * is checked as its first word: an attempt reads such a group in constant time, and what makes a scan super-linear
 * (runs such as \s+ that can read the same text, nested or adjacent) is kept. An approximation, for long word lists
 * (the poisoning prefilters) whose automata take minutes to build; it still flags the counterexamples in the tests.
 */
export function collapseWordGroups(source: string): string {
  return source.replace(/\(\?:([a-z_'?]+(?:\|[a-z_'?]+)+)\)(?![*+?{])/gi, (_m, alts: string) => alts.split('|')[0]);
}

/** Whether `re`, run as the engine runs it (global/unanchored, or sticky), is linear in its input. */
export function linearity(re: RegExp, opts: { collapseWords?: boolean } = {}): Linearity {
  if (opts.collapseWords) return { ...linearity(new RegExp(collapseWordGroups(re.source), re.flags)), pattern: `/${re.source}/${re.flags}` };
  const pattern = `/${re.source}/${re.flags}`;
  // Case folding (`i`, `u`) is dropped when no letter in the pattern is upper case: folding then maps no two distinct
  // characters of the pattern onto each other and adds no letter to \s or to a class without letters, so which
  // parts can match the same text (all the checker looks at) is unchanged; the automaton of a Unicode-folded pattern
  // takes seconds to minutes to build.
  if (/[iu]/.test(re.flags) && !/[A-Z]/.test(re.source.replace(/\\./g, ''))) return { ...linearity(new RegExp(re.source, re.flags.replace(/[iu]/g, ''))), pattern };
  const alternatives = topLevelAlternatives(re.source);
  if (alternatives.length > 1) {
    const parts = alternatives.map((a) => linearity(new RegExp(a, re.flags)));
    const bad = parts.filter((p) => !p.linear);
    return { pattern, linear: bad.length === 0, why: bad.length ? bad.map((p) => `${p.pattern}: ${p.why}`).join('; ') : `each of ${parts.length} alternatives linear` };
  }
  // `d` only adds indices, `g` only where the next search starts: neither changes one attempt's work.
  const flags = re.flags.replace(/[dgy]/g, '');
  const { skeleton, bodies } = splitLookarounds(re.source);
  if (bodies.length === 0) {
    const v = automaton(re.source, re.sticky ? `${flags}y` : flags);
    return { pattern, linear: v === 'safe' || v === 'linear', why: `${re.sticky ? 'sticky' : 'search'}: ${v}` };
  }
  const parts = [skeleton, ...bodies].map((p) => ({ p, v: automaton(p, `${flags}y`) }));
  const bad = parts.filter((x) => x.v !== 'safe' && x.v !== 'linear');
  if (bad.length) return { pattern, linear: false, why: bad.map((x) => `one attempt at ${x.p}: ${x.v}`).join('; ') };
  const unbounded = parts.some((x) => x.v === 'linear');
  const guarded = re.sticky || re.source.startsWith('(?<!');
  return {
    pattern,
    linear: !unbounded || guarded,
    why: !unbounded ? 'each attempt reads a bounded length' : guarded ? 'runs entered once (leading negative lookbehind or sticky)' : 'an attempt reads an unbounded run, and no leading negative lookbehind keeps the scan from re-reading it from every start',
  };
}

/**
 * Every native RegExp `fn` runs (exec, test, match, matchAll, replace, split, search: all of them call
 * `RegExp.prototype.exec`, which is wrapped while `fn` runs), keyed by source and flags, with how often each ran.
 */
export function regexpsRunBy(fn: () => void): Map<string, { re: RegExp; calls: number }> {
  const seen = new Map<string, { re: RegExp; calls: number }>();
  const exec = RegExp.prototype.exec;
  RegExp.prototype.exec = function (this: RegExp, s: string) {
    const key = `/${this.source}/${this.flags}`;
    const entry = seen.get(key) ?? { re: new RegExp(this.source, this.flags), calls: 0 };
    entry.calls++;
    seen.set(key, entry);
    return exec.call(this, s);
  };
  try {
    fn();
  } finally {
    RegExp.prototype.exec = exec;
  }
  return seen;
}

/** linearity() of each pattern, computed in a child node process (test/support/linear-regex-cli.ts): same verdicts, faster. */
export function linearityOf(patterns: readonly RegExp[], opts: { collapseWords?: boolean } = {}): Linearity[] {
  const arg = JSON.stringify({ patterns: patterns.map((re) => ({ source: re.source, flags: re.flags })), collapseWords: opts.collapseWords });
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(__dirname, 'linear-regex-cli.ts'), arg], { encoding: 'utf8', timeout: 600_000, maxBuffer: 16 << 20 });
  return JSON.parse(out) as Linearity[];
}
