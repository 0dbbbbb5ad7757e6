/** Every resource the construct creates, and every permission it grants, with fine-grained Template assertions. */
import { Duration, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as agentcore from 'aws-cdk-lib/aws-bedrockagentcore';
import * as cloudwatch_actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import {
  AuditFailMode, ClientAuthMethod, InboundAuth, JwtAlgorithm, JwtTokenType, LogLevel, McpGovernanceProxy, Upstream, UpstreamAuth,
} from '../../lib';
import { encodeArn } from '../../lib/upstream';
import { build, configOf, newApp, newRole, roleStatements, statement, type Built } from './helpers';

const arnOf = (resourceSuffix: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, Match.anyValue(), { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, resourceSuffix]],
});

describe('defaults: Cognito inbound auth, one URL upstream', () => {
  let b: Built;
  beforeAll(() => {
    b = build();
  });

  test('one MCP runtime running the Node 22 code asset with the bundle entry point', () => {
    b.template.resourceCountIs('AWS::BedrockAgentCore::Runtime', 1);
    b.template.hasResourceProperties('AWS::BedrockAgentCore::Runtime', {
      ProtocolConfiguration: 'MCP',
      AgentRuntimeName: b.proxy.runtime.agentRuntimeName,
      AgentRuntimeArtifact: { CodeConfiguration: { Runtime: 'NODE_22', EntryPoint: ['index.js'], Code: { S3: { Prefix: Match.stringLikeRegexp('^[0-9a-f]{64}\\.zip$') } } } },
      RequestHeaderConfiguration: { RequestHeaderAllowlist: ['Authorization'] },
    });
    expect(b.proxy.runtime.agentRuntimeName).toMatch(/^TestStack_Proxy_[0-9A-F]{8}$/);
  });

  test('the runtime uses the Cognito user pool and machine client as its JWT authorizer', () => {
    b.template.hasResourceProperties('AWS::BedrockAgentCore::Runtime', {
      AuthorizerConfiguration: {
        CustomJWTAuthorizer: {
          AllowedClients: [{ Ref: Match.stringLikeRegexp('^ProxyUserPoolMachineClient') }],
          DiscoveryUrl: { 'Fn::Join': ['', Match.arrayWith([{ Ref: Match.stringLikeRegexp('^ProxyUserPool') }, '/.well-known/openid-configuration'])] },
        },
      },
    });
  });

  test('deploy-time values reach the runtime as environment variables; the file holds placeholders', () => {
    b.template.hasResourceProperties('AWS::BedrockAgentCore::Runtime', {
      EnvironmentVariables: {
        MCP_PROXY_CFG_1: { 'Fn::Join': ['', Match.arrayWith(['https://cognito-idp.', { Ref: Match.stringLikeRegexp('^ProxyUserPool') }])] },
        MCP_PROXY_CFG_3: { Ref: Match.stringLikeRegexp('^ProxyUserPoolMachineClient') },
      },
    });
    const cfg = configOf(b.proxy);
    expect(cfg.identity).toEqual({
      mode: 'jwt',
      jwt: { issuer: '${env:MCP_PROXY_CFG_1}', jwksUri: '${env:MCP_PROXY_CFG_2}', allowedClients: ['${env:MCP_PROXY_CFG_3}'], groupsClaim: 'cognito:groups', scopesClaim: 'scope' },
    });
    expect(b.proxy.configDocument).not.toMatch(/Token\[/);
  });

  test('Cognito: user pool with MFA and no self sign-up, resource server, machine client (client credentials), domain', () => {
    b.template.resourceCountIs('AWS::Cognito::UserPool', 1);
    b.template.hasResourceProperties('AWS::Cognito::UserPool', {
      MfaConfiguration: 'ON',
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      Policies: { PasswordPolicy: { MinimumLength: 14, RequireSymbols: true } },
      DeletionProtection: 'ACTIVE',
    });
    b.template.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Retain' });
    b.template.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', { Identifier: 'mcp-governance-proxy', Scopes: [Match.objectLike({ ScopeName: 'invoke' })] });
    b.template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      AllowedOAuthFlows: ['client_credentials'],
      GenerateSecret: true,
      AllowedOAuthScopes: [{ 'Fn::Join': ['', [{ Ref: Match.stringLikeRegexp('ResourceServer') }, '/invoke']] }],
    });
    b.template.resourceCountIs('AWS::Cognito::UserPoolDomain', 1);
    b.template.resourceCountIs('AWS::Cognito::UserPoolGroup', 0);
    expect(b.proxy.userPool).toBeDefined();
    expect(b.proxy.userPoolClient).toBeDefined();
    expect(b.proxy.tokenEndpoint).toBeDefined();
  });

  test('execution role: trusted by AgentCore for this runtime only, in this account', () => {
    b.template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'bedrock-agentcore.amazonaws.com' },
          Condition: {
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            ArnLike: { 'aws:SourceArn': arnOf(`:runtime/${b.proxy.runtime.agentRuntimeName}-*`) },
          },
        }],
      },
    });
  });

  test('execution role: exactly the statements its purposes need, nothing else', () => {
    expect(roleStatements(b.template).map((s) => s.Sid).sort()).toEqual(
      ['AuditTrailWrite', 'ReadCodeAsset', 'RuntimeDescribeLogGroups', 'RuntimeLogGroup', 'RuntimeLogStreams', 'RuntimeWorkloadAccessToken'].sort(),
    );
    const name = b.proxy.runtime.agentRuntimeName;
    expect(statement(b.template, 'RuntimeLogGroup')).toMatchObject({ Action: ['logs:CreateLogGroup', 'logs:DescribeLogStreams'] });
    expect(JSON.stringify(statement(b.template, 'RuntimeLogGroup').Resource)).toContain(`:log-group:/aws/bedrock-agentcore/runtimes/${name}-*`);
    expect(JSON.stringify(statement(b.template, 'RuntimeLogStreams').Resource)).toContain(`/runtimes/${name}-*:log-stream:*`);
    expect(JSON.stringify(statement(b.template, 'RuntimeWorkloadAccessToken').Resource)).toContain(`workload-identity-directory/default/workload-identity/${name}-*`);
    expect(statement(b.template, 'AuditTrailWrite')).toMatchObject({
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^ProxyAuditLogGroup/), 'Arn'] },
    });
  });

  test('execution role reads exactly one object: the code asset', () => {
    const s = statement(b.template, 'ReadCodeAsset');
    expect(s.Action).toBe('s3:GetObject');
    const runtime = Object.values(b.template.findResources('AWS::BedrockAgentCore::Runtime'))[0] as any;
    expect(JSON.stringify(s.Resource)).toContain(`/${runtime.Properties.AgentRuntimeArtifact.CodeConfiguration.Code.S3.Prefix}`);
  });

  test('the runtime is created after its role policy (the service reads the code with it)', () => {
    const runtime = Object.values(b.template.findResources('AWS::BedrockAgentCore::Runtime'))[0] as any;
    expect(runtime.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^ProxyExecutionRoleDefaultPolicy/), expect.stringMatching(/^ProxyExecutionRole[0-9A-F]{8}$/)]));
  });

  test('audit log group: KMS CMK with rotation, 1 year, retained; key policy lets CloudWatch Logs use it for this group only', () => {
    b.template.resourceCountIs('AWS::Logs::LogGroup', 1);
    b.template.hasResource('AWS::Logs::LogGroup', {
      DeletionPolicy: 'Retain',
      Properties: {
        LogGroupName: Match.stringLikeRegexp('^/mcp-governance-proxy/TestStack-Proxy-[0-9A-F]{8}/audit$'),
        RetentionInDays: 365,
        KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ProxyAuditKey'), 'Arn'] },
      },
    });
    b.template.resourceCountIs('AWS::KMS::Key', 1);
    b.template.hasResource('AWS::KMS::Key', {
      DeletionPolicy: 'Retain',
      Properties: {
        EnableKeyRotation: true,
        KeyPolicy: {
          Statement: Match.arrayWith([Match.objectLike({
            Sid: 'AllowCloudWatchLogsForTheAuditLogGroup',
            Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] } },
            Condition: { ArnEquals: { 'kms:EncryptionContext:aws:logs:arn': arnOf(`:log-group:${configOf(b.proxy).audit.cloudwatch.logGroupName}`) } },
          })]),
        },
      },
    });
    expect(configOf(b.proxy).audit).toEqual({
      sink: 'cloudwatch',
      cloudwatch: { logGroupName: expect.stringMatching(/^\/mcp-governance-proxy\//) },
      failMode: 'closed',
      includeRedactedContent: false,
      metrics: { enabled: true, namespace: b.proxy.metricsNamespace },
    });
  });

  test('metric filters on the audit trail: denials, upstream errors, lost records', () => {
    b.template.resourceCountIs('AWS::Logs::MetricFilter', 3);
    const ns = b.proxy.metricsNamespace;
    expect(ns).toBe(`McpGovernanceProxy/${b.proxy.runtime.agentRuntimeName}`);
    b.template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ ($.type = "outcome") && ($.outcome.status = "denied") }',
      MetricTransformations: [{ MetricName: 'AuditedDeniedCalls', MetricNamespace: ns, MetricValue: '1', Unit: 'Count' }],
    });
    b.template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ ($.type = "outcome") && ($.outcome.errorClass = "upstream_*") }',
      MetricTransformations: [{ MetricName: 'AuditedUpstreamErrors', MetricNamespace: ns, MetricValue: '1', Unit: 'Count' }],
    });
    b.template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ $.type = "audit_overflow" }',
      MetricTransformations: [{ MetricName: 'AuditRecordsLost', MetricNamespace: ns, MetricValue: '$.dropped' }],
    });
  });

  test('alarms: denials (>=10), upstream errors (>=5), audit failures (>=1, sink + dropped + refused + lost)', () => {
    b.template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    expect(b.proxy.alarms).toHaveLength(3);
    b.template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'AuditedDeniedCalls', Threshold: 10, Period: 300, Statistic: 'Sum', TreatMissingData: 'notBreaching' });
    b.template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'AuditedUpstreamErrors', Threshold: 5 });
    b.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 1,
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'FILL(sinkFailures, 0) + FILL(dropped, 0) + FILL(refused, 0) + FILL(lost, 0)' }),
        Match.objectLike({ Id: 'sinkFailures', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'AuditSinkFailures' }) }) }),
        Match.objectLike({ Id: 'refused', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'AuditUnavailableRefusals' }) }) }),
      ]),
    });
  });

  test('dashboard', () => {
    b.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    expect(b.proxy.dashboard).toBeDefined();
  });

  test('no tokenization secret, no workload identity, no credential providers by default', () => {
    b.template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    b.template.resourceCountIs('AWS::BedrockAgentCore::WorkloadIdentity', 0);
    b.template.resourceCountIs('AWS::BedrockAgentCore::OAuth2CredentialProvider', 0);
    b.template.resourceCountIs('AWS::BedrockAgentCore::ApiKeyCredentialProvider', 0);
    expect(configOf(b.proxy).tokenize).toEqual({ enabled: false });
  });

  test('secure defaults in the configuration: sanitize and redact on, access control off (with a warning)', () => {
    const cfg = configOf(b.proxy);
    expect(cfg.sanitize).toEqual({ enabled: true });
    expect(cfg.redact).toEqual({ enabled: true });
    expect(cfg.accessControl).toEqual({ enabled: false, ruleSets: [] });
    const warnings = b.stack.node.findAll().flatMap((c) => c.node.metadata).filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data));
    expect(warnings.some((w) => w.includes('Access control is off'))).toBe(true);
  });
});

describe('upstreams grant exactly what they need', () => {
  test('AgentCore Gateway with SigV4: InvokeGateway on that gateway; URL from the gateway', () => {
    let gateway!: agentcore.Gateway;
    const b = build({}, (stack) => {
      gateway = new agentcore.Gateway(stack, 'Gateway', { gatewayName: 'tools', authorizerConfiguration: agentcore.GatewayAuthorizer.usingAwsIam() });
      return { upstreams: [Upstream.agentCoreGateway(gateway)] };
    });
    expect(statement(b.template, 'UpstreamToolsInvokeGateway')).toMatchObject({
      Action: 'bedrock-agentcore:InvokeGateway',
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^Gateway/), 'GatewayArn'] },
    });
    const cfg = configOf(b.proxy);
    expect(cfg.upstreams).toEqual([{ name: 'tools', url: '${env:MCP_PROXY_CFG_1}', timeoutMs: 30000, auth: { type: 'sigv4', service: 'bedrock-agentcore' } }]);
    b.template.hasResourceProperties('AWS::BedrockAgentCore::Runtime', {
      EnvironmentVariables: Match.objectLike({ MCP_PROXY_CFG_1: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Gateway'), 'GatewayUrl'] } }),
    });
  });

  test('AgentCore Gateway with OAuth2 auth (JWT gateway): no InvokeGateway grant', () => {
    const secret = (s: Stack) => secretsmanager.Secret.fromSecretCompleteArn(s, 'S', 'arn:aws:secretsmanager:us-east-1:111122223333:secret:gw-AbCdEf');
    const b = build({}, (stack) => ({
      upstreams: [Upstream.agentCoreGatewayFromAttributes(
        { gatewayArn: 'arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/gw-1', gatewayUrl: 'https://gw-1.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp' },
        { name: 'gw', auth: UpstreamAuth.clientCredentials({ tokenUrl: 'https://auth.example.com/oauth2/token', clientId: 'c1', clientSecret: secret(stack) }) },
      )],
    }));
    expect(roleStatements(b.template).map((s) => s.Sid)).not.toContain('UpstreamGwInvokeGateway');
    expect(statement(b.template, 'UpstreamGwClientSecret')).toMatchObject({ Action: 'secretsmanager:GetSecretValue', Resource: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:gw-AbCdEf' });
  });

  test('AgentCore Runtime upstream: InvokeAgentRuntime on the runtime and its endpoint; URL-encoded ARN', () => {
    const arn = 'arn:aws:bedrock-agentcore:eu-west-1:111122223333:runtime/mcp_server-AbC123';
    const b = build({}, (stack) => ({
      upstreams: [Upstream.agentCoreRuntime(agentcore.Runtime.fromAgentRuntimeAttributes(stack, 'R', {
        agentRuntimeArn: arn, agentRuntimeId: 'mcp_server-AbC123', agentRuntimeName: 'mcp_server', roleArn: 'arn:aws:iam::111122223333:role/r',
      }), { timeout: Duration.minutes(2), qualifier: 'prod' })],
    }));
    expect(statement(b.template, 'UpstreamMcpserverInvokeRuntime')).toMatchObject({
      Action: 'bedrock-agentcore:InvokeAgentRuntime',
      Resource: [arn, `${arn}/runtime-endpoint/prod`],
    });
    const [u] = configOf(b.proxy).upstreams;
    expect(u).toEqual({ name: 'mcp_server', url: '${env:MCP_PROXY_CFG_1}', timeoutMs: 120000, auth: { type: 'sigv4', service: 'bedrock-agentcore' } });
    b.template.hasResourceProperties('AWS::BedrockAgentCore::Runtime', {
      EnvironmentVariables: Match.objectLike({
        MCP_PROXY_CFG_1: { 'Fn::Join': ['', ['https://bedrock-agentcore.eu-west-1.', { Ref: 'AWS::URLSuffix' },
          '/runtimes/arn%3Aaws%3Abedrock-agentcore%3Aeu-west-1%3A111122223333%3Aruntime%2Fmcp_server-AbC123/invocations?qualifier=prod']] },
      }),
    });
  });

  test('encodeArn: literal ARNs are percent-encoded at synth, token ARNs by CloudFormation', () => {
    expect(encodeArn('arn:aws:bedrock-agentcore:us-east-1:1:runtime/x')).toBe('arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A1%3Aruntime%2Fx');
    const stack = new Stack();
    expect(stack.resolve(encodeArn(Fn.getAtt('R', 'AgentRuntimeArn').toString()))).toEqual({
      'Fn::Join': ['%2F', { 'Fn::Split': ['/', { 'Fn::Join': ['%3A', { 'Fn::Split': [':', { 'Fn::GetAtt': ['R', 'AgentRuntimeArn'] }] }] }] }],
    });
  });

  test('OAuth2 via a new AgentCore Identity provider: secret referenced (EXTERNAL), token vault + workload identity grants', () => {
    const b = build({}, (stack) => ({
      upstreams: [Upstream.url('crm', 'https://mcp.crm.example.com/mcp', {
        auth: UpstreamAuth.oauth2({
          clientId: 'proxy',
          clientSecret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'CrmSecret', 'arn:aws:secretsmanager:us-east-1:111122223333:secret:crm-AbCdEf'),
          discoveryUrl: 'https://login.crm.example.com/.well-known/openid-configuration',
          scopes: ['crm.read'],
        }),
      })],
    }));
    const providerName = `${b.proxy.node.path.replace('/', '-')}`;
    b.template.hasResourceProperties('AWS::BedrockAgentCore::OAuth2CredentialProvider', {
      CredentialProviderVendor: 'CustomOauth2',
      Name: Match.stringLikeRegexp(`^${providerName}-[0-9A-F]{8}-crm$`),
      Oauth2ProviderConfigInput: {
        CustomOauth2ProviderConfig: {
          ClientId: 'proxy',
          ClientSecretSource: 'EXTERNAL',
          ClientSecretConfig: { SecretId: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:crm-AbCdEf', JsonKey: 'clientSecret' },
          OauthDiscovery: { DiscoveryUrl: 'https://login.crm.example.com/.well-known/openid-configuration' },
        },
      },
    });
    // The secret value is never in the template.
    expect(JSON.stringify(b.template.toJSON())).not.toMatch(/"ClientSecret"\s*:/);
    b.template.resourceCountIs('AWS::BedrockAgentCore::WorkloadIdentity', 1);
    const wi = configOf(b.proxy).upstreams[0].auth.workloadName;
    b.template.hasResourceProperties('AWS::BedrockAgentCore::WorkloadIdentity', { Name: wi });
    const creds = statement(b.template, 'UpstreamCrmOAuth2Credentials');
    expect(creds.Action).toBe('bedrock-agentcore:GetResourceOauth2Token');
    const res = JSON.stringify(creds.Resource);
    expect(res).toContain('CredentialProviderArn');
    expect(res).toContain(':token-vault/default"');
    expect(res).toContain(':token-vault/default/oauth2credentialprovider"');
    expect(res).toContain(`:workload-identity-directory/default/workload-identity/${wi}"`);
    expect(res).toContain(`:workload-identity-directory/default/workload-identity/${b.proxy.runtime.agentRuntimeName}-*"`);
    expect(statement(b.template, 'UpstreamCrmProviderSecret')).toMatchObject({ Action: 'secretsmanager:GetSecretValue', Resource: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:crm-AbCdEf' });
    expect(JSON.stringify(statement(b.template, 'ProxyWorkloadAccessToken'))).toContain(`workload-identity/${wi}"`);
    expect(statement(b.template, 'ProxyWorkloadAccessToken').Action).toBe('bedrock-agentcore:GetWorkloadAccessToken');
    expect(configOf(b.proxy).upstreams[0].auth).toEqual({ type: 'agentcore-oauth2', providerName: expect.stringMatching(/-crm$/), scopes: ['crm.read'], workloadName: wi });
  });

  test('OAuth2 with authorization server metadata instead of a discovery URL', () => {
    const b = build({}, (stack) => ({
      upstreams: [Upstream.url('crm', 'https://mcp.crm.example.com/mcp', {
        auth: UpstreamAuth.oauth2({
          clientId: 'proxy',
          clientSecret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'S', 'arn:aws:secretsmanager:us-east-1:111122223333:secret:crm-AbCdEf'),
          clientSecretJsonKey: 'secret',
          issuer: 'https://login.crm.example.com',
          authorizationEndpoint: 'https://login.crm.example.com/authorize',
          tokenEndpoint: 'https://login.crm.example.com/token',
          providerName: 'crm-provider',
        }),
      })],
    }));
    b.template.hasResourceProperties('AWS::BedrockAgentCore::OAuth2CredentialProvider', {
      Name: 'crm-provider',
      Oauth2ProviderConfigInput: { CustomOauth2ProviderConfig: {
        ClientSecretConfig: Match.objectLike({ JsonKey: 'secret' }),
        OauthDiscovery: { AuthorizationServerMetadata: { Issuer: 'https://login.crm.example.com', AuthorizationEndpoint: 'https://login.crm.example.com/authorize', TokenEndpoint: 'https://login.crm.example.com/token' } },
      } },
    });
  });

  test('API key via a new provider; a CMK-encrypted secret also gets kms:Decrypt through Secrets Manager only', () => {
    const b = build({}, (stack) => {
      const key = new kms.Key(stack, 'K', { enableKeyRotation: true });
      const apiKey = new secretsmanager.Secret(stack, 'ApiKey', { encryptionKey: key });
      return { upstreams: [Upstream.url('search', 'https://mcp.search.example.com/mcp', { auth: UpstreamAuth.apiKey({ apiKey, headerName: 'Authorization', valuePrefix: 'Bearer ' }) })] };
    });
    b.template.hasResourceProperties('AWS::BedrockAgentCore::ApiKeyCredentialProvider', {
      ApiKeySecretSource: 'EXTERNAL',
      ApiKeySecretConfig: { SecretId: { Ref: Match.stringLikeRegexp('^ApiKey') }, JsonKey: 'apiKey' },
    });
    expect(statement(b.template, 'UpstreamSearchApiKeyCredentials').Action).toBe('bedrock-agentcore:GetResourceApiKey');
    expect(JSON.stringify(statement(b.template, 'UpstreamSearchApiKeyCredentials').Resource)).toContain(':token-vault/default/apikeycredentialprovider"');
    expect(statement(b.template, 'UpstreamSearchProviderSecret')).toMatchObject({ Action: 'secretsmanager:GetSecretValue', Resource: { Ref: expect.stringMatching(/^ApiKey/) } });
    expect(statement(b.template, 'UpstreamSearchProviderSecretKey')).toMatchObject({
      Action: 'kms:Decrypt',
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^K/), 'Arn'] },
      Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] } } },
    });
    expect(configOf(b.proxy).upstreams[0].auth).toMatchObject({ type: 'agentcore-api-key', headerName: 'Authorization', valuePrefix: 'Bearer ' });
  });

  test('existing providers: token-vault grants on the given provider and its backing secret', () => {
    const b = build({}, (stack) => ({
      upstreams: [
        Upstream.url('a', 'https://a.example.com/mcp', {
          auth: UpstreamAuth.oauth2FromProvider(agentcore.OAuth2CredentialProvider.fromOAuth2CredentialProviderAttributes(stack, 'P', {
            credentialProviderArn: 'arn:aws:bedrock-agentcore:us-east-1:111122223333:token-vault/default/oauth2credentialprovider/github',
            credentialProviderVendor: 'GithubOauth2',
            clientSecretArn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:bedrock-agentcore-identity!default/oauth2/github-AbCdEf',
          }), { scopes: ['repo'] }),
        }),
        Upstream.url('b', 'https://b.example.com/mcp', {
          auth: UpstreamAuth.apiKeyFromProvider(agentcore.ApiKeyCredentialProvider.fromApiKeyCredentialProviderAttributes(stack, 'Q', {
            credentialProviderArn: 'arn:aws:bedrock-agentcore:us-east-1:111122223333:token-vault/default/apikeycredentialprovider/search',
          }), { apiKeySecretArn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:search-key-AbCdEf' }),
        }),
      ],
    }));
    b.template.resourceCountIs('AWS::BedrockAgentCore::OAuth2CredentialProvider', 0);
    expect(configOf(b.proxy).upstreams.map((u: any) => u.auth.providerName)).toEqual(['github', 'search']);
    expect(statement(b.template, 'UpstreamAProviderSecret').Resource).toBe('arn:aws:secretsmanager:us-east-1:111122223333:secret:bedrock-agentcore-identity!default/oauth2/github-AbCdEf');
    expect(statement(b.template, 'UpstreamBProviderSecret').Resource).toBe('arn:aws:secretsmanager:us-east-1:111122223333:secret:search-key-AbCdEf');
    expect(statement(b.template, 'UpstreamAOAuth2Credentials').Resource).toContain('arn:aws:bedrock-agentcore:us-east-1:111122223333:token-vault/default/oauth2credentialprovider/github');
    b.template.resourceCountIs('AWS::BedrockAgentCore::WorkloadIdentity', 1);
  });

  test('client credentials: only GetSecretValue on that secret (name-imported secrets get the 6-character suffix)', () => {
    const b = build({}, (stack) => ({
      upstreams: [Upstream.url('ledger', 'https://ledger.example.com/mcp', {
        auth: UpstreamAuth.clientCredentials({
          tokenUrl: 'https://auth.example.com/oauth2/token',
          clientId: 'proxy',
          clientSecret: secretsmanager.Secret.fromSecretNameV2(stack, 'S', 'mcp/ledger'),
          clientSecretJsonKey: 'secret',
          scopes: ['ledger.read'],
          audience: 'ledger',
          clientAuthMethod: ClientAuthMethod.CLIENT_SECRET_POST,
        }),
      })],
    }));
    expect(JSON.stringify(statement(b.template, 'UpstreamLedgerClientSecret').Resource)).toContain(':secret:mcp/ledger-??????');
    expect(configOf(b.proxy).upstreams[0].auth).toEqual({
      type: 'oauth2-client-credentials', tokenUrl: 'https://auth.example.com/oauth2/token', clientId: 'proxy', clientSecretArn: '${env:MCP_PROXY_CFG_1}',
      clientSecretJsonKey: 'secret', scopes: ['ledger.read'], audience: 'ledger', clientAuthMethod: 'client_secret_post',
    });
    b.template.resourceCountIs('AWS::BedrockAgentCore::WorkloadIdentity', 0);
  });

  test('SigV4 to a URL adds exactly the statements given', () => {
    const b = build({
      upstreams: [Upstream.url('billing', 'https://abc.execute-api.us-east-1.amazonaws.com/prod/mcp', {
        auth: UpstreamAuth.sigV4({
          service: 'execute-api',
          region: 'us-east-1',
          policyStatements: [new iam.PolicyStatement({ actions: ['execute-api:Invoke'], resources: ['arn:aws:execute-api:us-east-1:111122223333:abc/prod/POST/mcp'] })],
        }),
        headers: { 'x-tenant': 'acme' },
        prefix: 'bill',
      })],
    });
    expect(roleStatements(b.template).filter((s) => s.Action === 'execute-api:Invoke')).toEqual([
      { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: 'arn:aws:execute-api:us-east-1:111122223333:abc/prod/POST/mcp' },
    ]);
    expect(configOf(b.proxy).upstreams[0]).toEqual({
      name: 'billing', url: 'https://abc.execute-api.us-east-1.amazonaws.com/prod/mcp', prefix: 'bill', timeoutMs: 30000,
      headers: { 'x-tenant': 'acme' }, auth: { type: 'sigv4', service: 'execute-api', region: 'us-east-1' },
    });
  });
});

describe('inbound auth variants', () => {
  test('IAM: no authorizer, no user pool, no Authorization header; grantInvoke gives InvokeAgentRuntime on this runtime', () => {
    const app = newApp();
    const stack = new Stack(app, 'IamStack');
    const proxy = new McpGovernanceProxy(stack, 'Proxy', { inboundAuth: InboundAuth.iam(), upstreams: [Upstream.url('docs', 'https://docs.example.com/mcp')] });
    const caller = newRole(stack);
    proxy.grantInvoke(caller);
    const template = Template.fromStack(stack);
    const runtime = Object.values(template.findResources('AWS::BedrockAgentCore::Runtime'))[0] as any;
    expect(runtime.Properties.AuthorizerConfiguration).toBeUndefined();
    expect(runtime.Properties.RequestHeaderConfiguration).toBeUndefined();
    template.resourceCountIs('AWS::Cognito::UserPool', 0);
    expect(configOf(proxy).identity).toEqual({ mode: 'iam' });
    expect(proxy.userPool).toBeUndefined();
    const runtimeArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^ProxyRuntime'), 'AgentRuntimeArn'] };
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Caller') }],
      PolicyDocument: { Statement: [{
        Action: 'bedrock-agentcore:InvokeAgentRuntime',
        Effect: 'Allow',
        Resource: [runtimeArn, { 'Fn::Join': ['', [runtimeArn, '/runtime-endpoint/DEFAULT']] }],
      }] },
    });
    expect(proxy.invocationUrl).toBeDefined();
  });

  test('OIDC: JWT authorizer with the discovery URL and audiences; identity issuer derived; no user pool', () => {
    const b = build({
      inboundAuth: InboundAuth.oidc({
        discoveryUrl: 'https://idp.example.com/oauth2/default/.well-known/openid-configuration',
        allowedAudiences: ['api://proxy'],
        allowedClients: ['client-1'],
        allowedScopes: ['mcp'],
        groupsClaim: 'groups',
        claims: ['department'],
        algorithms: [JwtAlgorithm.RS256, JwtAlgorithm.ES256],
      }),
      requestHeaders: ['X-Amzn-Bedrock-AgentCore-Runtime-Custom-Tenant'],
    });
    b.template.hasResourceProperties('AWS::BedrockAgentCore::Runtime', {
      AuthorizerConfiguration: { CustomJWTAuthorizer: {
        DiscoveryUrl: 'https://idp.example.com/oauth2/default/.well-known/openid-configuration',
        AllowedAudience: ['api://proxy'],
        AllowedClients: ['client-1'],
        AllowedScopes: ['mcp'],
      } },
      RequestHeaderConfiguration: { RequestHeaderAllowlist: ['Authorization', 'X-Amzn-Bedrock-AgentCore-Runtime-Custom-Tenant'] },
    });
    b.template.resourceCountIs('AWS::Cognito::UserPool', 0);
    expect(configOf(b.proxy).identity).toEqual({
      mode: 'jwt',
      jwt: {
        issuer: 'https://idp.example.com/oauth2/default', audiences: ['api://proxy'], allowedClients: ['client-1'],
        algorithms: ['RS256', 'ES256'], groupsClaim: 'groups', scopesClaim: 'scope', claims: ['department'],
      },
    });
  });

  test('OIDC: tokenType and groupsSeparator reach the identity section only when set (the runtime defaults are access tokens, no separator)', () => {
    const b = build({
      inboundAuth: InboundAuth.oidc({
        discoveryUrl: 'https://idp.example.com/.well-known/openid-configuration',
        allowedAudiences: ['api'],
        tokenType: JwtTokenType.AT_JWT,
        groupsSeparator: ',',
      }),
    });
    expect(configOf(b.proxy).identity.jwt).toMatchObject({ tokenType: 'at+jwt', groupsSeparator: ',' });
    const plain = build({ inboundAuth: InboundAuth.oidc({ discoveryUrl: 'https://idp.example.com/.well-known/openid-configuration', allowedAudiences: ['api'] }) });
    expect(configOf(plain.proxy).identity.jwt).not.toHaveProperty('tokenType');
    expect(configOf(plain.proxy).identity.jwt).not.toHaveProperty('groupsSeparator');
  });

  test('Cognito options: groups, scopes, domain prefix, token validity', () => {
    const b = build({ inboundAuth: InboundAuth.cognito({ scopes: ['read', 'write'], groups: ['analysts', 'ops/admins'], domainPrefix: 'my-proxy', accessTokenValidity: Duration.minutes(15), removalPolicy: RemovalPolicy.DESTROY }) });
    b.template.resourceCountIs('AWS::Cognito::UserPoolGroup', 2);
    b.template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'ops/admins' });
    b.template.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'my-proxy' });
    b.template.hasResourceProperties('AWS::Cognito::UserPoolClient', { AccessTokenValidity: 15 });
    b.template.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Delete', Properties: Match.objectLike({ DeletionProtection: 'INACTIVE' }) });
  });
});

describe('tokenization key', () => {
  test('a generated 64-byte key (128 hex characters) in a KMS-encrypted secret, readable by the runtime only via Secrets Manager', () => {
    const b = build({ tokenization: {} });
    b.template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    b.template.hasResource('AWS::SecretsManager::Secret', {
      DeletionPolicy: 'Retain',
      Properties: {
        KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ProxyTokenizationSecretKey'), 'Arn'] },
        GenerateSecretString: {
          SecretStringTemplate: '{}', GenerateStringKey: 'key', PasswordLength: 128,
          ExcludeUppercase: true, ExcludePunctuation: true, IncludeSpace: false, ExcludeCharacters: 'ghijklmnopqrstuvwxyz', RequireEachIncludedType: false,
        },
      },
    });
    b.template.resourceCountIs('AWS::KMS::Key', 2);
    expect(statement(b.template, 'TokenizationKeyRead')).toMatchObject({ Action: 'secretsmanager:GetSecretValue', Resource: { Ref: expect.stringMatching(/^ProxyTokenizationSecret/) } });
    expect(statement(b.template, 'TokenizationKeyReadKey')).toMatchObject({ Action: 'kms:Decrypt', Condition: { StringEquals: { 'kms:ViaService': expect.anything() } } });
    expect(configOf(b.proxy).tokenize).toEqual({ enabled: true, key: { source: 'secretsManager', secretArn: '${env:MCP_PROXY_CFG_4}' }, detokenizeResults: true });
    expect(b.proxy.tokenizationSecret).toBeDefined();
  });

  test('an existing key secret: no new secret or key', () => {
    const b = build({}, (stack) => ({ tokenization: { keySecret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'K', 'arn:aws:secretsmanager:us-east-1:111122223333:secret:tok-AbCdEf'), detokenizeResults: false } }));
    b.template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    b.template.resourceCountIs('AWS::KMS::Key', 1);
    expect(configOf(b.proxy).tokenize).toMatchObject({ key: { source: 'secretsManager', secretArn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:tok-AbCdEf' }, detokenizeResults: false });
  });
});

describe('audit options', () => {
  test('existing log group, fail open, custom namespace, alarm actions and thresholds, no dashboard', () => {
    const b = build({ logLevel: LogLevel.DEBUG }, (stack) => ({
      audit: {
        logGroup: logs.LogGroup.fromLogGroupName(stack, 'LG', 'existing-audit'),
        failMode: AuditFailMode.OPEN,
        includeRedactedContent: true,
        metricsNamespace: 'Acme/Proxy',
        alarmActions: [new cloudwatch_actions.SnsAction(new sns.Topic(stack, 'T', { enforceSSL: true }))],
        denialsAlarmThreshold: 3,
        dashboard: false,
        maxUndeliveredRecords: 500,
        maxUndeliveredAge: Duration.seconds(3),
      },
    }));
    b.template.resourceCountIs('AWS::Logs::LogGroup', 0);
    b.template.resourceCountIs('AWS::KMS::Key', 0);
    b.template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    b.template.hasResourceProperties('AWS::Logs::MetricFilter', { LogGroupName: 'existing-audit', MetricTransformations: [Match.objectLike({ MetricNamespace: 'Acme/Proxy' })] });
    b.template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'AuditedDeniedCalls', Namespace: 'Acme/Proxy', Threshold: 3, AlarmActions: [{ Ref: Match.stringLikeRegexp('^T') }] });
    expect(configOf(b.proxy).audit).toEqual({
      sink: 'cloudwatch', cloudwatch: { logGroupName: 'existing-audit' }, failMode: 'open', includeRedactedContent: true,
      unhealthyPendingRecords: 500, unhealthyPendingAgeMs: 3_000, metrics: { enabled: true, namespace: 'Acme/Proxy' },
    });
    expect(b.proxy.auditKey).toBeUndefined();
    b.template.hasResourceProperties('AWS::BedrockAgentCore::Runtime', { EnvironmentVariables: Match.objectLike({ MCP_PROXY_LOG_LEVEL: 'debug' }) });
  });

  test('retention, removal policy and no alarms', () => {
    const b = build({ audit: { retention: logs.RetentionDays.TEN_YEARS, removalPolicy: RemovalPolicy.DESTROY, alarms: false } });
    b.template.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete', Properties: Match.objectLike({ RetentionInDays: 3653 }) });
    b.template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    expect(b.proxy.alarms).toEqual([]);
  });

  test('metric helpers point at the proxy namespace', () => {
    const b = build({ audit: { metricsNamespace: 'X/Y', alarms: false, dashboard: false } });
    expect(b.proxy.metricDeniedCalls()).toMatchObject({ namespace: 'X/Y', metricName: 'AuditedDeniedCalls', statistic: 'Sum' });
    expect(b.proxy.metricUpstreamErrors()).toMatchObject({ metricName: 'AuditedUpstreamErrors' });
    expect(b.proxy.metricAuditRecordsLost()).toMatchObject({ metricName: 'AuditRecordsLost' });
    expect(b.proxy.metricCalls()).toMatchObject({ metricName: 'Calls' });
    expect(b.proxy.metricLatency()).toMatchObject({ metricName: 'Latency', statistic: 'p99' });
    expect(b.proxy.metricAuditSinkFailures()).toMatchObject({ metricName: 'AuditSinkFailures' });
  });
});
