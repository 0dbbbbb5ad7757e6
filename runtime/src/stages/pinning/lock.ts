/**
 * Writing and comparing locks: the lock of a catalog (what the `pin` command writes) and a reviewer's diff between two
 * locks (added, removed, changed with a unified diff of the readable definition).
 */
import type { PinnedList, ToolLock } from '../../config/sections/pinning';
import { PINNED_LISTS } from '../../config/sections/pinning';
import type { CatalogEntry } from '../../pipeline/context';
import { definitionDigest, pinnedForm, type StripName } from './definition';
import { unifiedDiff } from './line-diff';

/** The lock of these entries (every upstream in `upstreams` gets a section, empty when it listed nothing). */
export function lockOf(entries: readonly CatalogEntry[], upstreams: readonly string[], strip: StripName): ToolLock {
  const lock: ToolLock = { lockVersion: 1, upstreams: {} };
  for (const u of upstreams) lock.upstreams[u] = { tools: {}, prompts: {}, resourceTemplates: {}, resources: {} };
  for (const e of entries) {
    const form = pinnedForm(e, strip);
    if (!form) continue;
    const section = (lock.upstreams[form.key.upstream] ??= { tools: {}, prompts: {}, resourceTemplates: {}, resources: {} });
    section[form.key.list][form.key.name] = { digest: definitionDigest(form.definition), definition: form.definition };
  }
  // Sorted names: the file diffs cleanly in review.
  for (const section of Object.values(lock.upstreams)) {
    for (const list of PINNED_LISTS) section[list] = Object.fromEntries(Object.entries(section[list]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
  return lock;
}

export interface LockChange {
  readonly kind: 'added' | 'removed' | 'changed';
  readonly upstream: string;
  readonly list: PinnedList;
  readonly name: string;
  /** For `changed`: the unified diff of the definitions (pinned -> live). */
  readonly diff?: string;
}

/** What changes from `before` to `after`, for the upstreams `after` covers (others are left as they were). */
export function diffLocks(before: ToolLock | undefined, after: ToolLock): LockChange[] {
  const changes: LockChange[] = [];
  for (const [upstream, now] of Object.entries(after.upstreams)) {
    const was = before?.upstreams[upstream];
    for (const list of PINNED_LISTS) {
      const names = new Set([...Object.keys(was?.[list] ?? {}), ...Object.keys(now[list])]);
      for (const name of [...names].sort()) {
        const a = was?.[list][name];
        const b = now[list][name];
        if (!a && b) changes.push({ kind: 'added', upstream, list, name });
        else if (a && !b) changes.push({ kind: 'removed', upstream, list, name });
        else if (a && b && a.digest !== b.digest) {
          const diff = unifiedDiff(JSON.stringify(a.definition, null, 2), JSON.stringify(b.definition, null, 2), `pinned ${a.digest.slice(0, 19)}`, `live ${b.digest.slice(0, 19)}`);
          changes.push({ kind: 'changed', upstream, list, name, diff });
        }
      }
    }
  }
  return changes;
}

/** The reviewer's report of a diff. */
export function formatChanges(changes: readonly LockChange[]): string {
  if (changes.length === 0) return 'no changes: the lock matches the live upstreams\n';
  const lines: string[] = [];
  for (const c of changes) {
    const where = `${c.upstream} ${c.list} ${JSON.stringify(c.name)}`;
    lines.push(`${c.kind === 'added' ? '+ added' : c.kind === 'removed' ? '- removed' : '~ changed'}: ${where}`);
    if (c.diff) lines.push(...c.diff.split('\n').map((l) => `    ${l}`));
  }
  const count = (k: LockChange['kind']) => changes.filter((c) => c.kind === k).length;
  lines.push(`${count('added')} added, ${count('removed')} removed, ${count('changed')} changed`);
  return lines.join('\n') + '\n';
}
