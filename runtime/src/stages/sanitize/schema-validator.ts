/**
 * Validates tools/call arguments against the tool's inputSchema with Ajv (the validator the MCP SDK itself uses).
 * Each schema is compiled once and cached by object identity (the catalog's inputSchema object), so the hot path is
 * one compiled function call. Draft 2020-12 schemas (by `$schema`) use Ajv2020, others Ajv's default (draft-07).
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

export type ArgumentCheck = { ok: true } | { ok: false; message: string } | { ok: false; schemaError: string };

type Compiled = { validate: ValidateFunction } | { schemaError: string };

const COMPOSITION = ['$ref', 'allOf', 'anyOf', 'oneOf', 'if', 'not', 'patternProperties', 'additionalProperties', 'unevaluatedProperties', '$dynamicRef'];

function newAjv<T extends Ajv>(Ctor: new (opts: object) => T): T {
  // strict off: upstream schemas carry vendor keywords; addUsedSchema off: two tools may share an $id.
  const ajv = new Ctor({ strict: false, validateSchema: false, allErrors: false, addUsedSchema: false, logger: false, coerceTypes: false, useDefaults: false });
  addFormats(ajv as unknown as Parameters<typeof addFormats>[0]);
  return ajv;
}

/** `/a/0/b` -> `a[0].b`; root -> `(arguments)`. Names are clipped and stripped of control characters. */
export function formatPointer(pointer: string, extra?: string): string {
  const parts = pointer === '' ? [] : pointer.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) parts.push(extra);
  if (parts.length === 0) return '(arguments)';
  return parts
    .map((p, i) => {
      const clean = p.replace(/[\u0000-\u001F\u007F-\u009F]/g, '').slice(0, 64);
      return /^\d+$/.test(clean) ? `[${clean}]` : i === 0 ? clean : `.${clean}`;
    })
    .join('');
}

/** Names the argument path and the problem. Ajv messages carry schema facts (types, limits), never instance values. */
export function describeError(e: ErrorObject): string {
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'additionalProperties' || e.keyword === 'unevaluatedProperties') {
    const name = String(params.additionalProperty ?? params.unevaluatedProperty ?? '');
    return `${formatPointer(e.instancePath, name)}: unknown argument`;
  }
  if (e.keyword === 'required') return `${formatPointer(e.instancePath, String(params.missingProperty))}: is required`;
  return `${formatPointer(e.instancePath)}: ${e.message ?? `fails ${e.keyword}`}`;
}

export class ArgumentValidator {
  private readonly cache = new WeakMap<object, Compiled>();
  private ajv07?: Ajv;
  private ajv2020?: Ajv2020;

  constructor(private readonly rejectUnknown: boolean) {}

  check(inputSchema: Record<string, unknown>, args: Record<string, unknown>): ArgumentCheck {
    let compiled = this.cache.get(inputSchema);
    if (!compiled) {
      compiled = this.compile(inputSchema);
      this.cache.set(inputSchema, compiled);
    }
    if ('schemaError' in compiled) return { ok: false, schemaError: compiled.schemaError };
    if (compiled.validate(args)) return { ok: true };
    const err = compiled.validate.errors?.[0];
    return { ok: false, message: err ? describeError(err) : '(arguments): invalid' };
  }

  private compile(inputSchema: Record<string, unknown>): Compiled {
    const { $id: _id, ...rest } = inputSchema;
    const schema: Record<string, unknown> = rest;
    if (this.rejectUnknown && (schema.type === 'object' || schema.properties) && !COMPOSITION.some((k) => k in schema)) {
      schema.additionalProperties = false;
    }
    const draft2020 = typeof schema.$schema === 'string' && /2020-12|2019-09/.test(schema.$schema);
    // The other draft's instance is built only when the first refuses the schema (building one costs ~15-20 ms of the
    // first call after a cold start).
    const drafts: Array<() => Ajv> = [() => this.draft07(), () => (this.ajv2020 ??= newAjv(Ajv2020))];
    if (draft2020) drafts.reverse();
    let error = 'unreachable';
    for (const ajvOf of drafts) {
      const ajv = ajvOf();
      try {
        const validate = ajv.compile(schema);
        ajv.removeSchema(schema); // our WeakMap is the cache; keep Ajv's own from growing with catalog refreshes
        return { validate };
      } catch (e) {
        ajv.removeSchema(schema);
        error = (e as Error).message.slice(0, 200);
      }
    }
    return { schemaError: error };
  }

  private draft07(): Ajv {
    return (this.ajv07 ??= newAjv(Ajv));
  }
}
