import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createLogger } from '../../log';
import { ErrorCode } from '../../pipeline/errors';
import { LoopbackAgentCoreIdentity } from '../../../../test/support/agentcore-identity-endpoint';
import { startGuardedMcpUpstream, type GuardedMcpUpstream } from '../../../../test/support/sigv4-upstream';
import { upstreamAuthSchema } from '../../config/sections/upstream-auth';
import { authorizedFetch, createUpstreamAuthenticator, type UpstreamAuthenticator } from './index';

describe('agentcore-api-key against a loopback AgentCore Identity endpoint and an API-key-checking MCP upstream', () => {
  let identity: LoopbackAgentCoreIdentity;
  let upstream: GuardedMcpUpstream;
  let vaultKey = 'key-one-1111';
  let acceptedKey = 'key-one-1111';
  let clock = Date.now();
  const logger = createLogger('upstream-auth', { write: () => {} });

  beforeAll(async () => {
    identity = await LoopbackAgentCoreIdentity.start({
      workloads: ['mcp-proxy-startup'],
      apiKeyProviders: { 'weather-key': () => vaultKey },
    });
    upstream = await startGuardedMcpUpstream({
      guard: (req) =>
        req.headers['x-weather-key'] === `Key ${acceptedKey}` ? { ok: true } : { ok: false, status: 401, reason: 'bad api key' },
    });
  });
  afterAll(async () => {
    await upstream.close();
    await identity.close();
  });
  beforeEach(() => {
    identity.calls.length = 0;
    upstream.received.length = 0;
    vaultKey = acceptedKey = 'key-one-1111';
    clock = Date.now();
  });

  function make(over: Record<string, unknown> = {}): UpstreamAuthenticator {
    const cfg = upstreamAuthSchema.parse({
      type: 'agentcore-api-key',
      providerName: 'weather-key',
      headerName: 'X-Weather-Key',
      valuePrefix: 'Key ',
      workloadName: 'mcp-proxy-startup',
      region: 'us-east-1',
      ...over,
    });
    return createUpstreamAuthenticator('weather', cfg, { agentCoreClient: identity.client(), now: () => clock, logger });
  }

  it('loopback AgentCore Identity endpoint: sends the key in the configured header with its prefix, fetched once', async () => {
    const auth = make();
    const ctx = { workloadAccessToken: identity.issueWorkloadToken('runtime-managed-workload') };
    const client = new Client({ name: 'api-key-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(upstream.url), {
        fetch: authorizedFetch(auth, ctx),
        requestInit: { headers: { Authorization: 'Bearer inbound-caller-token' } },
      }),
    );
    await client.callTool({ name: 'echo', arguments: { text: 'x' } });
    await client.close();
    expect(upstream.received.filter((r) => r.method === 'POST').every((r) => r.status === 'forwarded')).toBe(true);
    expect(upstream.received.every((r) => r.headers.authorization === undefined)).toBe(true);
    expect(identity.count('GetResourceApiKey')).toBe(1);
    expect(identity.calls[0]).toMatchObject({ providerName: 'weather-key', workloadName: 'runtime-managed-workload' });
  });

  it('loopback AgentCore Identity endpoint: a rotated key is picked up after a 401 (invalidate, refetch, retry once)', async () => {
    const auth = make();
    const call = authorizedFetch(auth, {});
    const init = { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' } };
    const ping = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
    expect((await call(upstream.url, { ...init, body: ping })).status).toBe(200);
    vaultKey = acceptedKey = 'key-two-2222';
    const res = await call(upstream.url, { ...init, body: ping });
    expect(res.status).toBe(200);
    expect(upstream.received.map((r) => r.status)).toEqual(['forwarded', 401, 'forwarded']);
    expect(identity.count('GetResourceApiKey')).toBe(2);
  });

  it('loopback AgentCore Identity endpoint: the key is reused for cacheTtlSeconds, then fetched again', async () => {
    const auth = make({ cacheTtlSeconds: 60 });
    const headers = () => new Headers();
    const req = (h: Headers) => ({ url: new URL(upstream.url), method: 'POST', headers: h, body: '{}' });
    await auth.authorize(req(headers()), {});
    clock += 59_000;
    await auth.authorize(req(headers()), {});
    expect(identity.count('GetResourceApiKey')).toBe(1);
    clock += 2_000;
    const h = headers();
    await auth.authorize(req(h), {});
    expect(identity.count('GetResourceApiKey')).toBe(2);
    expect(h.get('x-weather-key')).toBe('Key key-one-1111');
  });

  it('loopback AgentCore Identity endpoint: an unknown provider fails closed with UpstreamAuthFailed', async () => {
    const err = await make({ providerName: 'nope' })
      .authorize({ url: new URL(upstream.url), method: 'POST', headers: new Headers(), body: '{}' }, {})
      .catch((e) => e);
    expect(err).toMatchObject({ code: ErrorCode.UpstreamAuthFailed, errorClass: 'upstream_auth' });
    expect(err.message).toBe('Could not obtain credentials for upstream "weather": GetResourceApiKey failed: ResourceNotFoundException (HTTP 404)');
  });
});
