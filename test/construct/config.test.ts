/**
 * The generated configuration: it matches the props, it satisfies the contract's JSON Schema
 * (schema/config.schema.json), the real bundle's `check` accepts it, and it is deterministic.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, Size, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import {
  AccessAction, AccessRule, ControlCharacters, DenyPatternAction, Detector, InboundAuth, InjectionHeuristics, McpGovernanceProxy,
  NamingMode, RedactionReplacement, Upstream, UpstreamProtocol, type McpGovernanceProxyProps,
} from '../../lib';
import { ExistingOidcExampleStack } from '../../examples/existing-oidc';
import { GatewayCognitoExampleStack } from '../../examples/gateway-cognito';
import { MultiUpstreamExampleStack } from '../../examples/multi-upstream';
import { REPO_ROOT, assetConfigFile, build, check, configOf, newApp, sampleEnv } from './helpers';

const SCHEMA = path.join(REPO_ROOT, 'schema', 'config.schema.json');

/** The document as the runtime validates it: placeholders substituted. */
function substituted(doc: string): unknown {
  const env = sampleEnv(doc);
  return JSON.parse(doc.replace(/\$\{env:(MCP_PROXY_CFG_\d+)\}/g, (_m, v: string) => env[v]));
}

const FULL: Partial<McpGovernanceProxyProps> = {
  inboundAuth: InboundAuth.oidc({ discoveryUrl: 'https://idp.example.com/.well-known/openid-configuration', allowedAudiences: ['api'], issuer: 'https://idp.example.com/', jwksUri: 'https://idp.example.com/keys' }),
  upstreams: [
    Upstream.url('docs', 'https://docs.example.com/mcp', { timeout: Duration.seconds(5), prefix: 'd' }),
    Upstream.url('wiki', 'https://wiki.example.com/mcp', { protocol: UpstreamProtocol.MODERN }),
  ],
  accessControl: {
    dryRun: true,
    ruleSets: [
      {
        name: 'main',
        dryRun: false,
        rules: [
          AccessRule.permit({ id: 'readers', groups: ['readers'], actions: [AccessAction.CALL_TOOL, AccessAction.READ_RESOURCE], tools: ['get_*'], upstreams: ['docs'] }),
          AccessRule.forbid({ scopes: ['guest'], annotations: { destructive: true, openWorld: false }, exceptGroups: ['admins'] }),
          AccessRule.permit({ clientIds: ['c1'], subjects: ['s1'], actions: [AccessAction.DETOKENIZE], when: 'context.arguments.hasTag("id")' }),
        ],
      },
      { name: 'candidate', cedar: 'forbid (principal, action, resource in McpProxy::Upstream::"wiki");' },
    ],
  },
  sanitization: {
    validateSchema: false, rejectUnknownArguments: false, maxArgumentSize: Size.kibibytes(64), maxDepth: 8, maxStringLength: 1000,
    controlCharacters: ControlCharacters.REJECT, injectionHeuristics: InjectionHeuristics.AUDIT,
    denyPatterns: [{ name: 'sql', pattern: '(?i)drop\\s+table' }, { name: 'path', pattern: '\\.\\./', caseInsensitive: true, action: DenyPatternAction.AUDIT }],
  },
  redaction: { detectors: [Detector.EMAIL, Detector.JWT], customDetectors: [{ name: 'TICKET', pattern: 'TCK-[0-9]+' }], replacement: RedactionReplacement.MASK },
  tokenization: { detectors: [Detector.US_SSN], argumentPaths: ['*:customer.ssn'], detokenizeResults: false },
  naming: { mode: NamingMode.ALWAYS, separator: '.' },
  catalogRefreshInterval: Duration.minutes(1),
  maxRequestBodySize: Size.kibibytes(512),
};

describe('the configuration document', () => {
  let doc: any;
  let proxy: McpGovernanceProxy;
  beforeAll(() => {
    ({ proxy } = build(FULL));
    doc = configOf(proxy);
  });

  test('matches the props, section by section', () => {
    expect(doc.version).toBe(1);
    expect(doc.server).toEqual({ maxBodyBytes: 524288 });
    expect(doc.naming).toEqual({ mode: 'always', separator: '.' });
    expect(doc.discovery).toEqual({ refreshIntervalMs: 60000 });
    expect(doc.upstreams).toEqual([
      { name: 'docs', url: 'https://docs.example.com/mcp', prefix: 'd', timeoutMs: 5000, auth: { type: 'none' } },
      { name: 'wiki', url: 'https://wiki.example.com/mcp', timeoutMs: 30000, protocol: 'modern', auth: { type: 'none' } },
    ]);
    expect(doc.identity).toEqual({
      mode: 'jwt',
      jwt: { issuer: 'https://idp.example.com/', jwksUri: 'https://idp.example.com/keys', audiences: ['api'], allowedClients: [], groupsClaim: 'groups', scopesClaim: 'scope' },
    });
    expect(doc.accessControl).toEqual({
      enabled: true,
      ruleSets: [
        {
          name: 'main',
          dryRun: false,
          rules: [
            { id: 'readers', effect: 'permit', actions: ['tools/call', 'resources/read'], groups: ['readers'], tools: ['get_*'], upstreams: ['docs'] },
            { effect: 'forbid', scopes: ['guest'], annotations: { destructiveHint: true, openWorldHint: false }, exceptGroups: ['admins'] },
            { effect: 'permit', actions: ['detokenize'], clientIds: ['c1'], subjects: ['s1'], when: 'context.arguments.hasTag("id")' },
          ],
        },
        { name: 'candidate', dryRun: true, rules: [], cedar: 'forbid (principal, action, resource in McpProxy::Upstream::"wiki");' },
      ],
    });
    expect(doc.sanitize).toEqual({
      enabled: true, validateSchema: false, rejectUnknownArguments: false, maxArgumentBytes: 65536, maxDepth: 8, maxStringLength: 1000,
      controlCharacters: 'reject', injectionHeuristics: 'audit',
      denyPatterns: [
        { name: 'sql', pattern: '(?i)drop\\s+table', caseInsensitive: false, action: 'reject' },
        { name: 'path', pattern: '\\.\\./', caseInsensitive: true, action: 'audit' },
      ],
    });
    expect(doc.redact).toEqual({ enabled: true, detectors: ['EMAIL', 'JWT'], custom: [{ name: 'TICKET', pattern: 'TCK-[0-9]+' }], replacement: 'mask' });
    expect(doc.tokenize).toEqual({ enabled: true, detectors: ['US_SSN'], argumentPaths: ['*:customer.ssn'], key: { source: 'secretsManager', secretArn: '${env:MCP_PROXY_CFG_1}' }, detokenizeResults: false });
  });

  test('disabled stages are written as disabled', () => {
    const { proxy: p } = build({ sanitization: { enabled: false }, redaction: { enabled: false }, tokenization: { enabled: false }, inboundAuth: InboundAuth.iam() });
    const d = configOf(p);
    expect([d.sanitize, d.redact, d.tokenize]).toEqual([{ enabled: false }, { enabled: false }, { enabled: false }]);
  });

  test('satisfies the contract JSON Schema (schema/config.schema.json), for these props and every example', () => {
    expect(fs.existsSync(SCHEMA)).toBe(true);
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    // zod writes `startsWith` as a pattern plus this format name; the pattern does the checking.
    ajv.addFormat('starts_with', true);
    const validate = ajv.compile(JSON.parse(fs.readFileSync(SCHEMA, 'utf8')));
    const app = newApp();
    const docs = [
      proxy.configDocument,
      new GatewayCognitoExampleStack(app, 'E1').proxy.configDocument,
      new MultiUpstreamExampleStack(app, 'E2').proxy.configDocument,
      new ExistingOidcExampleStack(app, 'E3').proxy.configDocument,
    ];
    for (const d of docs) {
      const ok = validate(substituted(d));
      expect({ ok, errors: validate.errors }).toEqual({ ok: true, errors: null });
    }
    // The schema is strict: the contract rejects what it does not know.
    expect(validate({ ...(substituted(proxy.configDocument) as object), extra: 1 })).toBe(false);
  });
});

describe('the shipped configuration', () => {
  test('is the file in the code asset, and the real bundle\'s check accepts it (with deploy-time stand-ins)', () => {
    const app = newApp();
    const stack = new GatewayCognitoExampleStack(app, 'Shipped');
    const template = Template.fromStack(stack);
    const file = assetConfigFile(app, template);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toBe(stack.proxy.configDocument);
    const result = check(file, sampleEnv(text));
    expect(result).toMatchObject({ ok: true, digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    // The digest does not depend on deploy-time values (the compliance report states it at synth).
    const other = check(file, Object.fromEntries(Object.keys(sampleEnv(text)).map((k) => [k, `https://elsewhere.example.org/${k}`])));
    expect(other.digest).toBe(result.digest);
  });

  test('the runtime gets the synth-time check\'s policies stamp (MCP_PROXY_CONFIG_CHECKED), so start-up skips re-validating them', () => {
    const app = newApp();
    const stack = new GatewayCognitoExampleStack(app, 'Stamped');
    const template = Template.fromStack(stack);
    const file = assetConfigFile(app, template);
    const result = check(file, sampleEnv(fs.readFileSync(file, 'utf8')));
    expect(result.policiesChecked).toMatch(/^sha256:[0-9a-f]{64}$/);
    template.hasResourceProperties('AWS::BedrockAgentCore::Runtime', {
      EnvironmentVariables: Match.objectLike({ MCP_PROXY_CONFIG_CHECKED: result.policiesChecked }),
    });
  });

  test('the bundle refuses to start a configuration whose deploy-time values are missing', () => {
    const app = newApp();
    const stack = new GatewayCognitoExampleStack(app, 'Missing');
    const file = assetConfigFile(app, Template.fromStack(stack));
    const result = check(file, {});
    expect(result.ok).toBe(false);
    expect(result.errors!.join('\n')).toMatch(/MCP_PROXY_CFG_1/);
  });

  test('is deterministic: same props, same document and asset; a policy change is a new asset (new runtime version)', () => {
    const prefixOf = (props: Partial<McpGovernanceProxyProps>) => {
      const { template, proxy } = build(props);
      const runtime = Object.values(template.findResources('AWS::BedrockAgentCore::Runtime'))[0] as any;
      return { key: runtime.Properties.AgentRuntimeArtifact.CodeConfiguration.Code.S3.Prefix as string, doc: proxy.configDocument };
    };
    const policy = (group: string): Partial<McpGovernanceProxyProps> => ({ accessControl: { ruleSets: [{ name: 'r', rules: [AccessRule.permit({ groups: [group] })] }] } });
    const a = prefixOf(policy('a'));
    const a2 = prefixOf(policy('a'));
    const b = prefixOf(policy('b'));
    expect(a2).toEqual(a);
    expect(b.key).not.toBe(a.key);
    expect(b.doc).not.toBe(a.doc);
  });

  test('deploy-time values: same token, same variable; numbering follows the document', () => {
    const stack = new Stack(newApp(), 'Tokens');
    const url = Stack.of(stack).formatArn({ service: 'x', resource: 'y' });
    const proxy = new McpGovernanceProxy(stack, 'Proxy', {
      inboundAuth: InboundAuth.iam(),
      upstreams: [Upstream.url('a', `https://${url}/mcp`), Upstream.url('b', `https://${url}/mcp`)],
    });
    const d = configOf(proxy);
    expect(d.upstreams.map((u: any) => u.url)).toEqual(['${env:MCP_PROXY_CFG_1}', '${env:MCP_PROXY_CFG_1}']);
  });
});
