/**
 * The modern (2026-07-28) leg against a real SDK v2 server (`@modelcontextprotocol/server` 2.4, modern-only) on
 * loopback: the envelope the proxy builds per upstream (exactly the caller's declared client capabilities, never the
 * caller's own reserved `_meta` keys), the standard and `Mcp-Param-*` headers, tools with invalid `x-mcp-header`
 * annotations left out, -32020 answered by re-listing and retrying once, MRTR results and retries passed through
 * unchanged, cancellation by closing the exchange, and the modern list fields reaching discovery.
 */
import { fromJsonSchema, inputRequired, McpServer, Server } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { startModernUpstream, type ModernUpstream } from '../../../test/support/modern-upstream';
import { upstreamSchema } from '../config/sections/proxy';
import { createLogger } from '../log';
import { noneAuthenticator } from './auth/none';
import { UpstreamClient, type CallerProtocol } from './client';
import { discover } from './discovery';

const logLines: string[] = [];
const log = createLogger('upstream', { level: 'debug', write: (l) => logLines.push(l) });

/** What the server should publish for the `lookup` tool: toggled to change its x-mcp-header annotation. */
let lookupAnnotated = false;
/** Resolves when the `wait` tool's request is aborted on the server side. */
let serverSawAbort: () => void = () => {};

function schema(json: Record<string, unknown>) {
  return fromJsonSchema<Record<string, unknown>>(json as never);
}

function server(): McpServer {
  const s = new McpServer({ name: 'modern', version: '1.0.0' });
  s.registerTool('envelope', { description: 'echoes what the server saw', inputSchema: z.object({}) }, async (_args, ctx) => ({
    content: [{ type: 'text', text: JSON.stringify({ envelope: ctx.mcpReq.envelope ?? null, meta: ctx.mcpReq._meta ?? null }) }],
  }));
  s.registerTool(
    'query',
    {
      description: 'a tool with mirrored parameters',
      inputSchema: schema({
        type: 'object',
        properties: {
          region: { type: 'string', 'x-mcp-header': 'Region' },
          opts: { type: 'object', properties: { limit: { type: 'integer', 'x-mcp-header': 'Limit' } } },
          sql: { type: 'string' },
        },
        required: ['region', 'sql'],
      }),
    },
    async (args) => ({ content: [{ type: 'text', text: `ran ${String(args.sql)} in ${String(args.region)}` }] }),
  );
  s.registerTool(
    'broken',
    { description: 'x-mcp-header on a number: invalid', inputSchema: schema({ type: 'object', properties: { ratio: { type: 'number', 'x-mcp-header': 'Ratio' } } }) },
    async () => ({ content: [{ type: 'text', text: 'should never be listed' }] }),
  );
  s.registerTool(
    'lookup',
    {
      description: 'its annotation changes while the proxy holds the old list',
      inputSchema: schema(
        lookupAnnotated
          ? { type: 'object', properties: { key: { type: 'string', 'x-mcp-header': 'Key' } }, required: ['key'] }
          : { type: 'object', properties: { key: { type: 'string' } }, required: ['key'] },
      ),
    },
    async (args) => ({ content: [{ type: 'text', text: `value of ${String(args.key)}` }] }),
  );
  s.registerTool('deploy', { description: 'asks for confirmation (MRTR)', inputSchema: z.object({ env: z.string() }) }, async ({ env }, ctx) => {
    const answer = ctx.mcpReq.inputResponses?.confirm as { action?: string; content?: { ok?: boolean } } | undefined;
    if (!answer) {
      return inputRequired({
        inputRequests: { confirm: inputRequired.elicit({ message: `Deploy to ${env}?`, requestedSchema: z.object({ ok: z.boolean() }) }) },
        requestState: `pending:${env}`,
      });
    }
    return { content: [{ type: 'text', text: `deployed to ${env}: ${answer.action} ${String(answer.content?.ok)}` }] };
  });
  s.registerTool('wait', { description: 'waits until cancelled', inputSchema: z.object({}) }, async (_args, ctx) => {
    await new Promise<void>((resolve) => {
      if (ctx.mcpReq.signal.aborted) resolve();
      ctx.mcpReq.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    serverSawAbort();
    return { content: [{ type: 'text', text: 'cancelled' }] };
  });
  s.registerPrompt('hello', { description: 'hello prompt' }, async () => ({ messages: [{ role: 'user', content: { type: 'text', text: 'hello' } }] }));
  return s;
}

const textOf = (r: Record<string, unknown>) => ((r.content as { text: string }[])[0] ?? { text: '' }).text;
const MODERN_CALLER: CallerProtocol = { era: 'modern', protocolVersion: '2026-07-28', clientCapabilities: { elicitation: { form: {} } } };

describe('modern leg against a modern-only SDK v2 server', () => {
  let up: ModernUpstream;
  let c: UpstreamClient;

  beforeAll(async () => {
    // The SDK server warns on its own console about the invalid tool it is told to serve: expected here.
    jest.spyOn(console, 'warn').mockImplementation(() => {});
    up = await startModernUpstream(server, { legacy: 'reject' });
    c = new UpstreamClient(upstreamSchema.parse({ name: 'm', url: up.url, timeoutMs: 15_000 }), noneAuthenticator(), {
      log,
      clientInfo: { name: 'proxy-test', version: '1' },
    });
  });
  afterAll(async () => {
    await c.close();
    await up.close();
    jest.restoreAllMocks();
  });

  test('discovery: modern lists (resultType, ttlMs, cacheScope) are read like legacy ones; the invalid tool is left out and logged', async () => {
    const inv = await discover(c);
    expect(c.era).toBe('modern');
    expect(inv.tools.map((t) => t.name).sort()).toEqual(['deploy', 'envelope', 'lookup', 'query', 'wait']);
    expect(inv.prompts.map((p) => p.name)).toEqual(['hello']);
    const warn = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'upstream tool left out: invalid x-mcp-header annotation');
    expect(warn).toMatchObject({ level: 'warn', upstream: 'm', tool: 'broken' });
    expect(String(warn?.reason)).toMatch(/not a string, integer or boolean/);
    // The list answer itself carries the modern fields (they are passed back as they are).
    const page = await c.request('tools/list', undefined);
    expect(page.resultType).toBe('complete');
    expect((page.tools as { name: string }[]).map((t) => t.name)).not.toContain('broken');
  });

  test('envelope: exactly the caller-declared client capabilities; the caller\'s reserved _meta keys never reach the upstream; other keys do', async () => {
    const params = {
      name: 'envelope',
      arguments: {},
      _meta: {
        'io.modelcontextprotocol/clientCapabilities': { sampling: {}, roots: {} },
        'io.modelcontextprotocol/protocolVersion': '2025-11-25',
        'com.example/trace': 'abc',
      },
    };
    const seen = JSON.parse(textOf(await c.request('tools/call', params, { caller: MODERN_CALLER }))) as { envelope: Record<string, unknown>; meta: Record<string, unknown> };
    expect(seen.envelope).toEqual({
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientInfo': { name: 'proxy-test', version: '1' },
      'io.modelcontextprotocol/clientCapabilities': { elicitation: { form: {} } },
    });
    expect(seen.meta).toEqual({ 'com.example/trace': 'abc' });
    // A legacy caller that declared nothing, and discovery (no caller): nothing declared.
    const legacyCaller: CallerProtocol = { era: 'legacy', protocolVersion: '2025-11-25', clientCapabilities: {} };
    const seen2 = JSON.parse(textOf(await c.request('tools/call', { name: 'envelope', arguments: {} }, { caller: legacyCaller }))) as { envelope: Record<string, unknown> };
    expect(seen2.envelope['io.modelcontextprotocol/clientCapabilities']).toEqual({});
    const last = up.requests[up.requests.length - 1];
    expect(last.headers['mcp-protocol-version']).toBe('2026-07-28');
    expect(last.headers['mcp-method']).toBe('tools/call');
    expect(last.headers['mcp-name']).toBe('envelope');
  });

  test('Mcp-Param-* mirrors: plain and Base64-encoded values, nested paths; the server accepts them', async () => {
    const result = await c.request('tools/call', { name: 'query', arguments: { region: 'Zürich', sql: 'select 1', opts: { limit: 42 } } });
    expect(textOf(result)).toBe('ran select 1 in Zürich');
    const sent = up.requests[up.requests.length - 1];
    expect(sent.headers['mcp-param-region']).toBe(`=?base64?${Buffer.from('Zürich').toString('base64')}?=`);
    expect(sent.headers['mcp-param-limit']).toBe('42');
    expect(textOf(await c.request('tools/call', { name: 'query', arguments: { region: 'us-west1', sql: 'select 2' } }))).toBe('ran select 2 in us-west1');
    const plain = up.requests[up.requests.length - 1];
    expect(plain.headers['mcp-param-region']).toBe('us-west1');
    expect(plain.headers['mcp-param-limit']).toBeUndefined();
  });

  test('-32020 (the tool gained an x-mcp-header annotation since it was listed): re-list, retry once with the header, succeed', async () => {
    lookupAnnotated = true;
    const before = up.requests.length;
    expect(textOf(await c.request('tools/call', { name: 'lookup', arguments: { key: 'k1' } }))).toBe('value of k1');
    const after = up.requests.slice(before);
    expect(after.map((r) => r.body?.method)).toEqual(['tools/call', 'tools/list', 'tools/call']);
    expect(after[0].headers['mcp-param-key']).toBeUndefined();
    expect(after[2].headers['mcp-param-key']).toBe('k1');
  });

  test('MRTR: input_required passes back unchanged; the retry\'s inputResponses and requestState reach the upstream unchanged', async () => {
    const first = await c.request('tools/call', { name: 'deploy', arguments: { env: 'prod' } }, { caller: MODERN_CALLER });
    expect(first.resultType).toBe('input_required');
    expect(first.requestState).toBe('pending:prod');
    const requests = first.inputRequests as Record<string, { method: string; params: Record<string, unknown> }>;
    expect(requests.confirm.method).toBe('elicitation/create');
    expect(requests.confirm.params.message).toBe('Deploy to prod?');
    const inputResponses = { confirm: { action: 'accept', content: { ok: true } } };
    const retry = await c.request('tools/call', { name: 'deploy', arguments: { env: 'prod' }, inputResponses, requestState: first.requestState }, { caller: MODERN_CALLER });
    expect(textOf(retry)).toBe('deployed to prod: accept true');
    const sent = up.requests[up.requests.length - 1].body?.params as Record<string, unknown>;
    expect(sent.inputResponses).toEqual(inputResponses);
    expect(sent.requestState).toBe('pending:prod');
  });

  test('cancellation closes the exchange: the upstream sees its request aborted, the caller gets "cancelled"', async () => {
    const aborted = new Promise<void>((resolve) => (serverSawAbort = resolve));
    const ac = new AbortController();
    const call = c.request('tools/call', { name: 'wait', arguments: {} }, { signal: ac.signal });
    // Abort once the upstream has the request (the server recorded it).
    const n = up.requests.length;
    await new Promise<void>((resolve) => {
      const check = () => (up.requests.length > n && up.requests[up.requests.length - 1].body?.params?.name === 'wait' ? resolve() : setImmediate(check));
      check();
    });
    ac.abort();
    await expect(call).rejects.toMatchObject({ errorClass: 'cancelled' });
    await aborted;
    expect(up.methods()).not.toContain('notifications/cancelled');
  });
});

describe('modern leg: list changes on a subscriptions/listen stream', () => {
  test('the stream asks for the lists the upstream announces, and its list_changed reaches onListChanged', async () => {
    jest.spyOn(console, 'warn').mockImplementation(() => {});
    const up = await startModernUpstream(server, { legacy: 'reject' });
    const changed: string[] = [];
    let heard: () => void = () => {};
    const tools = new Promise<void>((resolve) => (heard = resolve));
    const c = new UpstreamClient(upstreamSchema.parse({ name: 'm', url: up.url, timeoutMs: 15_000 }), noneAuthenticator(), {
      log,
      clientInfo: { name: 'proxy-test', version: '1' },
      onListChanged: (kind) => {
        changed.push(kind);
        if (kind === 'tools') heard();
      },
    });
    try {
      await c.connect();
      const caps = c.capabilities as Record<string, { listChanged?: boolean }>;
      const listen = await new Promise<(typeof up.requests)[number]>((resolve) => {
        const check = () => {
          const r = up.requests.find((x) => x.body?.method === 'subscriptions/listen');
          if (r) resolve(r);
          else setImmediate(check);
        };
        check();
      });
      const expected: Record<string, boolean> = {};
      if (caps.tools?.listChanged) expected.toolsListChanged = true;
      if (caps.prompts?.listChanged) expected.promptsListChanged = true;
      if (caps.resources?.listChanged) expected.resourcesListChanged = true;
      expect(expected.toolsListChanged).toBe(true);
      expect(listen.body?.params?.notifications).toEqual(expected);
      expect(listen.headers['mcp-method']).toBe('subscriptions/listen');
      // The subscription is live once the server acknowledged it; announce until the client hears it.
      const timer = setInterval(() => up.notify.toolsChanged(), 50);
      try {
        await tools;
      } finally {
        clearInterval(timer);
      }
      expect(changed).toContain('tools');
    } finally {
      await c.close();
      await up.close();
      jest.restoreAllMocks();
    }
  });
});

describe('modern leg: discovery pagination', () => {
  test('tools/list pages are followed by cursor (SDK v2 low-level server, three pages); an invalid tool on page two is left out, the rest kept', async () => {
    const pages: Record<string, { tools: Record<string, unknown>[]; nextCursor?: string }> = {
      '': { tools: [{ name: 'a1', inputSchema: { type: 'object' } }, { name: 'a2', inputSchema: { type: 'object' } }], nextCursor: 'p2' },
      p2: {
        tools: [
          { name: 'b1', inputSchema: { type: 'object', properties: { n: { type: 'number', 'x-mcp-header': 'N' } } } },
          { name: 'b2', inputSchema: { type: 'object', properties: { r: { type: 'string', 'x-mcp-header': 'R' } } } },
        ],
        nextCursor: 'p3',
      },
      p3: { tools: [{ name: 'c1', inputSchema: { type: 'object' } }] },
    };
    const up = await startModernUpstream(() => {
      const s = new Server({ name: 'paged', version: '1.0.0' }, { capabilities: { tools: {} } });
      s.setRequestHandler('tools/list', async (req) => pages[req.params?.cursor ?? ''] as never);
      return s as unknown as McpServer;
    }, { legacy: 'reject' });
    const c = new UpstreamClient(upstreamSchema.parse({ name: 'p', url: up.url, timeoutMs: 15_000 }), noneAuthenticator(), { log, clientInfo: { name: 'proxy-test', version: '1' } });
    try {
      const inv = await discover(c);
      expect(c.era).toBe('modern');
      expect(inv.tools.map((t) => t.name)).toEqual(['a1', 'a2', 'b2', 'c1']);
      expect(up.requests.filter((r) => r.body?.method === 'tools/list').map((r) => r.body?.params?.cursor ?? '')).toEqual(['', 'p2', 'p3']);
    } finally {
      await c.close();
      await up.close();
    }
  });
});
