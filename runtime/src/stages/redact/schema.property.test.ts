/**
 * Property: for random JSON results and output schemas they satisfy, the redacted result still validates against the
 * schema the proxy lists (the upstream's outputSchema passed through the redaction stage's list hook), and every text
 * block holding JSON still parses (and validates too). Schemas are derived from the value with random, tight
 * constraints (const, enum, formats, patterns, lengths, ranges, multipleOf, uniqueItems, oneOf, not, if/then/else,
 * patternProperties, propertyNames, additionalProperties: false, ...), values carry PII of every detector.
 */
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { DETECTORS } from '../../config/sections/redact';
import { createLogger } from '../../log';
import type { CatalogEntry, RequestContext } from '../../pipeline/context';
import { createRedactStage } from '.';

const silent = createLogger('test', { write: () => {} });

const PII_STRINGS = [
  'alice@example.com', 'mail bob@example.org now', '4111 1111 1111 1111', '078-05-1120', '+1 415-555-0132', 'GB82WEST12345698765432',
  '192.0.2.1', 'AKIAIOSFODNN7EXAMPLE', 'aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  'Bearer 2YotnFZFEjr1zCsicMWpAA', 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
];
const PII_NUMBERS = [4111111111111111, 5555555555554444, 378282246310005];
const PLAIN_KEYS = ['id', 'name', 'email', 'card', 'items', 'note'];

const leaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...PII_STRINGS),
  fc.constantFrom(...PII_NUMBERS),
  fc.string({ maxLength: 8 }),
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e3, max: 1e3 }),
  fc.boolean(),
  fc.constant(null),
);
const key = fc.oneof(fc.constantFrom(...PLAIN_KEYS), fc.constantFrom('carol@example.com', 'dave@example.net'));
const { value: jsonValue } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(key, tie('value'), { maxKeys: 4, noNullPrototype: true })),
}));
const root = fc.dictionary(key, jsonValue, { minKeys: 1, maxKeys: 5, noNullPrototype: true });

type Schema = Record<string, unknown>;
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A schema `value` satisfies, shaped by the choices in `pick` (consumed in order, cycling). */
function derive(value: unknown, pick: () => number): Schema {
  const c = pick();
  let s: Schema;
  if (value === null) s = { type: 'null' };
  else if (typeof value === 'boolean') s = { type: 'boolean' };
  else if (typeof value === 'string') {
    const options: Schema[] = [
      { type: 'string' },
      { type: 'string', const: value },
      { enum: [value, 'other'] },
      { type: 'string', minLength: value.length, maxLength: value.length },
      { type: 'string', pattern: `^${esc(value)}$` },
      { type: 'string', format: /^[^\s@]+@[^\s@]+$/.test(value) ? 'email' : /^\d+\.\d+\.\d+\.\d+$/.test(value) ? 'ipv4' : 'regex' },
    ];
    s = options[c % options.length];
  } else if (typeof value === 'number') {
    const int = Number.isInteger(value);
    const options: Schema[] = [
      { type: int ? 'integer' : 'number' },
      { type: 'number', minimum: value, maximum: value },
      { const: value },
      { type: 'number', exclusiveMinimum: value - 1 },
      int && value !== 0 ? { type: 'integer', multipleOf: Math.abs(value) } : { type: 'number' },
    ];
    s = options[c % options.length];
  } else if (Array.isArray(value)) {
    const distinct = new Set(value.map((v) => JSON.stringify(v))).size === value.length;
    s = { type: 'array', minItems: value.length, maxItems: value.length };
    if (value.length > 0) s.prefixItems = value.map((v) => derive(v, pick));
    if (c % 3 === 0 && distinct) s.uniqueItems = true;
    if (c % 3 === 1 && value.length > 0) Object.assign(s, { contains: { const: value[0] }, maxContains: value.filter((v) => JSON.stringify(v) === JSON.stringify(value[0])).length });
  } else {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    const mode = c % 4;
    if (mode === 3 && keys.length > 0) {
      // Undeclared keys, constrained by patternProperties and propertyNames.
      const patternProperties = Object.fromEntries(keys.map((k) => [`^${esc(k)}$`, derive(obj[k], pick)]));
      s = { type: 'object', patternProperties, additionalProperties: false, propertyNames: { enum: keys } };
    } else {
      s = { type: 'object', properties: Object.fromEntries(keys.map((k) => [k, derive(obj[k], pick)])), required: keys };
      if (mode === 1) s.additionalProperties = false;
      if (mode === 2) s.unevaluatedProperties = false;
    }
  }
  // Combinators around the leaf schema, now and then.
  switch (pick() % 6) {
    case 0:
      return { oneOf: [s, { type: 'string', const: '\u0000never' }] };
    case 1:
      return { allOf: [s], not: { const: '\u0000never' } };
    case 2:
      return { if: { type: 'string' }, then: s, else: s };
    default:
      return s;
  }
}

function makeAjv(): Ajv2020 {
  const ajv = new Ajv2020({ strict: false, allErrors: false, addUsedSchema: false });
  addFormats(ajv as unknown as Parameters<typeof addFormats>[0]);
  return ajv;
}
const ajv = makeAjv();

function ctx(target: CatalogEntry): RequestContext {
  return { requestId: 'r', method: 'tools/call', headers: {}, startedAt: 0, actions: [], timings: { policyMs: 0, upstreamMs: 0 }, target };
}

describe.each([['label'], ['mask']] as const)('redacted results validate against the listed outputSchema (%s)', (replacement) => {
  const stage = createRedactStage({ enabled: true, detectors: [...DETECTORS], custom: [], replacement }, silent);

  it('for random results and the schemas they satisfy', async () => {
    await fc.assert(
      fc.asyncProperty(root, fc.array(fc.nat(), { minLength: 1, maxLength: 40 }), fc.constantFrom(0, 2), async (structured, choices, indent) => {
        let i = 0;
        const pick = () => choices[i++ % choices.length];
        const outputSchema = derive(structured, pick);
        fc.pre(ajv.validate(outputSchema, structured) === true);
        const entry: CatalogEntry = { kind: 'tool', upstream: 'u', name: 't', exposedName: 't', definition: { name: 't', inputSchema: { type: 'object' }, outputSchema } };
        const [listed] = await stage.filterList!(ctx(entry), [entry]);
        const listedSchema = listed.definition.outputSchema as Schema;
        const text = JSON.stringify(structured, null, indent);
        const result = await stage.onResult!(ctx(entry), { content: [{ type: 'text', text }, { type: 'text', text: 'plain alice@example.com' }], structuredContent: structured });
        const validate = ajv.compile(listedSchema);
        if (!validate(result.structuredContent)) throw new Error(`invalid: ${JSON.stringify(validate.errors)}\nschema ${JSON.stringify(listedSchema)}\nvalue ${JSON.stringify(result.structuredContent)}`);
        const blocks = result.content as { text: string }[];
        const parsed = JSON.parse(blocks[0].text);
        expect(validate(parsed)).toBe(true);
        expect(blocks[1].text).not.toContain('alice@example.com');
        // Nothing of the PII survives in what the caller gets.
        const out = JSON.stringify(result);
        for (const p of ['alice@example.com', 'bob@example.org', '4111111111111111', '078-05-1120', 'AKIAIOSFODNN7EXAMPLE', '2YotnFZFEjr1zCsicMWpAA']) expect(out).not.toContain(p);
      }),
      { numRuns: 100, seed: 15 },
    );
  });
});
