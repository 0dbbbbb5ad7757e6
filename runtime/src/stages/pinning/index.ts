/**
 * Pinning stage (see docs/PINNING.md): every listed or called entry is compared with the lock of approved definitions.
 *
 * - `enforce`: an entry whose definition differs from the lock (`changed`), or that the lock does not name
 *   (`unpinned`), is hidden from lists and refused on call with the answer an unknown target gets (audit class
 *   `forbidden`), exactly as a target the policy hides.
 * - `warn`: served; the drift is recorded in the request's audit record and logged once per definition.
 * - `off`: not checked.
 *
 * The status is computed once per catalog entry object (a digest over the canonical definition) and remembered: the
 * upstream manager builds new entry objects at each catalog refresh, so a drift takes effect at the refresh that
 * brought it, and calls cost a WeakMap lookup.
 */
import type { ProxyConfig } from '../../config/schema';
import type { PinMode, ToolLock } from '../../config/sections/pinning';
import type { Logger } from '../../log';
import type { CatalogEntry, RequestContext, Stage } from '../../pipeline/context';
import { ConfigError } from '../../config/load';
import { targetNotFound } from '../../pipeline/errors';
import { Naming } from '../../upstream/naming';
import { definitionDigest, pinnedForm, type PinKey, type StripName } from './definition';
import { setPinnedLookup } from './status';

export { definitionDigest, pinnedForm, PINNED_MEMBERS } from './definition';
export { isPinned } from './status';

const STAGE = 'pinning';

export type PinStatus = 'pinned' | 'changed' | 'unpinned' | 'unchecked';

export interface EntryPin {
  readonly status: PinStatus;
  readonly mode: PinMode;
  readonly key?: PinKey;
  readonly digest?: string;
}

export interface PinningStage extends Stage {
  /** The pin status of an entry (remembered per entry object). */
  statusOf(entry: CatalogEntry): EntryPin;
  /** How many of these entries are quarantined (hidden and refused) now. */
  quarantined(entries: readonly CatalogEntry[]): number;
}

/** Checks that the lock names only configured upstreams; throws ConfigError naming the unknown ones. */
export function checkLockUpstreams(lock: ToolLock, upstreams: readonly string[]): void {
  const unknown = Object.keys(lock.upstreams).filter((u) => !upstreams.includes(u));
  if (unknown.length > 0) {
    throw new ConfigError(`pinning.lock: names upstream(s) not in the configuration: ${unknown.join(', ')} (re-run pin, or remove them from the lock)`);
  }
}

/** Builds the pinning stage; undefined when pinning is off everywhere. */
export function createPinningStage(config: Pick<ProxyConfig, 'pinning' | 'upstreams' | 'naming'>, log: Logger): PinningStage | undefined {
  const cfg = config.pinning;
  const modeOf = (upstream: string): PinMode => cfg.upstreams[upstream]?.mode ?? cfg.mode;
  const unknownOverrides = Object.keys(cfg.upstreams).filter((u) => !config.upstreams.some((x) => x.name === u));
  if (unknownOverrides.length > 0) throw new ConfigError(`pinning.upstreams: unknown upstream(s): ${unknownOverrides.join(', ')}`);
  if (config.upstreams.every((u) => modeOf(u.name) === 'off')) {
    setPinnedLookup(undefined);
    return undefined;
  }
  const lock = cfg.lock!; // the section's schema requires a lock when any mode is on
  checkLockUpstreams(lock, config.upstreams.map((u) => u.name));
  const naming = new Naming(config);
  const strip: StripName = (u, exposed) => naming.strip(u, exposed);
  const statuses = new WeakMap<CatalogEntry, EntryPin>();
  /** Drifts already logged (key and digest), so a refresh that brings nothing new logs nothing. */
  const logged = new Set<string>();

  const statusOf = (entry: CatalogEntry): EntryPin => {
    let s = statuses.get(entry);
    if (s) return s;
    const mode = modeOf(entry.upstream);
    const form = mode === 'off' ? undefined : pinnedForm(entry, strip);
    if (!form) s = { status: mode === 'off' ? 'unchecked' : 'unpinned', mode };
    else {
      const digest = definitionDigest(form.definition);
      const approved = lock.upstreams[entry.upstream]?.[form.key.list][form.key.name];
      const status: PinStatus = !approved ? 'unpinned' : approved.digest === digest ? 'pinned' : 'changed';
      s = { status, mode, key: form.key, digest };
      if (status !== 'pinned') {
        const note = `${form.key.upstream}\u0000${form.key.list}\u0000${form.key.name}\u0000${digest}`;
        if (!logged.has(note)) {
          if (logged.size > 10_000) logged.clear();
          logged.add(note);
          log.warn(status === 'changed' ? 'definition differs from the pinned one' : 'definition is not in the lock', {
            upstream: form.key.upstream,
            list: form.key.list,
            name: form.key.name,
            digest,
            pinnedDigest: approved?.digest,
            mode,
            effect: mode === 'enforce' ? 'hidden and refused' : 'served (warn)',
          });
        }
      }
    }
    statuses.set(entry, s);
    return s;
  };
  const drifted = (p: EntryPin) => p.status === 'changed' || p.status === 'unpinned';
  const isQuarantined = (p: EntryPin) => drifted(p) && p.mode === 'enforce';
  setPinnedLookup((e) => statusOf(e).status === 'pinned');
  log.info('tool pinning ready', {
    mode: cfg.mode,
    overrides: Object.fromEntries(Object.entries(cfg.upstreams).map(([k, v]) => [k, v.mode])),
    pinned: Object.values(lock.upstreams).reduce((n, u) => n + Object.keys(u.tools).length + Object.keys(u.prompts).length + Object.keys(u.resourceTemplates).length + Object.keys(u.resources).length, 0),
  });

  const record = (ctx: RequestContext, pins: readonly EntryPin[]) => {
    const changed = pins.filter((p) => p.status === 'changed').length;
    const unpinned = pins.filter((p) => p.status === 'unpinned').length;
    const quarantined = pins.filter(isQuarantined).length;
    if (changed) ctx.actions.push({ stage: STAGE, action: 'pinning.changed', count: changed });
    if (unpinned) ctx.actions.push({ stage: STAGE, action: 'pinning.unpinned', count: unpinned });
    if (quarantined) ctx.actions.push({ stage: STAGE, action: 'pinning.quarantined', count: quarantined });
  };

  return {
    name: STAGE,
    statusOf,
    quarantined: (entries) => entries.reduce((n, e) => n + (isQuarantined(statusOf(e)) ? 1 : 0), 0),

    onRequest(ctx: RequestContext) {
      const entry = ctx.target;
      if (!entry) return;
      const p = statusOf(entry);
      if (!drifted(p)) return;
      record(ctx, [p]);
      if (p.mode === 'enforce') throw targetNotFound(entry.kind, entry.exposedName, 'forbidden');
    },

    filterList(ctx: RequestContext, entries: readonly CatalogEntry[]): readonly CatalogEntry[] {
      const pins = entries.map(statusOf);
      const drifts = pins.filter(drifted);
      if (drifts.length === 0) return entries;
      record(ctx, drifts);
      return entries.filter((_, i) => !isQuarantined(pins[i]));
    },

    async close() {
      setPinnedLookup(undefined);
    },
  };
}
