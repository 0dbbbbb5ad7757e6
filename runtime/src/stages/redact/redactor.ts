/** The redactor: a compiled set of detectors plus a replacement style, applied to text or to JSON values. */
import type { ProxyConfig } from '../../config/schema';
import { ConfigError } from '../../config/load';
import { BUILT_IN_DETECTORS, DETECTOR_PRIORITY, customDetector, type Detector } from './detectors';
import type { TokenSpans } from '../tokenize/format';
import { SpanEngine, replaceSpans, withoutRanges } from './engine';
import { looksLikeJsonContainer, mapJsonText } from './json-text';
import { mapJsonStrings } from './walk';

export type RedactConfig = ProxyConfig['redact'];
/** Detector name -> number of values replaced. */
export type RedactionCounts = Record<string, number>;

export interface RedactJsonOptions {
  /**
   * Object keys never redacted: the property names a tool's listed outputSchema declares (already public, and
   * redacting one would make a result miss a `required` property).
   */
  readonly keepKeys?: ReadonlySet<string>;
}

export interface Redactor {
  /** Names of the detectors in use, in priority order. */
  readonly detectorNames: readonly string[];
  redactText(s: string): { text: string; counts: RedactionCounts };
  /**
   * A redacted copy of a JSON value that keeps every value's type: strings stay strings (a string holding a JSON
   * object or array is redacted as JSON, value by value, and stays valid JSON), a number a detector recognises (a card
   * number stored as a number) becomes the number `REDACTED_NUMBER`, keys are redacted except `keepKeys`.
   */
  redactJson(value: unknown, opts?: RedactJsonOptions): { value: unknown; counts: RedactionCounts };
}

/** What a number-typed sensitive value becomes: JSON has no number meaning "redacted", so 0 keeps the type. */
export const REDACTED_NUMBER = 0;

export interface RedactorOptions {
  /** Spans never redacted (the proxy's own tokens, see tokenize/format.ts). */
  readonly keep?: TokenSpans;
}

/** `label`: `[REDACTED:EMAIL]`. `mask`: asterisks then the last 4 characters (all asterisks for 8 or fewer). */
export function replacementFor(style: RedactConfig['replacement']): (value: string, type: string) => string {
  if (style === 'label') return (_v, type) => `[REDACTED:${type}]`;
  return (v) => (v.length <= 8 ? '*'.repeat(v.length) : '*'.repeat(Math.min(v.length - 4, 60)) + v.slice(-4));
}

/** The detectors a configuration selects, built-ins in priority order then custom ones; validates custom names. */
export function selectDetectors(names: readonly string[], custom: RedactConfig['custom'], where: string): Detector[] {
  const wanted = new Set(names);
  const out: Detector[] = DETECTOR_PRIORITY.filter((n) => wanted.has(n)).map((n) => BUILT_IN_DETECTORS[n]);
  const seen = new Set<string>(Object.keys(BUILT_IN_DETECTORS));
  custom.forEach((c, i) => {
    if (seen.has(c.name)) throw new ConfigError(`${where}.custom[${i}].name: "${c.name}" is already a detector name`);
    seen.add(c.name);
    out.push(customDetector(c.name, c.pattern, `${where}.custom[${i}].pattern`));
  });
  return out;
}

/** Builds a redactor; compiles every pattern now. Throws ConfigError for an unsupported custom pattern. */
export function createRedactor(cfg: Pick<RedactConfig, 'detectors' | 'custom' | 'replacement'>, opts: RedactorOptions = {}): Redactor {
  const engine = new SpanEngine(selectDetectors(cfg.detectors, cfg.custom, 'redact'));
  const replace = replacementFor(cfg.replacement);
  const keep = opts.keep;

  const spansOf = (s: string) => {
    const spans = engine.find(s);
    return keep && spans.length > 0 && s.includes('tok_') ? withoutRanges(spans, keep(s)) : spans;
  };

  const redactString = (s: string, counts: RedactionCounts): string => {
    const spans = spansOf(s);
    for (const sp of spans) counts[sp.type] = (counts[sp.type] ?? 0) + 1;
    return replaceSpans(s, spans, replace);
  };

  /** Digits of an integer (sign dropped) that a detector recognises as a whole value: the value is sensitive. */
  const sensitiveInteger = (digits: string, counts: RedactionCounts): boolean => {
    if (digits.length < 7) return false; // below 1e6: counts, ids, sizes (no detector recognises so few digits)
    const spans = spansOf(digits);
    for (const sp of spans) counts[sp.type] = (counts[sp.type] ?? 0) + 1;
    return spans.length > 0;
  };

  const redactValue = (value: unknown, counts: RedactionCounts, keepKeys: ReadonlySet<string> | undefined): unknown => {
    const key = (k: string) => (keepKeys?.has(k) ? k : redactString(k, counts));
    const str = (s: string): string => {
      if (looksLikeJsonContainer(s)) {
        // Nothing any detector sees in the raw text, and no escape that could hide a value: nothing to do.
        if (!s.includes('\\') && spansOf(s).length === 0) return s;
        const asJson = mapJsonText(s, {
          value: str,
          key,
          integer: (literal) => (sensitiveInteger(literal.replace('-', ''), counts) ? String(REDACTED_NUMBER) : literal),
        });
        if (asJson !== undefined) return asJson;
      }
      return redactString(s, counts);
    };
    const num = (n: number): number => {
      if (!Number.isInteger(n) || Math.abs(n) < 1e6) return n;
      return sensitiveInteger(BigInt(n).toString().replace('-', ''), counts) ? REDACTED_NUMBER : n;
    };
    return mapJsonStrings(value, str, num, key);
  };

  return {
    detectorNames: engine.detectors.map((d) => d.name),
    redactText(s) {
      const counts: RedactionCounts = {};
      return { text: redactString(s, counts), counts };
    },
    redactJson(value, o = {}) {
      const counts: RedactionCounts = {};
      return { value: redactValue(value, counts, o.keepKeys), counts };
    },
  };
}
