/** The redactor: a compiled set of detectors plus a replacement style, applied to text or to JSON values. */
import type { ProxyConfig } from '../../config/schema';
import { ConfigError } from '../../config/load';
import { BUILT_IN_DETECTORS, DETECTOR_PRIORITY, customDetector, type Detector } from './detectors';
import { SpanEngine, replaceSpans } from './engine';
import { mapJsonStrings } from './walk';

export type RedactConfig = ProxyConfig['redact'];
/** Detector name -> number of values replaced. */
export type RedactionCounts = Record<string, number>;

export interface Redactor {
  /** Names of the detectors in use, in priority order. */
  readonly detectorNames: readonly string[];
  redactText(s: string): { text: string; counts: RedactionCounts };
  /** A redacted copy of a JSON value (strings, keys, and numbers that are themselves e.g. a card number). */
  redactJson(value: unknown): { value: unknown; counts: RedactionCounts };
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
export function createRedactor(cfg: Pick<RedactConfig, 'detectors' | 'custom' | 'replacement'>): Redactor {
  const engine = new SpanEngine(selectDetectors(cfg.detectors, cfg.custom, 'redact'));
  const replace = replacementFor(cfg.replacement);

  const redactString = (s: string, counts: RedactionCounts): string => {
    const spans = engine.find(s);
    for (const sp of spans) counts[sp.type] = (counts[sp.type] ?? 0) + 1;
    return replaceSpans(s, spans, replace);
  };

  return {
    detectorNames: engine.detectors.map((d) => d.name),
    redactText(s) {
      const counts: RedactionCounts = {};
      return { text: redactString(s, counts), counts };
    },
    redactJson(value) {
      const counts: RedactionCounts = {};
      const out = mapJsonStrings(
        value,
        (s) => redactString(s, counts),
        (n) => {
          if (!Number.isFinite(n) || Number.isInteger(n) === false || Math.abs(n) < 1e6) return n;
          const s = String(n);
          const r = redactString(s, counts);
          return r === s ? n : r;
        },
      );
      return { value: out, counts };
    },
  };
}
