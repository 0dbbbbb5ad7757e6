/**
 * The few facts of the MCP wire protocol the proxy needs on both sides (caller-facing server and upstream client),
 * kept here instead of importing `@modelcontextprotocol/sdk/types.js`: that module builds several hundred zod schemas
 * when it loads, which the proxy never uses and every cold start would pay for. protocol.test.ts checks these against
 * the SDK the tests run with, so an SDK upgrade that adds a protocol version fails the build until it is mirrored here.
 */

/** The newest protocol revision; offered to upstreams and answered to callers that ask for an unknown one. */
export const LATEST_PROTOCOL_VERSION = '2025-11-25';

/** Every protocol revision the proxy speaks (newest first). */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly string[] = [LATEST_PROTOCOL_VERSION, '2025-06-18', '2025-03-26', '2024-11-05', '2024-10-07'];

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
