/**
 * The legacy leg: initialize-era (2025) traffic, served exactly as before the modern leg existed. Stateless: the
 * `initialize` answer creates no session; every later request is handled on its own, with whatever MCP-Protocol-Version
 * header it carries (none at all means 2025-03-26, as the Streamable HTTP transport allows). This includes the
 * unauthenticated JSON-RPC `ping` the AgentCore health check POSTs, and callers' answers to relayed server requests.
 */
import type { Logger } from '../log';
import { ErrorCode } from '../pipeline/errors';
import { SUPPORTED_PROTOCOL_VERSIONS } from '../protocol';
import type { CallerProtocol } from '../upstream/client';
import { classify, errorResponse, resultResponse } from './jsonrpc';
import { errorBody, type Exchange, type RequestRunner, type ServerLeg } from './leg';
import type { McpHandler } from './mcp-handler';
import { sendJson } from './response';

/** The revision a request without MCP-Protocol-Version is taken to speak (streamable-http, "Protocol Version Header"). */
const HEADERLESS_VERSION = '2025-03-26';

/** Methods answered before the initial discovery has run (they do not need the catalog). */
const NO_CATALOG = new Set(['initialize', 'ping']);

export interface LegacyLegOptions {
  readonly handler: McpHandler;
  readonly log: Logger;
  /** Undefined once the initial discovery has run; until then the promise that settles when it has. */
  readonly pending: () => Promise<void> | undefined;
}

export class LegacyLeg implements ServerLeg {
  constructor(private readonly opts: LegacyLegOptions) {}

  async serve(x: Exchange, run: RequestRunner): Promise<void> {
    const pv = x.headers['mcp-protocol-version'];
    if (pv !== undefined && !SUPPORTED_PROTOCOL_VERSIONS.includes(pv)) {
      sendJson(x.res, 400, errorResponse(null, ErrorCode.InvalidRequest, `Unsupported MCP-Protocol-Version: ${pv.slice(0, 40)}`));
      return;
    }
    const msg = classify(x.doc);
    if (msg.type === 'invalid') {
      sendJson(x.res, 400, errorResponse(msg.id, ErrorCode.InvalidRequest, `Invalid Request: ${msg.reason}`));
      return;
    }
    const { handler } = this.opts;
    if (msg.type === 'response') {
      handler.handleResponse(msg.message);
      x.res.writeHead(202).end();
      return;
    }
    if (msg.type === 'notification') {
      handler.handleNotification(msg.message, x.headers);
      x.res.writeHead(202).end();
      return;
    }
    const message = msg.message;
    // Stateless: the caller's initialize capabilities are not known on later requests, so none are declared for it.
    const caller: CallerProtocol = { era: 'legacy', protocolVersion: pv ?? HEADERLESS_VERSION, clientCapabilities: {} };
    await run(message.id, x, async ({ signal, cancel, channel }) => {
      try {
        const pending = NO_CATALOG.has(message.method) ? undefined : this.opts.pending();
        if (pending) await pending;
        const result = await handler.handle({ message, headers: x.headers, signal, cancel, channel, caller });
        channel.finish(resultResponse(message.id, result));
      } catch (err) {
        if (!channel.closed) channel.finish(errorBody(message.id, err, this.opts.log));
      }
    });
  }
}
