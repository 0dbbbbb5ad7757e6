/** JSON-RPC 2.0 message shapes, validation of inbound messages, and error responses. */
import { ErrorCode } from '../pipeline/errors';

export type JsonRpcId = string | number;

export interface JsonRpcRequest {
  readonly jsonrpc: '2.0';
  readonly id: JsonRpcId;
  readonly method: string;
  readonly params?: Record<string, unknown>;
}

export interface JsonRpcNotification {
  readonly jsonrpc: '2.0';
  readonly method: string;
  readonly params?: Record<string, unknown>;
}

export interface JsonRpcResponse {
  readonly id: JsonRpcId;
  readonly result?: Record<string, unknown>;
  readonly error?: { code: number; message: string; data?: unknown };
}

export type InboundMessage =
  | { readonly type: 'request'; readonly message: JsonRpcRequest }
  | { readonly type: 'notification'; readonly message: JsonRpcNotification }
  /** A response from the caller to a server->client request the proxy relayed (sampling, elicitation). */
  | { readonly type: 'response'; readonly message: JsonRpcResponse }
  | { readonly type: 'invalid'; readonly id: JsonRpcId | null; readonly reason: string };

function isId(v: unknown): v is JsonRpcId {
  return typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
}

/** Classifies one parsed JSON value as a JSON-RPC message (batches are not part of MCP since 2025-06-18). */
export function classify(doc: unknown): InboundMessage {
  if (Array.isArray(doc)) return { type: 'invalid', id: null, reason: 'JSON-RPC batches are not supported' };
  if (doc === null || typeof doc !== 'object') return { type: 'invalid', id: null, reason: 'not a JSON-RPC object' };
  const m = doc as Record<string, unknown>;
  const id = isId(m.id) ? m.id : null;
  if (m.jsonrpc !== '2.0') return { type: 'invalid', id, reason: 'jsonrpc must be "2.0"' };
  if (m.params !== undefined && (m.params === null || typeof m.params !== 'object' || Array.isArray(m.params))) {
    return { type: 'invalid', id, reason: 'params must be an object' };
  }
  if (typeof m.method === 'string') {
    if (m.method === '') return { type: 'invalid', id, reason: 'method must not be empty' };
    if (!('id' in m)) return { type: 'notification', message: m as unknown as JsonRpcNotification };
    if (!isId(m.id)) return { type: 'invalid', id: null, reason: 'id must be a string or a number' };
    return { type: 'request', message: m as unknown as JsonRpcRequest };
  }
  if ('method' in m) return { type: 'invalid', id, reason: 'method must be a string' };
  if (id !== null && ('result' in m || 'error' in m)) return { type: 'response', message: m as unknown as JsonRpcResponse };
  return { type: 'invalid', id, reason: 'not a request, notification or response' };
}

export function errorResponse(id: JsonRpcId | null, code: number, message: string, data?: unknown): string {
  const error = data === undefined ? { code, message } : { code, message, data };
  return JSON.stringify({ jsonrpc: '2.0', id, error });
}

export function resultResponse(id: JsonRpcId, result: unknown): string {
  return JSON.stringify({ jsonrpc: '2.0', id, result });
}

export const ParseErrorBody = errorResponse(null, ErrorCode.ParseError, 'Parse error: invalid JSON');
