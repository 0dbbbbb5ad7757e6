/**
 * Whether a catalog entry is pinned, as Cedar sees it (the `pinned` attribute of Tool, Resource and Prompt entities).
 * The pinning stage installs its lookup when it is built; without one (pinning off, or unit tests of other stages)
 * nothing is pinned. One lookup per process, like the configuration it comes from.
 */
import type { CatalogEntry } from '../../pipeline/context';

let lookup: ((entry: CatalogEntry) => boolean) | undefined;

/** Installs (or, with undefined, removes) the lookup the pinning stage provides. */
export function setPinnedLookup(fn: ((entry: CatalogEntry) => boolean) | undefined): void {
  lookup = fn;
}

/** True when the entry's definition is exactly the one the lock approved. */
export function isPinned(entry: CatalogEntry): boolean {
  return lookup ? lookup(entry) : false;
}
