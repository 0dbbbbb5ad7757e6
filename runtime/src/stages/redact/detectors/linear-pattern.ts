/**
 * Configured patterns (custom detectors, sanitize deny patterns) run on RE2 semantics (re2js): matching time is
 * linear in the input whatever the pattern, so a configuration cannot introduce catastrophic backtracking.
 * Patterns RE2 cannot express (backreferences, lookaround) are refused when the stage is built.
 */
import { RE2JS } from 're2js';
import { ConfigError } from '../../../config/load';
import type { Detector, Span } from './types';

/** Compiles `pattern` with RE2 semantics or throws ConfigError naming where it came from, the pattern and why. */
export function compileLinearPattern(where: string, pattern: string, opts: { caseInsensitive?: boolean } = {}): RE2JS {
  try {
    return RE2JS.compile(pattern, opts.caseInsensitive ? RE2JS.CASE_INSENSITIVE : 0);
  } catch (e) {
    const reason = (e as Error).message.replace(/^error parsing regexp: /, '');
    throw new ConfigError(`${where}: pattern ${JSON.stringify(pattern)} is not supported (RE2 syntax, linear time; no backreferences or lookaround): ${reason}`);
  }
}

/** A detector from a configured RE2 pattern (every non-empty match is reported). */
export function customDetector(name: string, pattern: string, where: string): Detector {
  const re = compileLinearPattern(where, pattern);
  return {
    name,
    find(text: string): Span[] {
      const spans: Span[] = [];
      const m = re.matcher(text);
      let from = 0;
      while (from <= text.length && m.find(from)) {
        const start = m.start();
        const end = m.end();
        if (end > start) spans.push({ start, end, type: name });
        from = end > start ? end : end + 1;
      }
      return spans;
    },
  };
}
