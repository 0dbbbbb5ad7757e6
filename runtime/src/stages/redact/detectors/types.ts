/**
 * The recognizer interface shared by every detector (built-in and custom).
 * A detector finds candidate spans with a linear-time pattern, then keeps only those its validator accepts
 * (checksums, ranges, context). Detectors are pure and synchronous; they hold no per-call state.
 */

/** A detected span of text: `text.slice(start, end)` is the sensitive value. UTF-16 offsets. */
export interface Span {
  readonly start: number;
  readonly end: number;
  /** The detector's name, e.g. `EMAIL`. */
  readonly type: string;
}

export interface Detector {
  /** Upper-snake name, used in labels (`[REDACTED:EMAIL]`), audit actions and token types. */
  readonly name: string;
  /** Every validated match in `text`, ordered by start. Never throws on any string input. */
  find(text: string): Span[];
}

export interface RegexDetectorOptions {
  readonly name: string;
  /**
   * A global (`g`) regular expression written to run in linear time: every unbounded quantifier is either anchored by a
   * negative lookbehind of its own character class (so a run is entered once, at its start) or followed by a character
   * it cannot match. No nested unbounded quantifiers. The `d` flag is required when `group` is set.
   */
  readonly pattern: RegExp;
  /** Report this capture group's span instead of the whole match (e.g. the token after `Bearer `). */
  readonly group?: number;
  /** Cheap test run before the pattern; return false to skip the text entirely. */
  readonly quickCheck?: (text: string) => boolean;
  /** Accepts or rejects a candidate. `start`/`end` are the span's offsets in `text` (for context checks). */
  readonly validate?: (value: string, text: string, start: number, end: number) => boolean;
}

/** Builds a detector from a linear-time regex plus an optional validator. */
export function regexDetector(opts: RegexDetectorOptions): Detector {
  const { name, pattern, group, quickCheck, validate } = opts;
  if (!pattern.global) throw new Error(`detector ${name}: pattern must be global`);
  if (group !== undefined && !pattern.hasIndices) throw new Error(`detector ${name}: pattern needs the d flag to report a group`);
  return {
    name,
    find(text: string): Span[] {
      if (quickCheck && !quickCheck(text)) return [];
      const spans: Span[] = [];
      pattern.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = pattern.exec(text)) !== null) {
        if (m[0].length === 0) {
          pattern.lastIndex++;
          continue;
        }
        let start = m.index;
        let end = start + m[0].length;
        if (group !== undefined) {
          const idx = m.indices?.[group];
          if (!idx) continue;
          [start, end] = idx;
        }
        const value = text.slice(start, end);
        if (!validate || validate(value, text, start, end)) spans.push({ start, end, type: name });
      }
      pattern.lastIndex = 0;
      return spans;
    },
  };
}

/** The `n` characters before `start` (bounded, so context checks stay O(1) per candidate). */
export function before(text: string, start: number, n: number): string {
  return text.slice(Math.max(0, start - n), start);
}
