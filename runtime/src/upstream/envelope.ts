/**
 * What each era puts around a request, built by the proxy itself for each upstream: the caller's reserved `_meta` keys
 * that describe its exchange with the proxy (protocol version, client info and capabilities, log level) are never
 * forwarded as they are; reserved keys on the forwarding allowlist (upstream/meta.ts, e.g. related-task) travel on. A modern upstream is told the protocol version, the proxy's client
 * info and exactly the client capabilities the caller declared; a legacy upstream gets none of these keys (its session
 * says them once, at initialize).
 */
import { isReservedMetaKey, META, MODERN_PROTOCOL_VERSION, ModernErrorCode } from '../protocol';
import type { CallerProtocol } from './client';
import { isForwardedMetaKey } from './meta';

export { MODERN_PROTOCOL_VERSION };

/** Modern JSON-RPC errors that identify a modern server (basic/versioning, transports/streamable-http). */
export function isModernErrorCode(code: number): boolean {
  return code === ModernErrorCode.HeaderMismatch || code === ModernErrorCode.MissingRequiredClientCapability || code === ModernErrorCode.UnsupportedProtocolVersion;
}

type Params = Record<string, unknown>;

/** The caller's `_meta` without the reserved keys (`io.modelcontextprotocol/*`...) that are not on the forwarding allowlist; undefined when nothing is left. */
function callerMeta(params: Params | undefined): Params | undefined {
  const meta = params?._meta;
  if (!meta || typeof meta !== 'object' || Array.isArray(meta)) return undefined;
  let out: Params | undefined;
  for (const [k, v] of Object.entries(meta as Params)) {
    if (isReservedMetaKey(k) && !isForwardedMetaKey(k)) continue;
    (out ??= {})[k] = v;
  }
  return out;
}

/** Params for a legacy upstream: the caller's reserved `_meta` keys removed. Untouched when there are none. */
export function legacyParams(params: Params | undefined): Params | undefined {
  if (!params || params._meta === undefined) return params;
  const { _meta: _drop, ...rest } = params;
  const meta = callerMeta(params);
  return meta ? { ...rest, _meta: meta } : rest;
}

/**
 * Params for a modern upstream: the caller's non-reserved `_meta` keys plus the envelope. The declared client
 * capabilities are the caller's own (none for discovery and refresh); a log level travels only from a modern caller
 * that asked for one (`caller.logLevel`).
 */
export function modernParams(params: Params | undefined, caller: CallerProtocol | undefined, clientInfo: { name: string; version: string }): Params {
  const meta: Params = { ...callerMeta(params) };
  meta[META.protocolVersion] = MODERN_PROTOCOL_VERSION;
  meta[META.clientInfo] = clientInfo;
  meta[META.clientCapabilities] = caller ? { ...caller.clientCapabilities } : {};
  if (caller?.era === 'modern' && caller.logLevel !== undefined) meta[META.logLevel] = caller.logLevel;
  return { ...params, _meta: meta };
}
