/**
 * Scores the poisoning rules on a labelled corpus (test/data/poisoning/*.jsonl: one `{id, text, rules}` per line,
 * `rules` naming every rule a reviewer expects to fire, empty for a benign description). Sample-level: a rule's true
 * positive is a sample labelled with it that it fired on. Used by the unit test and bench/poisoning.mjs.
 */
import { POISON_RULES, type PoisonRule } from '../../config/sections/poisoning';
import { scanText } from './rules';

export interface PoisonSample {
  readonly id: string;
  readonly text: string;
  readonly rules: readonly PoisonRule[];
}

export interface RuleScore {
  readonly rule: PoisonRule;
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly precision: number;
  readonly recall: number;
  readonly falsePositives: readonly string[];
  readonly falseNegatives: readonly string[];
}

export function parsePoisonSamples(text: string): PoisonSample[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as PoisonSample);
}

/** The rules that fire on a text with the default size cap. */
export function rulesFiring(text: string, maxChars = 4096): PoisonRule[] {
  return Object.keys(scanText(text, { maxChars, strip: new Set(), skip: new Set() }).hits) as PoisonRule[];
}

export function scorePoisonRules(samples: readonly PoisonSample[]): { rules: RuleScore[]; anyRule: { tp: number; fp: number; fn: number; tn: number } } {
  const fired = samples.map((s) => new Set(rulesFiring(s.text)));
  const rules = POISON_RULES.map((rule) => {
    const falsePositives: string[] = [];
    const falseNegatives: string[] = [];
    let tp = 0;
    samples.forEach((s, i) => {
      const expected = s.rules.includes(rule);
      const got = fired[i].has(rule);
      if (expected && got) tp++;
      else if (got) falsePositives.push(s.id);
      else if (expected) falseNegatives.push(s.id);
    });
    const fp = falsePositives.length;
    const fn = falseNegatives.length;
    return { rule, tp, fp, fn, precision: tp + fp === 0 ? 1 : tp / (tp + fp), recall: tp + fn === 0 ? 1 : tp / (tp + fn), falsePositives, falseNegatives };
  });
  const anyRule = { tp: 0, fp: 0, fn: 0, tn: 0 };
  samples.forEach((s, i) => {
    const poisoned = s.rules.length > 0;
    const flagged = fired[i].size > 0;
    if (poisoned && flagged) anyRule.tp++;
    else if (flagged) anyRule.fp++;
    else if (poisoned) anyRule.fn++;
    else anyRule.tn++;
  });
  return { rules, anyRule };
}
