/**
 * What every modern result carries (basic/index "ResultType", server/utilities/caching): `resultType` ("complete"
 * unless the upstream said otherwise, e.g. an MRTR "input_required", which passes through untouched), the proxy's own
 * identity in `_meta["io.modelcontextprotocol/serverInfo"]`, and caching hints on discover, lists and reads.
 *
 * Cache scope: lists are filtered per caller by access control, and reads pass per-caller output stages (redaction,
 * detokenization for callers allowed it), so both are `private`; only `server/discover`, which depends on no caller,
 * is `public`. TTL 0 everywhere (immediately stale): the catalog changes on refresh, policies may depend on the
 * request, and a read may be detokenized for one caller only; subscriptions/listen announces list changes.
 */
import type { JsonResult } from '../../pipeline/context';
import { META } from '../../protocol';

export type CacheHint = { readonly ttlMs: number; readonly cacheScope: 'public' | 'private' };

export const PRIVATE_NOW: CacheHint = { ttlMs: 0, cacheScope: 'private' };

/** `resultType` and the proxy's serverInfo; an `input_required` (or other non-complete) result keeps its own type. */
export function modernResult(result: JsonResult, serverInfo: { name: string; version: string }, cache?: CacheHint): JsonResult {
  const resultType = typeof result.resultType === 'string' ? result.resultType : 'complete';
  const meta = result._meta !== null && typeof result._meta === 'object' && !Array.isArray(result._meta) ? (result._meta as Record<string, unknown>) : {};
  const out: JsonResult = { ...result, resultType, _meta: { ...meta, [META.serverInfo]: serverInfo } };
  if (resultType !== 'complete') {
    // Interim results carry no caching hints (caching: "Cacheable Results").
    delete out.ttlMs;
    delete out.cacheScope;
    return out;
  }
  if (cache) {
    out.ttlMs = cache.ttlMs;
    out.cacheScope = cache.cacheScope;
  }
  return out;
}
