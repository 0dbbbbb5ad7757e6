/**
 * The era probe against real servers on loopback: the SDK v2 server (`@modelcontextprotocol/server` 2.4) modern-only
 * (it answers `initialize` with an error) and dual-era, and SDK v1 servers (legacy, stateful and stateless). Also the
 * configuration pins, and probing again when the remembered era stops holding (the upstream replaced, on the same
 * port, by one of the other era).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer as V1Server } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { startModernUpstream, type ModernUpstream } from '../../../test/support/modern-upstream';
import { startSdkUpstream, type SdkUpstream } from '../../../test/support/upstream';
import { upstreamSchema } from '../config/sections/proxy';
import { createLogger } from '../log';
import { noneAuthenticator } from './auth/none';
import { UpstreamClient } from './client';
import { discover } from './discovery';
import { describeFailure } from './errors';

const logLines: string[] = [];
const log = createLogger('upstream', { level: 'debug', write: (l) => logLines.push(l) });

function client(url: string, protocol: 'auto' | 'legacy' | 'modern' = 'auto'): UpstreamClient {
  const config = upstreamSchema.parse({ name: 'up', url, timeoutMs: 10_000, protocol });
  return new UpstreamClient(config, noneAuthenticator(), { log, clientInfo: { name: 'proxy-test', version: '1' } });
}

function modernServer(name: string): () => McpServer {
  return () => {
    const s = new McpServer({ name, version: '1.0.0' });
    s.registerTool('echo', { description: `echo from ${name}`, inputSchema: z.object({ text: z.string() }) }, async ({ text }) => ({
      content: [{ type: 'text', text: `${name}: ${text}` }],
    }));
    s.registerPrompt('hello', { description: 'hello prompt' }, async () => ({ messages: [{ role: 'user', content: { type: 'text', text: `hello from ${name}` } }] }));
    s.registerResource('readme', 'docs://readme', { mimeType: 'text/plain' }, async (uri) => ({ contents: [{ uri: uri.href, text: `readme of ${name}` }] }));
    return s;
  };
}

function legacyServer(name: string): () => V1Server {
  return () => {
    const s = new V1Server({ name, version: '1.0.0' });
    s.registerTool('echo', { description: `echo from ${name}`, inputSchema: { text: z.string() } }, async ({ text }) => ({
      content: [{ type: 'text', text: `${name}: ${text}` }],
    }));
    return s;
  };
}

const textOf = (r: Record<string, unknown>) => ((r.content as { text: string }[])[0] ?? { text: '' }).text;

describe('era probe: real servers of each era', () => {
  const open: { close(): Promise<void> }[] = [];
  afterAll(async () => {
    await Promise.all(open.map((o) => o.close()));
  });
  const track = <T extends { close(): Promise<void> }>(x: T): T => {
    open.push(x);
    return x;
  };

  test('modern-only SDK v2 server: modern after one server/discover; initialize is never sent; discovery and calls work', async () => {
    const up = track(await startModernUpstream(modernServer('m'), { legacy: 'reject' }));
    const c = track(client(up.url));
    const inv = await discover(c);
    expect(c.era).toBe('modern');
    expect(c.protocolVersion).toBe('2026-07-28');
    expect(inv.tools.map((t) => t.name)).toEqual(['echo']);
    expect(inv.prompts.map((p) => p.name)).toEqual(['hello']);
    expect(inv.resources.map((r) => r.uri)).toEqual(['docs://readme']);
    expect(textOf(await c.request('tools/call', { name: 'echo', arguments: { text: 'hi' } }))).toBe('m: hi');
    const read = await c.request('resources/read', { uri: 'docs://readme' });
    expect((read.contents as { text: string }[])[0].text).toBe('readme of m');
    expect(up.methods()).not.toContain('initialize');
    expect(up.methods()[0]).toBe('server/discover');
    expect(up.methods().filter((m) => m === 'server/discover')).toHaveLength(1);
    // The probe carries the full modern envelope: headers and _meta.
    const probe = up.requests[0];
    expect(probe.headers['mcp-protocol-version']).toBe('2026-07-28');
    expect(probe.headers['mcp-method']).toBe('server/discover');
    expect(probe.body?.params?._meta).toEqual({
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientInfo': { name: 'proxy-test', version: '1' },
      'io.modelcontextprotocol/clientCapabilities': {},
    });
  });

  test('dual-era SDK v2 server: modern', async () => {
    const up = track(await startModernUpstream(modernServer('d'), { legacy: 'stateless' }));
    const c = track(client(up.url));
    await c.connect();
    expect(c.era).toBe('modern');
    expect(textOf(await c.request('tools/call', { name: 'echo', arguments: { text: 'x' } }))).toBe('d: x');
    expect(up.methods()).not.toContain('initialize');
  });

  test.each(['stateful', 'stateless'] as const)('SDK v1 server (%s): server/discover refused without a modern error -> legacy, initialize, calls work', async (mode) => {
    const up = track(await startSdkUpstream(legacyServer('l'), { mode }));
    const c = track(client(up.url));
    const inv = await discover(c);
    expect(c.era).toBe('legacy');
    expect(c.protocolVersion).toBe('2025-11-25');
    expect(inv.tools.map((t) => t.name)).toEqual(['echo']);
    expect(textOf(await c.request('tools/call', { name: 'echo', arguments: { text: 'y' } }))).toBe('l: y');
    const methods = up.requests.map((r) => (r.body as { method?: string } | undefined)?.method);
    expect(methods[0]).toBe('server/discover');
    expect(methods[1]).toBe('initialize');
    expect(methods.filter((m) => m === 'server/discover')).toHaveLength(1);
    // Nothing modern leaks into the legacy leg's requests.
    for (const r of up.requests.slice(1)) expect(r.headers['mcp-protocol-version'] ?? '2025-11-25').not.toBe('2026-07-28');
  });

  test('pinned legacy: no probe, initialize first, even on a dual-era server', async () => {
    const up = track(await startModernUpstream(modernServer('p'), { legacy: 'stateless' }));
    const c = track(client(up.url, 'legacy'));
    await c.connect();
    expect(c.era).toBe('legacy');
    expect(up.methods()[0]).toBe('initialize');
    expect(up.methods()).not.toContain('server/discover');
    expect(textOf(await c.request('tools/call', { name: 'echo', arguments: { text: 'z' } }))).toBe('p: z');
  });

  test('pinned modern: a legacy-only upstream is reported unavailable, never initialized', async () => {
    const up = track(await startSdkUpstream(legacyServer('old')));
    const c = track(client(up.url, 'modern'));
    await expect(c.connect()).rejects.toMatchObject({ errorClass: 'upstream_unavailable' });
    const methods = up.requests.map((r) => (r.body as { method?: string } | undefined)?.method);
    expect(methods).not.toContain('initialize');
  });

  test('a 4xx body is read: -32022 from a server that speaks only a future revision names the versions', async () => {
    logLines.length = 0;
    const http = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(400, { 'content-type': 'application/json' }).end(
          JSON.stringify({ jsonrpc: '2.0', id: 1, error: { code: -32022, message: 'Unsupported protocol version', data: { supported: ['2099-01-01'], requested: '2026-07-28' } } }),
        );
      });
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    open.push({ close: () => new Promise<void>((r) => http.close(() => r())) });
    const c = track(client(`http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`));
    const err = await c.connect().then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ errorClass: 'upstream_unavailable' });
    // Not mistaken for a legacy server: a modern error means modern, with no version in common.
    expect(c.era).toBeUndefined();
    expect(logLines.join('\n')).not.toContain('upstream speaks the legacy protocol');
    expect(describeFailure(err)).toBe('Upstream "up": the upstream supports none of the proxy\'s protocol versions (it names 2099-01-01)');
  });
});

describe('era probe: the remembered era stops holding (same port, other era)', () => {
  let legacy: SdkUpstream | undefined;
  let modern: ModernUpstream | undefined;
  afterEach(async () => {
    await legacy?.close();
    await modern?.close();
    legacy = modern = undefined;
  });

  test('legacy -> modern-only: the session request is refused with a modern error; probed again; the call succeeds once', async () => {
    legacy = await startSdkUpstream(legacyServer('before'));
    const c = client(legacy.url);
    expect(textOf(await c.request('tools/call', { name: 'echo', arguments: { text: '1' } }))).toBe('before: 1');
    expect(c.era).toBe('legacy');
    const port = legacy.port;
    await legacy.close();
    legacy = undefined;
    modern = await startModernUpstream(modernServer('after'), { legacy: 'reject', port });
    expect(textOf(await c.request('tools/call', { name: 'echo', arguments: { text: '2' } }))).toBe('after: 2');
    expect(c.era).toBe('modern');
    expect(modern.methods().filter((m) => m === 'tools/call')).toHaveLength(2); // refused legacy attempt, then the modern one
    await c.close();
  });

  test('modern -> legacy: the modern request is refused without a modern error; probed again; legacy from then on', async () => {
    modern = await startModernUpstream(modernServer('before'), { legacy: 'reject' });
    const c = client(modern.url);
    expect(textOf(await c.request('tools/call', { name: 'echo', arguments: { text: '1' } }))).toBe('before: 1');
    expect(c.era).toBe('modern');
    const port = modern.port;
    await modern.close();
    modern = undefined;
    legacy = await startSdkUpstream(legacyServer('after'), { port });
    expect(textOf(await c.request('tools/call', { name: 'echo', arguments: { text: '2' } }))).toBe('after: 2');
    expect(c.era).toBe('legacy');
    expect(textOf(await c.request('tools/call', { name: 'echo', arguments: { text: '3' } }))).toBe('after: 3');
    expect(legacy.sessionsOpened()).toBe(1);
    await c.close();
  });
});
