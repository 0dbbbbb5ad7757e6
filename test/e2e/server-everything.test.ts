/**
 * End-to-end: the BUILT proxy in front of @modelcontextprotocol/server-everything (Streamable HTTP). What the proxy
 * serves must equal what the upstream serves directly: the tool, prompt and resource catalogs (the proxy returns every
 * page at once), and the results of deterministic tool calls, prompts and resource reads.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { connectClient, PROXY_UPSTREAM_CAPABILITIES } from '../support/client';
import { startServerEverything, type EverythingServer } from '../support/everything';
import { spawnProxy, type SpawnedProxy } from '../support/proxy';

async function listAll<T>(fetchPage: (cursor?: string) => Promise<{ items: T[]; nextCursor?: string }>): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 100; i++) {
    const page = await fetchPage(cursor);
    all.push(...page.items);
    if (!page.nextCursor) return all;
    cursor = page.nextCursor;
  }
  throw new Error('too many pages');
}

/** A result with server-everything's "created at <time>" stamps (plain or base64 inside blobs) replaced by a constant. */
function withoutCreationTime(result: unknown): unknown {
  const unstamp = (text: string) => text.replace(/created at [^"\\]*/g, 'created at <time>');
  return JSON.parse(
    JSON.stringify(result, (key, value) => {
      if (typeof value !== 'string') return value;
      if (key === 'blob') return Buffer.from(unstamp(Buffer.from(value, 'base64').toString('utf8'))).toString('base64');
      return unstamp(value);
    }),
  );
}

describe('proxy core: in front of server-everything', () => {
  let everything: EverythingServer;
  let proxy: SpawnedProxy;
  let direct: Client;
  let viaProxy: Client;

  beforeAll(async () => {
    everything = await startServerEverything();
    proxy = await spawnProxy({ version: 1, upstreams: [{ name: 'everything', url: everything.url, timeoutMs: 10_000 }] });
    // server-everything offers some tools only to clients that can sample or elicit: compare like with like.
    direct = await connectClient(everything.url, { capabilities: PROXY_UPSTREAM_CAPABILITIES });
    viaProxy = await connectClient(proxy.url);
  });

  afterAll(async () => {
    await viaProxy?.close();
    await direct?.close();
    await proxy?.stop();
    await everything?.stop();
  });

  test('tools/list through the proxy equals the upstream catalog', async () => {
    const up = await listAll(async (cursor) => {
      const r = await direct.listTools({ cursor });
      return { items: r.tools, nextCursor: r.nextCursor };
    });
    const mine = await viaProxy.listTools();
    expect(mine.nextCursor).toBeUndefined();
    expect(mine.tools).toEqual(up);
    expect(up.length).toBeGreaterThan(5);
  });

  test('resources (all pages), templates and prompts through the proxy equal the upstream', async () => {
    const upRes = await listAll(async (cursor) => {
      const r = await direct.listResources({ cursor });
      return { items: r.resources, nextCursor: r.nextCursor };
    });
    const mine = await viaProxy.listResources();
    expect(mine.resources).toEqual(upRes);
    expect((await viaProxy.listResourceTemplates()).resourceTemplates).toEqual((await direct.listResourceTemplates()).resourceTemplates);
    const upPrompts = await listAll(async (cursor) => {
      const r = await direct.listPrompts({ cursor });
      return { items: r.prompts, nextCursor: r.nextCursor };
    });
    expect((await viaProxy.listPrompts()).prompts).toEqual(upPrompts);
  });

  test.each([
    ['echo', { message: 'hello through the proxy' }],
    ['get-sum', { a: 2, b: 40 }],
    ['get-tiny-image', {}],
    ['get-annotated-message', { messageType: 'success', includeImage: true }],
    ['get-resource-reference', { resourceType: 'Blob', resourceId: 2 }],
    ['get-resource-links', { count: 3 }],
    ['get-structured-content', { location: 'Chicago' }],
  ])('tools/call %s: identical result through the proxy', async (name, args) => {
    const a = await direct.callTool({ name, arguments: args });
    const b = await viaProxy.callTool({ name, arguments: args });
    // server-everything stamps generated resources with the time of day ("created at 4:05:59 AM", inside a base64
    // blob for Blob resources): two calls a second apart differ there and nowhere else.
    expect(withoutCreationTime(b)).toEqual(withoutCreationTime(a));
    expect(b.content).toBeDefined();
  });

  test('a long-running operation streams progress through the proxy', async () => {
    const progress: number[] = [];
    const r = await viaProxy.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } }, CallToolResultSchema, {
      onprogress: (p) => progress.push(p.progress),
    });
    expect(progress).toEqual([1, 2, 3]);
    expect(JSON.stringify(r.content)).toContain('completed');
  });

  test('prompts/get and resources/read through the proxy equal the upstream', async () => {
    const { prompts } = await direct.listPrompts();
    const simple = prompts.find((p) => !p.arguments || p.arguments.every((a) => !a.required))!;
    expect(await viaProxy.getPrompt({ name: simple.name })).toEqual(await direct.getPrompt({ name: simple.name }));
    const { resources } = await direct.listResources();
    for (const r of resources.slice(0, 3)) {
      expect(await viaProxy.readResource({ uri: r.uri })).toEqual(await direct.readResource({ uri: r.uri }));
    }
  });
});
