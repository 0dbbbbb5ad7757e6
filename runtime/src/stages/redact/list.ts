/**
 * Redaction of list entries (tools/list, resources/list, resources/templates/list, prompts/list): everything an entry
 * shows a caller is redacted (title, description, schemas' texts, annotations, `_meta`, icons, prompt argument
 * descriptions) except its names, which a caller needs to call it: the entry's `name`, `uri` or `uriTemplate`, the
 * names of a prompt's arguments, and the property names inside schemas (see schema.ts). An outputSchema is also
 * widened so that redacted results still validate against it.
 */
import type { CatalogEntry } from '../../pipeline/context';
import type { RedactionCounts, Redactor } from './redactor';
import { declaredNames, redactSchema, widenForRedaction } from './schema';

const IDENTITY_KEYS = new Set(['name', 'uri', 'uriTemplate']);

function add(into: RedactionCounts, from: RedactionCounts): void {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
}

/** The property names an entry's outputSchema declares: kept in its results (see RedactJsonOptions.keepKeys). */
export function outputNames(entry: CatalogEntry | undefined): ReadonlySet<string> | undefined {
  const schema = entry?.kind === 'tool' ? entry.definition.outputSchema : undefined;
  return schema && typeof schema === 'object' ? declaredNames(schema) : undefined;
}

export function redactDefinition(redactor: Redactor, definition: Record<string, unknown>): { definition: Record<string, unknown>; counts: RedactionCounts } {
  const counts: RedactionCounts = {};
  const text = (keepKeys?: ReadonlySet<string>) => (v: unknown) => {
    const r = redactor.redactJson(v, { keepKeys });
    add(counts, r.counts);
    return r.value;
  };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(definition)) {
    if (IDENTITY_KEYS.has(k) && typeof v === 'string') {
      out[k] = v;
    } else if (k === 'inputSchema') {
      out[k] = redactSchema(v, text());
    } else if (k === 'outputSchema') {
      // enum/const values redact exactly as result values do (same keys kept), so a valid result redacts to a listed value.
      out[k] = widenForRedaction(redactSchema(v, text(declaredNames(v))));
    } else if (k === 'arguments' && Array.isArray(v)) {
      out[k] = v.map((arg) => {
        if (arg === null || typeof arg !== 'object' || Array.isArray(arg)) return text()(arg);
        const { name, ...rest } = arg as Record<string, unknown>;
        const redacted = text()(rest) as Record<string, unknown>;
        return name === undefined ? redacted : { name, ...redacted };
      });
    } else {
      out[k] = text()(v);
    }
  }
  return { definition: out, counts };
}
