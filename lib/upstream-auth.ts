import { ArnFormat, Fn, Stack, Token } from 'aws-cdk-lib';
import * as agentcore from 'aws-cdk-lib/aws-bedrockagentcore';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { UpstreamAuthConfig } from './config/contract';
import * as perms from './perms';
import { sid, type ProxyBindContext } from './private/bind-context';
import { WORKLOAD_IDENTITY_WILDCARD_REASON } from './private/execution-role';
import { grantSecretRead } from './private/grants';

/** How the proxy authenticates to an upstream. */
export enum UpstreamAuthType {
  /** No credentials. */
  NONE = 'none',
  /** AWS SigV4 with the execution role. */
  SIGV4 = 'sigv4',
  /** OAuth2 client credentials through an AgentCore Identity OAuth2 credential provider. */
  AGENTCORE_OAUTH2 = 'agentcore-oauth2',
  /** An API key through an AgentCore Identity API key credential provider. */
  AGENTCORE_API_KEY = 'agentcore-api-key',
  /** Plain OAuth2 client credentials against a token endpoint, the secret read from Secrets Manager. */
  OAUTH2_CLIENT_CREDENTIALS = 'oauth2-client-credentials',
}

/** How the proxy authenticates to a token endpoint when it sends its client secret (RFC 6749 section 2.3.1). */
export enum ClientAuthMethod {
  /** HTTP Basic authentication with the client id and secret. */
  CLIENT_SECRET_BASIC = 'client_secret_basic',
  /** The client id and secret in the form body. */
  CLIENT_SECRET_POST = 'client_secret_post',
}

/** Options for `UpstreamAuth.sigV4()`. */
export interface SigV4AuthOptions {
  /**
   * The signing name of the service behind the upstream URL.
   * @default 'bedrock-agentcore'
   */
  readonly service?: string;
  /**
   * The region to sign for.
   * @default - the runtime's region (AWS_REGION)
   */
  readonly region?: string;
  /**
   * IAM statements the upstream needs (for example `execute-api:Invoke` on an API), added to the execution role.
   * `Upstream.agentCoreGateway()` and `Upstream.agentCoreRuntime()` add their own; a plain URL has none by default.
   * @default - none
   */
  readonly policyStatements?: iam.PolicyStatement[];
}

/** Where the OAuth2 authorization server is described: a discovery document, or its metadata. */
export interface OAuth2ServerOptions {
  /**
   * The OpenID Connect discovery document URL; must end with `/.well-known/openid-configuration` (CloudFormation
   * refuses RFC 8414 `/.well-known/oauth-authorization-server` URLs: give such a server's metadata instead).
   * @default - use `issuer`, `authorizationEndpoint` and `tokenEndpoint`
   */
  readonly discoveryUrl?: string;
  /**
   * The authorization server's issuer (with `authorizationEndpoint` and `tokenEndpoint`, instead of `discoveryUrl`).
   * @default - from the discovery document
   */
  readonly issuer?: string;
  /**
   * The authorization endpoint (with `issuer` and `tokenEndpoint`).
   * @default - from the discovery document
   */
  readonly authorizationEndpoint?: string;
  /**
   * The token endpoint (with `issuer` and `authorizationEndpoint`).
   * @default - from the discovery document
   */
  readonly tokenEndpoint?: string;
}

/** Options for `UpstreamAuth.oauth2()`: a new AgentCore Identity OAuth2 credential provider (machine-to-machine). */
export interface OAuth2AuthOptions extends OAuth2ServerOptions {
  /** The OAuth2 client id registered with the authorization server. */
  readonly clientId: string;
  /**
   * Your Secrets Manager secret that holds the client secret, as a JSON object. AgentCore Identity reads it by
   * reference (`ClientSecretSource: EXTERNAL`): the value never appears in the template.
   */
  readonly clientSecret: secretsmanager.ISecret;
  /**
   * The key of the client secret inside the secret's JSON.
   * @default 'clientSecret'
   */
  readonly clientSecretJsonKey?: string;
  /**
   * Scopes requested with each token.
   * @default - none
   */
  readonly scopes?: string[];
  /**
   * The credential provider's name (unique in the account and region; letters, digits, `-` and `_`).
   * @default - derived from the construct path and the upstream name
   */
  readonly providerName?: string;
}

/** Options for `UpstreamAuth.oauth2FromProvider()`. */
export interface OAuth2ProviderAuthOptions {
  /**
   * Scopes requested with each token.
   * @default - none
   */
  readonly scopes?: string[];
  /**
   * The ARN of the provider's backing Secrets Manager secret (the proxy needs to read it through AgentCore Identity).
   * @default - the provider's `clientSecretArn`; required if the provider does not know it
   */
  readonly clientSecretArn?: string;
}

/** Options for `UpstreamAuth.apiKey()`: a new AgentCore Identity API key credential provider. */
export interface ApiKeyAuthOptions {
  /**
   * Your Secrets Manager secret that holds the API key, as a JSON object. AgentCore Identity reads it by reference
   * (`ApiKeySecretSource: EXTERNAL`): the value never appears in the template.
   */
  readonly apiKey: secretsmanager.ISecret;
  /**
   * The key of the API key inside the secret's JSON.
   * @default 'apiKey'
   */
  readonly apiKeyJsonKey?: string;
  /**
   * The request header that carries the key.
   * @default 'x-api-key'
   */
  readonly headerName?: string;
  /**
   * Text put before the key in the header, e.g. `Bearer `.
   * @default - none
   */
  readonly valuePrefix?: string;
  /**
   * The credential provider's name (unique in the account and region; letters, digits, `-` and `_`).
   * @default - derived from the construct path and the upstream name
   */
  readonly providerName?: string;
}

/** Options for `UpstreamAuth.apiKeyFromProvider()`. */
export interface ApiKeyProviderAuthOptions {
  /**
   * The request header that carries the key.
   * @default 'x-api-key'
   */
  readonly headerName?: string;
  /**
   * Text put before the key in the header, e.g. `Bearer `.
   * @default - none
   */
  readonly valuePrefix?: string;
  /**
   * The ARN of the provider's backing Secrets Manager secret.
   * @default - the provider's `apiKeySecretArn`; required if the provider does not know it
   */
  readonly apiKeySecretArn?: string;
}

/** Options for `UpstreamAuth.clientCredentials()`: plain OAuth2 client credentials against a token endpoint. */
export interface ClientCredentialsAuthOptions {
  /** The token endpoint (https). */
  readonly tokenUrl: string;
  /** The OAuth2 client id. */
  readonly clientId: string;
  /** The Secrets Manager secret holding the client secret (read by the proxy at the first token request). */
  readonly clientSecret: secretsmanager.ISecret;
  /**
   * The key of the client secret inside the secret's JSON.
   * @default - the whole secret string is the client secret
   */
  readonly clientSecretJsonKey?: string;
  /**
   * Scopes requested with each token.
   * @default - none
   */
  readonly scopes?: string[];
  /**
   * Sent as the `audience` form parameter (Auth0, Okta and others).
   * @default - not sent
   */
  readonly audience?: string;
  /**
   * How the client authenticates to the token endpoint.
   * @default ClientAuthMethod.CLIENT_SECRET_BASIC
   */
  readonly clientAuthMethod?: ClientAuthMethod;
}

/**
 * The result of binding an UpstreamAuth to an upstream.
 * @internal
 */
export interface UpstreamAuthBinding {
  readonly config: UpstreamAuthConfig;
  /** One line for the compliance report. */
  readonly description: string;
}

/**
 * How the proxy authenticates to one upstream. The caller's own token is never forwarded upstream:
 * every variant replaces any inbound credential.
 */
export abstract class UpstreamAuth {
  /** No credentials (an upstream on a private network, or one that needs none). */
  public static none(): UpstreamAuth {
    return new NoAuth();
  }

  /** AWS SigV4 with the runtime's execution role (AgentCore Gateway with IAM auth, AgentCore Runtime, API Gateway...). */
  public static sigV4(options: SigV4AuthOptions = {}): UpstreamAuth {
    return new SigV4Auth(options);
  }

  /**
   * OAuth2 client credentials through a new AgentCore Identity OAuth2 credential provider
   * (`AWS::BedrockAgentCore::OAuth2CredentialProvider`, custom vendor). The proxy gets tokens with
   * `GetResourceOauth2Token`; the client secret stays in your Secrets Manager secret.
   */
  public static oauth2(options: OAuth2AuthOptions): UpstreamAuth {
    return new NewOAuth2Auth(options);
  }

  /** OAuth2 client credentials through an existing AgentCore Identity OAuth2 credential provider. */
  public static oauth2FromProvider(provider: agentcore.IOAuth2CredentialProvider, options: OAuth2ProviderAuthOptions = {}): UpstreamAuth {
    return new ExistingOAuth2Auth(provider, options);
  }

  /**
   * An API key through a new AgentCore Identity API key credential provider
   * (`AWS::BedrockAgentCore::ApiKeyCredentialProvider`). The key stays in your Secrets Manager secret.
   */
  public static apiKey(options: ApiKeyAuthOptions): UpstreamAuth {
    return new NewApiKeyAuth(options);
  }

  /** An API key through an existing AgentCore Identity API key credential provider. */
  public static apiKeyFromProvider(provider: agentcore.IApiKeyCredentialProvider, options: ApiKeyProviderAuthOptions = {}): UpstreamAuth {
    return new ExistingApiKeyAuth(provider, options);
  }

  /** Plain OAuth2 client credentials: the proxy reads the client secret from Secrets Manager and calls the token endpoint itself. */
  public static clientCredentials(options: ClientCredentialsAuthOptions): UpstreamAuth {
    return new ClientCredentialsAuth(options);
  }

  /** The kind of credentials. */
  public abstract readonly type: UpstreamAuthType;

  /**
   * Creates what the auth needs, grants the execution role exactly that, and renders the config.
   * @internal
   */
  public abstract _bind(upstreamName: string, prop: string, ctx: ProxyBindContext): UpstreamAuthBinding;
}

class NoAuth extends UpstreamAuth {
  public readonly type = UpstreamAuthType.NONE;
  public _bind(): UpstreamAuthBinding {
    return { config: { type: 'none' }, description: 'none' };
  }
}

class SigV4Auth extends UpstreamAuth {
  public readonly type = UpstreamAuthType.SIGV4;
  constructor(private readonly options: SigV4AuthOptions) {
    super();
  }
  public _bind(_upstreamName: string, prop: string, ctx: ProxyBindContext): UpstreamAuthBinding {
    const service = this.options.service ?? 'bedrock-agentcore';
    ctx.problems.pattern(`${prop}.service`, service, /^[a-z0-9-]{1,64}$/, 'Use an AWS signing name such as bedrock-agentcore or execute-api.');
    ctx.problems.pattern(`${prop}.region`, this.options.region, /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, 'Use an AWS region name such as us-east-1.');
    // The user's own statements, added as given (their wildcards are theirs to acknowledge).
    (this.options.policyStatements ?? []).forEach((statement) => ctx.addUserStatement(statement));
    return {
      config: { type: 'sigv4', service, ...(this.options.region ? { region: this.options.region } : {}) },
      description: `AWS SigV4 (${service}) with the execution role`,
    };
  }
}

class NewOAuth2Auth extends UpstreamAuth {
  public readonly type = UpstreamAuthType.AGENTCORE_OAUTH2;
  constructor(private readonly options: OAuth2AuthOptions) {
    super();
  }
  public _bind(upstreamName: string, prop: string, ctx: ProxyBindContext): UpstreamAuthBinding {
    const o = this.options;
    const providerName = o.providerName ?? providerNameFor(ctx, upstreamName);
    ctx.problems.pattern(`${prop}.providerName`, providerName, /^[A-Za-z0-9_-]{1,128}$/, 'Use 1-128 letters, digits, - and _.');
    const hasMetadata = o.issuer !== undefined || o.authorizationEndpoint !== undefined || o.tokenEndpoint !== undefined;
    if (o.discoveryUrl !== undefined && hasMetadata) {
      ctx.problems.add(prop, 'sets both discoveryUrl and authorization server metadata', undefined, 'Set either discoveryUrl, or issuer + authorizationEndpoint + tokenEndpoint.');
    } else if (o.discoveryUrl === undefined && !(o.issuer && o.authorizationEndpoint && o.tokenEndpoint)) {
      ctx.problems.add(prop, 'needs the authorization server', undefined, 'Set discoveryUrl, or all of issuer, authorizationEndpoint and tokenEndpoint.');
    }
    // The CloudFormation schema of OAuth2CredentialProvider takes only `^.+/\.well-known/openid-configuration$` (checked
    // with the resource schema bundled in aws-cdk-lib's @aws/cloudformation-validate); RFC 8414 metadata URLs fail at deploy.
    if (o.discoveryUrl !== undefined && !Token.isUnresolved(o.discoveryUrl) && !/^https:\/\/\S+\/\.well-known\/openid-configuration$/.test(o.discoveryUrl)) {
      ctx.problems.add(`${prop}.discoveryUrl`, 'must be an https URL ending with /.well-known/openid-configuration (CloudFormation refuses any other, including .../oauth-authorization-server)', o.discoveryUrl,
        'Use the OpenID discovery URL, or, for a server with only RFC 8414 metadata, set issuer, authorizationEndpoint and tokenEndpoint instead of discoveryUrl.');
    }
    const jsonKey = o.clientSecretJsonKey ?? 'clientSecret';

    const provider = new agentcore.OAuth2CredentialProvider(ctx.scope, `${upstreamName}OAuth2Provider`, {
      oAuth2CredentialProviderName: providerName,
      credentialProviderVendor: agentcore.OAuth2CredentialProviderVendor.CUSTOM.value,
      oauth2ProviderConfigInput: {
        customOauth2ProviderConfig: {
          clientId: o.clientId,
          // The client secret stays in the user's secret: AgentCore Identity reads it by reference.
          clientSecretSource: 'EXTERNAL',
          clientSecretConfig: { secretId: o.clientSecret.secretArn, jsonKey },
          oauthDiscovery: o.discoveryUrl !== undefined
            ? { discoveryUrl: o.discoveryUrl }
            : { authorizationServerMetadata: { issuer: o.issuer!, authorizationEndpoint: o.authorizationEndpoint!, tokenEndpoint: o.tokenEndpoint! } },
        },
      },
    });
    grantProviderUse(ctx, upstreamName, 'OAuth2', perms.OAUTH2_TOKEN_ACTIONS, provider.credentialProviderArn, 'oauth2credentialprovider');
    grantSecretRead(ctx, sid('Upstream', upstreamName, 'ProviderSecret'), o.clientSecret);
    return {
      config: { type: 'agentcore-oauth2', providerName, scopes: o.scopes ?? [], workloadName: ctx.useWorkloadIdentity() },
      description: `OAuth2 client credentials via AgentCore Identity provider "${show(providerName)}" (client secret in ${show(o.clientSecret.secretName)})`,
    };
  }
}

class ExistingOAuth2Auth extends UpstreamAuth {
  public readonly type = UpstreamAuthType.AGENTCORE_OAUTH2;
  constructor(private readonly provider: agentcore.IOAuth2CredentialProvider, private readonly options: OAuth2ProviderAuthOptions) {
    super();
  }
  public _bind(upstreamName: string, prop: string, ctx: ProxyBindContext): UpstreamAuthBinding {
    const providerName = this.provider instanceof agentcore.OAuth2CredentialProvider
      ? this.provider.oAuth2CredentialProviderName
      : nameFromProviderArn(this.provider.credentialProviderArn);
    const secretArn = this.options.clientSecretArn ?? this.provider.clientSecretArn;
    grantProviderUse(ctx, upstreamName, 'OAuth2', perms.OAUTH2_TOKEN_ACTIONS, this.provider.credentialProviderArn, 'oauth2credentialprovider');
    if (!secretArn) {
      ctx.problems.add(`${prop}.clientSecretArn`, 'is unknown for this imported provider', undefined, 'Pass options.clientSecretArn (the provider\'s backing secret) to UpstreamAuth.oauth2FromProvider().');
    } else {
      ctx.addStatement(sid('Upstream', upstreamName, 'ProviderSecret'), { actions: perms.SECRET_READ_ACTIONS, resources: [secretArn] });
    }
    return {
      config: { type: 'agentcore-oauth2', providerName, scopes: this.options.scopes ?? [], workloadName: ctx.useWorkloadIdentity() },
      description: `OAuth2 client credentials via existing AgentCore Identity provider "${show(providerName)}"`,
    };
  }
}

class NewApiKeyAuth extends UpstreamAuth {
  public readonly type = UpstreamAuthType.AGENTCORE_API_KEY;
  constructor(private readonly options: ApiKeyAuthOptions) {
    super();
  }
  public _bind(upstreamName: string, prop: string, ctx: ProxyBindContext): UpstreamAuthBinding {
    const o = this.options;
    const providerName = o.providerName ?? providerNameFor(ctx, upstreamName);
    ctx.problems.pattern(`${prop}.providerName`, providerName, /^[A-Za-z0-9_-]{1,128}$/, 'Use 1-128 letters, digits, - and _.');
    validateHeader(ctx, prop, o.headerName, o.valuePrefix);
    const provider = new agentcore.CfnApiKeyCredentialProvider(ctx.scope, `${upstreamName}ApiKeyProvider`, {
      name: providerName,
      // The key stays in the user's secret: AgentCore Identity reads it by reference.
      apiKeySecretSource: 'EXTERNAL',
      apiKeySecretConfig: { secretId: o.apiKey.secretArn, jsonKey: o.apiKeyJsonKey ?? 'apiKey' },
    });
    grantProviderUse(ctx, upstreamName, 'ApiKey', perms.API_KEY_ACTIONS, provider.attrCredentialProviderArn, 'apikeycredentialprovider');
    grantSecretRead(ctx, sid('Upstream', upstreamName, 'ProviderSecret'), o.apiKey);
    return {
      config: apiKeyConfig(providerName, o.headerName, o.valuePrefix, ctx.useWorkloadIdentity()),
      description: `API key via AgentCore Identity provider "${show(providerName)}" in header ${o.headerName ?? 'x-api-key'} (key in ${show(o.apiKey.secretName)})`,
    };
  }
}

class ExistingApiKeyAuth extends UpstreamAuth {
  public readonly type = UpstreamAuthType.AGENTCORE_API_KEY;
  constructor(private readonly provider: agentcore.IApiKeyCredentialProvider, private readonly options: ApiKeyProviderAuthOptions) {
    super();
  }
  public _bind(upstreamName: string, prop: string, ctx: ProxyBindContext): UpstreamAuthBinding {
    const providerName = this.provider instanceof agentcore.ApiKeyCredentialProvider
      ? this.provider.apiKeyCredentialProviderName
      : nameFromProviderArn(this.provider.credentialProviderArn);
    validateHeader(ctx, prop, this.options.headerName, this.options.valuePrefix);
    grantProviderUse(ctx, upstreamName, 'ApiKey', perms.API_KEY_ACTIONS, this.provider.credentialProviderArn, 'apikeycredentialprovider');
    const secretArn = this.options.apiKeySecretArn ?? this.provider.apiKeySecretArn;
    if (!secretArn) {
      ctx.problems.add(`${prop}.apiKeySecretArn`, 'is unknown for this imported provider', undefined, 'Pass options.apiKeySecretArn (the provider\'s backing secret) to UpstreamAuth.apiKeyFromProvider().');
    } else {
      ctx.addStatement(sid('Upstream', upstreamName, 'ProviderSecret'), { actions: perms.SECRET_READ_ACTIONS, resources: [secretArn] });
    }
    return {
      config: apiKeyConfig(providerName, this.options.headerName, this.options.valuePrefix, ctx.useWorkloadIdentity()),
      description: `API key via existing AgentCore Identity provider "${show(providerName)}"`,
    };
  }
}

class ClientCredentialsAuth extends UpstreamAuth {
  public readonly type = UpstreamAuthType.OAUTH2_CLIENT_CREDENTIALS;
  constructor(private readonly options: ClientCredentialsAuthOptions) {
    super();
  }
  public _bind(upstreamName: string, prop: string, ctx: ProxyBindContext): UpstreamAuthBinding {
    const o = this.options;
    if (!Token.isUnresolved(o.tokenUrl) && !/^https:\/\/\S+$/.test(o.tokenUrl)) {
      ctx.problems.add(`${prop}.tokenUrl`, 'must be an https URL (the client secret is sent to it)', o.tokenUrl, 'Use the authorization server\'s https token endpoint.');
    }
    if (!Token.isUnresolved(o.clientId) && o.clientId.length === 0) ctx.problems.add(`${prop}.clientId`, 'must not be empty', o.clientId, 'Set the OAuth2 client id.');
    grantSecretRead(ctx, sid('Upstream', upstreamName, 'ClientSecret'), o.clientSecret);
    return {
      config: {
        type: 'oauth2-client-credentials',
        tokenUrl: o.tokenUrl,
        clientId: o.clientId,
        clientSecretArn: o.clientSecret.secretArn,
        ...(o.clientSecretJsonKey ? { clientSecretJsonKey: o.clientSecretJsonKey } : {}),
        scopes: o.scopes ?? [],
        ...(o.audience ? { audience: o.audience } : {}),
        clientAuthMethod: o.clientAuthMethod ?? ClientAuthMethod.CLIENT_SECRET_BASIC,
      },
      description: `OAuth2 client credentials against ${show(o.tokenUrl)} as client ${show(o.clientId)} (secret in ${show(o.clientSecret.secretName)})`,
    };
  }
}

function apiKeyConfig(providerName: string, headerName: string | undefined, valuePrefix: string | undefined, workloadName: string): UpstreamAuthConfig {
  return {
    type: 'agentcore-api-key',
    providerName,
    headerName: headerName ?? 'x-api-key',
    ...(valuePrefix ? { valuePrefix } : {}),
    workloadName,
  };
}

function validateHeader(ctx: ProxyBindContext, prop: string, headerName?: string, valuePrefix?: string): void {
  ctx.problems.pattern(`${prop}.headerName`, headerName, /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/, 'Use a valid HTTP header name such as x-api-key.');
  if (headerName && ['host', 'content-length', 'content-type', 'transfer-encoding', 'connection', 'authorization-internal'].includes(headerName.toLowerCase())) {
    ctx.problems.add(`${prop}.headerName`, 'is a header the transport manages', headerName, 'Use another header, such as x-api-key or Authorization.');
  }
  ctx.problems.pattern(`${prop}.valuePrefix`, valuePrefix, /^[\x20-\x7e]{0,64}$/, 'Use at most 64 printable ASCII characters, e.g. "Bearer ".');
}

/**
 * Grants the token-vault call for one credential provider: on the provider, the token vault, and the workload
 * identities whose tokens the proxy presents (the runtime-managed one and the proxy's own).
 */
function grantProviderUse(ctx: ProxyBindContext, upstreamName: string, kind: string, actions: string[], providerArn: string, collection: string): void {
  const stack = Stack.of(ctx.scope);
  const vault = stack.formatArn({ service: 'bedrock-agentcore', resource: 'token-vault', resourceName: 'default', arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
  ctx.useWorkloadIdentity();
  ctx.addStatement(sid('Upstream', upstreamName, kind, 'Credentials'), {
    actions,
    resources: [providerArn, vault, `${vault}/${collection}`, ...ctx.workloadIdentityArns()],
  }, WORKLOAD_IDENTITY_WILDCARD_REASON);
}


function providerNameFor(ctx: ProxyBindContext, upstreamName: string): string {
  const suffix = `-${upstreamName}`;
  return `${ctx.physicalNameBase.slice(0, 128 - suffix.length)}${suffix}`;
}

/** `arn:...:token-vault/default/oauth2credentialprovider/<name>` -> `<name>` (a token when the ARN is one). */
function nameFromProviderArn(arn: string): string {
  if (!Token.isUnresolved(arn)) return arn.split('/').pop() ?? arn;
  return Fn.select(3, Fn.split('/', arn));
}

function show(value: string): string {
  return Token.isUnresolved(value) ? '(resolved at deploy time)' : value;
}
