/**
 * The modern Streamable HTTP request headers that mirror body fields (transports/streamable-http, "Request Metadata"):
 * `Mcp-Method`, `Mcp-Name` (tools/call, resources/read, prompts/get) and `Mcp-Param-{Name}` for the tool parameters
 * a tool's inputSchema annotates with `x-mcp-header`. Values that are not plain visible ASCII (or look like the
 * sentinel) travel as `=?base64?{UTF-8 as Base64}?=`. A tool whose annotations break the rules is invalid: the client
 * must leave it out of its tool list.
 */

/** One mirrored parameter: the header name part and the chain of `properties` keys leading to the value. */
export interface ParamHeader {
  readonly name: string;
  readonly path: readonly string[];
}

const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const PLAIN = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;
const SENTINEL = /^=\?base64\?.*\?=$/s;
const PRIMITIVE = new Set(['string', 'integer', 'boolean']);

/** Encodes a header value by the Value Encoding rules. */
export function encodeHeaderValue(value: string): string {
  if (value === '' || (PLAIN.test(value) && !SENTINEL.test(value))) return value;
  return `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

type Schema = Record<string, unknown>;
const isObj = (v: unknown): v is Schema => v !== null && typeof v === 'object' && !Array.isArray(v);

function primitiveType(node: Schema): boolean {
  const t = node.type;
  if (typeof t === 'string') return PRIMITIVE.has(t);
  if (Array.isArray(t)) {
    const nonNull = t.filter((x) => x !== 'null');
    return nonNull.length > 0 && nonNull.every((x) => typeof x === 'string' && PRIMITIVE.has(x));
  }
  return false;
}

/**
 * The mirrored parameters of a tool, or why its annotations make it invalid. `x-mcp-header` is valid only on a
 * primitive (string, integer, boolean) property statically reachable from the root through `properties` keys alone,
 * with a non-empty token value unique (case-insensitively) in the schema.
 */
export function paramHeadersOf(inputSchema: unknown): { headers: ParamHeader[] } | { invalid: string } {
  const headers: ParamHeader[] = [];
  const seen = new Set<string>();
  let invalid: string | undefined;
  const walk = (node: unknown, path: string[], reachable: boolean, depth: number): void => {
    if (invalid || depth > 64) return;
    if (Array.isArray(node)) {
      for (const item of node) walk(item, path, false, depth + 1);
      return;
    }
    if (!isObj(node)) return;
    if ('x-mcp-header' in node) {
      const name = node['x-mcp-header'];
      const where = path.length > 0 ? path.join('.') : '(root)';
      if (!reachable || path.length === 0) invalid = `x-mcp-header on ${where} is not reachable through properties alone`;
      else if (typeof name !== 'string' || !TCHAR.test(name)) invalid = `x-mcp-header on ${where} is not a header token`;
      else if (!primitiveType(node)) invalid = `x-mcp-header on ${where} annotates a parameter that is not a string, integer or boolean`;
      else if (seen.has(name.toLowerCase())) invalid = `x-mcp-header "${name}" is used twice`;
      else {
        seen.add(name.toLowerCase());
        headers.push({ name, path });
      }
      if (invalid) return;
    }
    for (const [key, child] of Object.entries(node)) {
      if (key === 'properties' && isObj(child)) {
        for (const [prop, sub] of Object.entries(child)) walk(sub, [...path, prop], reachable, depth + 1);
      } else if (key !== 'x-mcp-header') walk(child, path, false, depth + 1);
    }
  };
  walk(inputSchema, [], true, 0);
  return invalid ? { invalid } : { headers };
}

/** The `Mcp-Param-*` headers for one call's arguments (a parameter with no value, or null, gets no header). */
export function paramHeaderValues(spec: readonly ParamHeader[], args: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { name, path } of spec) {
    let v: unknown = args;
    for (const key of path) v = isObj(v) ? v[key] : undefined;
    let text: string | undefined;
    if (typeof v === 'string') text = v;
    else if (typeof v === 'boolean') text = v ? 'true' : 'false';
    else if (typeof v === 'number' && Number.isSafeInteger(v)) text = String(v);
    if (text !== undefined) out[`mcp-param-${name.toLowerCase()}`] = encodeHeaderValue(text);
  }
  return out;
}

/** The standard headers of a modern request: Mcp-Method, and Mcp-Name where the method names a target. */
export function standardHeaders(method: string, params: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = { 'mcp-method': method };
  const source = method === 'resources/read' ? params?.uri : method === 'tools/call' || method === 'prompts/get' ? params?.name : undefined;
  if (typeof source === 'string') out['mcp-name'] = encodeHeaderValue(source);
  return out;
}
