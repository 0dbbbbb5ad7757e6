/**
 * Example 1: an AgentCore Gateway behind the governance proxy, called by machine clients with Cognito tokens.
 *
 * The proxy creates a Cognito user pool with a resource server (`mcp-governance-proxy/invoke`,
 * `mcp-governance-proxy/admin`), groups for people, and an app client for machine callers (client credentials).
 * Callers with the `admin` scope may call every tool; everyone else may call read-only tools only, and nobody may
 * call the gateway's `delete*` tools. The runtime reaches the gateway with SigV4 (the gateway uses IAM auth).
 */
import { App, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as agentcore from 'aws-cdk-lib/aws-bedrockagentcore';
import type { Construct } from 'constructs';
import { AccessAction, AccessRule, InboundAuth, McpGovernanceProxy, Upstream } from '../lib';

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
      inboundAuth: InboundAuth.cognito({ scopes: ['invoke', 'admin'], groups: ['analysts', 'operators'] }),
      accessControl: {
        ruleSets: [
          {
            name: 'baseline',
            rules: [
              AccessRule.permit({ id: 'admins', scopes: ['mcp-governance-proxy/admin'] }),
              AccessRule.permit({ id: 'read-only', actions: [AccessAction.CALL_TOOL], annotations: { readOnly: true } }),
              AccessRule.forbid({ id: 'no-deletes', tools: ['*delete*'], upstreams: ['tools'] }),
            ],
          },
        ],
      },
    });

    new CfnOutput(this, 'McpEndpoint', { value: this.proxy.invocationUrl });
    new CfnOutput(this, 'TokenEndpoint', { value: this.proxy.tokenEndpoint! });
    new CfnOutput(this, 'MachineClientId', { value: this.proxy.userPoolClient!.userPoolClientId });
  }
}

if (require.main === module) {
  const app = new App();
  new GatewayCognitoExampleStack(app, 'McpProxyGatewayCognito');
  app.synth();
}
