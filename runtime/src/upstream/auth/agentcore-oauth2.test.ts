import { randomUUID } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { decodeJwt } from 'jose';
import { OAuth2Server } from 'oauth2-mock-server';
import { ErrorCode, GovernanceError } from '../../pipeline/errors';
import { createLogger } from '../../log';
import { LoopbackAgentCoreIdentity } from '../../../../test/support/agentcore-identity-endpoint';
import { jwtBearerGuard, startGuardedMcpUpstream, type GuardedMcpUpstream } from '../../../../test/support/sigv4-upstream';
import type { UpstreamAuthConfig } from '../../config/sections/upstream-auth';
import { authorizedFetch, createUpstreamAuthenticator, type UpstreamAuthenticator, type UpstreamCallContext } from './index';

type OAuth2Cfg = Extract<UpstreamAuthConfig, { type: 'agentcore-oauth2' }>;

describe('agentcore-oauth2 against a loopback AgentCore Identity endpoint, oauth2-mock-server and a JWKS-verifying MCP upstream', () => {
  let oauth: OAuth2Server;
  let identity: LoopbackAgentCoreIdentity;
  let upstream: GuardedMcpUpstream;
  let tokenTtl = 3600;
  let opaqueSerial = 0;
  const revoked = new Set<string>();
  let clock = Date.now();
  const now = () => clock;
  const logLines: string[] = [];
  const logger = createLogger('upstream-auth', { level: 'debug', write: (l) => logLines.push(l) });

  beforeAll(async () => {
    oauth = new OAuth2Server();
    await oauth.issuer.keys.generate('ES256');
    await oauth.start(0, '127.0.0.1');
    identity = await LoopbackAgentCoreIdentity.start({
      workloads: ['mcp-proxy-startup'],
      oauth2Providers: {
        'gateway-provider': ({ scopes }) =>
          oauth.issuer.buildToken({
            expiresIn: tokenTtl,
            scopesOrTransform: (_h, p) => Object.assign(p, { scope: scopes.join(' '), aud: 'upstream-api', jti: randomUUID() }),
          }),
        'opaque-provider': () => `opaque-access-token-${++opaqueSerial}`,
      },
    });
    upstream = await startGuardedMcpUpstream({
      guard: jwtBearerGuard({
        jwksUrl: `${oauth.issuer.url}/jwks`,
        issuer: oauth.issuer.url!,
        audience: 'upstream-api',
        isRevoked: (p) => revoked.has(String(p.jti)),
      }),
    });
  });
  afterAll(async () => {
    await upstream.close();
    await identity.close();
    await oauth.stop();
  });
  beforeEach(() => {
    identity.calls.length = 0;
    upstream.received.length = 0;
    tokenTtl = 3600;
    clock = Date.now();
    identity.delayResponses(0);
    logLines.length = 0;
  });

  function make(over: Partial<OAuth2Cfg> = {}): UpstreamAuthenticator {
    const cfg: OAuth2Cfg = {
      type: 'agentcore-oauth2',
      providerName: 'gateway-provider',
      scopes: ['tools/read', 'tools/call'],
      workloadName: 'mcp-proxy-startup',
      region: 'us-east-1',
      tokenTtlSeconds: 300,
      refreshSkewSeconds: 60,
      ...over,
    };
    return createUpstreamAuthenticator('tools', cfg, { agentCoreClient: identity.client(), now, logger });
  }

  async function authorize(auth: UpstreamAuthenticator, ctx: UpstreamCallContext = {}): Promise<string> {
    const headers = new Headers({ authorization: 'Bearer inbound-caller-token' });
    await auth.authorize({ url: new URL(upstream.url), method: 'POST', headers, body: '{}' }, ctx);
    return headers.get('authorization')!.replace(/^Bearer /, '');
  }

  async function connect(auth: UpstreamAuthenticator, ctx: UpstreamCallContext): Promise<Client> {
    const client = new Client({ name: 'oauth2-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(upstream.url), { fetch: authorizedFetch(auth, ctx) }));
    return client;
  }

  it('loopback AgentCore Identity endpoint: exchanges the inbound WorkloadAccessToken once (M2M) and reuses the access token', async () => {
    const auth = make();
    const ctx = { workloadAccessToken: identity.issueWorkloadToken('runtime-managed-workload') };
    const client = await connect(auth, ctx);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['echo']);
    expect((await client.callTool({ name: 'echo', arguments: { text: 'hi' } })).content).toEqual([{ type: 'text', text: 'hi' }]);
    await client.close();

    expect(identity.count('GetWorkloadAccessToken')).toBe(0);
    expect(identity.count('GetResourceOauth2Token')).toBe(1);
    expect(identity.calls[0]).toMatchObject({
      providerName: 'gateway-provider',
      scopes: ['tools/read', 'tools/call'],
      oauth2Flow: 'M2M',
      workloadName: 'runtime-managed-workload',
    });
    expect(upstream.received.filter((r) => r.method === 'POST').every((r) => r.status === 'forwarded')).toBe(true);
  });

  it('loopback AgentCore Identity endpoint: without an inbound token (start-up discovery) gets its own via GetWorkloadAccessToken', async () => {
    const auth = make();
    const token = await authorize(auth, {});
    expect(decodeJwt(token).scope).toBe('tools/read tools/call');
    expect(identity.count('GetWorkloadAccessToken')).toBe(1);
    expect(identity.calls.find((c) => c.operation === 'GetResourceOauth2Token')).toMatchObject({ workloadName: 'mcp-proxy-startup' });
  });

  it('never forwards the inbound Authorization header', async () => {
    const token = await authorize(make(), {});
    expect(token).not.toContain('inbound-caller-token');
    expect(decodeJwt(token).aud).toBe('upstream-api');
  });

  it('fails closed without a workload access token and without workloadName, before calling AgentCore Identity', async () => {
    const err = await authorize(make({ workloadName: undefined }), {}).catch((e) => e);
    expect(err).toBeInstanceOf(GovernanceError);
    expect(err).toMatchObject({ code: ErrorCode.UpstreamAuthFailed, errorClass: 'upstream_auth' });
    expect(err.message).toBe(
      'Could not obtain credentials for upstream "tools": no workload access token (the request carried none and auth.workloadName is not set)',
    );
    expect(identity.calls).toHaveLength(0);
    expect(logLines.map((l) => JSON.parse(l))).toContainEqual(
      expect.objectContaining({ level: 'warn', upstream: 'tools', auth: 'agentcore-oauth2', failure: expect.stringMatching(/^no workload access token/) }),
    );
  });

  it('loopback AgentCore Identity endpoint: refreshes a JWT access token shortly before its exp', async () => {
    tokenTtl = 4; // useUntil = obtained + 4 s - min(60 s skew, half the lifetime) = obtained + 2 s
    const auth = make();
    const first = await authorize(auth);
    clock += 1_500;
    expect(await authorize(auth)).toBe(first);
    clock += 1_000;
    const second = await authorize(auth);
    expect(second).not.toBe(first);
    expect(identity.count('GetResourceOauth2Token')).toBe(2);
    // The own workload access token is still fresh: it is not fetched again.
    expect(identity.count('GetWorkloadAccessToken')).toBe(1);
  });

  it('loopback AgentCore Identity endpoint: an access token without exp is kept for tokenTtlSeconds minus the skew', async () => {
    const auth = make({ providerName: 'opaque-provider', tokenTtlSeconds: 100, refreshSkewSeconds: 10 });
    const first = await authorize(auth);
    expect(first).toMatch(/^opaque-access-token-\d+$/);
    clock += 89_000;
    expect(await authorize(auth)).toBe(first);
    clock += 2_000;
    expect(await authorize(auth)).not.toBe(first);
    expect(identity.count('GetResourceOauth2Token')).toBe(2);
  });

  it('loopback AgentCore Identity endpoint: after a 401 the token is dropped, a new one obtained and the call retried once', async () => {
    const auth = make();
    const client = await connect(auth, {});
    const firstToken = String(upstream.received.at(-1)!.headers.authorization).slice(7);
    revoked.add(String(decodeJwt(firstToken).jti));

    const res = await client.callTool({ name: 'echo', arguments: { text: 'after revocation' } });
    expect(res.content).toEqual([{ type: 'text', text: 'after revocation' }]);
    await client.close();

    const statuses = upstream.received.filter((r) => r.method === 'POST').map((r) => r.status);
    expect(statuses).toContain(401);
    expect(statuses.at(-1)).toBe('forwarded');
    expect(identity.count('GetResourceOauth2Token')).toBe(2);
  });

  it('loopback AgentCore Identity endpoint: concurrent callers share one in-flight token request (single-flight)', async () => {
    identity.delayResponses(30);
    const auth = make();
    const tokens = await Promise.all(Array.from({ length: 25 }, () => authorize(auth)));
    expect(new Set(tokens).size).toBe(1);
    expect(identity.count('GetWorkloadAccessToken')).toBe(1);
    expect(identity.count('GetResourceOauth2Token')).toBe(1);
  });

  it('loopback AgentCore Identity endpoint: concurrent callers sharing a failed fetch all fail closed, logged once', async () => {
    identity.delayResponses(30);
    identity.failNext(1, 'GetResourceOauth2Token', 'InternalServerException');
    const auth = make();
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => authorize(auth)));
    expect(results.every((r) => r.status === 'rejected' && /InternalServerException \(HTTP 500\)/.test(String(r.reason.message)))).toBe(true);
    expect(logLines.filter((l) => JSON.parse(l).level === 'warn')).toHaveLength(1);
    expect(identity.calls.filter((c) => c.operation === 'GetResourceOauth2Token')).toHaveLength(1);
  });

  it('loopback AgentCore Identity endpoint: a refused own workload token is dropped and obtained again once', async () => {
    const auth = make();
    await authorize(auth);
    auth.invalidate();
    identity.expireWorkloadTokens();
    const token = await authorize(auth);
    expect(decodeJwt(token).aud).toBe('upstream-api');
    expect(identity.count('GetWorkloadAccessToken')).toBe(2);
    expect(identity.calls.filter((c) => c.errorType === 'UnauthorizedException')).toHaveLength(1);
  });

  it('loopback AgentCore Identity endpoint: a refused inbound workload token fails closed (no silent switch to the own identity)', async () => {
    const err = await authorize(make(), { workloadAccessToken: 'wat-not-issued-by-agentcore' }).catch((e) => e);
    expect(err.message).toBe(
      'Could not obtain credentials for upstream "tools": GetResourceOauth2Token failed: UnauthorizedException (HTTP 401)',
    );
    expect(identity.count('GetWorkloadAccessToken')).toBe(0);
  });

  it('loopback AgentCore Identity endpoint: an unknown provider or an AgentCore outage is UpstreamAuthFailed naming the class only', async () => {
    const notFound = await authorize(make({ providerName: 'no-such-provider' })).catch((e) => e);
    expect(notFound).toMatchObject({ code: ErrorCode.UpstreamAuthFailed, errorClass: 'upstream_auth' });
    expect(notFound.message).toBe(
      'Could not obtain credentials for upstream "tools": GetResourceOauth2Token failed: ResourceNotFoundException (HTTP 404)',
    );

    identity.failNext(1, 'GetWorkloadAccessToken', 'AccessDeniedException');
    const denied = await authorize(make()).catch((e) => e);
    expect(denied.message).toBe('Could not obtain credentials for upstream "tools": GetWorkloadAccessToken failed: AccessDeniedException (HTTP 403)');

    // A failure is not cached: the next request tries again and succeeds.
    const auth = make();
    identity.failNext(1, 'GetResourceOauth2Token', 'ThrottlingException');
    await expect(authorize(auth)).rejects.toThrow(/ThrottlingException \(HTTP 429\)/);
    await expect(authorize(auth)).resolves.toMatch(/^ey/);
  });
});
