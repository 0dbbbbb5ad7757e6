/**
 * End-to-end: the BUILT proxy bundle in front of a real SDK upstream ("kitchen sink"), driven by the SDK client.
 * Covers discovery with pagination, every content type, structuredContent, isError, _meta, progress, cancellation,
 * upstream log relay, resources (incl. templates), prompts, completion, upstream errors and session expiry.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema, LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { connectClient } from '../support/client';
import { kitchenSink, KITCHEN_SINK_PROMPT_NAMES, KITCHEN_SINK_RESOURCE_URIS, KITCHEN_SINK_TOOL_NAMES, PNG_1PX, AUDIO_B64, type KitchenSinkState } from '../support/fixtures';
import { waitFor } from '../support/net';
import { spawnProxy, type SpawnedProxy } from '../support/proxy';
import { startSdkUpstream, type SdkUpstream } from '../support/upstream';

describe('proxy core: single SDK upstream', () => {
  const state: KitchenSinkState = { cancelled: [], calls: [] };
  let upstream: SdkUpstream;
  let proxy: SpawnedProxy;
  let client: Client;

  beforeAll(async () => {
    upstream = await startSdkUpstream(kitchenSink(state));
    proxy = await spawnProxy({ version: 1, upstreams: [{ name: 'sink', url: upstream.url, timeoutMs: 5000 }] });
    client = await connectClient(proxy.url);
  });

  afterAll(async () => {
    await client?.close();
    await proxy?.stop();
    await upstream?.close();
  });

  test('initialize answers with the proxy identity and capabilities', () => {
    expect(client.getServerVersion()?.name).toBe('mcp-governance-proxy');
    expect(client.getServerCapabilities()).toMatchObject({ tools: {}, resources: {}, prompts: {} });
  });

  test('tools/list re-exposes every tool across upstream pages, definitions intact, unprefixed with one upstream', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(KITCHEN_SINK_TOOL_NAMES);
    const echo = tools.find((t) => t.name === 'echo')!;
    expect(echo).toEqual({
      name: 'echo',
      title: 'Echo',
      description: 'Returns the given text.',
      inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
      annotations: { readOnlyHint: true, openWorldHint: false },
      _meta: { 'example.com/owner': 'team-a' },
    });
    expect(tools.find((t) => t.name === 'structured')!.outputSchema).toMatchObject({ required: ['city', 'tempC'] });
    expect(tools.find((t) => t.name === 'delete_everything')!.annotations).toMatchObject({ destructiveHint: true });
    const ready = proxy.logs().find((l) => l.msg === 'ready')!;
    expect(ready.tools).toBe(KITCHEN_SINK_TOOL_NAMES.length);
    expect(typeof ready.readyMs).toBe('number');
  });

  test('tools/call returns text and the result _meta intact, and the upstream sees the arguments', async () => {
    const res = await client.callTool({ name: 'echo', arguments: { text: 'héllo ✓' } });
    expect(res).toEqual({ content: [{ type: 'text', text: 'héllo ✓' }], _meta: { 'example.com/echoed': true } });
    expect(state.calls.at(-1)).toMatchObject({ name: 'echo', arguments: { text: 'héllo ✓' } });
  });

  test('image, audio, resource_link and embedded resources come back byte for byte', async () => {
    const res = await client.callTool({ name: 'media', arguments: {} });
    expect(res.content).toEqual([
      { type: 'text', text: 'media follows', annotations: { audience: ['user'], priority: 0.5 } },
      { type: 'image', data: PNG_1PX, mimeType: 'image/png' },
      { type: 'audio', data: AUDIO_B64, mimeType: 'audio/wav' },
      { type: 'resource_link', uri: 'file:///docs/readme.md', name: 'readme', mimeType: 'text/markdown' },
      { type: 'resource', resource: { uri: 'memo://today', mimeType: 'text/plain', text: 'buy milk' } },
      { type: 'resource', resource: { uri: 'file:///docs/logo.png', mimeType: 'image/png', blob: PNG_1PX } },
    ]);
  });

  test('structuredContent and isError pass through', async () => {
    const s = await client.callTool({ name: 'structured', arguments: { city: 'Oslo' } });
    expect(s.structuredContent).toEqual({ city: 'Oslo', tempC: 21.5 });
    const f = await client.callTool({ name: 'fail', arguments: {} });
    expect(f).toEqual({ content: [{ type: 'text', text: 'the tool failed on purpose' }], isError: true });
  });

  test('progress notifications reach the caller over SSE, then the result', async () => {
    const progress: { progress: number; total?: number; message?: string }[] = [];
    const res = await client.callTool({ name: 'slow', arguments: { steps: 3, stepMs: 10 } }, CallToolResultSchema, {
      onprogress: (p) => progress.push(p),
    });
    expect(res.content).toEqual([{ type: 'text', text: 'done after 3 steps' }]);
    expect(progress).toEqual([
      { progress: 1, total: 3, message: 'step 1' },
      { progress: 2, total: 3, message: 'step 2' },
      { progress: 3, total: 3, message: 'step 3' },
    ]);
  });

  test('upstream log messages during a call are relayed to that caller', async () => {
    const logs: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      logs.push(n.params);
    });
    const res = await client.callTool({ name: 'logs', arguments: {} });
    expect(res.content).toEqual([{ type: 'text', text: 'logged twice' }]);
    expect(logs).toEqual([
      { level: 'info', logger: 'sink', data: 'first entry' },
      { level: 'warning', data: { detail: 'second entry' } },
    ]);
  });

  test('caller cancellation aborts the upstream request', async () => {
    const ac = new AbortController();
    const call = client.callTool({ name: 'slow', arguments: { steps: 200, stepMs: 50 } }, CallToolResultSchema, { signal: ac.signal });
    await waitFor(() => state.calls.some((c) => c.name === 'slow' && (c.arguments as { steps?: number }).steps === 200), { what: 'slow call upstream' });
    ac.abort();
    await expect(call).rejects.toThrow();
    await waitFor(() => state.cancelled.includes('slow'), { what: 'upstream saw cancellation', timeoutMs: 5000 });
  });

  test('notifications/cancelled from the caller (connection kept open) cancels its request and the upstream call', async () => {
    const before = state.cancelled.filter((n) => n === 'slow').length;
    const headers = { 'content-type': 'application/json', accept: 'application/json', 'mcp-session-id': 'cancel-test' };
    const call = fetch(proxy.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', id: 'to-cancel', method: 'tools/call', params: { name: 'slow', arguments: { steps: 200, stepMs: 50, tag: 'n' } } }),
    });
    await waitFor(() => state.calls.some((c) => c.name === 'slow' && (c.arguments as { tag?: string }).tag === 'n'), { what: 'slow call upstream' });
    // Another session's notification with the same request id must not cancel it.
    const other = await fetch(proxy.url, {
      method: 'POST',
      headers: { ...headers, 'mcp-session-id': 'someone-else' },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'to-cancel' } }),
    });
    expect(other.status).toBe(202);
    let settled = false;
    void call.then(() => (settled = true), () => (settled = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(settled).toBe(false);
    const own = await fetch(proxy.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'to-cancel', reason: 'user' } }),
    });
    expect(own.status).toBe(202);
    const answer = (await (await call).json()) as { id: string; error?: { message: string } };
    expect(answer.id).toBe('to-cancel');
    expect(answer.error?.message).toBe('Request cancelled');
    await waitFor(() => state.cancelled.filter((n) => n === 'slow').length > before, { what: 'upstream saw cancellation', timeoutMs: 5000 });
  });

  test('an upstream JSON-RPC error passes through with its code and message', async () => {
    await expect(client.callTool({ name: 'throws', arguments: {} })).rejects.toMatchObject({ code: -32602, message: expect.stringContaining('bad argument: x must be positive') });
  });

  test('an unknown tool is invalid params (-32602) and never reaches the upstream', async () => {
    const before = state.calls.length;
    await expect(client.callTool({ name: 'nope', arguments: {} })).rejects.toMatchObject({ code: -32602, message: expect.stringContaining('Unknown tool: nope') });
    expect(state.calls.length).toBe(before);
  });

  test('resources: list across pages, templates, read text/blob/_meta, read through a template, unknown URI', async () => {
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toEqual(KITCHEN_SINK_RESOURCE_URIS);
    expect(resources[0]).toEqual({ uri: 'file:///docs/readme.md', name: 'readme', title: 'Read me', mimeType: 'text/markdown', description: 'Project read-me' });
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates).toEqual([{ uriTemplate: 'file:///notes/{id}', name: 'note', mimeType: 'text/plain', description: 'A note by id' }]);
    expect((await client.readResource({ uri: 'file:///docs/readme.md' })).contents).toEqual([{ uri: 'file:///docs/readme.md', mimeType: 'text/markdown', text: '# Read me\nHello.' }]);
    expect((await client.readResource({ uri: 'file:///docs/logo.png' })).contents).toEqual([{ uri: 'file:///docs/logo.png', mimeType: 'image/png', blob: PNG_1PX }]);
    expect((await client.readResource({ uri: 'memo://today' })).contents[0]._meta).toEqual({ 'example.com/fresh': true });
    expect((await client.readResource({ uri: 'file:///notes/42' })).contents).toEqual([{ uri: 'file:///notes/42', mimeType: 'text/plain', text: 'note 42' }]);
    await expect(client.readResource({ uri: 'file:///etc/passwd' })).rejects.toMatchObject({ code: -32602, message: expect.stringContaining('Unknown resource') });
  });

  test('prompts: list across pages, get with arguments, embedded resource and image', async () => {
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(KITCHEN_SINK_PROMPT_NAMES);
    expect(prompts[0]).toEqual({ name: 'greet', title: 'Greeting', description: 'Greets someone', arguments: [{ name: 'who', required: true }] });
    expect(await client.getPrompt({ name: 'greet', arguments: { who: 'Ada' } })).toEqual({ description: 'greeting', messages: [{ role: 'user', content: { type: 'text', text: 'Hello, Ada!' } }] });
    const wr = await client.getPrompt({ name: 'with_resource' });
    expect(wr.messages.map((m) => m.content.type)).toEqual(['resource', 'image']);
    await expect(client.getPrompt({ name: 'nope' })).rejects.toMatchObject({ code: -32602 });
  });

  test('completion/complete is routed by its prompt ref', async () => {
    const res = await client.complete({ ref: { type: 'ref/prompt', name: 'greet' }, argument: { name: 'who', value: 'al' } });
    expect(res.completion.values).toEqual(['alice', 'albert']);
  });

  test('an expired upstream session is re-established transparently', async () => {
    const before = upstream.sessionsOpened();
    await upstream.expireSessions();
    const res = await client.callTool({ name: 'echo', arguments: { text: 'after expiry' } });
    expect(res.content).toEqual([{ type: 'text', text: 'after expiry' }]);
    expect(upstream.sessionsOpened()).toBe(before + 1);
  });

  test('GET /ping reports Healthy with the upstream state', async () => {
    const res = await fetch(`${proxy.baseUrl}/ping`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'Healthy', ready: true, degraded: [], upstreams: [{ name: 'sink', state: 'healthy', tools: KITCHEN_SINK_TOOL_NAMES.length }] });
    expect(typeof body.time_of_last_update).toBe('number');
  });

  test('GET /ping says HealthyBusy while a request is in flight', async () => {
    const call = client.callTool({ name: 'slow', arguments: { steps: 4, stepMs: 100 } });
    await waitFor(() => state.calls.some((c) => c.name === 'slow' && (c.arguments as { steps?: number }).steps === 4), { what: 'slow call' });
    const busy = (await (await fetch(`${proxy.baseUrl}/ping`)).json()) as { status: string; inFlight: number };
    expect(busy).toMatchObject({ status: 'HealthyBusy', inFlight: 1 });
    await call;
    await waitFor(async () => ((await (await fetch(`${proxy.baseUrl}/ping`)).json()) as { status: string }).status === 'Healthy', { what: 'Healthy again' });
  });

  test('session headers from AgentCore are accepted and not required', async () => {
    const other = await connectClient(proxy.url, {
      headers: { 'Mcp-Session-Id': 'abc', 'X-Amzn-Bedrock-AgentCore-Runtime-Session-Id': 'runtime-session-0123456789012345678901234' },
    });
    expect((await other.callTool({ name: 'echo', arguments: { text: 'x' } })).content).toEqual([{ type: 'text', text: 'x' }]);
    await other.close();
  });

  test('SIGTERM shuts down gracefully with exit code 0', async () => {
    const second = await spawnProxy({ version: 1, upstreams: [{ name: 'sink', url: upstream.url }] });
    const c = await connectClient(second.url);
    const slow = c.callTool({ name: 'slow', arguments: { steps: 5, stepMs: 40 } });
    await waitFor(() => state.calls.filter((x) => x.name === 'slow' && (x.arguments as { steps?: number }).steps === 5).length > 0, { what: 'slow call' });
    const code = second.stop('SIGTERM');
    expect((await slow).content).toEqual([{ type: 'text', text: 'done after 5 steps' }]);
    expect(await code).toBe(0);
    expect(second.logs().map((l) => l.msg)).toEqual(expect.arrayContaining(['shutting down', 'stopped']));
    await c.close().catch(() => {});
  });
});
