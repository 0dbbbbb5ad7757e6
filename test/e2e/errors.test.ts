/**
 * End-to-end error paths over raw HTTP against the BUILT bundle: every bad input gets the right JSON-RPC error and
 * HTTP status, never a hang or a crash; plus upstream timeout/failure, bad configuration and the `check` command.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rawPost, rpc, connectClient } from '../support/client';
import { kitchenSink, type KitchenSinkState } from '../support/fixtures';
import { freePort, waitFor } from '../support/net';
import { spawnProxy, type SpawnedProxy } from '../support/proxy';
import { startSdkUpstream, type SdkUpstream } from '../support/upstream';

const INIT = { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } };

describe('proxy core: error paths', () => {
  const state: KitchenSinkState = { cancelled: [], calls: [] };
  let upstream: SdkUpstream;
  let proxy: SpawnedProxy;

  beforeAll(async () => {
    upstream = await startSdkUpstream(kitchenSink(state));
    proxy = await spawnProxy({
      version: 1,
      server: { maxBodyBytes: 4096 },
      upstreams: [{ name: 'sink', url: upstream.url, timeoutMs: 1500 }],
    });
  });

  afterAll(async () => {
    await proxy?.stop();
    await upstream?.close();
  });

  test('malformed JSON -> 400 and -32700 Parse error', async () => {
    const r = await rawPost(proxy.url, '{"jsonrpc": "2.0", "id": 1, "method": ');
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32700, message: expect.stringContaining('Parse error') } });
  });

  test.each([
    ['not an object', '42', null],
    ['wrong jsonrpc version', JSON.stringify({ jsonrpc: '1.0', id: 3, method: 'ping' }), 3],
    ['method not a string', JSON.stringify({ jsonrpc: '2.0', id: 4, method: 7 }), 4],
    ['params not an object', JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/list', params: [1] }), 5],
    ['id of a bad type', JSON.stringify({ jsonrpc: '2.0', id: { x: 1 }, method: 'ping' }), null],
    ['a batch', JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'ping' }]), null],
  ])('invalid JSON-RPC (%s) -> 400 and -32600 Invalid Request', async (_what, body, id) => {
    const r = await rawPost(proxy.url, body);
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ jsonrpc: '2.0', id, error: { code: -32600 } });
  });

  test('unknown method -> -32601 Method not found', async () => {
    const r = await rawPost(proxy.url, rpc('tools/frobnicate', {}, 'a'));
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ jsonrpc: '2.0', id: 'a', error: { code: -32601, message: 'Method not found: tools/frobnicate' } });
  });

  test('unknown tool -> -32602 and nothing forwarded', async () => {
    const before = state.calls.length;
    const r = await rawPost(proxy.url, rpc('tools/call', { name: 'no_such_tool', arguments: {} }, 7));
    expect(r.json).toEqual({ jsonrpc: '2.0', id: 7, error: { code: -32602, message: 'Unknown tool: no_such_tool' } });
    expect(state.calls.length).toBe(before);
  });

  test('tools/call without a name -> -32602', async () => {
    const r = await rawPost(proxy.url, rpc('tools/call', { arguments: {} }, 8));
    expect(r.json).toMatchObject({ id: 8, error: { code: -32602, message: expect.stringContaining('params.name') } });
  });

  test('oversized body refused from Content-Length -> 413 and -32009', async () => {
    const big = rpc('tools/call', { name: 'echo', arguments: { text: 'x'.repeat(10_000) } });
    const r = await rawPost(proxy.url, big);
    expect(r.status).toBe(413);
    expect(r.json).toMatchObject({ error: { code: -32009, message: expect.stringContaining('4096') } });
  });

  test('oversized chunked body (no Content-Length) is refused while streaming -> 413', async () => {
    const { request } = await import('node:http');
    const url = new URL(proxy.url);
    const status = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d) => (body += d)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
      const chunk = 'x'.repeat(1024);
      let sent = 0;
      const pump = () => {
        while (sent < 64 && req.write(chunk)) sent++;
        if (sent < 64) req.once('drain', pump);
        else req.end();
      };
      pump();
    });
    expect(status.status).toBe(413);
    expect(JSON.parse(status.body)).toMatchObject({ error: { code: -32009 } });
  });

  test('wrong content type -> 415', async () => {
    const r = await rawPost(proxy.url, rpc('ping'), { 'content-type': 'text/plain' });
    expect(r.status).toBe(415);
  });

  test('GET and DELETE on the MCP path -> 405 (stateless)', async () => {
    expect((await fetch(proxy.url, { headers: { accept: 'text/event-stream' } })).status).toBe(405);
    expect((await fetch(proxy.url, { method: 'DELETE' })).status).toBe(405);
  });

  test('notifications and responses from the caller are accepted with 202', async () => {
    expect((await rawPost(proxy.url, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }))).status).toBe(202);
    expect((await rawPost(proxy.url, JSON.stringify({ jsonrpc: '2.0', id: 99, result: {} }))).status).toBe(202);
  });

  test('initialize negotiates the protocol version; unsupported MCP-Protocol-Version header -> 400', async () => {
    const ok = await rawPost(proxy.url, rpc('initialize', INIT));
    expect(ok.json).toMatchObject({ result: { protocolVersion: '2025-06-18', serverInfo: { name: 'mcp-governance-proxy' } } });
    const future = await rawPost(proxy.url, rpc('initialize', { ...INIT, protocolVersion: '2099-01-01' }));
    expect(future.json).toMatchObject({ result: { protocolVersion: '2025-11-25' } });
    const bad = await rawPost(proxy.url, rpc('ping'), { 'mcp-protocol-version': '1999-01-01' });
    expect(bad.status).toBe(400);
  });

  test('DNS rebinding protection on a loopback bind: a foreign Host is refused, localhost accepted', async () => {
    const { request } = await import('node:http');
    const url = new URL(proxy.url);
    const post = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { host, 'content-type': 'application/json' } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end(rpc('ping'));
      });
    expect(await post('evil.example.com')).toBe(403);
    expect(await post(`localhost:${url.port}`)).toBe(200);
  });

  test('upstream slower than timeoutMs -> -32005 and the upstream request is cancelled', async () => {
    const r = await rawPost(proxy.url, rpc('tools/call', { name: 'slow', arguments: { steps: 100, stepMs: 50 } }, 11));
    expect(r.json).toEqual({ jsonrpc: '2.0', id: 11, error: { code: -32005, message: 'Upstream "sink" did not answer within 1500 ms' } });
    await waitFor(() => state.cancelled.includes('slow'), { what: 'upstream saw the cancellation', timeoutMs: 5000 });
  });

  test('unknown paths -> 404; /ping answers while requests flow', async () => {
    expect((await fetch(`${proxy.baseUrl}/nope`)).status).toBe(404);
    expect((await fetch(`${proxy.baseUrl}/ping`)).status).toBe(200);
  });

  test('upstream gone -> -32006 for the call, degraded on /ping', async () => {
    const lonely = await startSdkUpstream(kitchenSink({ cancelled: [], calls: [] }));
    const p = await spawnProxy({ version: 1, discovery: { initialRetryDelayMs: 60_000 }, upstreams: [{ name: 'lonely', url: lonely.url, timeoutMs: 2000 }] });
    try {
      await lonely.close();
      const r = await rawPost(p.url, rpc('tools/call', { name: 'echo', arguments: { text: 'x' } }, 12));
      expect(r.json).toMatchObject({ id: 12, error: { code: -32006, message: expect.stringContaining('Upstream "lonely"') } });
      const ping = (await (await fetch(`${p.baseUrl}/ping`)).json()) as { status: string; degraded: string[] };
      expect(ping.status).toBe('Healthy');
      expect(ping.degraded).toEqual(['lonely']);
    } finally {
      await p.stop();
    }
  });
});

describe('proxy core: configuration and the check command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'proxy-cfg-'));

  test('invalid config: exit code 2 and a message naming the field and the problem', async () => {
    const p = await spawnProxy({ version: 1, upstreams: [{ name: '9bad', url: 'ftp://x' }] }, { waitFor: 'none' });
    expect(await p.exited).toBe(2);
    expect(p.stderr()).toContain('upstreams[0].name: must start with a letter');
    expect(p.stderr()).toContain('upstreams[0].url: must be an http(s) URL');
  });

  test('missing config: exit code 2 with a message saying how to provide one', async () => {
    const p = await spawnProxy(undefined, { waitFor: 'none' });
    expect(await p.exited).toBe(2);
    expect(p.stderr()).toContain('No proxy configuration');
  });

  test('check: valid config prints ok + a digest that ignores key order, exit 0, no server started', async () => {
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    const port = await freePort();
    writeFileSync(a, JSON.stringify({ version: 1, server: { port }, upstreams: [{ name: 'x', url: 'http://127.0.0.1:9/mcp' }] }));
    writeFileSync(b, JSON.stringify({ upstreams: [{ url: 'http://127.0.0.1:9/mcp', name: 'x' }], server: { port }, version: 1 }));
    const ra = await spawnProxy(undefined, { args: ['check', '--config', a], waitFor: 'none' });
    const rb = await spawnProxy(undefined, { args: ['check', '--config', b], waitFor: 'none' });
    expect(await ra.exited).toBe(0);
    expect(await rb.exited).toBe(0);
    const oa = JSON.parse(ra.stdout());
    expect(oa).toMatchObject({ ok: true, digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    expect(JSON.parse(rb.stdout()).digest).toBe(oa.digest);
    expect(ra.stdout().trim().split('\n')).toHaveLength(1);
    expect(ra.logs().some((l) => l.msg === 'listening')).toBe(false);
  });

  test('check: invalid config prints ok:false with "<path>: <message>" errors, exit 1', async () => {
    const f = join(dir, 'bad.json');
    writeFileSync(f, JSON.stringify({ version: 1, server: { port: 'x' }, upstreams: [] }));
    const r = await spawnProxy(undefined, { args: ['check', '--config', f], waitFor: 'none' });
    expect(await r.exited).toBe(1);
    const out = JSON.parse(r.stdout());
    expect(out.ok).toBe(false);
    expect(out.errors).toEqual(expect.arrayContaining([expect.stringMatching(/^server\.port: /), expect.stringMatching(/^upstreams: at least one upstream/)]));
  });

  test('check\'s policies stamp in MCP_PROXY_CONFIG_CHECKED: start-up skips re-validating those policies; a stale stamp does not', async () => {
    const up = await startSdkUpstream(kitchenSink({ cancelled: [], calls: [] }));
    const doc = (group: string) => ({
      version: 1, upstreams: [{ name: 'sink', url: up.url }],
      accessControl: { enabled: true, ruleSets: [{ name: 'base', rules: [{ effect: 'permit', groups: [group] }] }] },
    });
    const f = join(dir, 'stamped.json');
    writeFileSync(f, JSON.stringify(doc('admins')));
    const c = await spawnProxy(undefined, { args: ['check', '--config', f], waitFor: 'none' });
    expect(await c.exited).toBe(0);
    const stamp = JSON.parse(c.stdout()).policiesChecked as string;
    expect(stamp).toMatch(/^sha256:[0-9a-f]{64}$/);
    const validation = async (config: Record<string, unknown>) => {
      const p = await spawnProxy(config, { env: { MCP_PROXY_CONFIG_CHECKED: stamp } });
      await p.stop();
      return p.logs().find((l) => l.msg === 'access control ready')?.schemaValidation;
    };
    try {
      expect(await validation(doc('admins'))).toMatch(/^done by check/);
      expect(await validation(doc('ops'))).toBe('at start-up');
    } finally {
      await up.close();
    }
  });

  test('check: unreadable file -> ok:false, exit 1', async () => {
    const r = await spawnProxy(undefined, { args: ['check', '--config', join(dir, 'missing.json')], waitFor: 'none' });
    expect(await r.exited).toBe(1);
    expect(JSON.parse(r.stdout())).toMatchObject({ ok: false, errors: [expect.stringContaining('Cannot read proxy configuration file')] });
  });

  test('a connected client still works after errors (no crash)', async () => {
    const up = await startSdkUpstream(kitchenSink({ cancelled: [], calls: [] }));
    const p = await spawnProxy({ version: 1, upstreams: [{ name: 'sink', url: up.url }] });
    try {
      await rawPost(p.url, '{oops');
      const c = await connectClient(p.url);
      expect((await c.callTool({ name: 'echo', arguments: { text: 'still here' } })).content).toEqual([{ type: 'text', text: 'still here' }]);
      await c.close();
    } finally {
      await p.stop();
      await up.close();
    }
  });
});
