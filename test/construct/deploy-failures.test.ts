/**
 * What CloudFormation or the service would refuse at deploy time, and plaintext secrets, fail at synth naming the prop.
 */
import { SecretValue, Stack } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { InboundAuth, McpGovernanceProxy, Upstream, UpstreamAuth, type McpGovernanceProxyProps } from '../../lib';
import { configOf, newApp } from './helpers';

function construct(props: Partial<McpGovernanceProxyProps>, setup?: (stack: Stack) => Partial<McpGovernanceProxyProps>): McpGovernanceProxy {
  const stack = new Stack(newApp(), 'D');
  return new McpGovernanceProxy(stack, 'Proxy', {
    upstreams: [Upstream.url('docs', 'https://docs.example.com/mcp')],
    inboundAuth: InboundAuth.iam(),
    ...props,
    ...(setup ? setup(stack) : {}),
  });
}
let secrets = 0;
const secret = (stack: Stack) => secretsmanager.Secret.fromSecretCompleteArn(stack, `S${secrets++}`, 'arn:aws:secretsmanager:us-east-1:111122223333:secret:s-AbCdEf');

describe('refused at synth', () => {
  const cases: [string, Partial<McpGovernanceProxyProps>, RegExp, ((stack: Stack) => Partial<McpGovernanceProxyProps>)?][] = [
    ['OAuth2 discovery URL with the RFC 8414 suffix CloudFormation refuses', {}, /upstreams\[0\]\.auth\.discoveryUrl: must be an https URL ending with \/\.well-known\/openid-configuration \(CloudFormation refuses any other, including \.\.\.\/oauth-authorization-server\).*set issuer, authorizationEndpoint and tokenEndpoint/, (stack) => ({
      upstreams: [Upstream.url('a', 'https://x.example.com/mcp', { auth: UpstreamAuth.oauth2({ clientId: 'c', clientSecret: secret(stack), discoveryUrl: 'https://login.example.com/.well-known/oauth-authorization-server' }) })],
    })],
    ['a retention CloudWatch Logs does not accept', { audit: { retention: 42 as logs.RetentionDays } }, /audit\.retention: is not a retention CloudWatch Logs accepts \(got 42\)\. Use a logs\.RetentionDays value/],
    ['a secret-shaped value in a custom upstream header', { upstreams: [Upstream.url('a', 'https://x.example.com/mcp', { headers: { 'X-Auth-Token': 'sk-live-4f9a8b7c6d5e4f3a2b1c' } })] },
      /upstreams\[0\]\.headers\.X-Auth-Token: looks like an API key: static headers are written in plain text into proxy-config\.json.*UpstreamAuth\.apiKey\(\{ apiKey: <ISecret>, headerName: 'X-Auth-Token' \}\)/],
    ['a credential by its header name', { upstreams: [Upstream.url('a', 'https://x.example.com/mcp', { headers: { 'X-Session-Token': 'abc123def456' } })] }, /upstreams\[0\]\.headers\.X-Session-Token: its name \(X-Session-Token\) says it holds a credential/],
    ['a JWT in a header', { upstreams: [Upstream.url('a', 'https://x.example.com/mcp', { headers: { 'X-Caller': 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln' } })] }, /headers\.X-Caller: looks like a JWT/],
    ['a secret in an environment variable', { environmentVariables: { SEARCH_API_KEY: 'a1b2c3d4e5f6a7b8' } }, /environmentVariables\.SEARCH_API_KEY: its name \(SEARCH_API_KEY\) says it holds a credential: runtime environment variables are stored in plain text/],
    ['an AWS key in an environment variable', { environmentVariables: { X: 'AKIAABCDEFGHIJKLMNOP' } }, /environmentVariables\.X: looks like an AWS access key id/],
    ['a Secrets Manager reference in an environment variable', {}, /environmentVariables\.DB: a secret reference CloudFormation resolves into plain text/, () => ({
      environmentVariables: { DB: SecretValue.secretsManager('db-password').unsafeUnwrap() },
    })],
    ['API-key credentials over http', {}, /upstreams\[0\]\.url: is plain http, and the proxy would send .* credentials over it \(got "http:\/\/x\.example\.com\/mcp"\)\. Use https, or .* allowCredentialsOverHttp: true/, (stack) => ({
      upstreams: [Upstream.url('a', 'http://x.example.com/mcp', { auth: UpstreamAuth.apiKey({ apiKey: secret(stack) }) })],
    })],
    ['SigV4 over http', { upstreams: [Upstream.url('a', 'http://x.example.com/mcp', { auth: UpstreamAuth.sigV4() })] }, /upstreams\[0\]\.url: is plain http/],
  ];
  // Every row has a setup slot (null when unused): jest would otherwise pass its done callback there.
  test.each(cases.map(([n, p, m, s]) => [n, p, m, s ?? null] as const))('%s', (_name, props, message, setup) => {
    expect(() => construct(props, setup ?? undefined)).toThrow(message);
  });
});

describe('accepted', () => {
  test('the OpenID discovery suffix, and RFC 8414 servers by their metadata', () => {
    expect(() => construct({}, (stack) => ({
      upstreams: [
        Upstream.url('a', 'https://x.example.com/mcp', { auth: UpstreamAuth.oauth2({ clientId: 'c', clientSecret: secret(stack), discoveryUrl: 'https://login.example.com/.well-known/openid-configuration' }) }),
        Upstream.url('b', 'https://y.example.com/mcp', {
          auth: UpstreamAuth.oauth2({ clientId: 'c', clientSecret: secret(stack), issuer: 'https://as.example.com', authorizationEndpoint: 'https://as.example.com/authorize', tokenEndpoint: 'https://as.example.com/token' }),
        }),
      ],
    }))).not.toThrow();
  });

  test('ordinary headers and variables; http without credentials; http with credentials when explicitly allowed', () => {
    const proxy = construct({
      upstreams: [
        Upstream.url('a', 'https://x.example.com/mcp', { headers: { 'X-Tenant': 'acme', 'X-Request-Source': 'mcp-governance-proxy', 'X-Session-Region': 'eu-west-1' } }),
        Upstream.url('b', 'http://internal.example.com/mcp'),
        Upstream.url('c', 'http://10.0.1.5:8080/mcp', { auth: UpstreamAuth.sigV4({ service: 'execute-api' }), allowCredentialsOverHttp: true }),
      ],
      environmentVariables: { FEATURE_FLAGS: 'a,b', TOKEN_CACHE_SECONDS: '600', OTEL_SERVICE_NAME: 'mcp-proxy' },
    });
    expect(configOf(proxy).upstreams[0].headers).toEqual({ 'X-Tenant': 'acme', 'X-Request-Source': 'mcp-governance-proxy', 'X-Session-Region': 'eu-west-1' });
  });
});
