/**
 * End-to-end: the catalog follows the upstreams without blocking calls. An upstream's notifications/tools/list_changed
 * triggers re-discovery; the periodic refresh (discovery.refreshIntervalMs) picks up changes from an upstream that
 * cannot notify (stateless).
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { connectClient } from '../support/client';
import { waitFor } from '../support/net';
import { spawnProxy, type SpawnedProxy } from '../support/proxy';
import { startSdkUpstream, type SdkUpstream } from '../support/upstream';

function server(names: readonly string[], created?: McpServer[]): () => McpServer {
  return () => {
    const s = new McpServer({ name: 'dynamic', version: '1.0.0' }, { capabilities: { tools: { listChanged: true } } });
    for (const n of names) s.registerTool(n, { description: n }, async () => ({ content: [{ type: 'text', text: `${n} ran` }] }));
    created?.push(s);
    return s;
  };
}

describe('proxy core: catalog refresh', () => {
  const opened: SpawnedProxy[] = [];
  const upstreams: SdkUpstream[] = [];
  const clients: Client[] = [];

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(opened.map((p) => p.stop()));
    await Promise.all(upstreams.map((u) => u.close()));
  });

  test('notifications/tools/list_changed from the upstream adds the new tool without a restart', async () => {
    const created: McpServer[] = [];
    const up = await startSdkUpstream(server(['first'], created));
    upstreams.push(up);
    const proxy = await spawnProxy({ version: 1, discovery: { refreshIntervalMs: 0 }, upstreams: [{ name: 'dyn', url: up.url }] });
    opened.push(proxy);
    const client = await connectClient(proxy.url);
    clients.push(client);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['first']);
    // Registering on the live upstream session makes the SDK server send notifications/tools/list_changed.
    for (const s of created) s.registerTool('second', { description: 'second' }, async () => ({ content: [{ type: 'text', text: 'second ran' }] }));
    await waitFor(async () => (await client.listTools()).tools.some((t) => t.name === 'second'), { timeoutMs: 10_000, what: 'the new tool' });
    expect((await client.callTool({ name: 'second', arguments: {} })).content).toEqual([{ type: 'text', text: 'second ran' }]);
    expect(proxy.logs().some((l) => l.msg === 'upstream list changed' && l.upstream === 'dyn')).toBe(true);
  });

  test('the periodic refresh picks up changes from an upstream that cannot notify', async () => {
    const names = ['alpha'];
    const up = await startSdkUpstream(server(names), { mode: 'stateless' });
    upstreams.push(up);
    const proxy = await spawnProxy({ version: 1, discovery: { refreshIntervalMs: 250 }, upstreams: [{ name: 'st', url: up.url }] });
    opened.push(proxy);
    const client = await connectClient(proxy.url);
    clients.push(client);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['alpha']);
    names.push('beta');
    names.shift();
    await waitFor(async () => {
      const tools = (await client.listTools()).tools.map((t) => t.name);
      return tools.length === 1 && tools[0] === 'beta';
    }, { timeoutMs: 10_000, what: 'the refreshed catalog' });
    await expect(client.callTool({ name: 'alpha', arguments: {} })).rejects.toMatchObject({ code: -32602 });
    expect((await client.callTool({ name: 'beta', arguments: {} })).content).toEqual([{ type: 'text', text: 'beta ran' }]);
  });
});
