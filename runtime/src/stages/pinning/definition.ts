/**
 * What a pin covers: the canonical definition of one catalog entry, with the upstream's own name (not the proxy's
 * exposed one, so the lock survives a change of prefix), and its digest: `sha256:` + SHA-256 over canonical JSON
 * (RFC 8785, as the audit hash chain and the configuration digest use). Only the members that tell the model what the
 * entry is and does are covered; `_meta`, icons and other presentation data are not.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../canonical-json';
import type { PinnedList } from '../../config/sections/pinning';
import type { CatalogEntry } from '../../pipeline/context';

/** The members of a definition a pin covers, per list. */
export const PINNED_MEMBERS: Readonly<Record<PinnedList, readonly string[]>> = {
  tools: ['name', 'title', 'description', 'inputSchema', 'outputSchema', 'annotations'],
  prompts: ['name', 'title', 'description', 'arguments'],
  resourceTemplates: ['uriTemplate', 'name', 'title', 'description', 'mimeType', 'annotations'],
  resources: ['uri', 'name', 'title', 'description', 'mimeType', 'annotations'],
};

/** Where one entry sits in the lock: upstream, list and the upstream's own name (or URI, or URI template). */
export interface PinKey {
  readonly upstream: string;
  readonly list: PinnedList;
  readonly name: string;
}

/** Turns an exposed URI template back into the upstream's (the catalog's Naming.strip). */
export type StripName = (upstream: string, exposed: string) => string | undefined;

/**
 * The lock key and canonical definition of a catalog entry. A resource matched through a template (resources/read of a
 * concrete URI) is pinned as its template. Undefined when the entry cannot be keyed (a template whose exposed form does
 * not carry its upstream's prefix: never produced by the catalog).
 */
export function pinnedForm(entry: CatalogEntry, strip: StripName): { key: PinKey; definition: Record<string, unknown> } | undefined {
  const def = entry.definition;
  let list: PinnedList;
  let name = entry.name;
  let nameMember: string;
  if (entry.kind === 'tool') [list, nameMember] = ['tools', 'name'];
  else if (entry.kind === 'prompt') [list, nameMember] = ['prompts', 'name'];
  else if (typeof def.uriTemplate === 'string') {
    [list, nameMember] = ['resourceTemplates', 'uriTemplate'];
    const own = strip(entry.upstream, def.uriTemplate);
    if (own === undefined) return undefined;
    name = own;
  } else [list, nameMember] = ['resources', 'uri'];
  const definition: Record<string, unknown> = {};
  for (const m of PINNED_MEMBERS[list]) if (def[m] !== undefined) definition[m] = def[m];
  definition[nameMember] = name;
  return { key: { upstream: entry.upstream, list, name }, definition };
}

/** `sha256:<hex>` of the canonical JSON of a definition. */
export function definitionDigest(definition: Record<string, unknown>): string {
  return `sha256:${createHash('sha256').update(canonicalJson(definition)).digest('hex')}`;
}
