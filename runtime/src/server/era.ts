/**
 * The request classifier: which protocol era a POST speaks, decided from its envelope before anything else looks at it
 * (basic/versioning, "A dual-era server selects its behavior from how the client opens"):
 *   - a body whose `params._meta` carries `io.modelcontextprotocol/protocolVersion` (the modern claim), or an
 *     `MCP-Protocol-Version` header naming a modern revision, is served statelessly by the 2026-07-28 rules (a modern
 *     header without the envelope is then refused with -32602, as the modern leg requires);
 *   - everything else (initialize, the health check's bare `ping`, 2025-era traffic with or without the header, and
 *     answers to relayed server requests) is served by the legacy leg exactly as before.
 * A claim-less `server/discover` is legacy too (an unknown method there): negotiating clients always send the claim.
 */
import { META, MODERN_PROTOCOL_VERSIONS } from '../protocol';

export type Era = 'legacy' | 'modern';

/** The modern claim in a parsed JSON-RPC body (`params._meta["io.modelcontextprotocol/protocolVersion"]`), if any. */
export function modernClaim(doc: unknown): unknown {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return undefined;
  const params = (doc as { params?: unknown }).params;
  if (params === null || typeof params !== 'object' || Array.isArray(params)) return undefined;
  const meta = (params as { _meta?: unknown })._meta;
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) return undefined;
  return (meta as Record<string, unknown>)[META.protocolVersion];
}

export function classifyEra(doc: unknown, headers: Readonly<Record<string, string | undefined>>): Era {
  if (modernClaim(doc) !== undefined) return 'modern';
  const header = headers['mcp-protocol-version'];
  if (header !== undefined && MODERN_PROTOCOL_VERSIONS.includes(header.trim())) return 'modern';
  return 'legacy';
}
