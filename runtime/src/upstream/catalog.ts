/**
 * The catalog: every tool, resource, resource template and prompt the proxy exposes, built from the upstreams'
 * inventories. Immutable; the upstream manager swaps in a new one atomically when something changes.
 *
 * Collision rule: when two upstreams would expose the same name (or URI, or URI template), that name is excluded from
 * the catalog for both, and the collision is reported (error log naming both upstreams, and /ping). Nothing is ever
 * silently overwritten. Duplicates within one upstream keep the first definition.
 */
import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import type { CatalogEntry, TargetKind, ToolAnnotations } from '../pipeline/context';
import type { UpstreamInventory } from './discovery';
import type { Naming } from './naming';

export type CatalogListKind = 'tools' | 'resources' | 'resourceTemplates' | 'prompts';

export interface Collision {
  readonly list: CatalogListKind;
  readonly exposedName: string;
  readonly upstreams: readonly string[];
}

interface TemplateRoute {
  readonly entry: CatalogEntry;
  readonly template: UriTemplate;
}

const KEY_OF: Record<CatalogListKind, string> = { tools: 'name', resources: 'uri', resourceTemplates: 'uriTemplate', prompts: 'name' };
const KIND_OF: Record<CatalogListKind, TargetKind> = { tools: 'tool', resources: 'resource', resourceTemplates: 'resource', prompts: 'prompt' };

function toEntry(list: CatalogListKind, upstream: string, def: Record<string, unknown>, name: string, exposedName: string): CatalogEntry {
  const key = KEY_OF[list];
  const definition = { ...def, [key]: exposedName };
  const entry: CatalogEntry = { kind: KIND_OF[list], upstream, name, exposedName, definition };
  if (list === 'tools') {
    const annotations = def.annotations && typeof def.annotations === 'object' ? (def.annotations as ToolAnnotations) : undefined;
    const inputSchema = def.inputSchema && typeof def.inputSchema === 'object' ? (def.inputSchema as Record<string, unknown>) : undefined;
    return { ...entry, annotations, inputSchema };
  }
  return entry;
}

export class Catalog {
  readonly tools: readonly CatalogEntry[];
  readonly resources: readonly CatalogEntry[];
  readonly resourceTemplates: readonly CatalogEntry[];
  readonly prompts: readonly CatalogEntry[];
  readonly collisions: readonly Collision[];
  private readonly byName: Record<CatalogListKind, Map<string, CatalogEntry>>;
  private readonly templateRoutes: readonly TemplateRoute[];

  private constructor(lists: Record<CatalogListKind, CatalogEntry[]>, collisions: Collision[], private readonly naming: Naming) {
    this.tools = lists.tools;
    this.resources = lists.resources;
    this.resourceTemplates = lists.resourceTemplates;
    this.prompts = lists.prompts;
    this.collisions = collisions;
    this.byName = {
      tools: new Map(lists.tools.map((e) => [e.exposedName, e])),
      resources: new Map(lists.resources.map((e) => [e.exposedName, e])),
      resourceTemplates: new Map(lists.resourceTemplates.map((e) => [e.exposedName, e])),
      prompts: new Map(lists.prompts.map((e) => [e.exposedName, e])),
    };
    const routes: TemplateRoute[] = [];
    for (const entry of lists.resourceTemplates) {
      try {
        routes.push({ entry, template: new UriTemplate(entry.name) });
      } catch {
        // An unparseable template can be listed but never matched.
      }
    }
    this.templateRoutes = routes;
  }

  static empty(naming: Naming): Catalog {
    return new Catalog({ tools: [], resources: [], resourceTemplates: [], prompts: [] }, [], naming);
  }

  /** Builds the catalog; `inventories` in configuration order (which decides list order). */
  static build(inventories: ReadonlyArray<readonly [string, UpstreamInventory]>, naming: Naming): Catalog {
    const lists: Record<CatalogListKind, CatalogEntry[]> = { tools: [], resources: [], resourceTemplates: [], prompts: [] };
    const collisions: Collision[] = [];
    for (const list of Object.keys(KEY_OF) as CatalogListKind[]) {
      const key = KEY_OF[list];
      const owners = new Map<string, CatalogEntry>();
      const excluded = new Map<string, Set<string>>();
      for (const [upstream, inv] of inventories) {
        for (const def of inv[list]) {
          const name = def[key];
          if (typeof name !== 'string' || name === '') continue;
          const exposed = naming.expose(upstream, name);
          const clash = excluded.get(exposed);
          if (clash) {
            clash.add(upstream);
            continue;
          }
          const owner = owners.get(exposed);
          if (!owner) {
            owners.set(exposed, toEntry(list, upstream, def, name, exposed));
          } else if (owner.upstream !== upstream) {
            owners.delete(exposed);
            excluded.set(exposed, new Set([owner.upstream, upstream]));
          }
        }
      }
      lists[list] = [...owners.values()];
      for (const [exposedName, ups] of excluded) collisions.push({ list, exposedName, upstreams: [...ups] });
    }
    return new Catalog(lists, collisions, naming);
  }

  tool(name: string): CatalogEntry | undefined {
    return this.byName.tools.get(name);
  }

  prompt(name: string): CatalogEntry | undefined {
    return this.byName.prompts.get(name);
  }

  /**
   * The target of resources/read: a listed resource with exactly this URI, else the first resource template (in
   * catalog order) whose exposed form matches. A template match yields an entry whose `name` is the upstream URI,
   * `exposedName` the requested URI, and whose definition is the template's plus the concrete `uri`.
   */
  resource(uri: string): CatalogEntry | undefined {
    const exact = this.byName.resources.get(uri);
    if (exact) return exact;
    for (const route of this.templateRoutes) {
      const upstreamUri = this.naming.strip(route.entry.upstream, uri);
      if (upstreamUri === undefined) continue;
      if (route.template.match(upstreamUri)) {
        return { ...route.entry, name: upstreamUri, exposedName: uri, definition: { ...route.entry.definition, uri } };
      }
    }
    return undefined;
  }

  /** The resource template exposed under exactly this URI template (for completion/complete). */
  resourceTemplate(uriTemplate: string): CatalogEntry | undefined {
    return this.byName.resourceTemplates.get(uriTemplate);
  }

  counts(upstream?: string): { tools: number; resources: number; resourceTemplates: number; prompts: number } {
    const n = (l: readonly CatalogEntry[]) => (upstream ? l.filter((e) => e.upstream === upstream).length : l.length);
    return { tools: n(this.tools), resources: n(this.resources), resourceTemplates: n(this.resourceTemplates), prompts: n(this.prompts) };
  }
}
