/**
 * Callers of both protocol eras on one endpoint: the official SDK v2 client (`@modelcontextprotocol/client` 2.4) in
 * its three negotiation modes (legacy, auto, pinned 2026-07-28) against the BUILT proxy with the full governance
 * configuration (JWT identity, Cedar, sanitize, tokenize, redact, audit; test/support/gov-*.ts). Governance must not
 * depend on the era: the same caller sees the same tools and gets the same answers and refusals, and the audit
 * record names the era. Bad input on the modern leg gets the 2026-07-28 binding's HTTP status and JSON-RPC code, and
 * the proxy keeps serving.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { rawPost } from '../support/client';
import { parseAuditLines } from '../support/gov-audit';
import { startGovEnv, type Caller, type GovEnv } from '../support/gov-env';
import { UPSTREAM_PII } from '../support/gov-upstreams';

const MODERN = '2026-07-28';
type Mode = 'legacy' | 'auto' | { pin: string };
const MODES: readonly [string, Mode][] = [
  ['legacy', 'legacy'],
  ['auto', 'auto'],
  ['pinned 2026-07-28', { pin: MODERN }],
];

let env: GovEnv;
const clients: Client[] = [];

async function connectV2(caller: Caller, mode: Mode): Promise<Client> {
  const client = new Client({ name: `v2-${caller}`, version: '1.0.0' }, { capabilities: {}, versionNegotiation: { mode } });
  const transport = new StreamableHTTPClientTransport(new URL(env.proxy.url), { requestInit: { headers: { authorization: `Bearer ${env.tokens[caller]}` } } });
  await client.connect(transport);
  clients.push(client);
  return client;
}

/** The modern envelope and headers of a hand-built request (for the bad-input table). */
function modern(method: string, params: Record<string, unknown> = {}, caller: Caller = 'alice') {
  const body = { jsonrpc: '2.0', id: 7, method, params: { ...params, _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {} } } };
  const headers: Record<string, string> = { authorization: `Bearer ${env.tokens[caller]}`, 'mcp-protocol-version': MODERN, 'mcp-method': method };
  if (typeof params.name === 'string') headers['mcp-name'] = params.name;
  if (typeof params.uri === 'string') headers['mcp-name'] = params.uri;
  return { body, headers };
}

async function post(body: unknown, headers: Record<string, string>) {
  const res = await rawPost(env.proxy.url, JSON.stringify(body), headers);
  return { status: res.status, json: res.json as { result?: Record<string, unknown>; error?: { code: number; message: string; data?: Record<string, unknown> } } };
}

beforeAll(async () => {
  env = await startGovEnv();
}, 120_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  await env?.close();
});

describe.each(MODES)('SDK v2 client, %s mode', (label, mode) => {
  const era = label === 'legacy' ? 'legacy' : 'modern';

  test(`connects and speaks the ${era} era`, async () => {
    const c = await connectV2('alice', mode);
    if (era === 'legacy') {
      expect(c.getDiscoverResult()).toBeUndefined();
      expect(c.getNegotiatedProtocolVersion()).not.toBe(MODERN);
    } else {
      expect(c.getNegotiatedProtocolVersion()).toBe(MODERN);
      expect(c.getDiscoverResult()?.supportedVersions).toContain(MODERN);
      expect(c.getServerVersion()?.name).toBe('mcp-governance-proxy');
    }
  });

  test('the tool list is filtered per caller exactly as for a 2025 SDK client', async () => {
    for (const caller of ['alice', 'bob', 'mallory'] as const) {
      const v2 = await connectV2(caller, mode);
      const v1 = await env.client(caller);
      const names = (await v2.listTools()).tools.map((t) => t.name).sort();
      expect(names).toEqual((await v1.listTools()).tools.map((t) => t.name).sort());
    }
  });

  test('calls pass the same pipeline: the same redacted answer as for a 2025 SDK client, the same refusal', async () => {
    const bob = await connectV2('bob', mode);
    const r = await bob.callTool({ name: 'crm__get_customer', arguments: { customerId: 'C-7' } });
    const text = JSON.stringify(r);
    expect(text).toContain('Customer C-7');
    expect(text).not.toContain(UPSTREAM_PII.ssn);
    expect(text).not.toContain(UPSTREAM_PII.card);
    const carol = await connectV2('carol', mode);
    await expect(carol.callTool({ name: 'crm__get_customer', arguments: { customerId: 'C-1' } })).rejects.toThrow(/Unknown tool: crm__get_customer/);
    const v1 = await env.client('bob');
    const legacyText = JSON.stringify(await v1.callTool({ name: 'crm__get_customer', arguments: { customerId: 'C-7' } }));
    expect(JSON.parse(text).content).toEqual(JSON.parse(legacyText).content);
  });
});

test('the audit record names the era and protocol version of each call', async () => {
  const v2 = await connectV2('bob', { pin: MODERN });
  await v2.callTool({ name: 'crm__search_customers', arguments: { query: 'era-probe-modern' } });
  const v1 = await env.client('bob');
  await v1.callTool({ name: 'crm__search_customers', arguments: { query: 'era-probe-legacy' } });
  const outcomes = parseAuditLines(env.proxy.stdout()).filter((r) => r.type === 'outcome' && (r.target as { name?: string } | undefined)?.name === 'search_customers');
  const rpcs = outcomes.map((r) => r.rpc as { era?: string; protocolVersion?: string });
  expect(rpcs.some((x) => x.era === 'modern' && x.protocolVersion === MODERN)).toBe(true);
  expect(rpcs.some((x) => x.era === 'legacy' && typeof x.protocolVersion === 'string' && x.protocolVersion !== MODERN)).toBe(true);
});

describe('bad input on the modern leg: the binding status and code, and the proxy keeps serving', () => {
  const b64 = (s: string) => `=?base64?${Buffer.from(s, 'utf8').toString('base64')}?=`;
  const cases: [string, () => { body: unknown; headers: Record<string, string> }, number, number][] = [
    ['no _meta', () => ({ ...modern('tools/list'), body: { jsonrpc: '2.0', id: 7, method: 'tools/list', params: {} } }), 400, -32602],
    [
      'no client capabilities in _meta',
      () => {
        const m = modern('tools/list');
        return { ...m, body: { ...m.body, params: { _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN } } } };
      },
      400,
      -32602,
    ],
    ['MCP-Protocol-Version missing', () => { const m = modern('tools/list'); const { 'mcp-protocol-version': _v, ...h } = m.headers; return { ...m, headers: h }; }, 400, -32020],
    ['MCP-Protocol-Version not the _meta version', () => { const m = modern('tools/list'); return { ...m, headers: { ...m.headers, 'mcp-protocol-version': '2025-11-25' } }; }, 400, -32020],
    ['Mcp-Method missing', () => { const m = modern('tools/list'); const { 'mcp-method': _m, ...h } = m.headers; return { ...m, headers: h }; }, 400, -32020],
    ['Mcp-Method not the body method', () => { const m = modern('tools/list'); return { ...m, headers: { ...m.headers, 'mcp-method': 'prompts/list' } }; }, 400, -32020],
    ['Mcp-Name missing on tools/call', () => { const m = modern('tools/call', { name: 'crm__search_customers', arguments: { query: 'x' } }); const { 'mcp-name': _n, ...h } = m.headers; return { ...m, headers: h }; }, 400, -32020],
    ['Mcp-Name not the tool called', () => { const m = modern('tools/call', { name: 'crm__search_customers', arguments: { query: 'x' } }); return { ...m, headers: { ...m.headers, 'mcp-name': 'crm__export_customers' } }; }, 400, -32020],
    ['Mcp-Name Base64 of another name', () => { const m = modern('tools/call', { name: 'crm__search_customers', arguments: { query: 'x' } }); return { ...m, headers: { ...m.headers, 'mcp-name': b64('crm__export_customers') } }; }, 400, -32020],
    ['Mcp-Name with a broken Base64 sentinel', () => { const m = modern('tools/call', { name: 'crm__search_customers', arguments: { query: 'x' } }); return { ...m, headers: { ...m.headers, 'mcp-name': '=?base64?%%%?=' } }; }, 400, -32020],
    [
      'an unsupported protocol version',
      () => {
        const m = modern('tools/list');
        const meta = { 'io.modelcontextprotocol/protocolVersion': '2099-01-01', 'io.modelcontextprotocol/clientCapabilities': {} };
        return { body: { ...m.body, params: { _meta: meta } }, headers: { ...m.headers, 'mcp-protocol-version': '2099-01-01' } };
      },
      400,
      -32022,
    ],
    ['initialize (not a method of this revision)', () => modern('initialize', { protocolVersion: MODERN, capabilities: {}, clientInfo: { name: 'x', version: '1' } }), 404, -32601],
    ['an unknown method', () => modern('tools/explode'), 404, -32601],
    [
      'a log level that is not one',
      () => {
        const m = modern('tools/list');
        return { ...m, body: { ...m.body, params: { _meta: { ...m.body.params._meta, 'io.modelcontextprotocol/logLevel': 'loud' } } } };
      },
      400,
      -32602,
    ],
    ['an unknown resource', () => modern('resources/read', { uri: 'crm://nothing-here' }), 200, -32602],
    ['a subscription filter that is not one', () => modern('subscriptions/listen', { notifications: { toolsListChanged: 'yes' } }), 200, -32602],
  ];

  test.each(cases)('%s', async (_label, make, status, code) => {
    const { body, headers } = make();
    const r = await post(body, headers);
    expect({ status: r.status, code: r.json?.error?.code }).toEqual({ status, code });
    if (code === -32022) expect(r.json?.error?.data).toEqual({ supported: expect.arrayContaining([MODERN, '2025-11-25']), requested: '2099-01-01' });
    // The proxy keeps serving the next request.
    const ok = await post(modern('tools/list').body, modern('tools/list').headers);
    expect(ok.status).toBe(200);
    expect(ok.json?.result?.resultType).toBe('complete');
  });

  test('a Base64-encoded Mcp-Name equal to the body is accepted; results carry resultType, caching hints and serverInfo', async () => {
    const m = modern('tools/call', { name: 'crm__search_customers', arguments: { query: 'q' } });
    const r = await post(m.body, { ...m.headers, 'mcp-name': b64('crm__search_customers') });
    expect(r.status).toBe(200);
    expect(r.json?.result).toMatchObject({ resultType: 'complete', _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'mcp-governance-proxy' } } });
    const list = await post(modern('tools/list').body, modern('tools/list').headers);
    expect(list.json?.result).toMatchObject({ resultType: 'complete', ttlMs: 0, cacheScope: 'private' });
  });

  test('without a token a modern request is refused by identity, as a legacy one is', async () => {
    const m = modern('tools/list');
    const { authorization: _a, ...headers } = m.headers;
    const r = await post(m.body, headers);
    expect(r.json?.error?.code).toBe(-32001);
  });
});

test('the proxy advertises only what it can serve: no completions or logging when no upstream declares them', async () => {
  const modernClient = await connectV2('alice', { pin: MODERN });
  const discovered = modernClient.getDiscoverResult()!.capabilities as Record<string, unknown>;
  expect(discovered).toEqual({ tools: { listChanged: true }, resources: { listChanged: true }, prompts: { listChanged: true } });
  const legacyClient = await env.client('alice');
  expect(legacyClient.getServerCapabilities()).toEqual({ tools: {}, resources: {}, prompts: {} });
});

describe('the legacy leg is unchanged', () => {
  test.each(['/mcp', '/mcp/'])('an unauthenticated JSON-RPC ping on %s (the AgentCore health check) is answered', async (path) => {
    const res = await rawPost(new URL(path, env.proxy.url).toString(), JSON.stringify({ jsonrpc: '2.0', id: 'hc', method: 'ping' }));
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ jsonrpc: '2.0', id: 'hc', result: {} });
  });
});

describe('subscriptions/listen', () => {
  test('acknowledges first, with only the kinds it can deliver, each tagged with the subscription id', async () => {
    const m = modern('subscriptions/listen', { notifications: { toolsListChanged: true, resourceSubscriptions: ['crm://customers/C-1'] } });
    const ac = new AbortController();
    const res = await fetch(env.proxy.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...m.headers },
      body: JSON.stringify({ ...m.body, id: 'sub-1' }),
      signal: ac.signal,
    });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
    ac.abort();
    const first = JSON.parse(/data: (.*)/.exec(text)![1]) as { method: string; params: Record<string, unknown> };
    expect(first).toEqual({
      jsonrpc: '2.0',
      method: 'notifications/subscriptions/acknowledged',
      params: { _meta: { 'io.modelcontextprotocol/subscriptionId': 'sub-1' }, notifications: { toolsListChanged: true } },
    });
  });

  test('an unauthenticated listen is refused before any stream opens', async () => {
    const m = modern('subscriptions/listen', { notifications: { toolsListChanged: true } });
    const { authorization: _a, ...headers } = m.headers;
    const r = await post(m.body, headers);
    expect(r.json?.error?.code).toBe(-32001);
  });
});
