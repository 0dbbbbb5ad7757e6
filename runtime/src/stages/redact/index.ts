/**
 * Redaction stage: replaces PII and secrets in everything flowing back to the caller: list entries (see list.ts), tool
 * results (content, structured content, embedded resources), resource contents, prompt messages, completions, and an
 * upstream's error message and data (the pipeline passes those through onResult too). Type-preserving: see
 * redactor.ts. Never touches the proxy's own tokens (`tokenSpans`). Fails closed: if a detector throws, the stage
 * throws and the caller gets an error, never the unredacted value. Also provides the operational log scrubber.
 */
import type { CatalogEntry, JsonResult, RequestContext, Stage } from '../../pipeline/context';
import type { Logger } from '../../log';
import { DETECTORS } from '../../config/sections/redact';
import type { TokenSpans } from '../tokenize/format';
import { outputNames, redactDefinition } from './list';
import { createRedactor, type RedactConfig, type RedactionCounts, type Redactor } from './redactor';

export { createRedactor, replacementFor, selectDetectors, REDACTED_NUMBER } from './redactor';
export type { RedactConfig, RedactionCounts, Redactor } from './redactor';
export { mapJsonStrings } from './walk';
export { SpanEngine, replaceSpans } from './engine';
export { declaredNames, redactSchema, widenForRedaction } from './schema';
export { redactDefinition } from './list';

export interface RedactStageOptions {
  /** The proxy's own tokens, when tokenization is on: never redacted (they are detokenized after this stage). */
  readonly tokenSpans?: TokenSpans;
}

function record(ctx: RequestContext, counts: RedactionCounts): void {
  for (const [type, count] of Object.entries(counts)) ctx.actions.push({ stage: 'redact', action: `redact.${type}`, count });
}

/** The redaction stage. A pass-through when `enabled` is false. */
export function createRedactStage(cfg: RedactConfig, log: Logger, opts: RedactStageOptions = {}): Stage {
  if (!cfg.enabled) return { name: 'redact' };
  const redactor = createRedactor(cfg, { keep: opts.tokenSpans });
  log.info('redaction enabled', { detectors: redactor.detectorNames, replacement: cfg.replacement });
  // A catalog's definitions are immutable and shared by every list call until the catalog is replaced: each is
  // redacted once (the cache is keyed by the definition object, so a new catalog starts afresh).
  const listed = new WeakMap<object, { definition: Record<string, unknown>; counts: RedactionCounts }>();
  const outputs = new WeakMap<object, ReadonlySet<string> | undefined>();
  const keepKeys = (target: CatalogEntry | undefined) => {
    if (!target) return undefined;
    if (!outputs.has(target.definition)) outputs.set(target.definition, outputNames(target));
    return outputs.get(target.definition);
  };
  return {
    name: 'redact',
    filterList(ctx, entries) {
      const counts: RedactionCounts = {};
      const out = entries.map((entry) => {
        let r = listed.get(entry.definition);
        if (!r) listed.set(entry.definition, (r = redactDefinition(redactor, entry.definition)));
        for (const [k, n] of Object.entries(r.counts)) counts[k] = (counts[k] ?? 0) + n;
        return r.definition === entry.definition ? entry : { ...entry, definition: r.definition };
      });
      record(ctx, counts);
      return out;
    },
    onResult(ctx, result) {
      const { value, counts } = redactor.redactJson(result, { keepKeys: keepKeys(ctx.target) });
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('redaction produced a non-object result');
      record(ctx, counts);
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
