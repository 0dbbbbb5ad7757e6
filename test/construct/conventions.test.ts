/** CDK conventions: IGrantable, IConnectable, an importable IMcpGovernanceProxy, attributes, outputs, enums, errors. */
import { Stack } from 'aws-cdk-lib';
import { Template, Match } from 'aws-cdk-lib/assertions';
import * as agentcore from 'aws-cdk-lib/aws-bedrockagentcore';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  AccessEffect, AccessRule, CognitoClient, InboundAuth, InboundAuthMode, McpGovernanceProxy, McpGovernanceProxyErrors, Upstream,
  UpstreamAuth, UpstreamAuthType,
} from '../../lib';
import { build, newApp, newRole } from './helpers';

test('IGrantable: grants to the proxy land on its execution role', () => {
  const stack = new Stack(newApp(), 'G');
  const proxy = new McpGovernanceProxy(stack, 'Proxy', { inboundAuth: InboundAuth.iam(), upstreams: [Upstream.url('docs', 'https://docs.example.com/mcp')] });
  expect(proxy.grantPrincipal).toBe(proxy.role);
  new s3.Bucket(stack, 'Bucket').grantRead(proxy);
  const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
  const statements = Object.values<any>(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
  expect(statements.some((s) => JSON.stringify(s.Action).includes('s3:GetObject'))).toBe(true);
  expect(proxy.runtimeArn).toBe(proxy.runtime.agentRuntimeArn);
});

test('IConnectable: with a VPC the runtime\'s security groups; without one, a clear error', () => {
  const stack = new Stack(newApp(), 'Vpc');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
  const proxy = new McpGovernanceProxy(stack, 'Proxy', {
    inboundAuth: InboundAuth.iam(),
    upstreams: [Upstream.url('docs', 'https://docs.example.com/mcp')],
    networkConfiguration: agentcore.RuntimeNetworkConfiguration.usingVpc(stack, { vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } }),
  });
  expect(proxy.connections.securityGroups.length).toBeGreaterThanOrEqual(1);
  const db = new ec2.SecurityGroup(stack, 'Db', { vpc });
  db.connections.allowFrom(proxy, ec2.Port.tcp(5432));
  Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', { FromPort: 5432, SourceSecurityGroupId: Match.anyValue() });

  const plain = build({ inboundAuth: InboundAuth.iam() });
  expect(() => plain.proxy.connections).toThrow(/VPC/);
});

describe('fromMcpGovernanceProxyAttributes', () => {
  const arn = 'arn:aws:bedrock-agentcore:eu-west-1:111122223333:runtime/Proxy_gov-AbCdE12345';
  test('grants invoking it, names its metrics and its MCP endpoint', () => {
    const stack = new Stack(newApp(), 'Consumer');
    const proxy = McpGovernanceProxy.fromMcpGovernanceProxyAttributes(stack, 'Imported', { runtimeArn: arn, roleArn: 'arn:aws:iam::111122223333:role/r' });
    proxy.grantInvoke(newRole(stack));
    expect(proxy.metric('Calls').namespace).toBe('McpGovernanceProxy/Proxy_gov');
    expect(proxy.invocationUrl).toBe(`https://bedrock-agentcore.eu-west-1.${stack.urlSuffix}/runtimes/${encodeURIComponent(arn)}/invocations?qualifier=DEFAULT`);
    expect(proxy.grantPrincipal).toBe(proxy.role);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: 'bedrock-agentcore:InvokeAgentRuntime', Effect: 'Allow', Resource: [arn, `${arn}/runtime-endpoint/DEFAULT`] }] },
    });
  });
  test('a token ARN without metricsNamespace is refused, naming the prop', () => {
    const stack = new Stack(newApp(), 'Consumer2');
    const other = new Stack(stack.node.root as any, 'Producer');
    const token = other.formatArn({ service: 'bedrock-agentcore', resource: 'runtime', resourceName: 'x' });
    expect(() => McpGovernanceProxy.fromMcpGovernanceProxyAttributes(stack, 'I', { runtimeArn: token, roleArn: 'arn:aws:iam::111122223333:role/r' }))
      .toThrow(/metricsNamespace: cannot be derived from a runtimeArn that is a token/);
  });
});

test('addOutputs: MCP endpoint, runtime ARN, token and authorization endpoints, one client id per client; optional exports', () => {
  const b = build({
    inboundAuth: InboundAuth.cognito({ clients: [CognitoClient.machine({ name: 'ops-agent' }), CognitoClient.human({ name: 'desk', callbackUrls: ['http://localhost:1/cb'] })] }),
  });
  const none = Template.fromStack(b.stack).toJSON().Outputs ?? {};
  expect(Object.keys(none)).toEqual([]);
  const stack = new Stack(newApp(), 'Out');
  const proxy = new McpGovernanceProxy(stack, 'Proxy', {
    upstreams: [Upstream.url('docs', 'https://docs.example.com/mcp')],
    inboundAuth: InboundAuth.cognito({ clients: [CognitoClient.machine({ name: 'ops-agent' }), CognitoClient.human({ name: 'desk', callbackUrls: ['http://localhost:1/cb'] })] }),
  });
  proxy.addOutputs('mcp');
  const outputs = Template.fromStack(stack).toJSON().Outputs;
  const ids = Object.keys(outputs).map((k) => k.replace(/^Proxy/, '').replace(/[0-9A-F]{8}$/, '')).sort();
  expect(ids).toEqual(['AuthorizationEndpoint', 'ClientIddesk', 'ClientIdopsagent', 'McpEndpoint', 'RuntimeArn', 'TokenEndpoint']);
  expect(Object.values<any>(outputs).map((o) => o.Export.Name).sort()).toContain('mcp-McpEndpoint');
});

test('enums, not strings, in the jsii API', () => {
  expect(AccessRule.permit({}).effect).toBe(AccessEffect.PERMIT);
  expect(AccessRule.forbid({}).effect).toBe(AccessEffect.FORBID);
  expect(InboundAuth.iam().mode).toBe(InboundAuthMode.IAM);
  expect(InboundAuth.cognito().mode).toBe(InboundAuthMode.JWT);
  expect(UpstreamAuth.sigV4().type).toBe(UpstreamAuthType.SIGV4);
  expect(UpstreamAuth.none().type).toBe(UpstreamAuthType.NONE);
});

test('the validation error is recognizable through the exported McpGovernanceProxyErrors', () => {
  let caught: unknown;
  try {
    new McpGovernanceProxy(new Stack(newApp(), 'E'), 'Proxy', { upstreams: [] });
  } catch (e) {
    caught = e;
  }
  expect(McpGovernanceProxyErrors.isValidationError(caught)).toBe(true);
  expect(McpGovernanceProxyErrors.problemsOf(caught)).toEqual([expect.stringMatching(/^upstreams: is empty/)]);
  expect(McpGovernanceProxyErrors.isValidationError(new Error('other'))).toBe(false);
  expect(McpGovernanceProxyErrors.problemsOf(new Error('other'))).toEqual([]);
});
