/**
 * Identity that matches the rules: typed Cognito app clients (machine: client credentials; human: authorization code +
 * PKCE), and synth-time checks that warn (or, strict, fail) on rules the configured identity can never satisfy and on
 * rules that contradict each other.
 */
import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import {
  AccessAction, AccessRule, CognitoClient, InboundAuth, McpGovernanceProxy, Upstream, type McpGovernanceProxyProps,
} from '../../lib';
import { build, configOf, newApp } from './helpers';

/** A proxy in its own stack (no synth of the assembly: warnings are read from the construct tree). */
function proxyStack(props: Partial<McpGovernanceProxyProps>): { stack: Stack; proxy: McpGovernanceProxy } {
  const stack = new Stack(newApp(), 'Id');
  const proxy = new McpGovernanceProxy(stack, 'Proxy', { upstreams: [Upstream.url('docs', 'https://docs.example.com/mcp')], ...props });
  return { stack, proxy };
}

/** Warnings of one stable id, as messages. */
function warnings(stack: Stack, id: string): string[] {
  return Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp(`\\[ack: ${id}\\]`)).map((w) => String(w.entry.data));
}

const NEVER = 'cdk-mcp-governance-proxy:ruleNeverMatches';
const CONTRA = 'cdk-mcp-governance-proxy:contradictoryRules';
const DETOK = 'cdk-mcp-governance-proxy:detokenizeWithoutTokenization';

describe('typed Cognito clients', () => {
  const b = build({
    inboundAuth: InboundAuth.cognito({
      scopes: ['invoke', 'admin'],
      groups: ['analysts'],
      clients: [
        CognitoClient.machine({ name: 'reporter', scopes: ['invoke'] }),
        CognitoClient.machine({ name: 'ops' }),
        CognitoClient.human({ name: 'desktop', scopes: ['invoke'], callbackUrls: ['http://localhost:33418/callback', 'https://app.example.com/cb'], logoutUrls: ['https://app.example.com/'] }),
      ],
    }),
  });

  test('each machine client has its own scopes and client credentials with a secret', () => {
    const clients = b.template.findResources('AWS::Cognito::UserPoolClient');
    const byName = Object.fromEntries(Object.values(clients).map((c: any) => [c.Properties.ClientName, c.Properties]));
    expect(Object.keys(byName).sort()).toEqual(['desktop', 'ops', 'reporter']);
    expect(byName.reporter).toMatchObject({ AllowedOAuthFlows: ['client_credentials'], GenerateSecret: true });
    expect(JSON.stringify(byName.reporter.AllowedOAuthScopes)).toContain('/invoke');
    expect(JSON.stringify(byName.reporter.AllowedOAuthScopes)).not.toContain('/admin');
    expect(JSON.stringify(byName.ops.AllowedOAuthScopes)).toContain('/admin');
  });

  test('the human client: authorization code (PKCE, public: no secret), OIDC scopes, callback and logout URLs', () => {
    b.template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      ClientName: 'desktop',
      AllowedOAuthFlows: ['code'],
      GenerateSecret: false,
      CallbackURLs: ['http://localhost:33418/callback', 'https://app.example.com/cb'],
      LogoutURLs: ['https://app.example.com/'],
      SupportedIdentityProviders: ['COGNITO'],
      AllowedOAuthScopes: Match.arrayWith(['openid', 'email', 'profile']),
    });
    b.template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'analysts' });
    expect(b.proxy.authorizationEndpoint).toBeDefined();
  });

  test('the runtime authorizer and the proxy accept exactly the three clients', () => {
    const runtime = Object.values(b.template.findResources('AWS::BedrockAgentCore::Runtime'))[0] as any;
    const allowed = runtime.Properties.AuthorizerConfiguration.CustomJWTAuthorizer.AllowedClients;
    expect(allowed).toHaveLength(3);
    expect(configOf(b.proxy).identity.jwt.allowedClients).toHaveLength(3);
    expect(Object.keys(b.proxy.userPoolClients).sort()).toEqual(['desktop', 'ops', 'reporter']);
    expect(b.proxy.userPoolClient).toBe(b.proxy.userPoolClients.reporter);
  });
});

test('default: one machine client named "machine", with its historical logical id', () => {
  const b = build({ inboundAuth: InboundAuth.cognito() });
  b.template.resourceCountIs('AWS::Cognito::UserPoolClient', 1);
  expect(Object.keys(b.template.findResources('AWS::Cognito::UserPoolClient'))[0]).toMatch(/^ProxyUserPoolMachineClient/);
  expect(Object.keys(b.proxy.userPoolClients)).toEqual(['machine']);
  expect(b.proxy.authorizationEndpoint).toBeUndefined();
});

describe('client validation names the prop', () => {
  const cases: [string, CognitoClient[], RegExp][] = [
    ['duplicate names', [CognitoClient.machine({ name: 'a' }), CognitoClient.machine({ name: 'a' })], /inboundAuth\.clients\[1\]\.name: is used by another client/],
    ['unknown scope', [CognitoClient.machine({ name: 'a', scopes: ['nope'] })], /inboundAuth\.clients\[0\]\.scopes\[0\]: is not a scope of the resource server \(got "nope"\)/],
    ['scope given with its prefix', [CognitoClient.machine({ name: 'a', scopes: ['mcp-governance-proxy/invoke'] })], /clients\[0\]\.scopes\[0\]: is not a scope.*without the "mcp-governance-proxy\/" prefix/],
    ['no callback URL', [CognitoClient.human({ name: 'h', callbackUrls: [] })], /inboundAuth\.clients\[0\]\.callbackUrls: is empty/],
    ['http callback off loopback', [CognitoClient.human({ name: 'h', callbackUrls: ['http://app.example.com/cb'] })], /inboundAuth\.clients\[0\]\.callbackUrls\[0\]: must be https, http on localhost/],
    ['bad name', [CognitoClient.machine({ name: 'a b' })], /inboundAuth\.clients\[0\]\.name: does not match/],
    ['no clients', [], /inboundAuth\.clients: is empty: nobody could get a token/],
  ];
  test.each(cases)('%s', (_name, clients, message) => {
    expect(() => proxyStack({ inboundAuth: InboundAuth.cognito({ clients }) })).toThrow(message);
  });
  test('an app scheme callback (myapp://callback) is accepted', () => {
    expect(() => proxyStack({ inboundAuth: InboundAuth.cognito({ clients: [CognitoClient.human({ name: 'h', callbackUrls: ['myapp://callback'] })] }) })).not.toThrow();
  });
});

describe('rules that can never match the configured identity', () => {
  const machineOnly = InboundAuth.cognito({ groups: ['analysts'] });
  const rules = (...r: AccessRule[]) => ({ ruleSets: [{ name: 'r', rules: r }] });

  test('a groups rule with only machine clients warns, naming the prop and the fix', () => {
    const { stack } = proxyStack({ inboundAuth: machineOnly, accessControl: rules(AccessRule.permit({ id: 'analysts', groups: ['analysts'] })) });
    const w = warnings(stack, NEVER);
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(/accessControl\.ruleSets\[0\]\.rules\[0\]\.groups: rule r\.analysts names group analysts that no caller can carry \(.*only machine \(client credentials\) clients.*\): it grants nothing\. Add a CognitoClient\.human\(\)/);
  });

  test('strictRuleChecks turns the warning into a synth failure', () => {
    expect(() => proxyStack({ inboundAuth: machineOnly, accessControl: { ...rules(AccessRule.permit({ groups: ['analysts'] })), strictRuleChecks: true } }))
      .toThrow(/accessControl\.ruleSets\[0\]\.rules\[0\]\.groups: rule r\.0 names group analysts that no caller can carry/);
  });

  test('with a human client, a created group matches (no warning) and an unknown one warns', () => {
    const inboundAuth = InboundAuth.cognito({ groups: ['analysts'], clients: [CognitoClient.human({ name: 'h', callbackUrls: ['http://localhost:1/cb'] })] });
    const ok = proxyStack({ inboundAuth, accessControl: rules(AccessRule.permit({ groups: ['analysts'] })) });
    expect(warnings(ok.stack, NEVER)).toEqual([]);
    const inboundAuth2 = InboundAuth.cognito({ groups: ['analysts'], clients: [CognitoClient.human({ name: 'h', callbackUrls: ['http://localhost:1/cb'] })] });
    const bad = proxyStack({ inboundAuth: inboundAuth2, accessControl: rules(AccessRule.permit({ groups: ['analysts', 'analyst'] })) });
    const w = warnings(bad.stack, NEVER);
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(/names group analyst that no caller can carry \(inboundAuth\.groups creates the only groups/);
    expect(w[0]).not.toMatch(/grants nothing/);
  });

  test('a scope without the resource server prefix warns with the prefixed spelling', () => {
    const { stack } = proxyStack({ inboundAuth: InboundAuth.cognito(), accessControl: rules(AccessRule.permit({ scopes: ['invoke'] })) });
    expect(warnings(stack, NEVER)).toEqual([expect.stringMatching(/rules\[0\]\.scopes: rule r\.0 names scope invoke without the resource server prefix.*Write "mcp-governance-proxy\/invoke"/)]);
  });

  test('a scope no client can get warns; one a client holds does not', () => {
    const inboundAuth = InboundAuth.cognito({ scopes: ['invoke', 'admin'], clients: [CognitoClient.machine({ name: 'm', scopes: ['invoke'] })] });
    const { stack } = proxyStack({ inboundAuth, accessControl: rules(AccessRule.permit({ scopes: ['mcp-governance-proxy/admin'] }), AccessRule.permit({ scopes: ['mcp-governance-proxy/invoke'] })) });
    expect(warnings(stack, NEVER)).toEqual([expect.stringMatching(/rules\[0\]\.scopes: .*scope mcp-governance-proxy\/admin that no configured client can get: it grants nothing/)]);
  });

  test('caller conditions under IAM inbound auth warn', () => {
    const { stack } = proxyStack({ inboundAuth: InboundAuth.iam(), accessControl: rules(AccessRule.forbid({ clientIds: ['x'], tools: ['a'] }), AccessRule.permit({})) });
    expect(warnings(stack, NEVER)).toEqual([expect.stringMatching(/rules\[0\]\.clientIds: rule r\.0 matches on clientIds, which an IAM \(SigV4\) caller never has: it forbids nothing/)]);
  });

  test('an external OIDC issuer is not second-guessed', () => {
    const { stack } = proxyStack({
      inboundAuth: InboundAuth.oidc({ discoveryUrl: 'https://idp.example.com/.well-known/openid-configuration', allowedAudiences: ['a'] }),
      accessControl: rules(AccessRule.permit({ groups: ['anything'], scopes: ['bare'] })),
    });
    expect(warnings(stack, NEVER)).toEqual([]);
  });
});

describe('contradictory rules', () => {
  const iam = InboundAuth.iam();
  const sets = (...ruleSets: { name: string; rules: AccessRule[]; dryRun?: boolean }[]) => ({ ruleSets });

  test('permit and forbid on the same target', () => {
    const { stack } = proxyStack({ inboundAuth: iam, accessControl: sets({ name: 'r', rules: [AccessRule.permit({ id: 'p', tools: ['send_email'] }), AccessRule.forbid({ id: 'f', tools: ['send_*'] })] }) });
    expect(warnings(stack, CONTRA)).toEqual([expect.stringMatching(/accessControl\.ruleSets\[0\]\.rules\[0\]: rule r\.p can never take effect: forbid rule r\.f \(accessControl\.ruleSets\[0\]\.rules\[1\]\) matches every call it permits/)]);
  });

  test('permit-all plus forbid-all, across enforced rule sets', () => {
    const { stack } = proxyStack({ inboundAuth: iam, accessControl: sets({ name: 'a', rules: [AccessRule.permit({})] }, { name: 'b', rules: [AccessRule.forbid({ id: 'all' })] }) });
    expect(warnings(stack, CONTRA)).toEqual([expect.stringMatching(/rule a\.0 can never take effect: forbid rule b\.all .* matches every call, and forbid always wins/)]);
  });

  test('a narrower forbid, a forbid with exceptions, or a dry-run forbid is no contradiction', () => {
    const { stack } = proxyStack({
      inboundAuth: iam,
      accessControl: sets(
        { name: 'a', rules: [AccessRule.permit({ tools: ['read_*'] }), AccessRule.forbid({ tools: ['read_secrets'] }), AccessRule.forbid({ when: 'true' })] },
        { name: 'b', dryRun: true, rules: [AccessRule.forbid({})] },
      ),
    });
    expect(warnings(stack, CONTRA)).toEqual([]);
  });

  test('a detokenize permit with tokenization off', () => {
    const { stack } = proxyStack({ inboundAuth: iam, accessControl: sets({ name: 'r', rules: [AccessRule.permit({ actions: [AccessAction.DETOKENIZE] })] }) });
    expect(warnings(stack, DETOK)).toEqual([expect.stringMatching(/rules\[0\]\.actions: rule r\.0 permits detokenize, but tokenization is off.*Turn tokenization on/)]);
    const on = proxyStack({ inboundAuth: InboundAuth.iam(), tokenization: {}, accessControl: sets({ name: 'r', rules: [AccessRule.permit({ actions: [AccessAction.DETOKENIZE] })] }) });
    expect(warnings(on.stack, DETOK)).toEqual([]);
  });
});

test('two proxies with default Cognito in one stack: no duplicate physical names', () => {
  const stack = new Stack(newApp(), 'Two');
  new McpGovernanceProxy(stack, 'A', { upstreams: [Upstream.url('docs', 'https://docs.example.com/mcp')] });
  new McpGovernanceProxy(stack, 'B', { upstreams: [Upstream.url('docs', 'https://docs.example.com/mcp')] });
  const template = Template.fromStack(stack).toJSON();
  // Properties whose value must be unique in the account and region (or globally, for Cognito domains).
  const PHYSICAL_NAMES: Record<string, string> = {
    'AWS::Cognito::UserPoolDomain': 'Domain',
    'AWS::Cognito::UserPool': 'UserPoolName',
    'AWS::BedrockAgentCore::Runtime': 'AgentRuntimeName',
    'AWS::BedrockAgentCore::WorkloadIdentity': 'Name',
    'AWS::Logs::LogGroup': 'LogGroupName',
    'AWS::IAM::Role': 'RoleName',
    'AWS::CloudWatch::Dashboard': 'DashboardName',
    'AWS::CloudWatch::Alarm': 'AlarmName',
    'AWS::SecretsManager::Secret': 'Name',
  };
  const seen = new Map<string, string>();
  const dupes: string[] = [];
  let named = 0;
  for (const [logicalId, res] of Object.entries<any>(template.Resources)) {
    const key = PHYSICAL_NAMES[res.Type];
    const value = key && res.Properties?.[key];
    if (value === undefined) continue;
    named++;
    const k = `${res.Type}.${key}=${JSON.stringify(value)}`;
    if (seen.has(k)) dupes.push(`${k} (${seen.get(k)} and ${logicalId})`);
    seen.set(k, logicalId);
  }
  expect(named).toBeGreaterThanOrEqual(6);
  expect(dupes).toEqual([]);
  const domains = Object.values<any>(template.Resources).filter((r) => r.Type === 'AWS::Cognito::UserPoolDomain');
  expect(domains).toHaveLength(2);
  expect(JSON.stringify(domains[0].Properties.Domain)).not.toEqual(JSON.stringify(domains[1].Properties.Domain));
});

describe('the README quick start', () => {
  const rules = (...r: AccessRule[]) => ({ ruleSets: [{ name: 'baseline', rules: r }] });
  test('as it was (groups with only the default machine client): the analysts rule is reported as never matching', () => {
    const { stack } = proxyStack({
      inboundAuth: InboundAuth.cognito({ scopes: ['invoke', 'admin'], groups: ['analysts'] }),
      accessControl: rules(AccessRule.permit({ scopes: ['mcp-governance-proxy/admin'] }), AccessRule.permit({ groups: ['analysts'], annotations: { readOnly: true } }), AccessRule.forbid({ tools: ['*delete*'] })),
    });
    expect(warnings(stack, NEVER)).toEqual([expect.stringMatching(/rules\[1\]\.groups: rule baseline\.1 names group analysts that no caller can carry/)]);
  });
  test('corrected (an agent client with admin, a human client for analysts): every rule can match', () => {
    const { stack } = proxyStack({
      inboundAuth: InboundAuth.cognito({
        scopes: ['invoke', 'admin'],
        groups: ['analysts'],
        clients: [
          CognitoClient.machine({ name: 'ops-agent', scopes: ['invoke', 'admin'] }),
          CognitoClient.human({ name: 'mcp-desktop', scopes: ['invoke'], callbackUrls: ['http://localhost:33418/callback'] }),
        ],
      }),
      accessControl: rules(AccessRule.permit({ scopes: ['mcp-governance-proxy/admin'] }), AccessRule.permit({ groups: ['analysts'], annotations: { readOnly: true } }), AccessRule.forbid({ tools: ['*delete*'] })),
    });
    expect([...warnings(stack, NEVER), ...warnings(stack, CONTRA), ...warnings(stack, DETOK)]).toEqual([]);
  });
});
