/**
 * A modern upstream's list changes (basic/patterns/subscriptions): the 2026-07-28 revision has no standalone GET
 * stream; a client that wants change notifications POSTs `subscriptions/listen` naming the kinds it wants, and the
 * response stays open as an SSE stream (acknowledged first). The modern leg opens one per upstream, for the lists the
 * upstream declared `listChanged` on, and hands every list_changed to discovery (`onListChanged`). A stream that ends
 * is reopened after a delay, and the lists it covered are refreshed once (changes may have been missed meanwhile); after
 * `maxFailures` failed opens in a row, or an upstream that does not offer the method, it stops (periodic discovery still
 * refreshes the catalog).
 */
import type { UpstreamConfig } from '../config/sections/proxy';
import { MODERN_PROTOCOL_VERSION } from '../protocol';
import type { ListKind, UpstreamClientOptions } from './client';
import { modernParams } from './envelope';
import { UpstreamHttpError } from './errors';
import { discard, mediaType } from './http-exchange';
import { delay, deliverNotification, readEventStream } from './messages';
import { isSuccess, readFailure, type UpstreamHttp } from './upstream-http';

const RETRY = { initialMs: 1000, maxMs: 30_000, maxFailures: 2 } as const;

const FILTER_KEY: Readonly<Record<ListKind, string>> = {
  tools: 'toolsListChanged',
  resources: 'resourcesListChanged',
  prompts: 'promptsListChanged',
};

/** The lists whose changes an upstream's capabilities say it announces. */
export function announcedLists(capabilities: Record<string, unknown>): ListKind[] {
  return (Object.keys(FILTER_KEY) as ListKind[]).filter((kind) => {
    const cap = capabilities[kind];
    return cap !== null && typeof cap === 'object' && (cap as { listChanged?: unknown }).listChanged === true;
  });
}

export class ListenStream {
  private readonly closed = new AbortController();

  constructor(
    private readonly config: UpstreamConfig,
    private readonly http: UpstreamHttp,
    private readonly opts: UpstreamClientOptions,
    private readonly nextId: () => number,
    readonly lists: readonly ListKind[],
  ) {}

  close(): void {
    this.closed.abort();
  }

  /** Runs until closed (not awaited by the leg). */
  async run(): Promise<void> {
    const onListChanged = this.opts.onListChanged;
    if (!onListChanged || this.lists.length === 0) return;
    const notifications = Object.fromEntries(this.lists.map((kind) => [FILTER_KEY[kind], true]));
    let failures = 0;
    let opened = false;
    while (!this.closed.signal.aborted) {
      try {
        const id = this.nextId();
        const body = JSON.stringify({ jsonrpc: '2.0', id, method: 'subscriptions/listen', params: modernParams({ notifications }, undefined, this.opts.clientInfo) });
        const headers = { 'mcp-protocol-version': MODERN_PROTOCOL_VERSION, 'mcp-method': 'subscriptions/listen' };
        const res = await this.http.send({ method: 'POST', body, headers, auth: {}, signal: this.closed.signal });
        if (!isSuccess(res)) {
          const { error } = await readFailure(res);
          if (error.status === 404 || error.status === 405 || error.rpc?.code === -32601) {
            this.opts.log.debug('upstream offers no subscriptions/listen; list changes come with the periodic refresh', { upstream: this.config.name });
            return;
          }
          throw error;
        }
        if (mediaType(res.headers['content-type']) !== 'text/event-stream') {
          discard(res);
          throw new UpstreamHttpError(-1, 'subscriptions/listen answer is not an event stream');
        }
        // Changes made while no stream was open are picked up by refreshing the lists once.
        if (opened) for (const kind of this.lists) onListChanged(kind);
        opened = true;
        failures = 0;
        await readEventStream(
          res,
          (msg) => {
            if (msg.kind === 'notification') deliverNotification(msg, undefined, onListChanged);
            else if (msg.kind === 'error' && msg.id === id) throw msg.error;
            return undefined;
          },
          () => {},
          this.opts.log,
          this.config.name,
        ).then((outcome) => {
          if (outcome.rejection) throw outcome.rejection;
        });
      } catch (err) {
        if (this.closed.signal.aborted) return;
        failures++;
        this.opts.log.debug('upstream subscriptions/listen stream failed', { upstream: this.config.name, error: (err as Error).message.slice(0, 200), failures });
        if (failures > RETRY.maxFailures) return;
      }
      try {
        await delay(Math.min(RETRY.initialMs * 2 ** failures, RETRY.maxMs), this.closed.signal);
      } catch {
        return;
      }
    }
  }
}
