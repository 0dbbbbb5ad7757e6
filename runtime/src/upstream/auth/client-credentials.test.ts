import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { decodeJwt } from 'jose';
import { OAuth2Server } from 'oauth2-mock-server';
import { createLogger } from '../../log';
import { ErrorCode, GovernanceError } from '../../pipeline/errors';
import { LoopbackSecretsManager } from '../../../../test/support/secrets-manager-endpoint';
import { jwtBearerGuard, startGuardedMcpUpstream, type GuardedMcpUpstream } from '../../../../test/support/sigv4-upstream';
import type { UpstreamAuthConfig } from '../../config/sections/upstream-auth';
import { upstreamAuthSchema } from '../../config/sections/upstream-auth';
import { authorizedFetch, createUpstreamAuthenticator, type UpstreamAuthenticator } from './index';

type CcCfg = Extract<UpstreamAuthConfig, { type: 'oauth2-client-credentials' }>;

const CLIENT_ID = 'proxy-client';
const CLIENT_SECRET = 'cc-secret-Zq8!x y+/=%'; // characters that form-encoding must escape

describe('oauth2-client-credentials with oauth2-mock-server, a loopback Secrets Manager endpoint and a JWKS-verifying MCP upstream', () => {
  let oauth: OAuth2Server;
  let secrets: LoopbackSecretsManager;
  let upstream: GuardedMcpUpstream;
  let hangingTokenEndpoint: Server;
  let expiresIn = 3600;
  let tokenRequests: { auth?: string; body: Record<string, unknown> }[] = [];
  const revoked = new Set<string>();
  let clock = Date.now();
  const logLines: string[] = [];
  const logger = createLogger('upstream-auth', { level: 'debug', write: (l) => logLines.push(l) });

  beforeAll(async () => {
    oauth = new OAuth2Server();
    await oauth.issuer.keys.generate('ES256');
    oauth.service.on('beforeTokenSigning', (token, req) => {
      Object.assign(token.payload, { aud: req.body.audience ?? 'none', jti: randomUUID(), exp: token.payload.iat + expiresIn, client_id: CLIENT_ID });
    });
    oauth.service.on('beforeResponse', (response, req) => {
      tokenRequests.push({ auth: req.headers.authorization, body: { ...req.body } });
      // The mock accepts any client: check the credentials the way a real authorization server does.
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
      const [id, secret] = basic
        ? Buffer.from(basic[1], 'base64').toString().split(':').map((p) => decodeURIComponent(p.replace(/\+/g, ' ')))
        : [req.body.client_id, req.body.client_secret];
      if (id !== CLIENT_ID || secret !== CLIENT_SECRET) {
        response.statusCode = 401;
        response.body = { error: 'invalid_client', error_description: `client authentication failed for secret ${secret}` };
        return;
      }
      response.body.expires_in = expiresIn;
    });
    await oauth.start(0, '127.0.0.1');
    secrets = await LoopbackSecretsManager.start({
      secrets: {
        'upstream/client-secret': CLIENT_SECRET,
        'upstream/json': JSON.stringify({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET }),
        'upstream/wrong': 'not-the-secret',
        'upstream/denied': CLIENT_SECRET,
      },
    });
    upstream = await startGuardedMcpUpstream({
      guard: jwtBearerGuard({
        jwksUrl: `${oauth.issuer.url}/jwks`,
        issuer: oauth.issuer.url!,
        audience: 'https://tools.example',
        isRevoked: (p) => revoked.has(String(p.jti)),
      }),
    });
    hangingTokenEndpoint = createServer(() => {
      /* never answers */
    });
    await new Promise<void>((r) => hangingTokenEndpoint.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    hangingTokenEndpoint.closeAllConnections();
    await new Promise((r) => hangingTokenEndpoint.close(r));
    await upstream.close();
    await secrets.close();
    await oauth.stop();
  });
  beforeEach(() => {
    tokenRequests = [];
    secrets.calls.length = 0;
    upstream.received.length = 0;
    expiresIn = 3600;
    clock = Date.now();
    logLines.length = 0;
  });

  function make(over: Partial<CcCfg> = {}): UpstreamAuthenticator {
    const cfg = upstreamAuthSchema.parse({
      type: 'oauth2-client-credentials',
      tokenUrl: `${oauth.issuer.url}/token`,
      clientId: CLIENT_ID,
      clientSecretArn: secrets.arnOf('upstream/client-secret'),
      scopes: ['tools.read', 'tools.call'],
      audience: 'https://tools.example',
      region: 'us-east-1',
      ...over,
    });
    return createUpstreamAuthenticator('tools', cfg, { secretsManagerClient: secrets.client(), now: () => clock, logger });
  }

  async function authorize(auth: UpstreamAuthenticator): Promise<string> {
    const headers = new Headers({ authorization: 'Bearer inbound-caller-token' });
    await auth.authorize({ url: new URL(upstream.url), method: 'POST', headers, body: '{}' }, {});
    return headers.get('authorization')!.replace(/^Bearer /, '');
  }

  it('obtains a token with client_secret_basic, reads the secret once, and the upstream accepts it', async () => {
    const auth = make();
    const client = new Client({ name: 'cc-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(upstream.url), {
        fetch: authorizedFetch(auth),
        requestInit: { headers: { Authorization: 'Bearer inbound-caller-token' } },
      }),
    );
    expect((await client.callTool({ name: 'echo', arguments: { text: 'ok' } })).content).toEqual([{ type: 'text', text: 'ok' }]);
    await client.close();

    expect(tokenRequests).toHaveLength(1);
    expect(tokenRequests[0].body).toEqual({ grant_type: 'client_credentials', scope: 'tools.read tools.call', audience: 'https://tools.example' });
    expect(tokenRequests[0].auth).toMatch(/^Basic /);
    expect(secrets.calls).toEqual([expect.objectContaining({ operation: 'GetSecretValue', status: 200 })]);
    for (const r of upstream.received) {
      expect(r.status).toBe('forwarded');
      expect(String(r.headers.authorization)).not.toContain('inbound-caller-token');
    }
  });

  it('client_secret_post with the secret under a JSON key', async () => {
    const auth = make({ clientAuthMethod: 'client_secret_post', clientSecretArn: 'upstream/json', clientSecretJsonKey: 'client_secret' });
    const token = await authorize(auth);
    expect(decodeJwt(token).aud).toBe('https://tools.example');
    expect(tokenRequests[0].auth).toBeUndefined();
    expect(tokenRequests[0].body).toMatchObject({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
  });

  it('caches by expires_in minus the skew, then refreshes; the secret is not read again', async () => {
    expiresIn = 120; // refreshSkewSeconds 60: used until obtained + 60 s
    const auth = make();
    const first = await authorize(auth);
    clock += 59_000;
    expect(await authorize(auth)).toBe(first);
    clock += 2_000;
    const second = await authorize(auth);
    expect(second).not.toBe(first);
    expect(tokenRequests).toHaveLength(2);
    expect(secrets.calls).toHaveLength(1);
  });

  it('a really expired token (expires_in 1 s) is rejected by the upstream; the authenticator has already moved on', async () => {
    expiresIn = 1;
    const realClock = createUpstreamAuthenticator('tools', upstreamAuthSchema.parse({
      type: 'oauth2-client-credentials', tokenUrl: `${oauth.issuer.url}/token`, clientId: CLIENT_ID, region: 'us-east-1',
      clientSecretArn: secrets.arnOf('upstream/client-secret'), audience: 'https://tools.example',
    }), { secretsManagerClient: secrets.client(), logger });
    const old = await authorize(realClock);
    await new Promise((r) => setTimeout(r, 1_050)); // exp = floor(issued) + 1 s has passed
    const replay = await fetch(upstream.url, { method: 'POST', headers: { authorization: `Bearer ${old}`, 'content-type': 'application/json' }, body: '{}' });
    expect(replay.status).toBe(401);
    expect(upstream.received.at(-1)).toMatchObject({ status: 401, reason: 'invalid token: ERR_JWT_EXPIRED' });

    expiresIn = 3600;
    const client = new Client({ name: 'cc-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(upstream.url), { fetch: authorizedFetch(realClock) }));
    await client.close();
    expect(tokenRequests).toHaveLength(2);
    expect(upstream.received.at(-1)!.status).toBe('forwarded');
    expect(upstream.received.filter((r) => r.status === 401)).toHaveLength(1); // only the replay: no 401 round trip
  });

  it('after a 401 from the upstream: refresh once, retry once, succeed', async () => {
    const auth = make();
    const client = new Client({ name: 'cc-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(upstream.url), { fetch: authorizedFetch(auth) }));
    revoked.add(String(decodeJwt(String(upstream.received.at(-1)!.headers.authorization).slice(7)).jti));
    expect((await client.callTool({ name: 'echo', arguments: { text: 'retried' } })).content).toEqual([{ type: 'text', text: 'retried' }]);
    await client.close();
    const posts = upstream.received.filter((r) => r.method === 'POST').map((r) => r.status);
    expect(posts.filter((s) => s === 401)).toHaveLength(1);
    expect(posts.at(-1)).toBe('forwarded');
    expect(tokenRequests).toHaveLength(2);
  });

  it('retries only once: a second 401 is returned to the caller', async () => {
    const auth = make();
    const always401 = await startGuardedMcpUpstream({ guard: () => ({ ok: false, status: 401, reason: 'never' }) });
    try {
      const res = await authorizedFetch(auth)(always401.url, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(401);
      expect(always401.received).toHaveLength(2);
      expect(tokenRequests).toHaveLength(2);
    } finally {
      await always401.close();
    }
  });

  it('concurrent callers share one token request (single-flight)', async () => {
    const auth = make();
    const tokens = await Promise.all(Array.from({ length: 30 }, () => authorize(auth)));
    expect(new Set(tokens).size).toBe(1);
    expect(tokenRequests).toHaveLength(1);
    expect(secrets.calls).toHaveLength(1);
  });

  it('a wrong client secret is UpstreamAuthFailed naming the OAuth2 error code, never the secret or error_description', async () => {
    const err = await authorize(make({ clientSecretArn: secrets.arnOf('upstream/wrong') })).catch((e) => e);
    expect(err).toBeInstanceOf(GovernanceError);
    expect(err).toMatchObject({ code: ErrorCode.UpstreamAuthFailed, errorClass: 'upstream_auth' });
    expect(err.message).toBe('Could not obtain credentials for upstream "tools": token endpoint answered HTTP 401 (invalid_client)');
    expect(JSON.stringify({ m: err.message, d: err.data, logs: logLines })).not.toContain('not-the-secret');
  });

  it('Secrets Manager refusing the secret fails closed, and a later request reads it again', async () => {
    secrets.deny('upstream/denied');
    const auth = make({ clientSecretArn: secrets.arnOf('upstream/denied') });
    const err = await authorize(auth).catch((e) => e);
    expect(err.message).toBe(
      'Could not obtain credentials for upstream "tools": Secrets Manager GetSecretValue failed: AccessDeniedException (HTTP 400)',
    );
    await expect(authorize(auth)).rejects.toThrow(/AccessDeniedException/);
    expect(secrets.calls).toHaveLength(2);
    expect(tokenRequests).toHaveLength(0);
  });

  it('a missing secret or JSON key is reported by class', async () => {
    await expect(authorize(make({ clientSecretArn: 'upstream/absent' }))).rejects.toThrow(
      'Could not obtain credentials for upstream "tools": Secrets Manager GetSecretValue failed: ResourceNotFoundException (HTTP 400)',
    );
    await expect(authorize(make({ clientSecretArn: 'upstream/json', clientSecretJsonKey: 'password' }))).rejects.toThrow(
      'Could not obtain credentials for upstream "tools": client secret JSON has no string "password"',
    );
    await expect(authorize(make({ clientSecretArn: 'upstream/client-secret', clientSecretJsonKey: 'password' }))).rejects.toThrow(
      /client secret is not JSON/,
    );
  });

  it('a token endpoint that does not answer times out', async () => {
    const { port } = hangingTokenEndpoint.address() as AddressInfo;
    const auth = make({ tokenUrl: `http://127.0.0.1:${port}/token`, timeoutMs: 150 });
    await expect(authorize(auth)).rejects.toThrow('Could not obtain credentials for upstream "tools": token endpoint timed out');
  });

  it('the region comes from the secret ARN when neither auth.region nor AWS_REGION is set', () => {
    const saved = { AWS_REGION: process.env.AWS_REGION, AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION };
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    try {
      expect(() =>
        createUpstreamAuthenticator('t', upstreamAuthSchema.parse({
          type: 'oauth2-client-credentials', tokenUrl: 'https://idp.example/token', clientId: 'c',
          clientSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:x-AbCdEf',
        })),
      ).not.toThrow();
      expect(() =>
        createUpstreamAuthenticator('t', upstreamAuthSchema.parse({
          type: 'oauth2-client-credentials', tokenUrl: 'https://idp.example/token', clientId: 'c', clientSecretArn: 'just-a-name',
        })),
      ).toThrow(/auth needs an AWS region/);
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
    }
  });
});
