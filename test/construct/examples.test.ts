/**
 * The examples synthesize, pass cdk-nag (AwsSolutions) with only the construct's own documented acknowledgements,
 * and write a compliance report whose digest is the one the runtime's `check` prints for the shipped configuration.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ExistingOidcExampleStack } from '../../examples/existing-oidc';
import { GatewayCognitoExampleStack } from '../../examples/gateway-cognito';
import { LocalDemoStack } from '../../examples/local-demo';
import { MultiUpstreamExampleStack } from '../../examples/multi-upstream';
import type { McpGovernanceProxy } from '../../lib';
import { assetConfigFile, check, newApp, sampleEnv } from './helpers';

interface Synthesized {
  readonly app: App;
  readonly stack: Stack & { proxy: McpGovernanceProxy };
  readonly template: Template;
}

const examples: Record<string, (app: App) => Stack & { proxy: McpGovernanceProxy }> = {
  'gateway-cognito': (app) => new GatewayCognitoExampleStack(app, 'GatewayCognito'),
  'multi-upstream': (app) => new MultiUpstreamExampleStack(app, 'MultiUpstream'),
  'existing-oidc': (app) => new ExistingOidcExampleStack(app, 'ExistingOidc'),
  // The local demo's proxy (npm run demo synthesizes it and runs the bundle with its configuration).
  'local-demo': (app) => new LocalDemoStack(app, 'LocalDemo'),
};

/** The offline CloudFormation schema validator aws-cdk-lib ships (bundled resource schemas, no AWS calls); built once. */
let schemaValidator: { validate(t: unknown): { severity: string; ruleId: string; message: string }[]; free(): void } | undefined;
let validatorModule: any;
function cfnValidate(templateJson: string, label: string): { severity: string; ruleId: string; message: string }[] {
  if (!schemaValidator) {
    const validatorPath = require.resolve('@aws/cloudformation-validate', { paths: [path.dirname(require.resolve('aws-cdk-lib/package.json'))] });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    validatorModule = require(validatorPath);
    schemaValidator = new validatorModule.SchemaValidator();
  }
  return schemaValidator!.validate(new validatorModule.TemplateContent(templateJson, `${label}.template.json`));
}
afterAll(() => schemaValidator?.free());
const errorsOf = (d: { severity: string; ruleId: string; message: string }[]) => d.filter((x) => x.severity === 'ERROR' || x.severity === 'FATAL').map((x) => `${x.ruleId}: ${x.message}`);

const synthesized: Record<string, Synthesized> = {};
beforeAll(() => {
  for (const [name, make] of Object.entries(examples)) {
    const app = newApp();
    const stack = make(app);
    synthesized[name] = { app, stack, template: Template.fromStack(stack) };
  }
});

describe.each(Object.keys(examples))('example %s', (name) => {
  test('synthesizes one proxy runtime', () => {
    synthesized[name].template.resourceCountIs('AWS::BedrockAgentCore::Runtime', 1);
  });

  test('every rule can match the configured identity, and no rule contradicts another (no rule-check warnings)', () => {
    const ids = ['ruleNeverMatches', 'contradictoryRules', 'detokenizeWithoutTokenization'];
    const found = ids.flatMap((id) => Annotations.fromStack(synthesized[name].stack).findWarning('*', Match.stringLikeRegexp(`cdk-mcp-governance-proxy:${id}`)));
    expect(found.map((w) => w.entry.data)).toEqual([]);
  });

  test('validates against the CloudFormation resource schemas (aws-cdk-lib\'s bundled @aws/cloudformation-validate): no error', () => {
    expect(errorsOf(cfnValidate(JSON.stringify(synthesized[name].template.toJSON()), name))).toEqual([]);
  });

  test('cdk-nag AwsSolutions: no unacknowledged findings', () => {
    const report = new AwsSolutionsChecks().validateScope(synthesized[name].stack);
    const findings = report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
    expect(findings).toEqual([]);
  });

  test('writes a compliance report whose digest is what the runtime check prints for the shipped file', () => {
    const { app, stack, template } = synthesized[name];
    const base = path.join(app.outdir, `${stack.artifactId}-Proxy-compliance`);
    const json = JSON.parse(fs.readFileSync(`${base}.json`, 'utf8'));
    const md = fs.readFileSync(`${base}.md`, 'utf8');
    const file = assetConfigFile(app, template);
    const result = check(file, sampleEnv(fs.readFileSync(file, 'utf8')));
    expect(result.ok).toBe(true);
    expect(json.configDigest).toBe(result.digest);
    expect(md).toContain(`Configuration digest: \`${result.digest}\``);
    expect(md).toContain('## Who may call which tool on which upstream');
    expect(json.upstreams.map((u: { name: string }) => u.name)).toEqual(JSON.parse(fs.readFileSync(file, 'utf8')).upstreams.map((u: { name: string }) => u.name));
  });
});

test('example 1 report: Cognito callers, the gateway upstream and each rule in plain words', () => {
  const { app, stack } = synthesized['gateway-cognito'];
  const md = fs.readFileSync(path.join(app.outdir, `${stack.artifactId}-Proxy-compliance.md`), 'utf8');
  expect(md).toContain('JWT from a new Cognito user pool');
  expect(md).toMatch(/\| `tools` \| AgentCore Gateway \| .* \| AWS SigV4 \(bedrock-agentcore\) with the execution role \| 30 s \|/);
  expect(md).toContain('| `baseline` | enforced | `baseline.admins` | permit | scopes `mcp-governance-proxy/admin` | calls, detokenize | all | all |');
  expect(md).toContain('| `baseline` | enforced | `baseline.no-deletes` | forbid | any authenticated caller | calls, detokenize | `tools` | `*delete*` |');
  expect(md).toMatch(/\| `MCP_PROXY_CFG_1` \| `upstreams\[0\]\.url` \| `<GatewayUrl of Gateway \(AWS::BedrockAgentCore::Gateway\)>` \| `https:\/\/deploy-time-value-1\.example\.com\/path` \|/);
});

test('example 2 report: redaction, tokenization and who sees detokenized values', () => {
  const { app, stack } = synthesized['multi-upstream'];
  const json = JSON.parse(fs.readFileSync(path.join(app.outdir, `${stack.artifactId}-Proxy-compliance.json`), 'utf8'));
  expect(json.tokenize).toMatchObject({ enabled: true, detectors: ['EMAIL', 'CREDIT_CARD'], argumentPaths: ['*:customer.email'], detokenizeResults: true });
  expect(json.redact.custom).toEqual([{ name: 'ACCOUNT_ID', pattern: 'ACCT-[0-9]{8}' }]);
  expect(json.upstreams.map((u: { auth: string }) => u.auth.split(' ')[0])).toEqual(['AWS', 'OAuth2', 'API', 'AWS', 'OAuth2']);
  expect(json.audit).toMatchObject({ failMode: 'closed', includeRedactedContent: false });
  expect(json.audit.alarms.map((a: { name: string }) => a.name)).toEqual(['Proxy/DeniedCallsAlarm', 'Proxy/UpstreamErrorsAlarm', 'Proxy/AuditSinkAlarm']);
  expect(json.detectors.tokenization).toEqual(['EMAIL', 'CREDIT_CARD']);
  expect(json.detectors.redaction).toContain('ACCOUNT_ID (custom)');
});

test('example 3 report: the dry-run Cedar rule set is shown verbatim and marked as not enforced', () => {
  const { app, stack } = synthesized['existing-oidc'];
  const md = fs.readFileSync(path.join(app.outdir, `${stack.artifactId}-Proxy-compliance.md`), 'utf8');
  expect(md).toContain('JWT from the OIDC issuer https://example.okta.com/oauth2/default');
  expect(md).toContain('| `business-hours-candidate` | dry run (audited, not enforced) | raw Cedar |');
  expect(md).toContain('forbid (principal, action == McpProxy::Action::"tools/call", resource in McpProxy::Upstream::"tools")');
  expect(md).toContain('retention: 731 days');
});

test('the CloudFormation validator does catch what deploy would refuse (an RFC 8414 discovery URL on the credential provider)', () => {
  const template = synthesized['multi-upstream'].template.toJSON();
  const provider = Object.values<any>(template.Resources).find((r) => r.Type === 'AWS::BedrockAgentCore::OAuth2CredentialProvider');
  provider.Properties.Oauth2ProviderConfigInput.CustomOauth2ProviderConfig.OauthDiscovery.DiscoveryUrl = 'https://login.crm.example.com/.well-known/oauth-authorization-server';
  expect(errorsOf(cfnValidate(JSON.stringify(template), 'broken')).join('\n')).toMatch(/oauth-authorization-server' does not match pattern/);
});
