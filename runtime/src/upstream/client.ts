/**
 * One upstream MCP server over Streamable HTTP: the client side of the protocol, written for the proxy's hot path, in
 * either protocol era. This file is the common interface: the types every leg and the proxy's server side share, and
 * `UpstreamClient`, which picks the leg for the upstream and hands each request to it:
 *   - legacy-leg.ts: revisions 2024-11-05 to 2025-11-25 (initialize, Mcp-Session-Id, GET stream, SSE resumption,
 *     server->client requests relayed to the caller);
 *   - modern-leg.ts: revision 2026-07-28 (stateless; the envelope in `_meta`, standard and `Mcp-Param-*` headers,
 *     MRTR results passed back as they are);
 *   - era-probe.ts: which era the upstream speaks (`server/discover` first, `initialize` on a non-modern refusal).
 * Shared by both legs: upstream-http.ts (credentials on every request, 401 retry, 4xx bodies read), messages.ts (JSON
 * and SSE answers, routing of what arrives meanwhile, the per-request deadline and cancellation), http-exchange.ts.
 *
 * The era found is remembered; when an answer says it no longer holds (a modern request refused without a modern
 * error, `initialize` refused with one, -32022 naming only the other era's versions), the client probes again and
 * retries the request once. The relayed JSON-RPC is never interpreted beyond what routing needs.
 */
import type { UpstreamConfig } from '../config/sections/proxy';
import type { Logger } from '../log';
import type { JsonResult } from '../pipeline/context';
import type { UpstreamAuthenticator, UpstreamCallContext } from './auth/types';
import { chooseLeg } from './era-probe';
import { EraMismatchError, toUpstreamError } from './errors';
import { LegacyLeg } from './legacy-leg';
import { ModernLeg } from './modern-leg';
import { UpstreamHttp } from './upstream-http';

export type ListKind = 'tools' | 'resources' | 'prompts';

/** A sink for notifications the upstream sends while serving one call (e.g. `notifications/message`). */
export type NotificationSink = (notification: { method: string; params?: Record<string, unknown> }) => void;

/** Sends a server->client request (sampling/createMessage, elicitation/create) to the caller and awaits its answer. */
export type RequestRelay = (request: { method: string; params?: Record<string, unknown> }, signal: AbortSignal) => Promise<Record<string, unknown>>;

/** The inbound call an upstream request is made for: what its upstream traffic may need from, or send to, the caller. */
export interface InboundCallScope {
  /** Handed to the authenticator on every outgoing HTTP request. */
  readonly auth: UpstreamCallContext;
  /** Where request-related upstream notifications go (the caller's SSE response), if anywhere. */
  readonly notify?: NotificationSink;
  /** How upstream requests to the client reach the caller during this call, if they can. */
  readonly relay?: RequestRelay;
  /**
   * Told when the upstream sent a request outside any call's stream that could belong to this call or another one in
   * flight: it was refused, not delivered (the call's audit trail records it).
   */
  readonly unattributed?: (request: { method: string; params?: Record<string, unknown> }) => void;
}

export interface Progress {
  readonly progress: number;
  readonly total?: number;
  readonly message?: string;
}

export interface UpstreamRequestOptions {
  /** Aborts the upstream request (legacy: notifications/cancelled goes upstream; modern: closing the exchange is the cancellation). */
  readonly signal?: AbortSignal;
  /**
   * Fires `signal` (the inbound request's own cancellation). When given, the per-request deadline fires it on timeout
   * instead of linking a signal of its own: the inbound request then ends with the timeout error, as it would anyway.
   * @default a signal linked to `signal` per request
   */
  readonly cancel?: () => void;
  /** Called for each upstream progress notification of this request. */
  readonly onprogress?: (progress: Progress) => void;
  /** The inbound call this request serves. @default no caller (discovery) */
  readonly scope?: InboundCallScope;
  /**
   * The caller's protocol era, version and declared client capabilities. The upstream client builds each upstream
   * envelope itself from this (it never forwards the caller's `io.modelcontextprotocol/*` `_meta` keys): a modern
   * upstream is told exactly the client capabilities this caller declared, no more.
   * @default no caller (discovery, refresh): no client capabilities declared
   */
  readonly caller?: CallerProtocol;
}

/** The protocol a caller speaks to the proxy, as the server leg classified it. */
export interface CallerProtocol {
  /** `legacy`: the 2025 revisions (initialize/session); `modern`: 2026-07-28 (stateless). */
  readonly era: 'legacy' | 'modern';
  readonly protocolVersion: string;
  /** The client capabilities the caller declared (at initialize, or in the request's `_meta`). */
  readonly clientCapabilities: Record<string, unknown>;
  /**
   * Whether `clientCapabilities` is what the caller declared (a modern request's `_meta`), rather than unknown (a
   * legacy caller declared them at initialize, which the stateless proxy does not keep). @default false
   */
  readonly capabilitiesKnown?: boolean;
  /** The log level a modern caller asked for in this request's `_meta` (told to a modern upstream). @default none */
  readonly logLevel?: string;
}

export interface UpstreamClientOptions {
  readonly log: Logger;
  readonly clientInfo: { name: string; version: string };
  /** Called when the upstream says one of its lists changed. */
  readonly onListChanged?: (kind: ListKind) => void;
}

/** One protocol leg: how requests reach the upstream in one era. Errors are thrown raw; the client maps them. */
export interface UpstreamLeg {
  readonly era: 'legacy' | 'modern';
  /** The protocol version in use (legacy: the one initialize negotiated; undefined before it). */
  readonly protocolVersion: string | undefined;
  /** What the upstream declared (initialize or server/discover); undefined before the first successful connect. */
  readonly capabilities: Record<string, unknown> | undefined;
  /** Legacy: the initialize handshake (once); modern: server/discover (again on every discovery). */
  connect(): Promise<void>;
  request(method: string, params: Record<string, unknown> | undefined, opts: UpstreamRequestOptions): Promise<JsonResult>;
  close(): void;
}

export class UpstreamClient {
  private leg?: UpstreamLeg;
  private choosing?: Promise<UpstreamLeg>;
  private closed = false;
  private lastId = 0;
  private readonly http: UpstreamHttp;

  constructor(
    readonly config: UpstreamConfig,
    auth: UpstreamAuthenticator,
    private readonly opts: UpstreamClientOptions,
  ) {
    this.http = new UpstreamHttp(config, auth);
  }

  get name(): string {
    return this.config.name;
  }

  /** What the upstream declared (undefined before the first successful connect). */
  get capabilities(): Record<string, unknown> | undefined {
    return this.leg?.capabilities;
  }

  /** The era the upstream was found (or configured) to speak; undefined before the first probe. */
  get era(): 'legacy' | 'modern' | undefined {
    return this.leg?.era;
  }

  /** The protocol version in use with the upstream, when known. */
  get protocolVersion(): string | undefined {
    return this.leg?.protocolVersion;
  }

  /** Probes the era if needed and connects (initialize, or server/discover); concurrent callers share one probe. */
  async connect(): Promise<void> {
    await this.withLeg((leg) => leg.connect());
  }

  /**
   * Sends one request and returns the upstream's result untouched (only checked to be a JSON-RPC result object).
   * Throws GovernanceError (see toUpstreamError).
   */
  async request(method: string, params: Record<string, unknown> | undefined, opts: UpstreamRequestOptions = {}): Promise<JsonResult> {
    return this.withLeg((leg) => leg.request(method, params, opts), opts.signal);
  }

  async close(): Promise<void> {
    this.closed = true;
    const leg = this.leg;
    this.leg = undefined;
    leg?.close();
  }

  /** Runs `fn` on the current leg; when the answer says the era changed, probes again and runs it once more. */
  private async withLeg<T>(fn: (leg: UpstreamLeg) => Promise<T>, signal?: AbortSignal): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      let leg: UpstreamLeg | undefined;
      try {
        // The leg is known on every call but the first: no extra await for it.
        leg = this.leg ?? (await this.currentLeg());
        return await fn(leg);
      } catch (err) {
        const again = err instanceof EraMismatchError && attempt === 0 && this.config.protocol === 'auto' && !this.closed && !signal?.aborted;
        if (!again) throw toUpstreamError(this.name, err, this.config.timeoutMs);
        this.opts.log.info('upstream protocol era no longer holds; probing again', { upstream: this.name, was: leg?.era, reason: err.message.slice(0, 200) });
        if (leg) this.forget(leg);
      }
    }
  }

  private currentLeg(): Promise<UpstreamLeg> {
    if (this.closed) return Promise.reject(new Error('upstream client closed'));
    if (this.leg) return Promise.resolve(this.leg);
    if (!this.choosing) {
      const nextId = () => ++this.lastId;
      this.choosing = chooseLeg(
        this.config,
        { legacy: () => new LegacyLeg(this.config, this.http, this.opts, nextId), modern: () => new ModernLeg(this.config, this.http, this.opts, nextId) },
        this.opts.log,
      )
        .then((leg) => {
          if (this.closed) {
            leg.close();
            throw new Error('upstream client closed');
          }
          this.leg = leg;
          return leg;
        })
        .finally(() => {
          this.choosing = undefined;
        });
    }
    return this.choosing;
  }

  private forget(stale: UpstreamLeg): void {
    if (this.leg !== stale) return;
    this.leg = undefined;
    stale.close();
  }
}
