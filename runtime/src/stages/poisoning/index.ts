/**
 * Poisoning stage (see docs/PINNING.md): scans every listed entry's descriptions and titles (the definition's own,
 * its annotations', and every `description` and `title` inside its schemas and prompt arguments), pinned or not, with
 * the rules in ./rules.ts. Per rule: `strip` serves the text without what was found, `flag` serves it unchanged, and
 * `refuse` hides the entry and refuses calls to it (as a target the policy hides). Every finding is recorded in the
 * request's audit record as `poisoning.<rule>` (counts only, never the text).
 *
 * The scan runs once per catalog entry object (a refresh builds new ones) and its outcome, including the stripped
 * entry, is remembered: the stripped entry is the same object at every list, so later stages' per-entry caches hold.
 */
import type { ProxyConfig } from '../../config/schema';
import type { PoisonRule } from '../../config/sections/poisoning';
import { POISON_RULES } from '../../config/sections/poisoning';
import type { Logger } from '../../log';
import type { CatalogEntry, RequestContext, Stage } from '../../pipeline/context';
import { targetNotFound } from '../../pipeline/errors';
import { scanText } from './rules';

const STAGE = 'poisoning';
/** Schema nesting deeper than this is not scanned for descriptions (and the entry is flagged as oversize). */
const MAX_DEPTH = 32;

export interface Scan {
  readonly hits: Partial<Record<PoisonRule, number>>;
  readonly refused: boolean;
  /** The entry as served: the same object when nothing was stripped. */
  readonly served: CatalogEntry;
}

export interface PoisoningStage extends Stage {
  scan(entry: CatalogEntry): Scan;
}

export function createPoisoningStage(cfg: ProxyConfig['poisoning'], log: Logger): PoisoningStage | undefined {
  if (!cfg.enabled) return undefined;
  const strip = new Set(POISON_RULES.filter((r) => cfg.rules[r] === 'strip'));
  const skip = new Set(POISON_RULES.filter((r) => cfg.rules[r] === 'off'));
  const refuse = new Set(POISON_RULES.filter((r) => cfg.rules[r] === 'refuse'));
  const scans = new WeakMap<CatalogEntry, Scan>();
  const logged = new Set<string>();

  const scan = (entry: CatalogEntry): Scan => {
    let s = scans.get(entry);
    if (s) return s;
    const hits: Partial<Record<PoisonRule, number>> = {};
    let changed = false;
    const walk = (v: unknown, depth: number): unknown => {
      if (depth > MAX_DEPTH) {
        hits.oversize = (hits.oversize ?? 0) + 1;
        return v;
      }
      if (Array.isArray(v)) {
        let out: unknown[] | undefined;
        v.forEach((x, i) => {
          const y = walk(x, depth + 1);
          if (y !== x) (out ??= [...v])[i] = y;
        });
        return out ?? v;
      }
      if (!v || typeof v !== 'object') return v;
      let out: Record<string, unknown> | undefined;
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        let y: unknown;
        if ((k === 'description' || k === 'title') && typeof x === 'string') {
          const r = scanText(x, { maxChars: cfg.maxTextChars, strip, skip });
          for (const [rule, n] of Object.entries(r.hits) as [PoisonRule, number][]) hits[rule] = (hits[rule] ?? 0) + n;
          y = r.text;
        } else y = walk(x, depth + 1);
        if (y !== x) (out ??= { ...(v as Record<string, unknown>) })[k] = y;
      }
      return out ?? v;
    };
    const definition = walk(entry.definition, 0) as Record<string, unknown>;
    if (definition !== entry.definition) changed = true;
    const rules = Object.keys(hits) as PoisonRule[];
    const refused = rules.some((r) => refuse.has(r));
    s = { hits, refused, served: changed ? { ...entry, definition } : entry };
    scans.set(entry, s);
    if (rules.length > 0) {
      const note = `${entry.upstream}\u0000${entry.exposedName}\u0000${rules.join(',')}`;
      if (!logged.has(note)) {
        if (logged.size > 10_000) logged.clear();
        logged.add(note);
        log.warn('tool-poisoning heuristics matched a definition', { upstream: entry.upstream, target: entry.exposedName, rules: hits, effect: refused ? 'hidden and refused' : changed ? 'served stripped' : 'served (flagged)' });
      }
    }
    return s;
  };

  const record = (ctx: RequestContext, found: readonly Scan[]) => {
    const totals: Partial<Record<PoisonRule, number>> = {};
    for (const f of found) for (const [r, n] of Object.entries(f.hits) as [PoisonRule, number][]) totals[r] = (totals[r] ?? 0) + n;
    for (const [r, n] of Object.entries(totals)) ctx.actions.push({ stage: STAGE, action: `poisoning.${r}`, count: n });
    const refused = found.filter((f) => f.refused).length;
    if (refused) ctx.actions.push({ stage: STAGE, action: 'poisoning.refused', count: refused });
  };

  log.info('tool-poisoning heuristics ready', { rules: cfg.rules, maxTextChars: cfg.maxTextChars });
  return {
    name: STAGE,
    scan,
    onRequest(ctx: RequestContext) {
      const entry = ctx.target;
      if (!entry) return;
      const s = scan(entry);
      if (Object.keys(s.hits).length === 0) return;
      record(ctx, [s]);
      if (s.refused) throw targetNotFound(entry.kind, entry.exposedName, 'forbidden');
    },
    filterList(ctx: RequestContext, entries: readonly CatalogEntry[]): readonly CatalogEntry[] {
      const all = entries.map(scan);
      const found = all.filter((s) => Object.keys(s.hits).length > 0);
      if (found.length === 0) return entries;
      record(ctx, found);
      return all.filter((s) => !s.refused).map((s) => s.served);
    },
  };
}
