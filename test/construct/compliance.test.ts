/**
 * The compliance report as an auditor reads it: readable without CloudFormation knowledge, the same digests and asset
 * hash the template carries, and "How to verify the running runtime" commands of which the offline ones are run here
 * against the cloud assembly.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cw_actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { GatewayCognitoExampleStack } from '../../examples/gateway-cognito';
import { AccessAction, AccessRule, InboundAuth, McpGovernanceProxy, Upstream } from '../../lib';
import { REPO_ROOT, newApp } from './helpers';

const app = newApp();
const stack = new GatewayCognitoExampleStack(app, 'Main');
const template = Template.fromStack(stack);
const base = path.join(app.outdir, `${stack.artifactId}-Proxy-compliance`);
const md = fs.readFileSync(`${base}.md`, 'utf8');
const json = JSON.parse(fs.readFileSync(`${base}.json`, 'utf8'));
const runtime = Object.values<any>(template.findResources('AWS::BedrockAgentCore::Runtime'))[0].Properties;

test('readable without CloudFormation knowledge: no Fn:: or Ref JSON anywhere in the report', () => {
  for (const text of [md, JSON.stringify(json)]) {
    expect(text).not.toMatch(/Fn::|"Ref"|\{"Ref|\$\{Token\[/);
  }
  expect(md).toContain('<GatewayUrl of Gateway (AWS::BedrockAgentCore::Gateway)>');
});

test('shows the digests and the asset hash the template carries', () => {
  expect(runtime.EnvironmentVariables.MCP_PROXY_CODE_ASSET_HASH).toBe(json.codeAssetHash);
  expect(runtime.AgentRuntimeArtifact.CodeConfiguration.Code.S3.Prefix).toBe(`${json.codeAssetHash}.zip`);
  expect(runtime.EnvironmentVariables.MCP_PROXY_CONFIG_CHECKED).toBe(json.policiesChecked);
  expect(json.policiesChecked).toMatch(/\S{16,}/);
  expect(md).toContain(`Checked-policies stamp: \`${json.policiesChecked}\``);
  expect(md).toContain(`Code asset hash: \`${json.codeAssetHash}\``);
});

test('lists clients, audiences, detectors, both log groups, alarms and their actions, removal policies, time and version', () => {
  expect(json.libraryVersion).toBe(JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).version);
  expect(Date.now() - Date.parse(json.generatedAt)).toBeLessThan(24 * 3600 * 1000);
  expect(json.inboundAuth.clients.map((c: { name: string; kind: string }) => `${c.name}:${c.kind}`)).toEqual(['reporting-agent:machine', 'ops-agent:machine', 'mcp-desktop:human']);
  expect(md).toMatch(/\| `mcp-desktop` \| people \(authorization code \+ PKCE; tokens carry their groups\) \| `openid`, `email`, `profile`, `mcp-governance-proxy\/invoke` \| `<Proxy\/UserPool\/Client-mcp-desktop \(AWS::Cognito::UserPoolClient\)>` \|/);
  expect(md).toContain('- Accepted audiences (`aud`): none');
  expect(json.detectors.redaction).toEqual(expect.arrayContaining(['EMAIL', 'JWT', 'PRIVATE_KEY']));
  expect(md).toMatch(/Redaction of results and logs: on \(EMAIL, PHONE, CREDIT_CARD/);
  expect(md).toMatch(/The runtime's own log group: `\/aws\/bedrock-agentcore\/runtimes\/\w+-<generated suffix>-DEFAULT`/);
  expect(md).toMatch(/Sink: CloudWatch Logs group `\/mcp-governance-proxy\/.+\/audit` \(encrypted with a customer-managed KMS key; retention: 365 days\)/);
  expect(md).toContain('- Alarm Proxy/DeniedCallsAlarm: **no actions** (it changes state but notifies nobody: set audit.alarmActions)');
  expect(json.removalPolicies).toEqual(expect.arrayContaining([
    { resource: 'Proxy/AuditLogGroup', type: 'AWS::Logs::LogGroup', policy: 'Retain' },
    { resource: 'Proxy/UserPool', type: 'AWS::Cognito::UserPool', policy: 'Retain' },
  ]));
});

test('the offline verification commands work against the cloud assembly and print what the report expects', () => {
  const steps = json.verification as { title: string; offline: boolean; commands: string[]; expect: string }[];
  expect(md).toContain('## How to verify the running runtime');
  expect(steps.filter((s) => !s.offline).map((s) => s.commands.join('\n')).join('\n')).toMatch(/get-agent-runtime[\s\S]*start-query[\s\S]*verify-audit\.js/);
  const offline = steps.filter((s) => s.offline);
  expect(offline).toHaveLength(2);
  const run = (cmd: string) => {
    const res = spawnSync('sh', ['-c', cmd], { encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH ?? '' } });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    return res.stdout.trim();
  };
  expect(offline[0].commands.map(run)).toEqual([`${json.codeAssetHash}.zip`, json.codeAssetHash, json.policiesChecked]);
  const out = JSON.parse(run(offline[1].commands[0]).split('\n').pop()!);
  expect(out).toMatchObject({ ok: true, digest: json.configDigest });
  expect(offline[1].commands[0]).toMatch(/^MCP_PROXY_CFG_1='https:\/\/deploy-time-value-1\.example\.com\/path' .* node \S+\/asset\.[0-9a-f]{64}\/index\.js check --config /);
});

test('alarm actions are named; never-expiring retention says so', () => {
  const s = new Stack(newApp(), 'Alarmed');
  const topic = new sns.Topic(s, 'OnCall');
  new McpGovernanceProxy(s, 'Proxy', {
    inboundAuth: InboundAuth.iam(),
    upstreams: [Upstream.url('docs', 'https://docs.example.com/mcp')],
    audit: { alarmActions: [new cw_actions.SnsAction(topic)], retention: logs.RetentionDays.INFINITE },
  });
  Template.fromStack(s);
  const report = fs.readFileSync(path.join((s.node.root as any).outdir, `${s.artifactId}-Proxy-compliance.md`), 'utf8');
  expect(report).toContain('- Alarm Proxy/AuditSinkAlarm: notifies `<OnCall (AWS::SNS::Topic)>`');
  expect(report).toContain('retention: never expires');
  expect(report).not.toContain('9999');
});

test('lists which upstream may ask which caller for input; a rule without actions covers calls only', () => {
  const s = new Stack(newApp(), 'Asking');
  new McpGovernanceProxy(s, 'Proxy', {
    inboundAuth: InboundAuth.iam(),
    upstreams: [Upstream.url('reports', 'https://reports.example.com/mcp')],
    accessControl: {
      ruleSets: [
        {
          name: 'base',
          rules: [
            AccessRule.permit({ id: 'call' }),
            AccessRule.permit({ id: 'sso', actions: [AccessAction.ELICIT_URL], upstreams: ['reports'], when: 'context.input has urlHost && context.input.urlHost like "*.sso.example.com"' }),
          ],
        },
      ],
    },
  });
  Template.fromStack(s);
  const report = fs.readFileSync(path.join((s.node.root as any).outdir, `${s.artifactId}-Proxy-compliance.md`), 'utf8');
  expect(report).toContain('| `base` | enforced | `base.call` | permit | any authenticated caller | calls, detokenize |');
  expect(report).toContain('- `base.sso`: permit `input/elicitation-url` from `reports` to any authenticated caller when `context.input has urlHost && context.input.urlHost like "*.sso.example.com"`');
});
