/**
 * Redaction stage: replaces PII and secrets in everything flowing back to the caller (tool results, structured
 * content, embedded resources, resource contents, prompt messages). Fails closed: if a detector throws, the stage
 * throws and the caller gets an error, never the unredacted result. Also provides the operational log scrubber.
 */
import type { JsonResult, Stage } from '../../pipeline/context';
import type { Logger } from '../../log';
import { DETECTORS } from '../../config/sections/redact';
import { createRedactor, type RedactConfig, type Redactor } from './redactor';

export { createRedactor, replacementFor, selectDetectors } from './redactor';
export type { RedactConfig, RedactionCounts, Redactor } from './redactor';
export { mapJsonStrings } from './walk';
export { SpanEngine, replaceSpans } from './engine';

/** The redaction stage (onResult only; list filtering is not its job). A pass-through when `enabled` is false. */
export function createRedactStage(cfg: RedactConfig, log: Logger): Stage {
  if (!cfg.enabled) return { name: 'redact' };
  const redactor = createRedactor(cfg);
  log.info('result redaction enabled', { detectors: redactor.detectorNames, replacement: cfg.replacement });
  return {
    name: 'redact',
    onResult(ctx, result) {
      const { value, counts } = redactor.redactJson(result);
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('redaction produced a non-object result');
      for (const [type, count] of Object.entries(counts)) ctx.actions.push({ stage: 'redact', action: `redact.${type}`, count });
      return value as JsonResult;
    },
  };
}

const SCRUBBER_FAILED = JSON.stringify({ level: 'error', component: 'log', msg: 'log line dropped: scrubber failed' });

/**
 * The operational log scrubber (install with `setLogScrubber`): every built-in detector, label replacement.
 * A line in which no detector finds anything (and with no JSON escapes that could hide one) is returned as is,
 * without parsing; otherwise the JSON line is parsed, redacted value by value and serialized again, so the output is
 * still one valid JSON line. A non-JSON line is redacted as text. Never throws: on an internal failure the line is
 * replaced by a fixed notice rather than written unscrubbed.
 */
export function createLogScrubber(): (line: string) => string {
  const redactor: Redactor = createRedactor({ detectors: [...DETECTORS], custom: [], replacement: 'label' });
  return (line: string): string => {
    try {
      const quick = redactor.redactText(line);
      if (quick.text === line && !line.includes('\\')) return line;
      let doc: unknown;
      try {
        doc = JSON.parse(line);
      } catch {
        return quick.text;
      }
      return JSON.stringify(redactor.redactJson(doc).value);
    } catch {
      return SCRUBBER_FAILED;
    }
  };
}
