/**
 * A modern (2026-07-28) caller's request-scoped streams through the BUILT proxy, in front of 2025 upstreams (SDK v1 on
 * loopback, the proxy's upstream leg pinned to legacy): log messages only when the request set a log level, and only
 * at or above it; progress on the request's own stream with the caller's token; cancellation by closing the stream
 * reaches the upstream; a 2025 upstream's server-to-client request for a capability the modern caller did not
 * declare ends the call with 400 / -32021 naming it; and an upstream's list change reaches the subscriptions/listen
 * streams that asked for that list, and no other.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { createReferenceServer } from '../conformance/reference-server';
import { waitFor } from '../support/net';
import { spawnProxy, type SpawnedProxy } from '../support/proxy';
import { startSdkUpstream, type SdkUpstream } from '../support/upstream';

const MODERN = '2026-07-28';
let ref: SdkUpstream;
let slow: SdkUpstream;
let proxy: SpawnedProxy;
const cancelled: string[] = [];
let grown = 0;

interface Frame {
  readonly jsonrpc?: string;
  readonly id?: string | number;
  readonly method?: string;
  readonly params?: Record<string, unknown>;
  readonly result?: Record<string, unknown>;
  readonly error?: { code: number; message: string; data?: Record<string, unknown> };
}

/** POSTs one modern tools/call and reads every JSON-RPC message of its answer (JSON body or SSE stream). */
async function call(name: string, meta: Record<string, unknown> = {}, capabilities: Record<string, unknown> = {}, signal?: AbortSignal): Promise<{ status: number; frames: Frame[] }> {
  const body = {
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: { name, arguments: {}, _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': capabilities, ...meta } },
  };
  const res = await fetch(proxy.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': name },
    body: JSON.stringify(body),
    signal,
  });
  const text = await res.text();
  const frames = (res.headers.get('content-type') ?? '').includes('text/event-stream')
    ? [...text.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1]) as Frame)
    : [JSON.parse(text) as Frame];
  return { status: res.status, frames };
}

beforeAll(async () => {
  ref = await startSdkUpstream(createReferenceServer);
  slow = await startSdkUpstream(() => {
    const s = new McpServer({ name: 'slow', version: '1.0.0' });
    s.registerTool('wait', { description: 'Waits until cancelled' }, async (extra) => {
      await new Promise<void>((resolve) => extra.signal.addEventListener('abort', () => resolve(), { once: true }));
      cancelled.push(String(extra.requestId));
      return { content: [{ type: 'text', text: 'cancelled' }] };
    });
    // Adds a tool: the SDK tells the session's client (the proxy) that its tool list changed.
    s.registerTool('grow', { description: 'Adds a tool' }, async () => {
      const n = ++grown;
      s.registerTool(`grown_${n}`, { description: 'Added at run time' }, async () => ({ content: [{ type: 'text', text: String(n) }] }));
      return { content: [{ type: 'text', text: `grown_${n}` }] };
    });
    return s;
  });
  proxy = await spawnProxy(
    {
      version: 1,
      upstreams: [
        { name: 'ref', url: ref.url, timeoutMs: 30_000, protocol: 'legacy' },
        { name: 'slow', url: slow.url, timeoutMs: 30_000, protocol: 'legacy' },
      ],
    },
    { env: { MCP_PROXY_LOG_LEVEL: 'info' } },
  );
}, 60_000);

afterAll(async () => {
  await proxy?.stop();
  await ref?.close();
  await slow?.close();
});

test('server/discover advertises logging and completions because an upstream declared them', async () => {
  const res = await fetch(proxy.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': MODERN, 'mcp-method': 'server/discover' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 'd', method: 'server/discover', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {} } } }),
  });
  const result = ((await res.json()) as { result: Record<string, unknown> }).result;
  expect(result).toMatchObject({
    resultType: 'complete',
    supportedVersions: expect.arrayContaining([MODERN, '2025-11-25']),
    capabilities: { tools: { listChanged: true }, logging: {}, completions: {} },
    ttlMs: 0,
    cacheScope: 'public',
    _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'mcp-governance-proxy' } },
  });
});

describe('log messages are request-scoped and asked for', () => {
  test.each([
    ['no log level: none', {}, 0],
    ['level info: the three info messages', { 'io.modelcontextprotocol/logLevel': 'info' }, 3],
    ['level debug: the same three', { 'io.modelcontextprotocol/logLevel': 'debug' }, 3],
    ['level error: none (they are info)', { 'io.modelcontextprotocol/logLevel': 'error' }, 0],
  ])('%s', async (_label, meta, count) => {
    const { status, frames } = await call('ref__test_tool_with_logging', meta);
    expect(status).toBe(200);
    expect(frames.filter((f) => f.method === 'notifications/message')).toHaveLength(count);
    expect(frames.at(-1)?.result).toMatchObject({ resultType: 'complete', content: [{ type: 'text', text: 'Tool with logging executed successfully' }] });
  });
});

test("progress travels on the request's own stream with the caller's token, before the result", async () => {
  const { frames } = await call('ref__test_tool_with_progress', { progressToken: 'p-42' });
  const progress = frames.filter((f) => f.method === 'notifications/progress').map((f) => f.params);
  expect(progress).toEqual([0, 50, 100].map((p) => ({ progressToken: 'p-42', progress: p, total: 100 })));
  expect(frames.at(-1)?.result?.resultType).toBe('complete');
});

test('closing the response stream cancels the call at the upstream', async () => {
  const ac = new AbortController();
  const pending = call('slow__wait', {}, {}, ac.signal).then(() => new Error('answered'), (err: Error) => err);
  await waitFor(() => slow.requests.some((r) => (r.body as { method?: string } | undefined)?.method === 'tools/call'), { what: 'the call reached the upstream' });
  ac.abort();
  expect((await pending as Error).name).toBe('AbortError');
  await waitFor(() => cancelled.length > 0, { what: 'the upstream saw the cancellation' });
});

describe('a 2025 upstream asks a modern caller for sampling', () => {
  test('not declared: 400 / -32021 naming the capability; the proxy keeps serving', async () => {
    const { status, frames } = await call('ref__test_sampling');
    expect(status).toBe(400);
    expect(frames[0].error).toMatchObject({ code: -32021, data: { requiredCapabilities: { sampling: {} } } });
    expect((await call('ref__test_simple_text')).frames[0].result?.resultType).toBe('complete');
  });

  test('declared: not bridged into an input_required result (a separate piece of work), and no -32021', async () => {
    const { frames } = await call('ref__test_sampling', {}, { sampling: {} });
    const last = frames.at(-1)!;
    expect(last.error?.code ?? last.result?.isError).toBeTruthy();
    expect(last.error?.code).not.toBe(-32021);
  });
});

/** Opens a subscriptions/listen stream; `frames` fills as messages arrive. */
async function listen(id: string, notifications: Record<string, unknown>, ac: AbortController): Promise<Frame[]> {
  const res = await fetch(proxy.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': MODERN, 'mcp-method': 'subscriptions/listen' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id,
      method: 'subscriptions/listen',
      params: { notifications, _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {} } },
    }),
    signal: ac.signal,
  });
  const frames: Frame[] = [];
  const reader = res.body!.getReader();
  let buffer = '';
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += new TextDecoder().decode(value);
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const data = /^data: (.*)$/m.exec(buffer.slice(0, cut));
          buffer = buffer.slice(cut + 2);
          if (data) frames.push(JSON.parse(data[1]) as Frame);
        }
      }
    } catch {
      // aborted
    }
  })();
  await waitFor(() => frames.length > 0, { what: 'the acknowledgement' });
  return frames;
}

test('an upstream tool list change reaches the listen streams that asked for tools, tagged, and no other', async () => {
  const ac = new AbortController();
  try {
    const tools = await listen('sub-tools', { toolsListChanged: true }, ac);
    const prompts = await listen('sub-prompts', { promptsListChanged: true }, ac);
    expect(tools[0].method).toBe('notifications/subscriptions/acknowledged');
    expect((await call('slow__grow')).frames.at(-1)?.result?.resultType).toBe('complete');
    await waitFor(() => tools.some((f) => f.method === 'notifications/tools/list_changed'), { what: 'tools/list_changed on the tools stream' });
    const changed = tools.find((f) => f.method === 'notifications/tools/list_changed')!;
    expect(changed.params).toEqual({ _meta: { 'io.modelcontextprotocol/subscriptionId': 'sub-tools' } });
    // The grown tool is in the catalog by the time the change is announced.
    const list = await fetch(proxy.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/list' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {} } } }),
    });
    const names = ((await list.json()) as { result: { tools: { name: string }[] } }).result.tools.map((t) => t.name);
    expect(names).toContain(`slow__grown_${grown}`);
    expect(prompts.map((f) => f.method)).toEqual(['notifications/subscriptions/acknowledged']);
  } finally {
    ac.abort();
  }
});

// Last: it stops the proxy.
test('at shutdown an open subscription ends gracefully: the listen request completes, then the stream closes', async () => {
  const ac = new AbortController();
  const frames = await listen('sub-end', { toolsListChanged: true }, ac);
  const code = await proxy.stop();
  await waitFor(() => frames.length > 1, { what: 'the completion of the listen request' });
  expect(frames.at(-1)).toEqual({
    jsonrpc: '2.0',
    id: 'sub-end',
    result: { resultType: 'complete', _meta: { 'io.modelcontextprotocol/subscriptionId': 'sub-end' } },
  });
  expect(code).toBe(0);
  ac.abort();
});
