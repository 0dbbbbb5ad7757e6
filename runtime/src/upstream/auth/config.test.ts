import { upstreamAuthSchema } from '../../config/sections/upstream-auth';

const parse = (doc: unknown) => upstreamAuthSchema.safeParse(doc);
const issues = (doc: unknown) => {
  const r = parse(doc);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('upstream auth config section', () => {
  it('applies the documented defaults', () => {
    expect(upstreamAuthSchema.parse({ type: 'sigv4' })).toEqual({ type: 'sigv4', service: 'bedrock-agentcore' });
    expect(upstreamAuthSchema.parse({ type: 'agentcore-oauth2', providerName: 'p' })).toEqual({
      type: 'agentcore-oauth2', providerName: 'p', scopes: [], tokenTtlSeconds: 300, refreshSkewSeconds: 60,
    });
    expect(upstreamAuthSchema.parse({ type: 'oauth2-client-credentials', tokenUrl: 'https://idp.example/oauth2/token', clientId: 'c', clientSecretArn: 's' })).toEqual({
      type: 'oauth2-client-credentials', tokenUrl: 'https://idp.example/oauth2/token', clientId: 'c', clientSecretArn: 's', scopes: [],
      clientAuthMethod: 'client_secret_basic', tokenTtlSeconds: 300, refreshSkewSeconds: 60, timeoutMs: 10_000,
    });
    expect(upstreamAuthSchema.parse({ type: 'agentcore-api-key', providerName: 'k' })).toEqual({
      type: 'agentcore-api-key', providerName: 'k', headerName: 'x-api-key', valuePrefix: '', cacheTtlSeconds: 900,
    });
  });

  it.each([
    [{ type: 'sigv4', region: 'US East' }, /region: must be an AWS region name/],
    [{ type: 'sigv4', service: 'Bedrock AgentCore' }, /service: must be an AWS signing name/],
    [{ type: 'sigv4', extra: 1 }, /Unrecognized key/],
    [{ type: 'agentcore-oauth2', providerName: 'p', workloadName: 'a b' }, /workloadName: must be 3-255 characters/],
    [{ type: 'agentcore-oauth2', providerName: 'p', tokenTtlSeconds: 0 }, /tokenTtlSeconds/],
    [{ type: 'oauth2-client-credentials', tokenUrl: 'http://idp.example/token', clientId: 'c', clientSecretArn: 's' }, /tokenUrl: must use https/],
    [{ type: 'oauth2-client-credentials', tokenUrl: 'ftp://idp.example/token', clientId: 'c', clientSecretArn: 's' }, /tokenUrl: must be an http\(s\) URL/],
    [{ type: 'oauth2-client-credentials', tokenUrl: 'https://idp.example/token', clientId: 'c', clientSecretArn: 's', clientAuthMethod: 'private_key_jwt' }, /clientAuthMethod/],
    [{ type: 'agentcore-api-key', providerName: 'k', headerName: 'x api key' }, /headerName: must be a valid HTTP header name/],
    [{ type: 'agentcore-api-key', providerName: 'k', headerName: 'Host' }, /headerName: cannot be a header the transport manages/],
    [{ type: 'agentcore-api-key', providerName: 'k', valuePrefix: 'Bearer\n' }, /valuePrefix: must be printable ASCII/],
  ])('refuses %j', (doc, message) => {
    expect(issues(doc).join('\n')).toMatch(message);
  });

  it('accepts http token endpoints on loopback only', () => {
    for (const host of ['127.0.0.1:8080', 'localhost', '[::1]:9000']) {
      expect(issues({ type: 'oauth2-client-credentials', tokenUrl: `http://${host}/token`, clientId: 'c', clientSecretArn: 's' })).toEqual([]);
    }
  });
});
