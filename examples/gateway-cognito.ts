/**
 * Example 1: an AgentCore Gateway behind the governance proxy, called by agents and by people with Cognito tokens.
 *
 * The proxy creates a Cognito user pool with a resource server (`mcp-governance-proxy/invoke`,
 * `mcp-governance-proxy/admin`), two machine clients (client credentials) with different scopes, one client for
 * people who sign in through an MCP client (authorization code + PKCE), and the `operators` group for them.
 * The ops agent (admin scope) and people in `operators` may call every tool; every other caller may call read-only
 * tools only; nobody may call the gateway's `delete*` tools. The runtime reaches the gateway with SigV4.
 */
import { App, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as agentcore from 'aws-cdk-lib/aws-bedrockagentcore';
import type { Construct } from 'constructs';
import { AccessAction, AccessRule, CognitoClient, InboundAuth, McpGovernanceProxy, Upstream } from '../lib';

export class GatewayCognitoExampleStack extends Stack {
  public readonly proxy: McpGovernanceProxy;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    // An AgentCore Gateway with IAM inbound authorization (add targets to it as usual).
    const gateway = new agentcore.Gateway(this, 'Gateway', {
      gatewayName: 'tools',
      description: 'Tools behind the MCP governance proxy',
      authorizerConfiguration: agentcore.GatewayAuthorizer.usingAwsIam(),
    });

    this.proxy = new McpGovernanceProxy(this, 'Proxy', {
      upstreams: [Upstream.agentCoreGateway(gateway, { name: 'tools' })],
      inboundAuth: InboundAuth.cognito({
        scopes: ['invoke', 'admin'],
        groups: ['operators'],
        clients: [
          CognitoClient.machine({ name: 'reporting-agent', scopes: ['invoke'] }),
          CognitoClient.machine({ name: 'ops-agent', scopes: ['invoke', 'admin'] }),
          CognitoClient.human({ name: 'mcp-desktop', scopes: ['invoke'], callbackUrls: ['http://localhost:33418/callback'] }),
        ],
      }),
      accessControl: {
        ruleSets: [
          {
            name: 'baseline',
            rules: [
              AccessRule.permit({ id: 'admins', scopes: ['mcp-governance-proxy/admin'] }),
              AccessRule.permit({ id: 'operators', groups: ['operators'] }),
              AccessRule.permit({ id: 'read-only', actions: [AccessAction.CALL_TOOL], annotations: { readOnly: true } }),
              AccessRule.forbid({ id: 'no-deletes', tools: ['*delete*'], upstreams: ['tools'] }),
            ],
          },
        ],
      },
    });

    new CfnOutput(this, 'McpEndpoint', { value: this.proxy.invocationUrl });
    new CfnOutput(this, 'TokenEndpoint', { value: this.proxy.tokenEndpoint! });
    new CfnOutput(this, 'OpsAgentClientId', { value: this.proxy.userPoolClients['ops-agent'].userPoolClientId });
  }
}

if (require.main === module) {
  const app = new App();
  new GatewayCognitoExampleStack(app, 'McpProxyGatewayCognito');
  app.synth();
}
