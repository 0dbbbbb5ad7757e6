/**
 * End-to-end: the BUILT proxy in front of several upstreams at once. Namespacing of tools, prompts and resource URIs
 * (reversible: read back through the exposed URI and template), a collision detected when a late upstream comes up
 * (excluded for both, reported on /ping and in the logs), and an upstream down at start-up: degraded, then healthy
 * once it appears, with its tools added to the catalog.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { connectClient } from '../support/client';
import { kitchenSink, KITCHEN_SINK_TOOL_NAMES } from '../support/fixtures';
import { freePort, waitFor } from '../support/net';
import { spawnProxy, type SpawnedProxy } from '../support/proxy';
import { startSdkUpstream, type SdkUpstream } from '../support/upstream';

function smallServer(name: string, extraTool: string): () => McpServer {
  return () => {
    const s = new McpServer({ name, version: '1.0.0' });
    s.registerTool('echo', { description: `echo from ${name}`, inputSchema: { text: z.string() } }, async ({ text }) => ({
      content: [{ type: 'text', text: `${name}: ${text}` }],
    }));
    s.registerTool(extraTool, { description: `only on ${name}` }, async () => ({ content: [{ type: 'text', text: `${extraTool} ran` }] }));
    s.registerPrompt('hello', { description: 'hello prompt' }, async () => ({ messages: [{ role: 'user', content: { type: 'text', text: `hello from ${name}` } }] }));
    return s;
  };
}

interface Ping {
  status: string;
  degraded: string[];
  upstreams: { name: string; state: string; tools: number }[];
  collisions: { list: string; exposedName: string; upstreams: string[] }[];
}

describe('proxy core: several upstreams', () => {
  let alpha: SdkUpstream;
  let beta: SdkUpstream;
  let gamma: SdkUpstream | undefined;
  let gammaPort: number;
  let proxy: SpawnedProxy;
  let client: Client;
  const ping = async () => (await (await fetch(`${proxy.baseUrl}/ping`)).json()) as Ping;

  beforeAll(async () => {
    alpha = await startSdkUpstream(kitchenSink({ cancelled: [], calls: [] }, 'alpha'));
    beta = await startSdkUpstream(smallServer('beta', 'weather'));
    gammaPort = await freePort();
    proxy = await spawnProxy({
      version: 1,
      discovery: { initialRetryDelayMs: 200, maxRetryDelayMs: 400 },
      upstreams: [
        { name: 'alpha', url: alpha.url },
        { name: 'beta', url: beta.url },
        // Down at start-up; shares beta's prefix, so its `echo` will collide with beta's when it comes up.
        { name: 'gamma', url: `http://127.0.0.1:${gammaPort}/mcp`, prefix: 'beta', timeoutMs: 1000 },
      ],
    });
    client = await connectClient(proxy.url);
  });

  afterAll(async () => {
    await client?.close();
    await proxy?.stop();
    await Promise.all([alpha?.close(), beta?.close(), gamma?.close()]);
  });

  test('an upstream down at start-up does not stop the proxy: it is degraded on /ping and in the logs', async () => {
    const p = await ping();
    expect(p.status).toBe('Healthy');
    expect(p.degraded).toEqual(['gamma']);
    expect(p.upstreams.map((u) => [u.name, u.state])).toEqual([['alpha', 'healthy'], ['beta', 'healthy'], ['gamma', 'degraded']]);
    const warn = proxy.logs().find((l) => l.msg === 'upstream degraded' && l.upstream === 'gamma');
    expect(warn).toBeDefined();
    expect(proxy.logs().find((l) => l.msg === 'ready')).toMatchObject({ degraded: ['gamma'] });
  });

  test('tools are namespaced <upstream>__<tool> (auto mode with several upstreams), definitions intact', async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toEqual([...KITCHEN_SINK_TOOL_NAMES.map((n) => `alpha__${n}`), 'beta__echo', 'beta__weather']);
    expect(tools.find((t) => t.name === 'alpha__echo')).toMatchObject({ title: 'Echo', _meta: { 'example.com/owner': 'team-a' } });
    expect((await client.callTool({ name: 'beta__echo', arguments: { text: 'hi' } })).content).toEqual([{ type: 'text', text: 'beta: hi' }]);
    expect((await client.callTool({ name: 'alpha__echo', arguments: { text: 'hi' } })).content).toEqual([{ type: 'text', text: 'hi' }]);
    await expect(client.callTool({ name: 'echo', arguments: { text: 'hi' } })).rejects.toMatchObject({ code: -32602 });
  });

  test('prompts and resource URIs are namespaced the same way and read back through the exposed form', async () => {
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(expect.arrayContaining(['alpha__greet', 'beta__hello']));
    expect((await client.getPrompt({ name: 'beta__hello' })).messages[0].content).toEqual({ type: 'text', text: 'hello from beta' });
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toEqual(['alpha__file:///docs/readme.md', 'alpha__file:///docs/logo.png', 'alpha__memo://today']);
    const read = await client.readResource({ uri: 'alpha__file:///docs/readme.md' });
    expect(read.contents).toEqual([{ uri: 'alpha__file:///docs/readme.md', mimeType: 'text/markdown', text: '# Read me\nHello.' }]);
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toEqual(['alpha__file:///notes/{id}']);
    expect((await client.readResource({ uri: 'alpha__file:///notes/7' })).contents[0]).toMatchObject({ uri: 'alpha__file:///notes/7', text: 'note 7' });
    // Links and embedded resources in tool results point at the exposed URIs, so they can be read back.
    const media = await client.callTool({ name: 'alpha__media', arguments: {} });
    const link = (media.content as { type: string; uri?: string }[]).find((c) => c.type === 'resource_link');
    expect(link?.uri).toBe('alpha__file:///docs/readme.md');
    await expect(client.readResource({ uri: 'file:///docs/readme.md' })).rejects.toMatchObject({ code: -32602 });
  });

  test('when the down upstream comes up: healthy on /ping, its tools added, a collision excluded for both and reported', async () => {
    gamma = await startSdkUpstream(smallServer('gamma', 'gamma_only'), { port: gammaPort });
    const p = await waitFor(async () => {
      const r = await ping();
      return r.degraded.length === 0 ? r : undefined;
    }, { timeoutMs: 15_000, what: 'gamma healthy' });
    expect(p.upstreams.find((u) => u.name === 'gamma')).toMatchObject({ state: 'healthy', tools: 1 });
    expect(p.collisions).toEqual(expect.arrayContaining([{ list: 'tools', exposedName: 'beta__echo', upstreams: ['beta', 'gamma'] }]));
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('beta__gamma_only');
    expect(names).toContain('beta__weather');
    expect(names).not.toContain('beta__echo');
    await expect(client.callTool({ name: 'beta__echo', arguments: { text: 'x' } })).rejects.toMatchObject({ code: -32602 });
    expect((await client.callTool({ name: 'beta__gamma_only', arguments: {} })).content).toEqual([{ type: 'text', text: 'gamma_only ran' }]);
    const err = proxy.logs().find((l) => l.msg.startsWith('name collision') && l.name === 'beta__echo');
    expect(err).toMatchObject({ level: 'error', upstreams: ['beta', 'gamma'] });
  });
});
