/**
 * The modern leg: 2026-07-28 requests, served statelessly (basic/index, basic/versioning,
 * basic/transports/streamable-http). Each request stands alone: its envelope (envelope.ts) and routing headers
 * (headers.ts) are checked first, each fault with the binding's own HTTP status and code; then it is dispatched:
 *   server/discover                        the proxy's versions, capabilities, instructions and identity (no caller)
 *   tools|resources|resources/templates|prompts/list, tools/call, resources/read, prompts/get, completion/complete
 *                                          the same governed operations as the legacy leg (McpHandler), same pipeline
 *   subscriptions/listen                   a long-lived stream of list changes (listen.ts)
 *   anything else (initialize, ping, logging/setLevel, resources/subscribe...)   404 / -32601
 * Every result carries `resultType` and the proxy's serverInfo; discover, lists and reads carry caching hints
 * (results.ts). Progress and (when asked for with a log level) log messages travel on the request's own SSE
 * response; closing that response cancels the request. Notifications POSTed by a modern caller are accepted and
 * ignored (the revision defines none over HTTP); a JSON-RPC response is refused.
 */
import type { Logger } from '../log';
import type { JsonResult } from '../pipeline/context';
import { ErrorCode, GovernanceError } from '../pipeline/errors';
import { ALL_PROTOCOL_VERSIONS } from '../protocol';
import type { CallerProtocol } from '../upstream/client';
import { classify, errorResponse, resultResponse, type JsonRpcRequest } from './jsonrpc';
import { errorBody, type Exchange, type RequestRunner, type ServerLeg } from './leg';
import type { McpHandler } from './mcp-handler';
import { readEnvelope, type ModernEnvelope } from './modern/envelope';
import { EnvelopeError, statusOf } from './modern/errors';
import { checkParamHeaders, checkStandardHeaders } from './modern/headers';
import { ListenStreams, readFilter } from './modern/listen';
import { modernResult, PRIVATE_NOW } from './modern/results';
import { sendJson } from './response';

/** The methods a modern caller may call, and whether the answer is cacheable per caller. */
const GOVERNED = new Set(['tools/list', 'resources/list', 'resources/templates/list', 'prompts/list', 'tools/call', 'resources/read', 'prompts/get', 'completion/complete']);
const CACHEABLE = new Set(['tools/list', 'resources/list', 'resources/templates/list', 'prompts/list', 'resources/read']);

export interface ModernLegOptions {
  readonly handler: McpHandler;
  readonly log: Logger;
  /** Undefined once the initial discovery has run; until then the promise that settles when it has. */
  readonly pending: () => Promise<void> | undefined;
  /** SSE comment keep-alive on subscription streams, in ms (0: none). Default 15 s. */
  readonly keepAliveMs?: number;
}

export class ModernLeg implements ServerLeg {
  private readonly streams: ListenStreams;

  constructor(private readonly opts: ModernLegOptions) {
    this.streams = new ListenStreams(opts.handler.upstreams, opts.keepAliveMs ?? 15_000);
  }

  close(): void {
    this.streams.closeAll();
  }

  async serve(x: Exchange, run: RequestRunner): Promise<void> {
    const msg = classify(x.doc);
    if (msg.type === 'invalid') {
      sendJson(x.res, 400, errorResponse(msg.id, ErrorCode.InvalidRequest, `Invalid Request: ${msg.reason}`));
      return;
    }
    if (msg.type === 'notification') {
      x.res.writeHead(202).end();
      return;
    }
    if (msg.type === 'response') {
      sendJson(x.res, 400, errorResponse(msg.message.id, ErrorCode.InvalidRequest, 'Invalid Request: clients send no JSON-RPC responses in this protocol revision'));
      return;
    }
    const message = msg.message;
    const params = message.params ?? {};
    let envelope: ModernEnvelope;
    try {
      envelope = readEnvelope(message.params, x.headers);
      checkStandardHeaders(message.method, params, x.headers);
      if (message.method !== 'server/discover' && message.method !== 'subscriptions/listen' && !GOVERNED.has(message.method)) {
        const shown = message.method.length > 100 ? `${message.method.slice(0, 100)}...` : message.method;
        throw new EnvelopeError(404, ErrorCode.MethodNotFound, `Method not found: ${shown}`);
      }
    } catch (err) {
      sendJson(x.res, statusOf(err), errorBody(message.id, err, this.opts.log));
      return;
    }
    const caller: CallerProtocol = {
      era: 'modern',
      protocolVersion: envelope.protocolVersion,
      clientCapabilities: envelope.clientCapabilities,
      capabilitiesKnown: true,
      ...(envelope.logLevel === undefined ? {} : { logLevel: envelope.logLevel }),
    };
    if (message.method === 'server/discover') {
      sendJson(x.res, 200, resultResponse(message.id, this.discover()));
      return;
    }
    const pending = this.opts.pending();
    if (pending) await pending;
    if (message.method === 'subscriptions/listen') {
      await this.listen(x, message, caller);
      return;
    }
    await run(message.id, x, async ({ signal, cancel, channel }) => {
      try {
        const result = (await this.opts.handler.handle({
          message,
          headers: x.headers,
          signal,
          cancel,
          channel,
          caller,
          verifyCall: message.method === 'tools/call' ? (target, args) => checkParamHeaders(target.inputSchema, args, x.headers) : undefined,
        })) as JsonResult;
        channel.finish(resultResponse(message.id, modernResult(result, this.opts.handler.serverInfo, CACHEABLE.has(message.method) ? PRIVATE_NOW : undefined)));
      } catch (err) {
        if (!channel.closed) channel.finish(errorBody(message.id, modernError(err), this.opts.log), false, statusOf(err));
      }
    });
  }

  /** server/discover: depends on no caller, so it needs no identity and may be cached by anyone. */
  private discover(): JsonResult {
    const h = this.opts.handler;
    const result: JsonResult = { supportedVersions: [...ALL_PROTOCOL_VERSIONS], capabilities: h.capabilities('modern') };
    if (h.instructions) result.instructions = h.instructions;
    return modernResult(result, h.serverInfo, { ttlMs: 0, cacheScope: 'public' });
  }

  private async listen(x: Exchange, message: JsonRpcRequest, caller: CallerProtocol): Promise<void> {
    let allowed: string[];
    let filter;
    try {
      filter = readFilter(message.params ?? {});
      allowed = await this.opts.handler.authorizeListen({ message, headers: x.headers, caller }, filter.resourceSubscriptions);
    } catch (err) {
      sendJson(x.res, statusOf(err), errorBody(message.id, err, this.opts.log));
      return;
    }
    this.streams.serve(x.res, message.id, { ...filter, resourceSubscriptions: allowed });
  }
}

/**
 * Codes a modern caller must not see: resource not found is -32602 in this revision (basic/index, "Error Codes"), where
 * a legacy upstream may still answer -32002.
 */
function modernError(err: unknown): unknown {
  if (err instanceof GovernanceError && (err.code as number) === -32002) {
    return new GovernanceError(ErrorCode.InvalidParams, err.message, err.errorClass, err.data);
  }
  return err;
}
