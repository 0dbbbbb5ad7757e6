/**
 * JSON Schemas as the proxy lists them when redaction is on (tools' inputSchema and outputSchema).
 *
 * Listing: a schema's texts are redacted (titles, descriptions, `enum`/`const`/`default`/`examples` values) but not
 * its names and identifiers (property names, `required`, `$ref`, `type`, `format`), which would break the contract.
 *
 * Output schemas are also widened: a tool's result is redacted before the caller gets it, and the caller (the SDK
 * client does) validates `structuredContent` against the outputSchema the proxy listed. Redaction keeps every value's
 * type (see redactor.ts) and never redacts a declared property name, so the listed schema keeps its structure and
 * types; only constraints a redacted value may no longer meet are removed: string formats, patterns and lengths, number
 * ranges and `multipleOf`, `uniqueItems`, `propertyNames`, `maxContains`, `unevaluated*`. `oneOf` becomes `anyOf` (widened
 * branches may overlap); `not` and `if`/`then`/`else` are removed (widening under `not` would narrow). `enum` and `const`
 * stay: their values are redacted by the same redactor, so a valid value redacts to a listed one. `patternProperties`
 * fold into `additionalProperties` (a redacted key may no longer match its pattern).
 */

type Json = unknown;
type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Keywords whose value maps names to subschemas. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);
/** Keywords whose value is a subschema. */
const SCHEMA_ONE = new Set(['additionalProperties', 'additionalItems', 'items', 'contains', 'propertyNames', 'not', 'if', 'then', 'else', 'unevaluatedProperties', 'unevaluatedItems']);
/** Keywords whose value is an array of subschemas. */
const SCHEMA_LIST = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
/** Names and identifiers: never redacted. */
const NAMES = new Set(['required', 'dependentRequired', 'type', 'format', '$ref', '$dynamicRef', '$id', '$schema', '$anchor', '$dynamicAnchor', '$comment', 'contentEncoding', 'contentMediaType']);

/** Every property name a schema declares anywhere (`properties` keys, `required`, `dependentRequired`). */
export function declaredNames(schema: Json, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(schema)) {
    for (const s of schema) declaredNames(s, into);
  } else if (isObj(schema)) {
    for (const [k, v] of Object.entries(schema)) {
      if (k === 'properties' && isObj(v)) for (const name of Object.keys(v)) into.add(name);
      if (k === 'required' && Array.isArray(v)) for (const name of v) if (typeof name === 'string') into.add(name);
      if (k === 'dependentRequired' && isObj(v)) for (const name of Object.keys(v)) into.add(name);
      if (typeof v === 'object') declaredNames(v, into);
    }
  }
  return into;
}

function mapSubschemas(v: unknown, fn: (s: Json) => Json): unknown {
  return Array.isArray(v) ? v.map(fn) : fn(v);
}

/**
 * The schema with its texts passed through `text` (applied to `enum`, `const`, `default`, `examples`, `title`,
 * `description` and any keyword the walk does not know), names and identifiers kept. A `pattern` that redaction
 * would change is removed rather than listed altered (a masked pattern need not be a valid expression).
 */
export function redactSchema(schema: Json, text: (v: unknown) => unknown): Json {
  if (!isObj(schema)) return schema;
  const out: Obj = {};
  for (const [k, v] of Object.entries(schema)) {
    if (SCHEMA_MAPS.has(k) && isObj(v)) {
      out[k] = Object.fromEntries(Object.entries(v).map(([name, s]) => [name, redactSchema(s, text)]));
    } else if ((SCHEMA_ONE.has(k) || SCHEMA_LIST.has(k)) && typeof v === 'object' && v !== null) {
      out[k] = mapSubschemas(v, (s) => redactSchema(s, text));
    } else if (NAMES.has(k)) {
      out[k] = v;
    } else if (k === 'pattern') {
      if (text(v) === v) out[k] = v;
    } else {
      out[k] = text(v);
    }
  }
  return out;
}

const NARROWING = new Set([
  'format', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf',
  'uniqueItems', 'propertyNames', 'maxContains', 'unevaluatedProperties', 'unevaluatedItems', 'not', 'if', 'then', 'else',
  'contentSchema',
]);

/** The output schema widened so that every redacted result of a valid result still validates (see the file header). */
export function widenForRedaction(schema: Json): Json {
  if (!isObj(schema)) return schema;
  const out: Obj = {};
  const allOf: Json[] = [];
  for (const [k, v] of Object.entries(schema)) {
    if (NARROWING.has(k)) continue;
    if (SCHEMA_MAPS.has(k) && isObj(v)) {
      out[k] = Object.fromEntries(Object.entries(v).map(([name, s]) => [name, widenForRedaction(s)]));
    } else if (k === 'oneOf' && Array.isArray(v)) {
      allOf.push({ anyOf: v.map(widenForRedaction) });
    } else if (k === 'allOf' && Array.isArray(v)) {
      allOf.unshift(...v.map(widenForRedaction));
    } else if ((SCHEMA_ONE.has(k) || SCHEMA_LIST.has(k)) && typeof v === 'object' && v !== null) {
      out[k] = mapSubschemas(v, widenForRedaction);
    } else {
      out[k] = v;
    }
  }
  if (allOf.length) out.allOf = allOf;
  if (isObj(out.patternProperties)) {
    const alternatives = Object.values(out.patternProperties);
    delete out.patternProperties;
    const additional = out.additionalProperties;
    if (additional === undefined || additional === true) delete out.additionalProperties;
    else out.additionalProperties = { anyOf: additional === false ? alternatives : [...alternatives, additional] };
  }
  return out;
}
