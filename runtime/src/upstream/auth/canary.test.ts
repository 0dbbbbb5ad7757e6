/**
 * Canary: secrets and tokens planted along every path (AWS secret key, client secret, access tokens, workload access
 * tokens, API keys, the caller's own token, error bodies that echo them) never appear in a log line or in an error
 * a caller could see.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../log';
import { GovernanceError } from '../../pipeline/errors';
import { LoopbackAgentCoreIdentity } from '../../../../test/support/agentcore-identity-endpoint';
import { LoopbackSecretsManager } from '../../../../test/support/secrets-manager-endpoint';
import { startGuardedMcpUpstream, type GuardedMcpUpstream } from '../../../../test/support/sigv4-upstream';
import { upstreamAuthSchema } from '../../config/sections/upstream-auth';
import { authorizedFetch, createUpstreamAuthenticator, type UpstreamAuthenticator, type UpstreamAuthOptions } from './index';

const CANARY = {
  sigv4Secret: 'CANARY-sigv4-secret-7f3a',
  clientSecret: 'CANARY-client-secret-91bd',
  accessToken: 'CANARY-access-token-c0de',
  refusedToken: 'CANARY-refused-token-4e21',
  workloadToken: '', // minted by the loopback endpoint
  apiKey: 'CANARY-api-key-55aa',
  callerToken: 'CANARY-caller-token-0b0b',
};

describe('canary: planted secrets never reach logs or caller-visible errors', () => {
  let identity: LoopbackAgentCoreIdentity;
  let secrets: LoopbackSecretsManager;
  let upstream: GuardedMcpUpstream;
  let tokenEndpoint: Server;
  let tokenMode: 'ok' | 'echo-error' | 'wrong-type' = 'ok';
  const injectedLog: string[] = [];
  const stderr: string[] = [];
  const errors: unknown[] = [];
  let stderrSpy: jest.SpyInstance;

  beforeAll(async () => {
    identity = await LoopbackAgentCoreIdentity.start({
      workloads: ['mcp-proxy-startup'],
      oauth2Providers: { 'p-ok': () => CANARY.accessToken },
      apiKeyProviders: { 'k-ok': CANARY.apiKey, 'k-bad': `${CANARY.apiKey}\r\nx-injected: 1` },
    });
    CANARY.workloadToken = identity.issueWorkloadToken('runtime-managed-workload');
    secrets = await LoopbackSecretsManager.start({ secrets: { 'client-secret': CANARY.clientSecret } });
    tokenEndpoint = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        if (tokenMode === 'echo-error') {
          res.statusCode = 401;
          res.setHeader('www-authenticate', `Basic realm="${CANARY.clientSecret}"`);
          res.end(JSON.stringify({ error: 'invalid_client', error_description: `bad secret ${CANARY.clientSecret} / ${req.headers.authorization}` }));
        } else if (tokenMode === 'wrong-type') {
          res.end(JSON.stringify({ access_token: CANARY.refusedToken, token_type: 'mac', expires_in: 60 }));
        } else {
          res.end(JSON.stringify({ access_token: CANARY.accessToken, token_type: 'Bearer', expires_in: 3600 }));
        }
      });
    });
    await new Promise<void>((r) => tokenEndpoint.listen(0, '127.0.0.1', r));
    upstream = await startGuardedMcpUpstream({ guard: () => ({ ok: false, status: 401, reason: 'always refuses' }) });
    stderrSpy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    });
  });

  afterAll(async () => {
    stderrSpy.mockRestore();
    tokenEndpoint.closeAllConnections();
    await new Promise((r) => tokenEndpoint.close(r));
    await upstream.close();
    await secrets.close();
    await identity.close();
  });

  function describe(err: unknown): string {
    if (err instanceof GovernanceError) return `${err.name}: ${err.message} ${JSON.stringify(err.data)} ${err.stack}`;
    return String((err as Error)?.stack ?? err);
  }

  /** Half the authenticators log through the injected logger, half through the default one (stderr). */
  function options(i: number): UpstreamAuthOptions {
    const logger = i % 2 === 0 ? createLogger('upstream-auth', { level: 'debug', write: (l) => injectedLog.push(l) }) : undefined;
    return { agentCoreClient: identity.client(), secretsManagerClient: secrets.client(), logger };
  }

  async function run(auth: UpstreamAuthenticator, ctx = {}): Promise<void> {
    const res = await authorizedFetch(auth, ctx)(upstream.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${CANARY.callerToken}`, 'content-type': 'application/json' },
      body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
    }).catch((e) => {
      errors.push(e);
      return undefined;
    });
    if (res) expect(res.status).toBe(401);
  }

  function cfg(doc: Record<string, unknown>) {
    return upstreamAuthSchema.parse({ region: 'us-east-1', ...doc });
  }

  it('logs are captured (the canary would otherwise prove nothing)', async () => {
    const prevLevel = process.env.MCP_PROXY_LOG_LEVEL;
    process.env.MCP_PROXY_LOG_LEVEL = 'debug';
    try {
      for (const [i, doc] of [
        { type: 'oauth2-client-credentials', tokenUrl: `http://127.0.0.1:${(tokenEndpoint.address() as AddressInfo).port}/token`, clientId: 'c', clientSecretArn: 'client-secret' },
        { type: 'agentcore-oauth2', providerName: 'p-ok', workloadName: 'mcp-proxy-startup' },
        { type: 'agentcore-api-key', providerName: 'k-ok', workloadName: 'mcp-proxy-startup' },
      ].entries()) {
        await run(createUpstreamAuthenticator('canary', cfg(doc), options(i)));
        await run(createUpstreamAuthenticator('canary', cfg(doc), options(i + 1)), { workloadAccessToken: CANARY.workloadToken });
      }
    } finally {
      if (prevLevel === undefined) delete process.env.MCP_PROXY_LOG_LEVEL;
      else process.env.MCP_PROXY_LOG_LEVEL = prevLevel;
    }
    expect(injectedLog.some((l) => l.includes('upstream access token obtained'))).toBe(true);
    expect(stderr.some((l) => l.includes('upstream access token obtained'))).toBe(true);
    // The upstream refused every credential: the request went out twice (one retry), with the planted credentials.
    expect(upstream.received.some((r) => String(r.headers.authorization) === `Bearer ${CANARY.accessToken}`)).toBe(true);
    expect(upstream.received.some((r) => r.headers['x-api-key'] === CANARY.apiKey)).toBe(true);
    expect(upstream.received.every((r) => !JSON.stringify(r.headers).includes(CANARY.callerToken))).toBe(true);
  });

  it('token endpoint errors that echo the secret, and non-Bearer tokens', async () => {
    const tokenUrl = `http://127.0.0.1:${(tokenEndpoint.address() as AddressInfo).port}/token`;
    for (const mode of ['echo-error', 'wrong-type'] as const) {
      tokenMode = mode;
      for (const i of [0, 1]) {
        await run(createUpstreamAuthenticator('canary', cfg({ type: 'oauth2-client-credentials', tokenUrl, clientId: 'c', clientSecretArn: 'client-secret' }), options(i)));
      }
    }
    tokenMode = 'ok';
    expect(errors.length).toBeGreaterThanOrEqual(4);
    expect(errors.map((e) => (e as Error).message)).toContain(
      'Could not obtain credentials for upstream "canary": token endpoint answered HTTP 401 (invalid_client)',
    );
    expect(errors.map((e) => (e as Error).message)).toContain(
      'Could not obtain credentials for upstream "canary": token endpoint issued a token that is not a Bearer token',
    );
  });

  it('AgentCore Identity errors whose message quotes the workload token, and an API key that is not a valid header value', async () => {
    for (const i of [0, 1]) {
      identity.failNext(1, 'GetResourceOauth2Token', 'ValidationException', `workloadIdentityToken ${CANARY.workloadToken} is malformed`);
      await run(createUpstreamAuthenticator('canary', cfg({ type: 'agentcore-oauth2', providerName: 'p-ok' }), options(i)), {
        workloadAccessToken: CANARY.workloadToken,
      });
      await run(createUpstreamAuthenticator('canary', cfg({ type: 'agentcore-api-key', providerName: 'k-bad' }), options(i)), {
        workloadAccessToken: CANARY.workloadToken,
      });
    }
    const messages = errors.map((e) => (e as Error).message);
    expect(messages).toContain('Could not obtain credentials for upstream "canary": GetResourceOauth2Token failed: ValidationException (HTTP 400)');
    expect(messages).toContain('Could not obtain credentials for upstream "canary": API key is not a valid header value');
  });

  it('AWS credential errors that quote the secret key', async () => {
    for (const i of [0, 1]) {
      const auth = createUpstreamAuthenticator('canary', cfg({ type: 'sigv4' }), {
        ...options(i),
        credentials: async () => {
          throw Object.assign(new Error(`profile has aws_secret_access_key=${CANARY.sigv4Secret}`), { name: 'CredentialsProviderError' });
        },
      });
      await run(auth);
    }
    // A successful signature carries no secret either: only the key id and the HMAC.
    const ok = createUpstreamAuthenticator('canary', cfg({ type: 'sigv4' }), {
      ...options(0),
      credentials: { accessKeyId: 'AKIDCANARY', secretAccessKey: CANARY.sigv4Secret },
    });
    await run(ok);
    expect(JSON.stringify(upstream.received.at(-1)!.headers)).toContain('AKIDCANARY');
    expect(JSON.stringify(upstream.received.map((r) => r.headers))).not.toContain(CANARY.sigv4Secret);
    expect(errors.map((e) => (e as Error).message)).toContain(
      'Could not obtain credentials for upstream "canary": SigV4 signing failed: CredentialsProviderError',
    );
  });

  it('no planted value appears in any log line (injected logger or stderr) or caller-visible error', () => {
    const haystack = [...injectedLog, ...stderr, ...errors.map(describe)].join('\n');
    expect(haystack.length).toBeGreaterThan(0);
    const leaks = Object.entries(CANARY).filter(([, v]) => v && haystack.includes(v)).map(([k]) => k);
    expect(leaks).toEqual([]);
  });
});
