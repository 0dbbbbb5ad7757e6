/**
 * `subscriptions/listen` (basic/patterns/subscriptions): a long-lived SSE response that first acknowledges the filter
 * the proxy agreed to honour, then carries only the notification types the caller asked for, each tagged with the
 * subscription id (the request's JSON-RPC id). List changes come from the upstream layer's catalog change feed (after
 * a discovery that changed a list). Resource update notifications are not offered (the upstream layer does not watch
 * resources), so `resourceSubscriptions` is left out of the acknowledgement, as the pattern prescribes for
 * unsupported types. The caller ends the subscription by closing the stream; at shutdown the proxy ends it gracefully
 * with the request's completion result.
 */
import type { ServerResponse } from 'node:http';
import { META } from '../../protocol';
import { ErrorCode } from '../../pipeline/errors';
import { resultResponse, type JsonRpcId } from '../jsonrpc';
import type { ChangedList, UpstreamRouter } from '../mcp-handler';
import { EnvelopeError } from './errors';

/** The filter fields, by the list they follow. */
const FILTER_OF: Record<ChangedList, 'toolsListChanged' | 'resourcesListChanged' | 'promptsListChanged'> = {
  tools: 'toolsListChanged',
  resources: 'resourcesListChanged',
  prompts: 'promptsListChanged',
};

export interface ListenFilter {
  readonly lists: readonly ChangedList[];
  readonly resourceSubscriptions: readonly string[];
}

/** Reads `params.notifications`; throws -32602 when it is malformed. */
export function readFilter(params: Record<string, unknown>): ListenFilter {
  const n = params.notifications;
  if (n === undefined) return { lists: [], resourceSubscriptions: [] };
  if (n === null || typeof n !== 'object' || Array.isArray(n)) throw invalidParamsError('params.notifications must be an object');
  const f = n as Record<string, unknown>;
  const lists: ChangedList[] = [];
  for (const list of Object.keys(FILTER_OF) as ChangedList[]) {
    const v = f[FILTER_OF[list]];
    if (v !== undefined && typeof v !== 'boolean') throw invalidParamsError(`params.notifications.${FILTER_OF[list]} must be a boolean`);
    if (v === true) lists.push(list);
  }
  const subs = f.resourceSubscriptions;
  if (subs !== undefined && (!Array.isArray(subs) || !subs.every((u) => typeof u === 'string'))) {
    throw invalidParamsError('params.notifications.resourceSubscriptions must be an array of strings');
  }
  return { lists, resourceSubscriptions: (subs as string[] | undefined) ?? [] };
}

/** Malformed filter: -32602 as an ordinary JSON-RPC error (the envelope itself was fine). */
function invalidParamsError(message: string): EnvelopeError {
  return new EnvelopeError(200, ErrorCode.InvalidParams, message);
}

/** The open subscription streams of one server, ended together at shutdown. */
export class ListenStreams {
  private readonly open = new Set<() => void>();

  constructor(
    private readonly upstreams: UpstreamRouter,
    private readonly keepAliveMs: number,
  ) {}

  /** Whether list changes can be delivered at all (the upstream layer offers a change feed). */
  get supported(): boolean {
    return typeof this.upstreams.onCatalogChange === 'function';
  }

  /** Serves one acknowledged subscription on `res` until the caller closes it or the server shuts down. */
  serve(res: ServerResponse, id: JsonRpcId, filter: ListenFilter): void {
    const lists = this.supported ? filter.lists : [];
    const tag = { [META.subscriptionId]: id };
    const acknowledged: Record<string, unknown> = {};
    for (const list of lists) acknowledged[FILTER_OF[list]] = true;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    const send = (message: Record<string, unknown>) => {
      if (!res.writableEnded && !res.destroyed) res.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
    };
    send({ jsonrpc: '2.0', method: 'notifications/subscriptions/acknowledged', params: { _meta: tag, notifications: acknowledged } });
    const unsubscribe =
      lists.length > 0 && this.upstreams.onCatalogChange
        ? this.upstreams.onCatalogChange((changed) => {
            for (const list of changed) {
              if (lists.includes(list)) send({ jsonrpc: '2.0', method: `notifications/${list}/list_changed`, params: { _meta: tag } });
            }
          })
        : () => undefined;
    const keepAlive = this.keepAliveMs > 0 ? setInterval(() => !res.writableEnded && !res.destroyed && res.write(':\n\n'), this.keepAliveMs) : undefined;
    keepAlive?.unref();
    const end = () => {
      this.open.delete(shutdown);
      unsubscribe();
      if (keepAlive) clearInterval(keepAlive);
    };
    // Graceful end at shutdown: the completion result of the listen request, then the stream closes.
    const shutdown = () => {
      end();
      if (!res.writableEnded && !res.destroyed) res.end(`event: message\ndata: ${resultResponse(id, { resultType: 'complete', _meta: tag })}\n\n`);
    };
    this.open.add(shutdown);
    res.once('close', end);
  }

  closeAll(): void {
    for (const shutdown of [...this.open]) shutdown();
  }
}
