import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { GovernanceError, ErrorCode } from '../../pipeline/errors';
import { TEST_CREDENTIALS, startSigV4Upstream, type GuardedMcpUpstream } from '../../../../test/support/sigv4-upstream';
import { authorizedFetch, createUpstreamAuthenticator, type FetchLike, type UpstreamAuthenticator, type UpstreamAuthOptions } from './index';

const REGION = 'us-east-1';

function sigv4(options: UpstreamAuthOptions = {}, cfg: { service?: string; region?: string } = {}): UpstreamAuthenticator {
  return createUpstreamAuthenticator('gateway', { type: 'sigv4', service: cfg.service ?? 'bedrock-agentcore', region: cfg.region ?? REGION }, {
    credentials: TEST_CREDENTIALS,
    ...options,
  });
}

async function connect(url: string, fetchImpl: FetchLike, headers?: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'sigv4-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { fetch: fetchImpl, requestInit: headers ? { headers } : undefined }));
  return client;
}

describe('sigv4 upstream auth (real MCP server behind a SigV4-verifying front on 127.0.0.1)', () => {
  let upstream: GuardedMcpUpstream;
  beforeAll(async () => {
    upstream = await startSigV4Upstream({ region: REGION });
  });
  afterAll(() => upstream.close());
  beforeEach(() => {
    upstream.received.length = 0;
  });

  it('signs every request over the exact body: initialize, tools/list and tools/call succeed', async () => {
    const client = await connect(upstream.url, authorizedFetch(sigv4()));
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).toEqual(['echo']);
    const res = await client.callTool({ name: 'echo', arguments: { text: 'hello' } });
    expect(res.content).toEqual([{ type: 'text', text: 'hello' }]);
    await client.close();
    const posts = upstream.received.filter((r) => r.method === 'POST');
    expect(posts.length).toBeGreaterThanOrEqual(3);
    expect(posts.every((r) => r.status === 'forwarded')).toBe(true);
    expect(String(posts[0].headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDLOOPBACKTEST0001\/\d{8}\/us-east-1\/bedrock-agentcore\/aws4_request/);
  });

  it('never forwards the caller token: an inbound Authorization header is replaced by the signature', async () => {
    const client = await connect(upstream.url, authorizedFetch(sigv4()), { Authorization: 'Bearer caller-token-must-not-leak' });
    await client.listTools();
    await client.close();
    expect(upstream.received.length).toBeGreaterThan(0);
    for (const r of upstream.received) expect(JSON.stringify(r.headers)).not.toContain('caller-token-must-not-leak');
  });

  it('a wrong secret key is rejected with 403', async () => {
    const wrong = sigv4({ credentials: { accessKeyId: TEST_CREDENTIALS.accessKeyId, secretAccessKey: 'not-the-secret' } });
    await expect(connect(upstream.url, authorizedFetch(wrong))).rejects.toThrow(/Error POSTing to endpoint/);
    expect(upstream.received.at(-1)).toMatchObject({ status: 403, reason: 'signature mismatch' });
  });

  it('a body tampered with after signing is rejected with 403', async () => {
    const tamper: FetchLike = (url, init) =>
      fetch(url, { ...init, body: typeof init?.body === 'string' ? init.body.replace('"sigv4-test"', '"evil-client"') : init?.body });
    await expect(connect(upstream.url, authorizedFetch(sigv4(), {}, tamper))).rejects.toThrow(/Error POSTing to endpoint/);
    expect(upstream.received.at(-1)).toMatchObject({ status: 403, reason: 'payload hash mismatch' });
  });

  it('a tampered signed header is rejected with 403', async () => {
    const tamper: FetchLike = (url, init) => {
      const headers = new Headers(init?.headers);
      headers.set('accept', 'application/json');
      return fetch(url, { ...init, headers });
    };
    await expect(connect(upstream.url, authorizedFetch(sigv4(), {}, tamper))).rejects.toThrow(/Error POSTing to endpoint/);
    expect(upstream.received.at(-1)).toMatchObject({ status: 403, reason: 'signature mismatch' });
  });

  it('an unsigned request is rejected with 403', async () => {
    await expect(connect(upstream.url, fetch)).rejects.toThrow(/Error POSTing to endpoint/);
    expect(upstream.received.at(-1)).toMatchObject({ status: 403, reason: 'missing Authorization' });
  });

  it('a signature for another service or region is rejected', async () => {
    await expect(connect(upstream.url, authorizedFetch(sigv4({}, { service: 'execute-api' })))).rejects.toThrow(/Error POSTing to endpoint/);
    expect(upstream.received.at(-1)).toMatchObject({ status: 403, reason: 'wrong service in credential scope' });
    await expect(connect(upstream.url, authorizedFetch(sigv4({}, { region: 'eu-west-1' })))).rejects.toThrow(/Error POSTing to endpoint/);
    expect(upstream.received.at(-1)).toMatchObject({ status: 403, reason: 'wrong region in credential scope' });
  });

  it('invalidate() returns false: a 403/401 is not retried with the same signature', () => {
    expect(sigv4().invalidate()).toBe(false);
  });
});

describe('sigv4 with temporary credentials and an AgentCore Runtime invocation URL', () => {
  const temporary = { accessKeyId: 'ASIALOOPBACKTEST0002', secretAccessKey: 'temporary-secret-0002', sessionToken: 'session-token-0002' };
  // AgentCore Runtime: /runtimes/<URL-encoded ARN>/invocations?qualifier=DEFAULT (the path is signed double-encoded).
  const arnPath = `/runtimes/${encodeURIComponent('arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/proxy-AbCdEf')}/invocations`;
  let upstream: GuardedMcpUpstream;
  beforeAll(async () => {
    upstream = await startSigV4Upstream({ region: REGION, credentials: [temporary], path: arnPath });
  });
  afterAll(() => upstream.close());

  it('signs the session token, the percent-encoded path and the query string, from a credentials provider', async () => {
    let resolved = 0;
    const auth = sigv4({
      credentials: async () => {
        resolved++;
        return temporary;
      },
    });
    const client = await connect(`${upstream.url}?qualifier=DEFAULT`, authorizedFetch(auth));
    await client.callTool({ name: 'echo', arguments: { text: 'via runtime' } });
    await client.close();
    expect(resolved).toBeGreaterThan(0);
    expect(upstream.received.filter((r) => r.method === 'POST').every((r) => r.status === 'forwarded')).toBe(true);
    expect(upstream.received[0].headers['x-amz-security-token']).toBe('session-token-0002');
  });

  it('fails closed with UpstreamAuthFailed when credentials cannot be resolved (no secret in the message)', async () => {
    const auth = sigv4({
      credentials: async () => {
        const e = new Error('could not load credentials from secret-file-contents');
        e.name = 'CredentialsProviderError';
        throw e;
      },
    });
    const err = await auth.authorize({ url: new URL(upstream.url), method: 'POST', headers: new Headers(), body: '{}' }, {}).catch((e) => e);
    expect(err).toBeInstanceOf(GovernanceError);
    expect(err).toMatchObject({ code: ErrorCode.UpstreamAuthFailed, errorClass: 'upstream_auth' });
    expect(err.message).toBe('Could not obtain credentials for upstream "gateway": SigV4 signing failed: CredentialsProviderError');
  });
});

describe('sigv4 region', () => {
  const saved = { AWS_REGION: process.env.AWS_REGION, AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION };
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('uses AWS_REGION when the config names none', async () => {
    process.env.AWS_REGION = 'ap-southeast-2';
    const auth = createUpstreamAuthenticator('gw', { type: 'sigv4', service: 'bedrock-agentcore' }, { credentials: TEST_CREDENTIALS });
    const headers = new Headers();
    await auth.authorize({ url: new URL('https://example.invalid/mcp'), method: 'POST', headers, body: '{}' }, {});
    expect(headers.get('authorization')).toContain('/ap-southeast-2/bedrock-agentcore/aws4_request');
  });

  it('refuses to start without any region, naming the upstream and the fix', () => {
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    expect(() => createUpstreamAuthenticator('gw', { type: 'sigv4', service: 'bedrock-agentcore' })).toThrow(
      /upstream "gw": auth needs an AWS region: set auth.region or AWS_REGION/,
    );
  });
});
