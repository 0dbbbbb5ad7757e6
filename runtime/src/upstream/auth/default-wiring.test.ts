/**
 * Production wiring, with nothing injected: the default AWS SDK credential chain (here: environment variables) and the
 * default clients, pointed at loopback endpoints through the SDK's own AWS_ENDPOINT_URL_<SERVICE> variables (as an
 * end-to-end test of the bundle does).
 */
import { LoopbackAgentCoreIdentity } from '../../../../test/support/agentcore-identity-endpoint';
import { LoopbackSecretsManager } from '../../../../test/support/secrets-manager-endpoint';
import { TEST_CREDENTIALS } from '../../../../test/support/sigv4-upstream';
import { upstreamAuthSchema } from '../../config/sections/upstream-auth';
import { createLogger } from '../../log';
import { createUpstreamAuthenticator } from './index';

const VARS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_PROFILE',
  'AWS_ENDPOINT_URL_BEDROCK_AGENTCORE', 'AWS_ENDPOINT_URL_SECRETS_MANAGER'] as const;

describe('default wiring: loopback AgentCore Identity endpoint and loopback Secrets Manager endpoint via AWS_ENDPOINT_URL_*', () => {
  const saved: Record<string, string | undefined> = {};
  let identity: LoopbackAgentCoreIdentity;
  let secrets: LoopbackSecretsManager;
  const logger = createLogger('upstream-auth', { write: () => {} });

  beforeAll(async () => {
    identity = await LoopbackAgentCoreIdentity.start({ workloads: ['mcp-proxy-startup'], apiKeyProviders: { k: 'the-key' } });
    secrets = await LoopbackSecretsManager.start({ secrets: { s: 'the-secret' } });
    for (const v of VARS) saved[v] = process.env[v];
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_BEDROCK_AGENTCORE: identity.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    });
  });
  afterAll(async () => {
    for (const v of VARS) {
      if (saved[v] === undefined) delete process.env[v];
      else process.env[v] = saved[v];
    }
    await identity.close();
    await secrets.close();
  });

  it('agentcore-api-key signs its AgentCore Identity calls with the default chain (verified by the loopback endpoint)', async () => {
    const auth = createUpstreamAuthenticator('u', upstreamAuthSchema.parse({ type: 'agentcore-api-key', providerName: 'k', workloadName: 'mcp-proxy-startup' }), { logger });
    const headers = new Headers();
    await auth.authorize({ url: new URL('http://127.0.0.1/mcp'), method: 'POST', headers, body: '{}' }, {});
    expect(headers.get('x-api-key')).toBe('the-key');
    expect(identity.calls.map((c) => [c.operation, c.status])).toEqual([
      ['GetWorkloadAccessToken', 200],
      ['GetResourceApiKey', 200],
    ]);
  });

  it('oauth2-client-credentials reads its secret through the default Secrets Manager client', async () => {
    let seenAuth = '';
    const auth = createUpstreamAuthenticator(
      'u',
      upstreamAuthSchema.parse({ type: 'oauth2-client-credentials', tokenUrl: 'http://127.0.0.1:9/token', clientId: 'c', clientSecretArn: 's' }),
      {
        logger,
        fetch: async (_url, init) => {
          seenAuth = new Headers(init?.headers).get('authorization') ?? '';
          return new Response(JSON.stringify({ access_token: 'tok', token_type: 'Bearer', expires_in: 60 }), { headers: { 'content-type': 'application/json' } });
        },
      },
    );
    const headers = new Headers();
    await auth.authorize({ url: new URL('http://127.0.0.1/mcp'), method: 'POST', headers, body: '{}' }, {});
    expect(headers.get('authorization')).toBe('Bearer tok');
    expect(seenAuth).toBe(`Basic ${Buffer.from('c:the-secret').toString('base64')}`);
    expect(secrets.calls).toEqual([expect.objectContaining({ operation: 'GetSecretValue', status: 200 })]);
  });
});
