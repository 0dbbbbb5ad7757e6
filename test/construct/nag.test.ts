/**
 * cdk-nag (AwsSolutions): the construct acknowledges only the findings its own design causes, each with a reason,
 * one finding at a time; anything else still fails. Every acknowledged rule is listed in docs/CONSTRUCT.md.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Stack, Validations } from 'aws-cdk-lib';
import * as agentcore from 'aws-cdk-lib/aws-bedrockagentcore';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AccessRule, InboundAuth, McpGovernanceProxy, Upstream, UpstreamAuth } from '../../lib';
import { REPO_ROOT, build, newApp } from './helpers';

/** Acknowledgements recorded on a construct tree, as `{ id: reason }`. */
function acknowledgements(stack: Stack): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of stack.node.findAll()) {
    for (const m of c.node.metadata) {
      if (m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY) {
        for (const [k, v] of Object.entries(m.data as Record<string, string>)) out[k.replace(/^annotation::/i, '')] = v;
      }
    }
  }
  return out;
}

test('a proxy with every feature passes AwsSolutions; the acknowledgements are exactly the documented ones', () => {
  const b = build({
    tokenization: {},
    accessControl: { ruleSets: [{ name: 'r', rules: [AccessRule.permit({ groups: ['a'] })] }] },
  }, (stack) => ({
    upstreams: [
      Upstream.url('crm', 'https://crm.example.com/mcp', {
        auth: UpstreamAuth.oauth2({
          clientId: 'c',
          clientSecret: secretsmanager.Secret.fromSecretNameV2(stack, 'S', 'crm'),
          discoveryUrl: 'https://login.example.com/.well-known/openid-configuration',
        }),
      }),
      Upstream.agentCoreGatewayFromAttributes({ gatewayArn: 'arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/g', gatewayUrl: 'https://g.example.com/mcp' }, { name: 'gw' }),
    ],
  }));
  const report = new AwsSolutionsChecks().validateScope(b.stack);
  expect(report.violations.map((v) => v.ruleName)).toEqual([]);

  const acks = acknowledgements(b.stack);
  const name = b.proxy.runtime.agentRuntimeName;
  expect(Object.keys(acks).sort()).toEqual([
    'AwsSolutions-COG8',
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock-agentcore:<AWS::Region>:<AWS::AccountId>:workload-identity-directory/default/workload-identity/' + name + '-*]',
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:*]',
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/bedrock-agentcore/runtimes/' + name + '-*:log-stream:*]',
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/bedrock-agentcore/runtimes/' + name + '-*]',
    'AwsSolutions-SMG4',
  ].sort());
  for (const reason of Object.values(acks)) expect(reason.length).toBeGreaterThan(40);

  const docs = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'CONSTRUCT.md'), 'utf8');
  for (const id of new Set(Object.keys(acks).map((k) => k.replace(/\[.*$/, '')))) expect(docs).toContain(id);
});

test('acknowledgements are per finding: a wildcard added to the role later is still reported', () => {
  const stack = new Stack(newApp(), 'Extra');
  const proxy = new McpGovernanceProxy(stack, 'Proxy', { inboundAuth: InboundAuth.iam(), upstreams: [Upstream.url('docs', 'https://docs.example.com/mcp')] });
  proxy.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::some-bucket/*'] }));
  const report = new AwsSolutionsChecks().validateScope(stack);
  expect(report.violations.map((v) => v.ruleName)).toEqual(['AwsSolutions-IAM5[Resource::arn:aws:s3:::some-bucket/*]']);
});

test('an AgentCore Gateway upstream created in the same stack adds no findings of the construct', () => {
  const stack = new Stack(newApp(), 'Gw');
  const gateway = new agentcore.Gateway(stack, 'Gateway', { gatewayName: 'tools', authorizerConfiguration: agentcore.GatewayAuthorizer.usingAwsIam() });
  new McpGovernanceProxy(stack, 'Proxy', { inboundAuth: InboundAuth.iam(), upstreams: [Upstream.agentCoreGateway(gateway)] });
  const report = new AwsSolutionsChecks().validateScope(stack);
  expect(report.violations).toEqual([]);
});
