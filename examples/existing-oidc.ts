/**
 * Example 3: callers authenticate with an existing OIDC issuer (here an Okta authorization server).
 *
 * The runtime's JWT authorizer and the proxy both check tokens against the issuer; the proxy reads the caller's
 * groups from the `groups` claim. The proxy fronts an AgentCore Gateway created elsewhere (by ARN and URL) and an
 * internal MCP server without credentials. A second rule set in raw Cedar runs in dry run: its would-be denials
 * are audited, not enforced, until you are confident in it.
 */
import { App, Stack, type StackProps } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { AccessRule, InboundAuth, InjectionHeuristics, McpGovernanceProxy, Upstream } from '../lib';

export class ExistingOidcExampleStack extends Stack {
  public readonly proxy: McpGovernanceProxy;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    this.proxy = new McpGovernanceProxy(this, 'Proxy', {
      inboundAuth: InboundAuth.oidc({
        discoveryUrl: 'https://example.okta.com/oauth2/default/.well-known/openid-configuration',
        allowedAudiences: ['api://mcp-governance-proxy'],
        groupsClaim: 'groups',
      }),
      upstreams: [
        Upstream.agentCoreGatewayFromAttributes({
          gatewayArn: this.formatArn({ service: 'bedrock-agentcore', resource: 'gateway', resourceName: 'tools-a1b2c3d4e5' }),
          gatewayUrl: 'https://tools-a1b2c3d4e5.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp',
        }, { name: 'tools' }),
        Upstream.url('wiki', 'https://wiki-mcp.internal.example.com/mcp'),
      ],
      accessControl: {
        ruleSets: [
          {
            name: 'groups',
            rules: [
              AccessRule.permit({ id: 'engineers', groups: ['engineering'] }),
              AccessRule.permit({ id: 'everyone-reads-wiki', upstreams: ['wiki'], annotations: { readOnly: true } }),
              AccessRule.forbid({ id: 'no-destructive', annotations: { destructive: true }, exceptGroups: ['platform-admins'] }),
            ],
          },
          {
            name: 'business-hours-candidate',
            dryRun: true,
            cedar: [
              '// Candidate policy: no gateway tools that write outside the caller\'s own workspace path.',
              'forbid (principal, action == McpProxy::Action::"tools/call", resource in McpProxy::Upstream::"tools")',
              'when { context.arguments.hasTag("path") && context.arguments.getTag("path") has string',
              '       && !(context.arguments.getTag("path").string like "/workspace/*") };',
            ].join('\n'),
          },
        ],
      },
      sanitization: { injectionHeuristics: InjectionHeuristics.AUDIT },
      audit: { retention: logs.RetentionDays.TWO_YEARS, denialsAlarmThreshold: 25 },
    });
  }
}

if (require.main === module) {
  const app = new App();
  new ExistingOidcExampleStack(app, 'McpProxyExistingOidc');
  app.synth();
}
