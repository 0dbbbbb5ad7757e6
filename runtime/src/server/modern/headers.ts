/**
 * The request metadata headers of the 2026-07-28 Streamable HTTP binding (basic/transports/streamable-http, "Request
 * Metadata"): `Mcp-Method`, `Mcp-Name`, and `Mcp-Param-{Name}` for tool parameters annotated `x-mcp-header`, their
 * `=?base64?...?=` value encoding, and the server's duty to check them against the body (-32020 on any difference).
 */
import { headerMismatch } from './errors';

const SENTINEL = /^=\?base64\?([A-Za-z0-9+/]*={0,2})\?=$/;
/** Visible ASCII, space and tab (RFC 9110 field values). */
const PLAIN = /^[\x20-\x7e\t]*$/;

/** Decodes one header value (plain, or Base64 sentinel); undefined when it is malformed. */
export function decodeHeaderValue(value: string): string | undefined {
  if (value.startsWith('=?base64?') && value.endsWith('?=')) {
    const m = SENTINEL.exec(value);
    if (!m || m[1].length % 4 !== 0) return undefined;
    const bytes = Buffer.from(m[1], 'base64');
    const text = bytes.toString('utf8');
    // Invalid UTF-8 does not survive the round trip.
    return Buffer.from(text, 'utf8').equals(bytes) ? text : undefined;
  }
  return PLAIN.test(value) ? value : undefined;
}

/** The methods whose target travels in `Mcp-Name`, and where the body holds it. */
const NAME_SOURCE: Record<string, 'name' | 'uri'> = { 'tools/call': 'name', 'prompts/get': 'name', 'resources/read': 'uri' };

/** Checks `Mcp-Method` and, where required, `Mcp-Name` against the body. Throws -32020. */
export function checkStandardHeaders(method: string, params: Record<string, unknown>, headers: Readonly<Record<string, string | undefined>>): void {
  const hMethod = headers['mcp-method'];
  if (hMethod === undefined) throw headerMismatch('the Mcp-Method header is required');
  if (hMethod !== method) throw headerMismatch('the Mcp-Method header does not match the body method');
  const source = NAME_SOURCE[method];
  if (!source) return;
  const hName = headers['mcp-name'];
  if (hName === undefined) throw headerMismatch(`the Mcp-Name header is required for ${method}`);
  const decoded = decodeHeaderValue(hName);
  if (decoded === undefined) throw headerMismatch('the Mcp-Name header value is malformed');
  // A missing or malformed body value is the body's fault: the dispatcher answers -32602 for it.
  const body = params[source];
  if (typeof body === 'string' && decoded !== body) throw headerMismatch(`the Mcp-Name header does not match params.${source}`);
}

/** One tool parameter mirrored into a header: its property path and the header's name part. */
export interface MirroredParam {
  readonly path: readonly string[];
  readonly header: string;
}

/**
 * The `x-mcp-header` annotations of a tool's inputSchema, reachable from the root through `properties` only (the
 * binding's "statically reachable" rule; annotations elsewhere are not honoured here: the upstream layer drops tools
 * whose annotations are invalid).
 */
export function mirroredParams(inputSchema: Record<string, unknown> | undefined): MirroredParam[] {
  const out: MirroredParam[] = [];
  const walk = (schema: unknown, path: string[], depth: number) => {
    if (depth > 32 || schema === null || typeof schema !== 'object') return;
    const props = (schema as { properties?: unknown }).properties;
    if (props === null || typeof props !== 'object' || Array.isArray(props)) return;
    for (const [key, sub] of Object.entries(props as Record<string, unknown>)) {
      if (sub === null || typeof sub !== 'object') continue;
      const name = (sub as Record<string, unknown>)['x-mcp-header'];
      if (typeof name === 'string' && name !== '') out.push({ path: [...path, key], header: name });
      walk(sub, [...path, key], depth + 1);
    }
  };
  walk(inputSchema, [], 0);
  return out;
}

/**
 * mirroredParams per inputSchema object, computed on a tool's first call rather than walked on every call. A catalog
 * entry's inputSchema is replaced (a new object), never changed in place, when discovery refreshes the tool.
 */
const MIRRORED = new WeakMap<object, readonly MirroredParam[]>();

function mirroredParamsOf(inputSchema: Record<string, unknown> | undefined): readonly MirroredParam[] {
  if (inputSchema === undefined) return [];
  let found = MIRRORED.get(inputSchema);
  if (found === undefined) {
    found = mirroredParams(inputSchema);
    MIRRORED.set(inputSchema, found);
  }
  return found;
}

function valueAt(args: Record<string, unknown> | undefined, path: readonly string[]): unknown {
  let v: unknown = args;
  for (const key of path) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/**
 * Checks the `Mcp-Param-{Name}` headers of a tools/call against its arguments: a value present in the body needs its
 * header, equal after decoding (integers compared as numbers, booleans as `true`/`false`). Throws -32020.
 */
export function checkParamHeaders(
  inputSchema: Record<string, unknown> | undefined,
  args: Record<string, unknown> | undefined,
  headers: Readonly<Record<string, string | undefined>>,
): void {
  for (const p of mirroredParamsOf(inputSchema)) {
    const value = valueAt(args, p.path);
    if (value === undefined || value === null) continue;
    const raw = headers[`mcp-param-${p.header.toLowerCase()}`];
    if (raw === undefined) throw headerMismatch(`the Mcp-Param-${p.header} header is required: the argument is present in the body`);
    const decoded = decodeHeaderValue(raw);
    if (decoded === undefined) throw headerMismatch(`the Mcp-Param-${p.header} header value is malformed`);
    let same: boolean;
    if (typeof value === 'string') same = decoded === value;
    else if (typeof value === 'number') same = decoded.trim() !== '' && Number(decoded) === value;
    else if (typeof value === 'boolean') same = decoded === String(value);
    else continue; // not a primitive: the annotation is invalid, and the upstream layer does not list such tools
    if (!same) throw headerMismatch(`the Mcp-Param-${p.header} header does not match the argument`);
  }
}
