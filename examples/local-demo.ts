/**
 * The local demo's proxy (`npm run demo`): the props a deployment in front of the demo CRM would use. The demo
 * synthesizes this stack, takes the `proxy-config.json` the construct wrote into its code asset, and runs the built
 * bundle with it on 127.0.0.1 (runtime/demo/run-demo.mjs).
 *
 * The issuer and the CRM URL are CloudFormation parameters: on loopback they are `http://` URLs on ephemeral ports,
 * which the construct refuses as literals (it wants https) but accepts as deploy-time values. They reach the file as
 * `${env:MCP_PROXY_CFG_<n>}` placeholders, exactly as a user pool id or a gateway URL would.
 *
 *   crm (one upstream, so tool names are not prefixed): get_weather, search_customers (read-only),
 *   create_ticket, delete_customer (destructive)
 *
 *   rule set `crm`                    who                              what
 *     analysts-read-only    permit     scope crm/read (the analyst agent) tools/call on read-only tools, no detokenize
 *     support-lookups       permit     group support                    tools/call + detokenize: get_weather, search_customers
 *     support-tickets (raw) permit     group support                    create_ticket, only for customer ids `c-*`
 *     admins-all            permit     group admins                     everything, detokenize included
 *     no-destructive        forbid     everyone but group admins        destructive tools
 */
import { App, CfnParameter, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { AccessAction, AccessRule, DenyPatternAction, Detector, InboundAuth, InjectionHeuristics, McpGovernanceProxy, Upstream } from '../lib';

/** The audience and the client ids the demo issuer puts in its access tokens. */
export const LOCAL_DEMO = {
  audience: 'mcp-governance-proxy',
  /** The analyst agent: a machine client (client credentials) with the read-only scope. */
  analystClientId: 'analyst-agent',
  /** The console people sign in through (support staff and admins). */
  consoleClientId: 'support-console',
  readScope: 'crm/read',
} as const;

/** The raw Cedar rule: support may open tickets, but only for customer ids of the form `c-...`. */
export const SUPPORT_TICKETS_CEDAR = `@id("support-tickets")
permit (
  principal,
  action == McpProxy::Action::"tools/call",
  resource is McpProxy::Tool in McpProxy::Upstream::"crm"
)
when { principal.groups.contains("support") && resource.name == "create_ticket" }
when {
  context.arguments.hasTag("customerId") &&
  context.arguments.getTag("customerId") has string &&
  context.arguments.getTag("customerId").string like "c-*"
};`;

export class LocalDemoStack extends Stack {
  public readonly proxy: McpGovernanceProxy;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const issuer = new CfnParameter(this, 'Issuer', { description: 'The OIDC issuer (iss of the access tokens)' });
    const crmUrl = new CfnParameter(this, 'CrmUrl', { description: 'The CRM MCP server (Streamable HTTP)' });

    this.proxy = new McpGovernanceProxy(this, 'Proxy', {
      inboundAuth: InboundAuth.oidc({
        discoveryUrl: `${issuer.valueAsString}/.well-known/openid-configuration`,
        issuer: issuer.valueAsString,
        allowedAudiences: [LOCAL_DEMO.audience],
        allowedClients: [LOCAL_DEMO.analystClientId, LOCAL_DEMO.consoleClientId],
        groupsClaim: 'groups',
      }),
      upstreams: [Upstream.url('crm', crmUrl.valueAsString)],
      accessControl: {
        ruleSets: [{
          name: 'crm',
          rules: [
            AccessRule.permit({ id: 'analysts-read-only', scopes: [LOCAL_DEMO.readScope], actions: [AccessAction.CALL_TOOL], annotations: { readOnly: true } }),
            AccessRule.permit({
              id: 'support-lookups',
              groups: ['support'],
              actions: [AccessAction.CALL_TOOL, AccessAction.DETOKENIZE],
              tools: ['get_weather', 'search_customers'],
            }),
            AccessRule.permit({ id: 'admins-all', groups: ['admins'] }),
            AccessRule.forbid({ id: 'no-destructive', annotations: { destructive: true }, exceptGroups: ['admins'] }),
          ],
          cedar: SUPPORT_TICKETS_CEDAR,
        }],
      },
      sanitization: {
        denyPatterns: [{ name: 'sql_ddl', pattern: '\\b(drop|truncate|alter)\\s+table\\b', caseInsensitive: true, action: DenyPatternAction.REJECT }],
        injectionHeuristics: InjectionHeuristics.REJECT,
      },
      tokenization: { detectors: [Detector.EMAIL, Detector.PHONE, Detector.CREDIT_CARD, Detector.US_SSN, Detector.IBAN] },
    });
  }
}

if (require.main === module) {
  const app = new App();
  new LocalDemoStack(app, 'McpProxyLocalDemo');
  app.synth();
}
