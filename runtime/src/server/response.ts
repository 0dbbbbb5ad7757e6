/**
 * One JSON-RPC response on one HTTP response. Starts as plain JSON; switches to an SSE stream the first time a
 * notification must reach the caller before the result (progress, upstream log messages). Plain calls therefore pay
 * nothing for streaming, and streamed calls still end with the result as their last event.
 */
import type { ServerResponse } from 'node:http';

/** Answers with one JSON body (or just ends a response whose headers already went out). */
export function sendJson(res: ServerResponse, status: number, body: string, extra: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...extra });
  res.end(body);
}

export class ResponseChannel {
  private streaming = false;

  constructor(
    private readonly res: ServerResponse,
    /** Whether the caller's Accept header allows text/event-stream. */
    private readonly sseAllowed: boolean,
  ) {}

  /** True once the response is finished or the connection is gone. */
  get closed(): boolean {
    return this.res.writableEnded || this.res.destroyed;
  }

  /** Whether messages can still be streamed to the caller before the result. */
  get canStream(): boolean {
    return this.sseAllowed && !this.closed;
  }

  /** Sends a notification to the caller now (switching to SSE), or drops it if the caller cannot take a stream. */
  notify(notification: { method: string; params?: Record<string, unknown> }): void {
    this.write({ jsonrpc: '2.0', ...notification });
  }

  /** Sends a server->client request on the stream; returns false when the caller cannot take a stream. */
  request(id: string, method: string, params: Record<string, unknown> | undefined): boolean {
    if (!this.canStream) return false;
    this.write(params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params });
    return true;
  }

  private write(message: Record<string, unknown>): void {
    if (this.closed || !this.sseAllowed) return;
    if (!this.streaming) {
      this.streaming = true;
      this.res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      this.res.flushHeaders();
    }
    this.res.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
  }

  /**
   * Ends the exchange with the JSON-RPC response (`body` is its JSON text): the last event of the SSE stream if one was
   * started, else a JSON response. `close`: the server is about to close the connection (a call cut off at shutdown), so
   * a JSON response says `Connection: close` and the client does not reuse it; the end of a stream says enough.
   * `status`: the HTTP status of a JSON response (the modern leg answers some errors with 400 or 404); a stream already
   * started has answered 200.
   */
  finish(body: string, close = false, status = 200): void {
    if (this.closed) return;
    if (this.streaming) {
      this.res.end(`event: message\ndata: ${body}\n\n`);
      return;
    }
    const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    this.res.writeHead(status, close ? { ...headers, connection: 'close' } : headers);
    this.res.end(body);
  }
}
