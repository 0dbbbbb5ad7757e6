/**
 * The one interface behind which each protocol era serves a POST (see era.ts for how a POST is assigned to one).
 * The HTTP front (http.ts) owns what both eras share: the endpoint, DNS-rebinding protection, media type, body size,
 * JSON parsing, in-flight tracking and shutdown. A leg owns everything after that: JSON-RPC shape, envelope, headers,
 * dispatch and the answer's HTTP status.
 */
import type { ServerResponse } from 'node:http';
import type { Logger } from '../log';
import { ErrorCode, GovernanceError } from '../pipeline/errors';
import { errorResponse, type JsonRpcId } from './jsonrpc';
import type { ResponseChannel } from './response';

/** One parsed POST. */
export interface Exchange {
  /** The parsed JSON body. */
  readonly doc: unknown;
  /** Lower-cased inbound HTTP headers. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly res: ServerResponse;
}

/** What a running request gets from the HTTP front. */
export interface RunningRequest {
  /** Fires when the caller goes away (connection closed), the caller cancels, or the server cuts the request off. */
  readonly signal: AbortSignal;
  /** Fires `signal` (how a legacy caller's notifications/cancelled cancels the request). */
  readonly cancel: () => void;
  readonly channel: ResponseChannel;
}

/** Runs one JSON-RPC request tracked in flight: shutdown answers it with an error carrying `id` and aborts it. */
export type RequestRunner = (id: JsonRpcId, x: Exchange, work: (r: RunningRequest) => Promise<void>) => Promise<void>;

export interface ServerLeg {
  serve(x: Exchange, run: RequestRunner): Promise<void>;
  /** Ends long-lived exchanges (subscription streams) when the server shuts down. */
  close?(): void;
}

/** The JSON-RPC error answer for anything a request threw (unknown errors become a generic -32603, logged). */
export function errorBody(id: JsonRpcId, err: unknown, log: Logger): string {
  if (err instanceof GovernanceError) return errorResponse(id, err.code, err.message, err.data);
  log.error('internal error', { error: err instanceof Error ? err.message.slice(0, 200) : 'unknown' });
  return errorResponse(id, ErrorCode.InternalError, 'Internal error');
}
