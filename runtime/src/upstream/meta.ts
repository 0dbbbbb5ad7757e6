/**
 * Which keys of a caller's request `_meta` the proxy forwards to the upstream (the allowlist applied where the upstream
 * request is built; the inbound `_meta` itself is left as it is for the server layer, which reads its own keys from it).
 *
 * `_meta` is free-form: anything a caller puts there would otherwise reach the upstream past access control's argument
 * conditions, sanitization and tokenization. Forwarded (and then sanitized and tokenized like arguments, see
 * RequestContext.meta):
 *   - keys under the MCP-reserved prefix `io.modelcontextprotocol/` (their meaning is the specification's), except
 *     those that describe the caller's own connection to the proxy (protocol version, client capabilities and info, log
 *     level): the proxy's upstream client speaks for its own connection.
 * Not forwarded: `progressToken` (the proxy sends the upstream a token of its own and relays progress to the caller
 * under the caller's token), and every other key.
 */
const RESERVED_PREFIX = 'io.modelcontextprotocol/';
/** Reserved keys describing the caller's link to the proxy, never the proxy's link to an upstream. */
const CONNECTION_KEYS = new Set(['protocolVersion', 'clientCapabilities', 'clientInfo', 'logLevel'].map((k) => RESERVED_PREFIX + k));

export function isForwardedMetaKey(key: string): boolean {
  return key.startsWith(RESERVED_PREFIX) && key.length > RESERVED_PREFIX.length && !CONNECTION_KEYS.has(key);
}

/** The part of a request's `_meta` forwarded to the upstream, or undefined when nothing is. */
export function forwardedMeta(meta: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!meta) return undefined;
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(meta)) {
    if (!isForwardedMetaKey(k) || v === undefined) continue;
    out ??= {};
    out[k] = v;
  }
  return out;
}
