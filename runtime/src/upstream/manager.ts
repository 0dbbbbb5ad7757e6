/**
 * Owns the upstream clients and the catalog: initial discovery, retry with exponential backoff for upstreams that are
 * down, periodic refresh, `notifications/*_list_changed`, and routing a call to the upstream that owns its target.
 * The catalog is immutable and swapped atomically, so calls never wait for discovery.
 */
import type { ProxyConfig } from '../config/schema';
import type { Logger } from '../log';
import type { CatalogEntry, JsonResult } from '../pipeline/context';
import { createUpstreamAuthenticator } from './auth/index';
import type { UpstreamAuthFactory } from './auth/types';
import { Catalog, type Collision } from './catalog';
import { UpstreamClient, type UpstreamRequestOptions } from './client';
import { discover, EMPTY_INVENTORY, type UpstreamInventory } from './discovery';
import { describeFailure } from './errors';
import { Naming } from './naming';
import { exposeResultUris } from './rewrite';

export type UpstreamState = 'starting' | 'healthy' | 'degraded';

/** A catalog list that changed. */
export type CatalogChange = 'tools' | 'resources' | 'prompts';

/** One upstream's health, as /ping and the logs report it (never URLs with credentials, never tokens). */
export interface UpstreamStatus {
  readonly name: string;
  readonly state: UpstreamState;
  readonly tools: number;
  readonly resources: number;
  readonly prompts: number;
  readonly consecutiveFailures: number;
  readonly lastError?: string;
  /** ISO time of the last successful discovery. */
  readonly lastDiscoveryAt?: string;
  /** ISO time of the next discovery attempt, while degraded. */
  readonly nextRetryAt?: string;
}

interface Slot {
  readonly client: UpstreamClient;
  state: UpstreamState;
  inventory?: UpstreamInventory;
  failures: number;
  lastError?: string;
  lastDiscoveryAt?: string;
  nextRetryAt?: number;
  retryTimer?: NodeJS.Timeout;
  running?: Promise<void>;
  listChangedTimer?: NodeJS.Timeout;
}

export interface UpstreamManagerOptions {
  /** Defaults to the upstream-auth module's factory. */
  readonly authFactory?: UpstreamAuthFactory;
  readonly clientInfo?: { name: string; version: string };
}

/** Debounce for upstream list_changed notifications. */
const LIST_CHANGED_DEBOUNCE_MS = 100;

export class UpstreamManager {
  private readonly slots = new Map<string, Slot>();
  private readonly naming: Naming;
  private current: Catalog;
  private refreshTimer?: NodeJS.Timeout;
  private closed = false;
  private collisionKey = '';
  private readonly catalogListeners = new Set<(lists: readonly CatalogChange[]) => void>();
  /** Lists an upstream said changed (list_changed) since the last rebuild: reported even when the definitions compare equal. */
  private readonly announced = new Set<CatalogChange>();

  constructor(
    private readonly config: ProxyConfig,
    private readonly log: Logger,
    opts: UpstreamManagerOptions = {},
  ) {
    this.naming = new Naming(config);
    this.current = Catalog.empty(this.naming);
    const authFactory = opts.authFactory ?? createUpstreamAuthenticator;
    const clientInfo = opts.clientInfo ?? { name: 'mcp-governance-proxy', version: '0' };
    for (const u of config.upstreams) {
      const client = new UpstreamClient(u, authFactory(u.name, u.auth), {
        log,
        clientInfo,
        onListChanged: (kind) => this.onListChanged(u.name, kind),
      });
      this.slots.set(u.name, { client, state: 'starting', failures: 0 });
    }
  }

  /** The current catalog (replaced, never mutated). */
  get catalog(): Catalog {
    return this.current;
  }

  /**
   * Discovers every upstream once, in parallel. Resolves when each has either succeeded or failed once (failures are
   * retried in the background); never rejects. Starts the periodic refresh.
   */
  async start(): Promise<void> {
    await Promise.all([...this.slots.keys()].map((name) => this.discoverOne(name)));
    const every = this.config.discovery.refreshIntervalMs;
    if (every > 0 && !this.closed) {
      this.refreshTimer = setInterval(() => void this.refreshAll(), every);
      this.refreshTimer.unref();
    }
  }

  /** Re-discovers every upstream that is not waiting for a retry. */
  async refreshAll(): Promise<void> {
    await Promise.all(
      [...this.slots.entries()].filter(([, s]) => s.retryTimer === undefined).map(([name]) => this.discoverOne(name)),
    );
  }

  status(): UpstreamStatus[] {
    return [...this.slots.entries()].map(([name, s]) => {
      const counts = this.current.counts(name);
      return {
        name,
        state: s.state,
        tools: counts.tools,
        resources: counts.resources + counts.resourceTemplates,
        prompts: counts.prompts,
        consecutiveFailures: s.failures,
        lastError: s.lastError,
        lastDiscoveryAt: s.lastDiscoveryAt,
        nextRetryAt: s.nextRetryAt ? new Date(s.nextRetryAt).toISOString() : undefined,
      };
    });
  }

  /** Capabilities each healthy upstream declared (initialize result or server/discover), in configuration order. */
  upstreamCapabilities(): readonly Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const s of this.slots.values()) {
      const caps = s.client.capabilities;
      if (s.state === 'healthy' && caps) out.push(caps);
    }
    return out;
  }

  /**
   * Registers a listener for catalog changes (after a rebuild that changed a list, or that follows an upstream's
   * list_changed for that list); returns the function that unregisters it.
   */
  onCatalogChange(listener: (lists: readonly CatalogChange[]) => void): () => void {
    this.catalogListeners.add(listener);
    return () => this.catalogListeners.delete(listener);
  }

  /** Names excluded from the current catalog because two upstreams expose them. */
  collisions(): readonly Collision[] {
    return this.current.collisions;
  }

  /**
   * Sends one request to the upstream that owns `target`. Throws GovernanceError. A transport failure marks the
   * upstream degraded and schedules a discovery retry (so /ping tells the truth); the call itself is not retried.
   */
  async forward(target: CatalogEntry, method: string, params: Record<string, unknown>, opts: UpstreamRequestOptions = {}): Promise<JsonResult> {
    const slot = this.slots.get(target.upstream);
    if (!slot) throw new Error(`no upstream ${target.upstream}`);
    try {
      const result = await slot.client.request(method, params, opts);
      return exposeResultUris(method, result, this.naming.prefixOf(target.upstream));
    } catch (err) {
      const cls = (err as { errorClass?: string }).errorClass;
      if (cls === 'upstream_unavailable' && slot.state === 'healthy') {
        this.markFailed(target.upstream, slot, err);
      }
      throw err;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    for (const s of this.slots.values()) {
      if (s.retryTimer) clearTimeout(s.retryTimer);
      if (s.listChangedTimer) clearTimeout(s.listChangedTimer);
    }
    await Promise.all([...this.slots.values()].map((s) => s.client.close()));
  }

  private discoverOne(name: string): Promise<void> {
    const slot = this.slots.get(name)!;
    if (slot.running) return slot.running;
    slot.running = this.runDiscovery(name, slot).finally(() => {
      slot.running = undefined;
    });
    return slot.running;
  }

  private async runDiscovery(name: string, slot: Slot): Promise<void> {
    if (this.closed) return;
    const t0 = performance.now();
    try {
      const inventory = await discover(slot.client);
      if (this.closed) return;
      const wasDegraded = slot.state === 'degraded';
      slot.inventory = inventory;
      slot.state = 'healthy';
      slot.failures = 0;
      slot.lastError = undefined;
      slot.nextRetryAt = undefined;
      slot.lastDiscoveryAt = new Date().toISOString();
      this.rebuild();
      const fields = {
        upstream: name,
        tools: inventory.tools.length,
        resources: inventory.resources.length,
        resourceTemplates: inventory.resourceTemplates.length,
        prompts: inventory.prompts.length,
        ms: Math.round(performance.now() - t0),
      };
      if (wasDegraded) this.log.info('upstream recovered', fields);
      else this.log.debug('upstream discovered', fields);
    } catch (err) {
      if (this.closed) return;
      this.markFailed(name, slot, err);
    }
  }

  private markFailed(name: string, slot: Slot, err: unknown): void {
    slot.state = 'degraded';
    slot.failures += 1;
    slot.lastError = describeFailure(err);
    const { initialRetryDelayMs, maxRetryDelayMs } = this.config.discovery;
    const delay = Math.min(maxRetryDelayMs, initialRetryDelayMs * 2 ** Math.min(slot.failures - 1, 30));
    slot.nextRetryAt = Date.now() + delay;
    this.log.warn('upstream degraded', { upstream: name, error: slot.lastError, failures: slot.failures, retryInMs: delay });
    if (slot.retryTimer) clearTimeout(slot.retryTimer);
    slot.retryTimer = setTimeout(() => {
      slot.retryTimer = undefined;
      // The client is not torn down: other calls may still be in flight on it. A forgotten session is re-established
      // by the client itself (HTTP 404), a closed connection by the next connect().
      void this.discoverOne(name);
    }, delay);
    slot.retryTimer.unref();
  }

  private onListChanged(name: string, kind: string): void {
    const slot = this.slots.get(name);
    if (!slot || this.closed) return;
    this.log.info('upstream list changed', { upstream: name, list: kind });
    if (kind === 'tools' || kind === 'resources' || kind === 'prompts') this.announced.add(kind);
    if (slot.listChangedTimer) clearTimeout(slot.listChangedTimer);
    slot.listChangedTimer = setTimeout(() => {
      slot.listChangedTimer = undefined;
      void this.discoverOne(name);
    }, LIST_CHANGED_DEBOUNCE_MS);
    slot.listChangedTimer.unref();
  }

  /** Builds a new catalog from the last good inventory of every upstream and swaps it in. */
  private rebuild(): void {
    const inventories = [...this.slots.entries()].map(([name, s]) => [name, s.inventory ?? EMPTY_INVENTORY] as const);
    const next = Catalog.build(inventories, this.naming);
    this.announceChanges(this.current, next);
    const key = JSON.stringify(next.collisions);
    if (key !== this.collisionKey) {
      this.collisionKey = key;
      for (const c of next.collisions) {
        this.log.error('name collision: excluded from the catalog', { list: c.list, name: c.exposedName, upstreams: c.upstreams });
      }
    }
    this.current = next;
  }

  /** Tells the catalog listeners which lists differ between `prev` and `next` (or were announced by an upstream). */
  private announceChanges(prev: Catalog, next: Catalog): void {
    const changed = new Set(this.announced);
    this.announced.clear();
    if (this.catalogListeners.size === 0) return;
    const key = (entries: readonly { exposedName: string; definition: unknown }[]) => JSON.stringify(entries.map((e) => [e.exposedName, e.definition]));
    if (key(prev.tools) !== key(next.tools)) changed.add('tools');
    if (key(prev.resources) !== key(next.resources) || key(prev.resourceTemplates) !== key(next.resourceTemplates)) changed.add('resources');
    if (key(prev.prompts) !== key(next.prompts)) changed.add('prompts');
    if (changed.size === 0) return;
    const lists = [...changed];
    for (const listener of this.catalogListeners) {
      try {
        listener(lists);
      } catch (err) {
        this.log.warn('catalog change listener failed', { error: (err as Error).message.slice(0, 200) });
      }
    }
  }
}
