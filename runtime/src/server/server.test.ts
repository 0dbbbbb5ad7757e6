/**
 * In-process integration of the proxy core (no bundle): ProxyHttpServer + McpHandler + UpstreamManager + Pipeline in
 * front of a real SDK upstream, with a custom authenticator at the upstream-auth seam. Checks what the auth module
 * relies on: authorize() sees every outgoing request with its exact body and the caller's WorkloadAccessToken (via
 * AsyncLocalStorage), a 401 triggers invalidate() and one retry, and the caller's own credentials never go upstream.
 */
import type { AddressInfo } from 'node:net';
import { parseConfig } from '../config/load';
import { createLogger } from '../log';
import { buildPipeline } from '../pipeline/build';
import type { Pipeline } from '../pipeline/pipeline';
import type { OutgoingRequest, UpstreamAuthenticator, UpstreamCallContext } from '../upstream/auth/types';
import { UpstreamManager } from '../upstream/manager';
import { ProxyHttpServer } from './http';
import { McpHandler } from './mcp-handler';
import { connectClient } from '../../../test/support/client';
import { kitchenSink } from '../../../test/support/fixtures';
import { startSdkUpstream, type SdkUpstream } from '../../../test/support/upstream';

describe('proxy core in-process: the upstream-auth seam', () => {
  const seen: { method: string; body?: string; ctx: UpstreamCallContext; auth?: string }[] = [];
  let token = 'stale';
  let invalidations = 0;
  let upstream: SdkUpstream;
  let http: ProxyHttpServer;
  let pipeline: Pipeline;
  let manager: UpstreamManager;
  let url: string;
  const atStartup: typeof seen = [];

  beforeAll(async () => {
    upstream = await startSdkUpstream(kitchenSink({ cancelled: [], calls: [] }), {
      authorize: (req) => req.headers.authorization === 'Bearer fresh',
    });
    const authenticator: UpstreamAuthenticator = {
      kind: 'test',
      async authorize(req: OutgoingRequest, ctx: UpstreamCallContext) {
        req.headers.set('authorization', `Bearer ${token}`);
        seen.push({ method: req.method, body: req.body, ctx: { ...ctx } });
      },
      invalidate() {
        invalidations++;
        token = 'fresh';
        return true;
      },
    };
    const log = createLogger('test', { level: 'error' });
    const config = parseConfig({ version: 1, server: { host: '127.0.0.1', port: 0 }, upstreams: [{ name: 'sink', url: upstream.url, headers: { 'x-static': 'yes' } }] });
    manager = new UpstreamManager(config, log, { authFactory: () => authenticator });
    // The audit trail is not what this file checks: its records and EMF lines stay off jest's output.
    ({ pipeline } = await buildPipeline(config, log, { audit: { write: () => {} } }));
    const handler = new McpHandler({ pipeline, upstreams: manager, log, serverInfo: { name: 'p', version: '0' } });
    const ready = manager.start();
    http = new ProxyHttpServer({ ...config.server, handler, health: manager, log, ready });
    const addr: AddressInfo = await http.listen();
    await ready;
    atStartup.push(...seen);
    url = `http://127.0.0.1:${addr.port}/mcp`;
  });

  afterAll(async () => {
    await http?.shutdown(1000);
    await manager?.close();
    // Stops the auditor's flush and metrics timers (else an EMF line every 60 s for as long as the worker lives).
    await pipeline?.close();
    await upstream?.close();
  });

  test('a 401 makes the client invalidate credentials and retry once; discovery then succeeds', () => {
    expect(invalidations).toBe(1);
    expect(manager.status()[0].state).toBe('healthy');
    expect(upstream.requests[0].headers.authorization).toBe('Bearer stale');
    expect(upstream.requests[1].headers.authorization).toBe('Bearer fresh');
    expect(upstream.requests[1].headers['x-static']).toBe('yes');
  });

  test('authorize() gets the exact body sent and the caller WorkloadAccessToken; the caller Authorization stays home', async () => {
    const client = await connectClient(url, { headers: { WorkloadAccessToken: 'wat-123', Authorization: 'Bearer caller-secret' } });
    seen.length = 0;
    const before = upstream.requests.length;
    const res = await client.callTool({ name: 'echo', arguments: { text: 'signed' } });
    expect(res.content).toEqual([{ type: 'text', text: 'signed' }]);
    const post = seen.find((s) => s.method === 'POST' && s.body?.includes('"tools/call"'))!;
    expect(post.ctx.workloadAccessToken).toBe('wat-123');
    const sent = upstream.requests.slice(before).find((r) => (r.body as { method?: string })?.method === 'tools/call')!;
    expect(JSON.parse(post.body!)).toEqual(sent.body);
    expect(sent.headers.authorization).toBe('Bearer fresh');
    expect(sent.headers.workloadaccesstoken).toBeUndefined();
    await client.close();
  });

  test('discovery runs without a caller: authorize() gets an empty context', () => {
    // initialize, notifications/initialized, tools/list pages... were made at start-up, outside any inbound request.
    expect(atStartup.length).toBeGreaterThan(3);
    expect(atStartup.every((s) => s.ctx.workloadAccessToken === undefined)).toBe(true);
    expect(atStartup.some((s) => s.body?.includes('"tools/list"'))).toBe(true);
  });
});
