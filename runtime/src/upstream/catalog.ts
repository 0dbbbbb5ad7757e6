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
import { normalizeUri, templateFixedPrefix } from './uri';

export type CatalogListKind = 'tools' | 'resources' | 'resourceTemplates' | 'prompts';

export interface Collision {
  readonly list: CatalogListKind;
  readonly exposedName: string;
  readonly upstreams: readonly string[];
}

interface TemplateRoute {
  readonly entry: CatalogEntry;
  readonly template: UriTemplate;
  /** The template's literal text before its first expression, normalized except for dot segments (see uri.ts). */
  readonly fixedPrefix?: string;
}

/**
 * How a requested resource URI resolved: to a target, to nothing (unknown), or to a refusal. `hidden` refusals (a
 * `..` that climbs out of a template's fixed prefix) must answer exactly like an unknown resource; the others depend
 * on the URI's text only and may say why.
 */
export type ResourceResolution =
  | { readonly entry: CatalogEntry; readonly refusal?: undefined }
  | { readonly entry?: undefined; readonly refusal?: { readonly reason: string; readonly hidden: boolean } };

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
  /** Listed resources by their normalized exposed URI (only those whose URI normalizes; the first of equals wins). */
  private readonly normalizedResources = new Map<string, CatalogEntry>();
  /** The prefixes of the upstreams that expose resources or templates, each once. */
  private readonly resourcePrefixes: readonly string[];

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
        const fixed = normalizeUri(templateFixedPrefix(entry.name));
        routes.push({ entry, template: new UriTemplate(entry.name), fixedPrefix: fixed.ok ? fixed.lexical : undefined });
      } catch {
        // An unparseable template can be listed but never matched.
      }
    }
    this.templateRoutes = routes;
    for (const entry of lists.resources) {
      const prefix = naming.prefixOf(entry.upstream);
      const n = normalizeUri(entry.name);
      if (n.ok && !this.normalizedResources.has(prefix + n.uri)) this.normalizedResources.set(prefix + n.uri, entry);
    }
    this.resourcePrefixes = [...new Set([...lists.resources, ...lists.resourceTemplates].map((e) => naming.prefixOf(e.upstream)))];
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

  /** The target of resources/read, or undefined when the URI is unknown or refused (see resolveResource). */
  resource(uri: string): CatalogEntry | undefined {
    return this.resolveResource(uri).entry;
  }

  /**
   * The target of resources/read (and subscribe, and completion on a resource). A listed resource whose URI is exactly
   * the requested text is that resource. Otherwise the upstream part of the requested URI (after the upstream's
   * prefix) is normalized (uri.ts) and matched: a listed resource with the same normalized URI, else the first
   * resource template (in catalog order) that matches it. A template match yields an entry whose `name` is the
   * normalized upstream URI (what Cedar evaluates and what the upstream receives), `exposedName` its exposed form, and
   * whose definition is the template's plus the concrete `uri`. A URI that normalization refuses, or whose `..`
   * climbs out of a template's fixed prefix (`res://host/public/../secret`), resolves to a refusal.
   */
  resolveResource(uri: string): ResourceResolution {
    const exact = this.byName.resources.get(uri);
    if (exact) return { entry: exact };
    let refusal: { reason: string; hidden: boolean } | undefined;
    const normalized = new Map<string, ReturnType<typeof normalizeUri>>();
    for (const prefix of this.resourcePrefixes) {
      if (!uri.startsWith(prefix)) continue;
      const n = normalizeUri(uri.slice(prefix.length));
      normalized.set(prefix, n);
      if (!n.ok) refusal ??= { reason: n.reason, hidden: false };
    }
    for (const route of this.templateRoutes) {
      const n = normalized.get(this.naming.prefixOf(route.entry.upstream));
      const fixed = route.fixedPrefix;
      if (n?.ok && n.climbed && fixed !== undefined && n.lexical.startsWith(fixed) && !n.uri.startsWith(fixed)) {
        return { refusal: { reason: 'a ".." segment climbs out of a resource template', hidden: true } };
      }
    }
    for (const [prefix, n] of normalized) {
      const listed = n.ok ? this.normalizedResources.get(prefix + n.uri) : undefined;
      if (listed && this.naming.prefixOf(listed.upstream) === prefix) return { entry: listed };
    }
    for (const route of this.templateRoutes) {
      const prefix = this.naming.prefixOf(route.entry.upstream);
      const n = normalized.get(prefix);
      if (!n?.ok) continue;
      let matched: boolean;
      try {
        matched = route.template.match(n.uri) !== null;
      } catch {
        matched = false; // longer than the SDK matcher accepts
      }
      if (matched) {
        const exposed = prefix + n.uri;
        return { entry: { ...route.entry, name: n.uri, exposedName: exposed, definition: { ...route.entry.definition, uri: exposed } } };
      }
    }
    return refusal ? { refusal } : {};
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
