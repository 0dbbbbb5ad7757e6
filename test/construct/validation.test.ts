/** Props are validated eagerly (all problems at once, naming the prop); the policy is validated at synth by the runtime. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Duration, Lazy, Size, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  AccessAction, AccessRule, Detector, InboundAuth, McpGovernanceProxy, Upstream, UpstreamAuth, type McpGovernanceProxyProps,
} from '../../lib';
import { McpGovernanceProxyValidationError } from '../../lib/errors';
import { BUNDLE_CONTEXT_KEY, newApp } from './helpers';

/** Constructs a proxy (no synth): prop validation is eager. */
function construct(props: Partial<McpGovernanceProxyProps>, setup?: (stack: Stack) => Partial<McpGovernanceProxyProps>): McpGovernanceProxy {
  const stack = new Stack(newApp(), 'V');
  return new McpGovernanceProxy(stack, 'Proxy', {
    upstreams: [Upstream.url('docs', 'https://docs.example.com/mcp')],
    inboundAuth: InboundAuth.iam(),
    ...props,
    ...(setup ? setup(stack) : {}),
  });
}

const secret = (stack: Stack) => secretsmanager.Secret.fromSecretCompleteArn(stack, 'S', 'arn:aws:secretsmanager:us-east-1:111122223333:secret:s-AbCdEf');

describe('prop validation (eager, one error listing every problem)', () => {
  const cases: [string, Partial<McpGovernanceProxyProps>, RegExp, ((stack: Stack) => Partial<McpGovernanceProxyProps>)?][] = [
    ['no upstreams', { upstreams: [] }, /upstreams: is empty \(got \[\]\)\. Add at least one Upstream/],
    ['bad upstream name', { upstreams: [Upstream.url('9bad name', 'https://x.example.com/mcp')] }, /upstreams\[0\]\.name: does not match .* \(got "9bad name"\)\. Start with a letter/],
    ['duplicate upstream names', { upstreams: [Upstream.url('a', 'https://x.example.com/mcp'), Upstream.url('a', 'https://y.example.com/mcp')] }, /upstreams\[1\]\.name: is used by another upstream \(got "a"\)/],
    ['upstream URL not http(s)', { upstreams: [Upstream.url('a', 'ftp://x.example.com')] }, /upstreams\[0\]\.url: must be an http\(s\) URL \(got "ftp:\/\/x\.example\.com"\)/],
    ['timeout over 15 minutes', { upstreams: [Upstream.url('a', 'https://x.example.com/mcp', { timeout: Duration.minutes(16) })] }, /upstreams\[0\]\.timeout: must be an integer from 1 to 900000 \(got 960000\)/],
    ['credentials in static headers', { upstreams: [Upstream.url('a', 'https://x.example.com/mcp', { headers: { Authorization: 'Bearer x' } })] }, /upstreams\[0\]\.headers: must not carry credentials \(Authorization\).*Use the auth option/],
    ['bad prefix', { upstreams: [Upstream.url('a', 'https://x.example.com/mcp', { prefix: 'a b' })] }, /upstreams\[0\]\.prefix: does not match/],
    ['sigv4 service', { upstreams: [Upstream.url('a', 'https://x.example.com/mcp', { auth: UpstreamAuth.sigV4({ service: 'Bad Service' }) })] }, /upstreams\[0\]\.auth\.service: does not match/],
    ['client credentials over http', {}, /upstreams\[0\]\.auth\.tokenUrl: must be an https URL/, (stack) => ({
      upstreams: [Upstream.url('a', 'https://x.example.com/mcp', { auth: UpstreamAuth.clientCredentials({ tokenUrl: 'http://auth.example.com/token', clientId: 'c', clientSecret: secret(stack) }) })],
    })],
    ['oauth2 without an authorization server', {}, /upstreams\[0\]\.auth: needs the authorization server\. Set discoveryUrl/, (stack) => ({
      upstreams: [Upstream.url('a', 'https://x.example.com/mcp', { auth: UpstreamAuth.oauth2({ clientId: 'c', clientSecret: secret(stack) }) })],
    })],
    ['oauth2 with both discovery and metadata', {}, /upstreams\[0\]\.auth: sets both discoveryUrl and authorization server metadata/, (stack) => ({
      upstreams: [Upstream.url('a', 'https://x.example.com/mcp', { auth: UpstreamAuth.oauth2({ clientId: 'c', clientSecret: secret(stack), discoveryUrl: 'https://i.example.com/.well-known/openid-configuration', issuer: 'https://i.example.com' }) })],
    })],
    ['api key header the transport manages', {}, /upstreams\[0\]\.auth\.headerName: is a header the transport manages \(got "Content-Type"\)/, (stack) => ({
      upstreams: [Upstream.url('a', 'https://x.example.com/mcp', { auth: UpstreamAuth.apiKey({ apiKey: secret(stack), headerName: 'Content-Type' }) })],
    })],
    ['OIDC discovery URL', { inboundAuth: InboundAuth.oidc({ discoveryUrl: 'https://idp.example.com/', allowedAudiences: ['a'] }) }, /inboundAuth\.discoveryUrl: must be an https URL ending with \/\.well-known\/openid-configuration/],
    ['OIDC without audience or client', { inboundAuth: InboundAuth.oidc({ discoveryUrl: 'https://idp.example.com/.well-known/openid-configuration' }) }, /inboundAuth: accepts any audience and any client\. Set allowedAudiences, allowedClients, or both/],
    ['OIDC groups separator', { inboundAuth: InboundAuth.oidc({ discoveryUrl: 'https://idp.example.com/.well-known/openid-configuration', allowedAudiences: ['a'], groupsSeparator: '' }) }, /inboundAuth\.groupsSeparator: must be 1 to 8 characters .*leave it unset \(a string claim is one group\)/],
    ['Cognito domain prefix', { inboundAuth: InboundAuth.cognito({ domainPrefix: 'my-cognito-proxy' }) }, /inboundAuth\.domainPrefix: must not contain "aws", "amazon" or "cognito"/],
    ['Cognito without scopes', { inboundAuth: InboundAuth.cognito({ scopes: [] }) }, /inboundAuth\.scopes: must name at least one scope/],
    ['rule set name', { accessControl: { ruleSets: [{ name: 'bad name', rules: [AccessRule.permit({})] }] } }, /accessControl\.ruleSets\[0\]\.name: does not match/],
    ['duplicate rule set names', { accessControl: { ruleSets: [{ name: 'a', rules: [AccessRule.permit({})] }, { name: 'a', rules: [AccessRule.permit({})] }] } }, /accessControl\.ruleSets\[1\]\.name: is used by another rule set/],
    ['empty rule set', { accessControl: { ruleSets: [{ name: 'a' }] } }, /accessControl\.ruleSets\[0\]: has neither rules nor cedar/],
    ['empty condition list', { accessControl: { ruleSets: [{ name: 'a', rules: [AccessRule.permit({ groups: [] })] }] } }, /accessControl\.ruleSets\[0\]\.rules\[0\]\.groups: is an empty list, which would match nothing/],
    ['empty actions', { accessControl: { ruleSets: [{ name: 'a', rules: [AccessRule.permit({ actions: [] as AccessAction[] })] }] } }, /rules\[0\]\.actions: is an empty list/],
    ['rule naming an unknown upstream', { accessControl: { ruleSets: [{ name: 'a', rules: [AccessRule.permit({ upstreams: ['nope'] })] }] } }, /rules\[0\]\.upstreams\[0\]: names no configured upstream \(got "nope"\)\. Use one of: docs/],
    ['bad rule id', { accessControl: { ruleSets: [{ name: 'a', rules: [AccessRule.permit({ id: 'a b' })] }] } }, /rules\[0\]\.id: does not match/],
    ['enabled without rule sets', { accessControl: { enabled: true } }, /accessControl\.ruleSets: is empty while access control is enabled/],
    ['empty deny pattern', { sanitization: { denyPatterns: [{ name: 'x', pattern: '' }] } }, /sanitization\.denyPatterns\[0\]\.pattern: must not be empty/],
    ['duplicate deny pattern names', { sanitization: { denyPatterns: [{ name: 'x', pattern: 'a' }, { name: 'x', pattern: 'b' }] } }, /sanitization\.denyPatterns\[1\]\.name: is used twice/],
    ['sanitization limits', { sanitization: { maxDepth: 0, maxArgumentSize: Size.mebibytes(32) } }, /sanitization\.maxArgumentSize: must be an integer.*\n.*sanitization\.maxDepth: must be an integer from 1 to 1000 \(got 0\)/],
    ['custom detector name', { redaction: { customDetectors: [{ name: 'lower', pattern: 'x' }] } }, /redaction\.customDetectors\[0\]\.name: does not match .*Use UPPER_SNAKE_CASE/],
    ['custom detector clashing with a built-in', { redaction: { customDetectors: [{ name: 'EMAIL', pattern: 'x' }] } }, /redaction\.customDetectors\[0\]\.name: collides with another detector/],
    ['duplicate detectors', { redaction: { detectors: [Detector.EMAIL, Detector.EMAIL] } }, /redaction\.detectors\[1\]: is listed twice/],
    ['unknown detector', { redaction: { detectors: ['NOPE' as Detector] } }, /redaction\.detectors\[0\]: is not a known detector \(got "NOPE"\)/],
    ['tokenization argument path', { tokenization: { argumentPaths: ['no-colon'] } }, /tokenization\.argumentPaths\[0\]: does not match .*Use <exposed tool name or \*>:<dot\.path>/],
    ['existing log group plus new-group settings', {}, /audit\.logGroup: is set together with logGroupName\/retention/, (stack) => ({
      audit: { logGroup: logs.LogGroup.fromLogGroupName(stack, 'L', 'x'), retention: logs.RetentionDays.ONE_DAY },
    })],
    ['metrics namespace', { audit: { metricsNamespace: 'AWS/Mine' } }, /audit\.metricsNamespace: must not start with AWS\//],
    ['alarm threshold', { audit: { denialsAlarmThreshold: 0 } }, /audit\.denialsAlarmThreshold: must be an integer from 1/],
    ['undelivered records bound', { audit: { maxUndeliveredRecords: 1 } }, /audit\.maxUndeliveredRecords: must be an integer from 2 to 9936/],
    ['undelivered age bound', { audit: { maxUndeliveredAge: Duration.millis(1000) } }, /audit\.maxUndeliveredAge: must be an integer from 2000 to 600000.*Duration between 2 seconds/],
    ['runtime name', { runtimeName: 'has-dash' }, /runtimeName: does not match .*\(got "has-dash"\)/],
    ['blocked request header', { requestHeaders: ['X-Amz-Date'] }, /requestHeaders\[0\]: is a header AgentCore does not pass to the container/],
    ['duplicate Authorization header', { inboundAuth: InboundAuth.cognito(), requestHeaders: ['authorization'] }, /requestHeaders: names a header twice/],
    ['reserved environment variable', { environmentVariables: { MCP_PROXY_CFG_1: 'x' } }, /environmentVariables\.MCP_PROXY_CFG_1: uses a name reserved by the construct/],
    ['naming separator', { naming: { separator: '::::::::::' } }, /naming\.separator: does not match/],
    ['body size', { maxRequestBodySize: Size.gibibytes(1) }, /maxRequestBodySize: must be an integer from 1 to 104857600/],
  ];

  // A rest parameter: jest would take a fourth named parameter for a done-callback.
  test.each(cases)('%s', (...row) => {
    const [, props, message, setup] = row;
    expect(() => construct(props, setup)).toThrow(message);
  });

  test('every problem is reported at once, in a McpGovernanceProxyValidationError', () => {
    let err: unknown;
    try {
      construct({
        upstreams: [Upstream.url('bad name', 'ftp://x'), Upstream.url('ok', 'https://x.example.com/mcp', { timeout: Duration.hours(1) })],
        redaction: { customDetectors: [{ name: 'x', pattern: 'y' }] },
        runtimeName: '1abc',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(McpGovernanceProxyValidationError);
    const problems = (err as McpGovernanceProxyValidationError).problems;
    expect(problems.map((p) => p.split(':')[0])).toEqual(['runtimeName', 'upstreams[0].name', 'upstreams[0].url', 'upstreams[1].timeout', 'redaction.customDetectors[0].name']);
    expect((err as Error).message).toMatch(/^Invalid McpGovernanceProxy props at V\/Proxy \(5 problems\):/);
  });

  test('unresolved tokens are not validated (they are deploy-time values)', () => {
    const proxy = construct({
      upstreams: [Upstream.url('docs', Lazy.string({ produce: () => 'ftp://would-fail' }), { prefix: Lazy.string({ produce: () => 'a b' }) })],
      runtimeName: undefined,
    });
    const cfg = JSON.parse(proxy.configDocument);
    expect(cfg.upstreams[0].url).toBe('${env:MCP_PROXY_CFG_1}');
    expect(cfg.upstreams[0].prefix).toBe('${env:MCP_PROXY_CFG_2}');
  });

  test('a token where the configuration needs a number is reported', () => {
    const stack = new Stack(newApp(), 'V');
    expect(() => new McpGovernanceProxy(stack, 'Proxy', {
      inboundAuth: InboundAuth.iam(),
      upstreams: [Upstream.url('docs', 'https://docs.example.com/mcp')],
      sanitization: { maxDepth: Lazy.number({ produce: () => 3 }) },
    })).toThrow(/sanitization\.maxDepth: is a token that is not a string \(configuration sanitize\.maxDepth/);
  });
});

describe('synth-time validation with the runtime bundle', () => {
  test('a missing bundle fails synth with the command that builds it', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'no-bundle-'));
    const app = new App({ context: { [BUNDLE_CONTEXT_KEY]: empty } });
    const stack = new Stack(app, 'NoBundle');
    new McpGovernanceProxy(stack, 'Proxy', { inboundAuth: InboundAuth.iam(), upstreams: [Upstream.url('docs', 'https://docs.example.com/mcp')] });
    expect(() => app.synth()).toThrow(/\[NoBundle\/Proxy\] runtime bundle not found \(no index\.js in .*no-bundle-.*\): run "npm run build:runtime"/);
  });

  test('invalid raw Cedar fails synth, naming props.accessControl and the rule set', () => {
    const stack = new Stack(newApp(), 'Cedar');
    new McpGovernanceProxy(stack, 'Proxy', {
      inboundAuth: InboundAuth.iam(),
      upstreams: [Upstream.url('docs', 'https://docs.example.com/mcp')],
      accessControl: { ruleSets: [{ name: 'raw', cedar: 'permit (principal, action, resource) when { principal.noSuchAttribute == 1 };' }] },
    });
    expect(() => Template.fromStack(stack)).toThrow(/\[Cedar\/Proxy\] proxy configuration rejected by the runtime's check \(props\.accessControl\.ruleSets\[0\].*, at accessControl\.ruleSets\[0\]/);
  });

  test('raw Cedar naming a caller by an untyped id fails synth (it would never apply), with the typed spellings', () => {
    const stack = new Stack(newApp(), 'CallerId');
    new McpGovernanceProxy(stack, 'Proxy', {
      inboundAuth: InboundAuth.iam(),
      upstreams: [Upstream.url('docs', 'https://docs.example.com/mcp')],
      accessControl: { ruleSets: [{ name: 'raw', cedar: 'forbid (principal == McpProxy::Caller::"mallory", action, resource);' }] },
    });
    expect(() => Template.fromStack(stack)).toThrow(/McpProxy::Caller::"mallory" is no caller's id: caller ids are typed, write McpProxy::Caller::"subject:mallory" .*McpProxy::Caller::"client:mallory"/);
  });

  test('input-request rules: a URL elicitation rule restricted by host synthesizes; one reading context.input on call actions fails synth', () => {
    const ok = new Stack(newApp(), 'InputOk');
    new McpGovernanceProxy(ok, 'Proxy', {
      inboundAuth: InboundAuth.iam(),
      upstreams: [Upstream.url('reports', 'https://reports.example.com/mcp')],
      accessControl: {
        ruleSets: [
          {
            name: 'input',
            rules: [
              AccessRule.permit({ actions: [AccessAction.SAMPLE, AccessAction.ELICIT_FORM], upstreams: ['reports'] }),
              AccessRule.permit({ actions: [AccessAction.ELICIT_URL], when: 'context.input has urlHost && context.input.urlHost like "*.sso.example.com"' }),
            ],
          },
        ],
      },
    });
    expect(() => Template.fromStack(ok)).not.toThrow();
    const bad = new Stack(newApp(), 'InputBad');
    new McpGovernanceProxy(bad, 'Proxy', {
      inboundAuth: InboundAuth.iam(),
      upstreams: [Upstream.url('reports', 'https://reports.example.com/mcp')],
      accessControl: { ruleSets: [{ name: 'input', rules: [AccessRule.permit({ actions: [AccessAction.CALL_TOOL], when: 'context.input.kind == "sampling"' })] }] },
    });
    expect(() => Template.fromStack(bad)).toThrow(/proxy configuration rejected by the runtime's check.*accessControl\.ruleSets\[0\]/s);
  });

  test('a deny pattern RE2 cannot run fails synth, naming props.sanitization', () => {
    const stack = new Stack(newApp(), 'Re2');
    new McpGovernanceProxy(stack, 'Proxy', {
      inboundAuth: InboundAuth.iam(),
      upstreams: [Upstream.url('docs', 'https://docs.example.com/mcp')],
      sanitization: { denyPatterns: [{ name: 'lookahead', pattern: 'secret(?=key)' }] },
    });
    expect(() => Template.fromStack(stack)).toThrow(/\(props\.sanitization\.denyPatterns\[0\]\.pattern, at sanitize\.denyPatterns\[0\]\.pattern\)/);
  });

  test('a bundle that does not substitute deploy-time placeholders is named as the problem', () => {
    // A stand-in bundle whose check rejects any ${env:...} value, like a runtime without placeholder support.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'old-bundle-'));
    fs.writeFileSync(path.join(dir, 'index.js'), [
      "const fs = require('fs');",
      "const cfg = fs.readFileSync(process.argv[process.argv.indexOf('--config') + 1], 'utf8');",
      "const bad = /\\$\\{env:/.test(cfg);",
      "console.log(JSON.stringify(bad ? { ok: false, errors: ['identity.jwt.issuer: Invalid URL'] } : { ok: true, digest: 'sha256:0' }));",
      'process.exit(bad ? 1 : 0);',
    ].join('\n'));
    const app = new App({ context: { [BUNDLE_CONTEXT_KEY]: dir } });
    const stack = new Stack(app, 'OldBundle');
    new McpGovernanceProxy(stack, 'Proxy', { upstreams: [Upstream.url('docs', 'https://docs.example.com/mcp')] });
    expect(() => app.synth()).toThrow(/rejected deploy-time values \(\$\{env:MCP_PROXY_CFG_<n>\} placeholders\): it must substitute them/);
  });
});
