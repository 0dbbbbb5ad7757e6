/**
 * Example 2: several upstreams with different credentials, PII tokenization and redaction.
 *
 * - `agents`: an MCP server hosted on AgentCore Runtime, called with SigV4 (InvokeAgentRuntime on it only).
 * - `crm`: a SaaS MCP server behind OAuth2; tokens come from a new AgentCore Identity OAuth2 credential provider
 *   whose client secret stays in your Secrets Manager secret (referenced, never copied into the template).
 * - `search`: an API-key MCP server; the key is held by a new AgentCore Identity API key credential provider.
 * - `billing`: an MCP server on API Gateway with IAM auth (SigV4 for execute-api, with an explicit grant).
 *
 * Agents use a machine client (client credentials, scope `invoke`); support and sales staff sign in through their MCP
 * client (authorization code + PKCE), and their tokens carry their `support` / `sales` group. Email addresses and
 * card numbers in arguments are tokenized before they reach any upstream; only the `support` group sees them
 * detokenized in results. Results are redacted for everyone else.
 */
import { App, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as agentcore from 'aws-cdk-lib/aws-bedrockagentcore';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import {
  AccessAction, AccessRule, CognitoClient, Detector, InboundAuth, McpGovernanceProxy, Upstream, UpstreamAuth,
} from '../lib';

export class MultiUpstreamExampleStack extends Stack {
  public readonly proxy: McpGovernanceProxy;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    // An MCP server already running on AgentCore Runtime (MCP protocol, IAM inbound auth).
    const agents = agentcore.Runtime.fromAgentRuntimeAttributes(this, 'AgentsRuntime', {
      agentRuntimeArn: this.formatArn({ service: 'bedrock-agentcore', resource: 'runtime', resourceName: 'agents_mcp-AbCdE12345' }),
      agentRuntimeId: 'agents_mcp-AbCdE12345',
      agentRuntimeName: 'agents_mcp',
      roleArn: this.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: 'agents-mcp-runtime' }),
    });
    // Secrets you manage (JSON objects): {"clientSecret": "..."} and {"apiKey": "..."}.
    const crmClientSecret = secretsmanager.Secret.fromSecretNameV2(this, 'CrmClientSecret', 'mcp/crm/oauth-client');
    const searchApiKey = secretsmanager.Secret.fromSecretNameV2(this, 'SearchApiKey', 'mcp/search/api-key');
    const billingClientSecret = secretsmanager.Secret.fromSecretNameV2(this, 'BillingClientSecret', 'mcp/billing/client');

    this.proxy = new McpGovernanceProxy(this, 'Proxy', {
      inboundAuth: InboundAuth.cognito({
        scopes: ['invoke'],
        groups: ['support', 'sales'],
        clients: [
          CognitoClient.machine({ name: 'agents' }),
          CognitoClient.human({ name: 'staff', callbackUrls: ['http://localhost:33418/callback', 'https://support.example.com/oauth/callback'] }),
        ],
      }),
      upstreams: [
        Upstream.agentCoreRuntime(agents, { name: 'agents', timeout: Duration.seconds(60) }),
        Upstream.url('crm', 'https://mcp.crm.example.com/mcp', {
          auth: UpstreamAuth.oauth2({
            clientId: 'mcp-governance-proxy',
            clientSecret: crmClientSecret,
            discoveryUrl: 'https://login.crm.example.com/.well-known/openid-configuration',
            scopes: ['crm.read', 'crm.write'],
          }),
        }),
        Upstream.url('search', 'https://mcp.search.example.com/mcp', {
          auth: UpstreamAuth.apiKey({ apiKey: searchApiKey, headerName: 'Authorization', valuePrefix: 'Bearer ' }),
          timeout: Duration.seconds(10),
        }),
        Upstream.url('billing', 'https://abc123.execute-api.us-east-1.amazonaws.com/prod/mcp', {
          auth: UpstreamAuth.sigV4({
            service: 'execute-api',
            policyStatements: [new iam.PolicyStatement({
              actions: ['execute-api:Invoke'],
              resources: [this.formatArn({ service: 'execute-api', resource: 'abc123', resourceName: 'prod/POST/mcp' })],
            })],
          }),
        }),
        Upstream.url('ledger', 'https://ledger.example.com/mcp', {
          auth: UpstreamAuth.clientCredentials({
            tokenUrl: 'https://auth.ledger.example.com/oauth2/token',
            clientId: 'mcp-governance-proxy',
            clientSecret: billingClientSecret,
            clientSecretJsonKey: 'clientSecret',
            scopes: ['ledger.read'],
          }),
        }),
      ],
      accessControl: {
        ruleSets: [{
          name: 'teams',
          rules: [
            AccessRule.permit({ id: 'support', groups: ['support'], upstreams: ['crm', 'search', 'agents'] }),
            AccessRule.permit({ id: 'sales-read', groups: ['sales'], upstreams: ['crm', 'search'], annotations: { readOnly: true } }),
            AccessRule.permit({ id: 'machines', scopes: ['mcp-governance-proxy/invoke'], upstreams: ['search', 'billing', 'ledger'] }),
            AccessRule.permit({ id: 'support-sees-pii', groups: ['support'], actions: [AccessAction.DETOKENIZE] }),
          ],
        }],
      },
      tokenization: { detectors: [Detector.EMAIL, Detector.CREDIT_CARD], argumentPaths: ['*:customer.email'] },
      redaction: { customDetectors: [{ name: 'ACCOUNT_ID', pattern: 'ACCT-[0-9]{8}' }] },
    });
  }
}

if (require.main === module) {
  const app = new App();
  new MultiUpstreamExampleStack(app, 'McpProxyMultiUpstream');
  app.synth();
}
