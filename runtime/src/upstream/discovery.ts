/** Lists everything an upstream offers (tools, resources, resource templates, prompts), following cursor pagination. */
import type { UpstreamClient } from './client';

/** What one upstream offers, as it returned it (definitions untouched). */
export interface UpstreamInventory {
  readonly tools: readonly Record<string, unknown>[];
  readonly resources: readonly Record<string, unknown>[];
  readonly resourceTemplates: readonly Record<string, unknown>[];
  readonly prompts: readonly Record<string, unknown>[];
}

export const EMPTY_INVENTORY: UpstreamInventory = { tools: [], resources: [], resourceTemplates: [], prompts: [] };

/** Upper bound on pages per list, so a cursor loop in a buggy upstream cannot spin forever. */
export const MAX_PAGES = 1000;

async function listAll(client: UpstreamClient, method: string, key: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await client.request(method, cursor === undefined ? undefined : { cursor });
    const list = result[key];
    if (!Array.isArray(list)) throw new Error(`${method}: result has no "${key}" array`);
    for (const item of list) if (item && typeof item === 'object') items.push(item as Record<string, unknown>);
    const next = result.nextCursor;
    if (typeof next !== 'string' || next === '') return items;
    if (seen.has(next)) throw new Error(`${method}: upstream repeated cursor`);
    seen.add(next);
    cursor = next;
  }
  throw new Error(`${method}: more than ${MAX_PAGES} pages`);
}

/** Some servers with resources do not implement resources/templates/list: that means "no templates". */
function methodNotFoundAsEmpty(err: unknown): Record<string, unknown>[] {
  if ((err as { code?: number }).code === -32601) return [];
  throw err;
}

/** Connects if needed, then lists what the upstream's capabilities say it has. Throws on any failure. */
export async function discover(client: UpstreamClient): Promise<UpstreamInventory> {
  await client.connect();
  const caps = client.capabilities ?? {};
  const [tools, resources, resourceTemplates, prompts] = await Promise.all([
    caps.tools ? listAll(client, 'tools/list', 'tools') : [],
    caps.resources ? listAll(client, 'resources/list', 'resources') : [],
    caps.resources ? listAll(client, 'resources/templates/list', 'resourceTemplates').catch(methodNotFoundAsEmpty) : [],
    caps.prompts ? listAll(client, 'prompts/list', 'prompts') : [],
  ]);
  return { tools, resources, resourceTemplates, prompts };
}
