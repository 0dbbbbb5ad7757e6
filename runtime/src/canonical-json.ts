/** Canonical JSON (RFC 8785 / JCS for JSON values): shared by the audit hash chain and the configuration digest. */

/**
 * Canonical JSON: object members sorted by UTF-16 code units, no whitespace, numbers and strings serialized as
 * ECMAScript's JSON.stringify does (which is what RFC 8785 prescribes). Members whose value is `undefined` are
 * omitted, exactly as JSON.stringify omits them, so a record hashes the same before and after a JSON round trip.
 * Throws on values JSON cannot represent (non-finite numbers, bigint, functions, cycles).
 */
export function canonicalJson(value: unknown): string {
  return write(value, 0);
}

/** Nesting deeper than this is treated as a cycle (records are shallow; arguments rarely exceed a few levels). */
const MAX_DEPTH = 512;

/** Characters JSON.stringify escapes (plus lone surrogates): strings without them are quoted as they are. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

function quote(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

function write(v: unknown, depth: number): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return quote(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(v)) throw new TypeError('non-finite number is not JSON');
      return JSON.stringify(v);
    case 'object':
      break;
    default:
      throw new TypeError(`${typeof v} is not JSON`);
  }
  if (depth > MAX_DEPTH) throw new TypeError('cyclic or too deeply nested value is not JSON');
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) {
      if (i > 0) out += ',';
      const x: unknown = v[i];
      out += x === undefined || typeof x === 'function' ? 'null' : write(x, depth + 1);
    }
    return out + ']';
  }
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return write((v as { toJSON(): unknown }).toJSON(), depth + 1);
  const obj = v as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const x = obj[k];
    if (x === undefined || typeof x === 'function') continue;
    out += `${first ? '' : ','}${quote(k)}:${write(x, depth + 1)}`;
    first = false;
  }
  return out + '}';
}
