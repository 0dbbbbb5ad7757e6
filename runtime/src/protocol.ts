/**
 * The few facts of the MCP wire protocol the proxy needs on both sides (caller-facing server and upstream client),
 * kept here instead of importing `@modelcontextprotocol/sdk/types.js`: that module builds several hundred zod schemas
 * when it loads, which the proxy never uses and every cold start would pay for. protocol.test.ts checks these against
 * the SDK the tests run with, so an SDK upgrade that adds a protocol version fails the build until it is mirrored here.
 */

/** The newest protocol revision; offered to upstreams and answered to callers that ask for an unknown one. */
export const LATEST_PROTOCOL_VERSION = '2025-11-25';

/** Every initialize-era (legacy) protocol revision the proxy speaks (newest first). */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly string[] = [LATEST_PROTOCOL_VERSION, '2025-06-18', '2025-03-26', '2024-11-05', '2024-10-07'];

/** The newest stateless (modern) revision: every request carries its version and client capabilities in `_meta`. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';

/** Every modern protocol revision the proxy speaks (newest first). */
export const MODERN_PROTOCOL_VERSIONS: readonly string[] = [MODERN_PROTOCOL_VERSION];

/** Every revision of either era, newest first: `server/discover`'s supportedVersions and -32022's `supported`. */
export const ALL_PROTOCOL_VERSIONS: readonly string[] = [...MODERN_PROTOCOL_VERSIONS, ...SUPPORTED_PROTOCOL_VERSIONS];

/** The reserved `_meta` keys of the modern per-request envelope (basic/index, "_meta"). */
export const META = {
  protocolVersion: 'io.modelcontextprotocol/protocolVersion',
  clientCapabilities: 'io.modelcontextprotocol/clientCapabilities',
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  logLevel: 'io.modelcontextprotocol/logLevel',
  serverInfo: 'io.modelcontextprotocol/serverInfo',
  subscriptionId: 'io.modelcontextprotocol/subscriptionId',
} as const;

/** `_meta` keys reserved for MCP itself (second label `modelcontextprotocol` or `mcp`): never forwarded blindly. */
export function isReservedMetaKey(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash < 0) return false;
  const labels = key.slice(0, slash).split('.');
  return labels.length >= 2 && (labels[1] === 'modelcontextprotocol' || labels[1] === 'mcp');
}

/** Error codes the 2026-07-28 revision defines (HTTP 400 on Streamable HTTP). */
export const ModernErrorCode = {
  HeaderMismatch: -32020,
  MissingRequiredClientCapability: -32021,
  UnsupportedProtocolVersion: -32022,
} as const;

/** The syslog levels of MCP logging, least severe first. */
export const LOG_LEVELS: readonly string[] = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

export type RpcId = string | number;

/** A JSON-RPC 2.0 error answer, from an upstream or for one (its code, message and data pass through as they are). */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

/** A JSON-RPC message an upstream sent, sorted by kind (anything else is not MCP). */
export type UpstreamMessage =
  | { readonly kind: 'result'; readonly id: RpcId; readonly result: Record<string, unknown> }
  | { readonly kind: 'error'; readonly id: RpcId | null; readonly error: RpcError }
  | { readonly kind: 'request'; readonly id: RpcId; readonly method: string; readonly params?: Record<string, unknown> }
  | { readonly kind: 'notification'; readonly method: string; readonly params?: Record<string, unknown> };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is RpcId => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));

/** Classifies one parsed JSON value as a JSON-RPC 2.0 message; undefined when it is not one. */
export function classifyMessage(v: unknown): UpstreamMessage | undefined {
  if (!isObject(v) || v.jsonrpc !== '2.0') return undefined;
  const params = v.params;
  if (params !== undefined && !isObject(params)) return undefined;
  if (typeof v.method === 'string') {
    if (v.id === undefined) return { kind: 'notification', method: v.method, params };
    return isId(v.id) ? { kind: 'request', id: v.id, method: v.method, params } : undefined;
  }
  if ('result' in v) return isId(v.id) && isObject(v.result) ? { kind: 'result', id: v.id, result: v.result } : undefined;
  const e = v.error;
  if (isObject(e) && typeof e.code === 'number' && Number.isInteger(e.code) && typeof e.message === 'string' && (isId(v.id) || v.id === null)) {
    return { kind: 'error', id: v.id as RpcId | null, error: new RpcError(e.code, e.message, e.data) };
  }
  return undefined;
}
