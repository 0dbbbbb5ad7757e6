import { createHash } from 'node:crypto';
import { Aws, Duration, Fn, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as agentcore from 'aws-cdk-lib/aws-bedrockagentcore';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { CognitoClient, CognitoClientKind, type BoundCognitoClient } from './cognito-client';
import type { IdentityConfig } from './config/contract';
import type { ProxyBindContext } from './private/bind-context';

/** Options for `InboundAuth.cognito()`: a new Cognito user pool that issues callers' tokens. */
export interface CognitoInboundAuthOptions {
  /**
   * The resource server identifier; scopes appear in tokens as `<identifier>/<scope>`.
   * @default 'mcp-governance-proxy'
   */
  readonly resourceServerIdentifier?: string;
  /**
   * The resource server's scopes (use them in access rules with `scopes`).
   * @default ['invoke']
   */
  readonly scopes?: string[];
  /**
   * User pool groups to create for people (use them in access rules with `groups`). Only tokens of users signed in
   * through a `CognitoClient.human()` client carry them (`cognito:groups`); client-credentials tokens never do.
   * Add users to groups with `aws cognito-idp admin-add-user-to-group`.
   * @default - none
   */
  readonly groups?: string[];
  /**
   * The app clients: one per agent (`CognitoClient.machine()`, client credentials) or per MCP client that signs
   * people in (`CognitoClient.human()`, authorization code + PKCE), each with its own scopes. Names must be unique.
   * @default - one machine client named `machine` holding every scope
   */
  readonly clients?: CognitoClient[];
  /**
   * The Cognito hosted domain prefix (globally unique per region) for the token endpoint.
   * @default - `mcp-proxy-` followed by 8 characters of the stack's id (unique per deployment)
   */
  readonly domainPrefix?: string;
  /**
   * Lifetime of access tokens, for clients that do not set their own.
   * @default Duration.hours(1)
   */
  readonly accessTokenValidity?: Duration;
  /**
   * What happens to the user pool when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Options for `InboundAuth.cognitoUserPool()`: a user pool you already have. */
export interface ExistingCognitoInboundAuthOptions {
  /**
   * Scopes of which the runtime's JWT authorizer requires one.
   * @default - no scope requirement
   */
  readonly allowedScopes?: string[];
}

/** How the runtime authenticates callers. */
export enum InboundAuthMode {
  /** A JWT authorizer (Cognito or OIDC); the proxy verifies the token too and sees the caller's claims. */
  JWT = 'jwt',
  /** AWS IAM (SigV4); the proxy does not see who the caller is. */
  IAM = 'iam',
}

/** Signature algorithms accepted for inbound JWTs. */
export enum JwtAlgorithm {
  RS256 = 'RS256', RS384 = 'RS384', RS512 = 'RS512',
  PS256 = 'PS256', PS384 = 'PS384', PS512 = 'PS512',
  ES256 = 'ES256', ES384 = 'ES384', ES512 = 'ES512',
  EDDSA = 'EdDSA',
}

/** Which tokens the proxy accepts from callers. */
export enum JwtTokenType {
  /**
   * Access tokens only: a token that says it is another type is refused (`token_use` other than `access`, a `typ`
   * header other than `JWT` or `at+jwt`, a `typ` claim other than `Bearer`, the ID-token claims `nonce`, `at_hash`, `c_hash`).
   */
  ACCESS = 'access',
  /** Access tokens with the RFC 9068 header `typ: at+jwt` only (for issuers that set it). */
  AT_JWT = 'at+jwt',
  /** Any token of the issuer, ID tokens included: a relaxation, for callers that cannot obtain access tokens. */
  ANY = 'any',
}

/** Options for `InboundAuth.oidc()`: an existing OIDC issuer (Okta, Entra ID, Auth0, Keycloak...). */
export interface OidcInboundAuthOptions {
  /** The issuer's discovery URL; must end with `/.well-known/openid-configuration`. */
  readonly discoveryUrl: string;
  /**
   * The `iss` value of tokens.
   * @default - the discovery URL without `/.well-known/openid-configuration`
   */
  readonly issuer?: string;
  /**
   * The JWKS URL the proxy verifies signatures with.
   * @default - taken from the discovery document at start-up
   */
  readonly jwksUri?: string;
  /**
   * Accepted `aud` values. Set this, `allowedClients`, or both (then a token must satisfy both).
   * @default - none
   */
  readonly allowedAudiences?: string[];
  /**
   * Accepted `client_id` values. Set this, `allowedAudiences`, or both (then a token must satisfy both).
   * @default - none
   */
  readonly allowedClients?: string[];
  /**
   * Which tokens the proxy accepts. `JwtTokenType.ANY` is a relaxation that also accepts ID tokens.
   * @default JwtTokenType.ACCESS
   */
  readonly tokenType?: JwtTokenType;
  /**
   * Scopes of which the runtime's JWT authorizer requires one.
   * @default - no scope requirement
   */
  readonly allowedScopes?: string[];
  /**
   * The claim that lists the caller's groups.
   * @default 'groups'
   */
  readonly groupsClaim?: string;
  /**
   * How a groups claim that is a string (not an array) is split into groups, e.g. `','`.
   * @default - no separator: a string groups claim is one group
   */
  readonly groupsSeparator?: string;
  /**
   * The claim that lists the caller's scopes (space-separated string or array).
   * @default 'scope'
   */
  readonly scopesClaim?: string;
  /**
   * Further claims copied onto the caller's principal, for raw Cedar conditions.
   * @default - none
   */
  readonly claims?: string[];
  /**
   * Accepted signature algorithms.
   * @default [JwtAlgorithm.RS256]
   */
  readonly algorithms?: JwtAlgorithm[];
}

/**
 * The result of binding an InboundAuth.
 * @internal
 */
export interface InboundAuthBinding {
  readonly authorizer?: agentcore.RuntimeAuthorizerConfiguration;
  readonly identity: IdentityConfig;
  /** Headers the runtime must let through to the container. */
  readonly headers: string[];
  readonly userPool?: cognito.IUserPool;
  readonly userPoolClient?: cognito.IUserPoolClient;
  readonly tokenEndpoint?: string;
  /** The OAuth2 authorization endpoint people sign in at (Cognito with a human client). */
  readonly authorizationEndpoint?: string;
  /** The app clients created (Cognito), by name. */
  readonly clients?: BoundCognitoClient[];
  /** Lines for the compliance report. */
  readonly description: string;
  /** What tokens can carry, for the synth-time rule checks (lib/private/rule-checks.ts). */
  readonly callerFacts: CallerFacts;
}

/**
 * What the configured identity can put on a caller, as far as the construct knows. `undefined` lists mean "not known
 * at synth" (an external issuer): nothing is checked against them.
 * @internal
 */
export interface CallerFacts {
  readonly mode: 'jwt' | 'iam';
  /** Groups a caller can carry ([] = never); with the reason, shown in warnings. */
  readonly groups?: string[];
  readonly groupsReason?: string;
  /** Full scope values a caller can carry. */
  readonly scopes?: string[];
  /** Scopes look like `<resource server>/<scope>` (Cognito): a bare name in a rule is a mistake. */
  readonly scopesNeedPrefix?: boolean;
  /** The resource server identifier (Cognito), for the fix text. */
  readonly resourceServer?: string;
}

/** Who may call the proxy, and how the runtime and the proxy verify it. */
export abstract class InboundAuth {
  /**
   * A new Cognito user pool (default): a resource server with scopes, optional groups, and app clients (by default one
   * machine client with client credentials; see `clients` for per-agent clients and for people signing in with
   * authorization code + PKCE), wired as the runtime's JWT authorizer and as the proxy's identity source.
   */
  public static cognito(options: CognitoInboundAuthOptions = {}): InboundAuth {
    return new CognitoAuth(options);
  }

  /** A Cognito user pool you already have, accepting tokens issued to the given app clients. */
  public static cognitoUserPool(userPool: cognito.IUserPool, clients: cognito.IUserPoolClient[], options: ExistingCognitoInboundAuthOptions = {}): InboundAuth {
    return new ExistingCognitoAuth(userPool, clients, options);
  }

  /** An existing OIDC issuer. */
  public static oidc(options: OidcInboundAuthOptions): InboundAuth {
    return new OidcAuth(options);
  }

  /**
   * AWS IAM (SigV4): callers need `bedrock-agentcore:InvokeAgentRuntime` (see `McpGovernanceProxy.grantInvoke`).
   * The container does not see who the caller is, so access rules can only distinguish callers by JWT claims
   * under JWT auth; under IAM auth every caller is the same principal.
   */
  public static iam(): InboundAuth {
    return new IamAuth();
  }

  /** JWT or IAM. */
  public abstract readonly mode: InboundAuthMode;

  /** @internal */
  public abstract _bind(prop: string, ctx: ProxyBindContext): InboundAuthBinding;
}

const AUTHORIZATION_HEADER = 'Authorization';

/** The `iss` of a user pool's tokens: `https://cognito-idp.<region>.<suffix>/<userPoolId>`. */
function cognitoIssuer(userPool: cognito.IUserPool): string {
  const stack = Stack.of(userPool);
  return `https://cognito-idp.${userPool.env.region}.${stack.urlSuffix}/${userPool.userPoolId}`;
}

class CognitoAuth extends InboundAuth {
  public readonly mode = InboundAuthMode.JWT;
  constructor(private readonly options: CognitoInboundAuthOptions) {
    super();
  }
  public _bind(prop: string, ctx: ProxyBindContext): InboundAuthBinding {
    const o = this.options;
    const identifier = o.resourceServerIdentifier ?? 'mcp-governance-proxy';
    const scopeNames = o.scopes ?? ['invoke'];
    ctx.problems.pattern(`${prop}.resourceServerIdentifier`, identifier, /^[\x21\x23-\x5B\x5D-\x7E]{1,256}$/, 'Use 1-256 printable characters without quotes or backslashes.');
    if (scopeNames.length === 0) ctx.problems.add(`${prop}.scopes`, 'must name at least one scope', scopeNames, 'Name a scope such as "invoke".');
    scopeNames.forEach((s, i) => ctx.problems.pattern(`${prop}.scopes[${i}]`, s, /^[\x21\x23-\x2E\x30-\x5B\x5D-\x7E]{1,256}$/, 'Use printable characters without quotes, slashes or backslashes.'));
    (o.groups ?? []).forEach((g, i) => ctx.problems.pattern(`${prop}.groups[${i}]`, g, /^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u, 'Use at most 128 characters without spaces.'));
    ctx.problems.pattern(`${prop}.domainPrefix`, o.domainPrefix, /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'Use lowercase letters, digits and hyphens (not at either end).');
    if (o.domainPrefix && /aws|amazon|cognito/.test(o.domainPrefix)) {
      ctx.problems.add(`${prop}.domainPrefix`, 'must not contain "aws", "amazon" or "cognito"', o.domainPrefix, 'Choose another prefix.');
    }

    const removalPolicy = o.removalPolicy ?? RemovalPolicy.RETAIN;
    const userPool = new cognito.UserPool(ctx.scope, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: { minLength: 14, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true, tempPasswordValidity: Duration.days(3) },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });
    Validations.of(userPool).acknowledge({
      id: 'AwsSolutions-COG8',
      reason: 'Threat protection (advanced security) needs the Cognito Plus feature plan, billed per user; machine callers use client credentials, which it does not cover. Add it on the exposed userPool if human users sign in.',
    });
    const scopes = scopeNames.map((name) => new cognito.ResourceServerScope({ scopeName: name, scopeDescription: `MCP governance proxy: ${name}` }));
    const resourceServer = userPool.addResourceServer('ResourceServer', { identifier, scopes });
    (o.groups ?? []).forEach((groupName) => new cognito.UserPoolGroup(ctx.scope, `Group-${groupName.replace(/\//g, '_')}`, { userPool, groupName, description: `MCP governance proxy callers: ${groupName}` }));
    // Unique per construct and per deployment: two proxies in one stack never collide (the stack id alone did).
    const domainPrefix = o.domainPrefix ?? defaultDomainPrefix(ctx.physicalNameBase);
    const domain = userPool.addDomain('Domain', { cognitoDomain: { domainPrefix } });

    // Without `clients`, the single machine client keeps its construct id (MachineClient): same logical id as before.
    const specs = o.clients ?? [CognitoClient.machine({ name: 'machine' })];
    if (o.clients && o.clients.length === 0) ctx.problems.add(`${prop}.clients`, 'is empty: nobody could get a token', [], 'Add a CognitoClient.machine() or CognitoClient.human(), or omit clients.');
    const clientCtx = { userPool, resourceServer, identifier, scopeNames, scopeObjects: scopes, accessTokenValidity: o.accessTokenValidity };
    const seen = new Set<string>();
    const bound: BoundCognitoClient[] = specs.flatMap((c, i) => {
      if (seen.has(c.name)) {
        ctx.problems.add(`${prop}.clients[${i}].name`, 'is used by another client', c.name, 'Give each client a unique name.');
        return [];
      }
      seen.add(c.name);
      const constructId = o.clients ? `Client-${c.name}` : 'MachineClient';
      return [c._bind(constructId, `${prop}.clients[${i}]`, ctx.problems, clientCtx)];
    });
    const humans = bound.filter((b) => b.kind === CognitoClientKind.HUMAN);
    const issuer = cognitoIssuer(userPool);
    const firstMachine = bound.find((b) => b.kind === CognitoClientKind.MACHINE);
    const clientLines = bound.map((b) => `${b.name} (${b.kind === CognitoClientKind.HUMAN ? 'people: authorization code + PKCE' : 'machine: client credentials'}; scopes ${b.scopes.join(' ')})`);
    return {
      authorizer: agentcore.RuntimeAuthorizerConfiguration.usingCognito(userPool, bound.map((b) => b.client)),
      identity: {
        mode: 'jwt',
        jwt: {
          issuer,
          jwksUri: `${issuer}/.well-known/jwks.json`,
          allowedClients: bound.map((b) => b.client.userPoolClientId),
          groupsClaim: 'cognito:groups',
          scopesClaim: 'scope',
        },
      },
      headers: [AUTHORIZATION_HEADER],
      userPool,
      userPoolClient: (firstMachine ?? bound[0])?.client,
      tokenEndpoint: `${domain.baseUrl()}/oauth2/token`,
      ...(humans.length ? { authorizationEndpoint: `${domain.baseUrl()}/oauth2/authorize` } : {}),
      clients: bound,
      description: `JWT from a new Cognito user pool; app clients: ${clientLines.join(', ')}${o.groups?.length ? `; groups for people: ${o.groups.join(', ')}` : ''}`,
      callerFacts: {
        mode: 'jwt',
        groups: humans.length ? [...(o.groups ?? [])] : [],
        groupsReason: humans.length
          ? 'inboundAuth.groups creates the only groups of the new user pool'
          : 'inboundAuth.clients has only machine (client credentials) clients, whose tokens never carry cognito:groups',
        scopes: [...new Set(bound.flatMap((b) => b.scopes))],
        scopesNeedPrefix: true,
        resourceServer: identifier,
      },
    };
  }
}

/**
 * `mcp-proxy-<8 hex of the construct's unique name>-<8 characters of the stack id>`: distinct for two proxies in one
 * stack (different construct paths) and for the same app deployed twice (different stack ids).
 */
function defaultDomainPrefix(physicalNameBase: string): string {
  const perConstruct = createHash('sha256').update(physicalNameBase).digest('hex').slice(0, 8);
  return Fn.join('-', ['mcp-proxy', perConstruct, Fn.select(0, Fn.split('-', Fn.select(2, Fn.split('/', Aws.STACK_ID))))]);
}

class ExistingCognitoAuth extends InboundAuth {
  public readonly mode = InboundAuthMode.JWT;
  constructor(private readonly userPool: cognito.IUserPool, private readonly clients: cognito.IUserPoolClient[], private readonly options: ExistingCognitoInboundAuthOptions) {
    super();
  }
  public _bind(prop: string, ctx: ProxyBindContext): InboundAuthBinding {
    if (this.clients.length === 0) ctx.problems.add(`${prop}.clients`, 'must name at least one app client', [], 'Pass the app clients whose tokens the proxy accepts.');
    const issuer = cognitoIssuer(this.userPool);
    return {
      authorizer: agentcore.RuntimeAuthorizerConfiguration.usingCognito(this.userPool, this.clients, undefined, this.options.allowedScopes),
      identity: {
        mode: 'jwt',
        jwt: {
          issuer,
          jwksUri: `${issuer}/.well-known/jwks.json`,
          allowedClients: this.clients.map((c) => c.userPoolClientId),
          groupsClaim: 'cognito:groups',
          scopesClaim: 'scope',
        },
      },
      headers: [AUTHORIZATION_HEADER],
      userPool: this.userPool,
      description: `JWT from an existing Cognito user pool (${this.clients.length} app client${this.clients.length === 1 ? '' : 's'})`,
      // Groups and clients of a pool made elsewhere are unknown here; its resource server scopes always carry a prefix.
      callerFacts: { mode: 'jwt', scopesNeedPrefix: true },
    };
  }
}

const DISCOVERY_SUFFIX = '/.well-known/openid-configuration';

class OidcAuth extends InboundAuth {
  public readonly mode = InboundAuthMode.JWT;
  constructor(private readonly options: OidcInboundAuthOptions) {
    super();
  }
  public _bind(prop: string, ctx: ProxyBindContext): InboundAuthBinding {
    const o = this.options;
    const literal = !Token.isUnresolved(o.discoveryUrl);
    const validUrl = !literal || (o.discoveryUrl.startsWith('https://') && o.discoveryUrl.endsWith(DISCOVERY_SUFFIX));
    if (!validUrl) {
      ctx.problems.add(`${prop}.discoveryUrl`, `must be an https URL ending with ${DISCOVERY_SUFFIX}`, o.discoveryUrl, 'Use the issuer\'s OpenID Connect discovery URL.');
    }
    if (!o.allowedAudiences?.length && !o.allowedClients?.length) {
      ctx.problems.add(prop, 'accepts any audience and any client', undefined, 'Set allowedAudiences, allowedClients, or both.');
    }
    if (o.issuer === undefined && !literal) {
      ctx.problems.add(`${prop}.issuer`, 'cannot be derived from a discovery URL that is a token', undefined, 'Set issuer explicitly.');
    }
    const issuer = o.issuer ?? (literal ? o.discoveryUrl.slice(0, -DISCOVERY_SUFFIX.length) : '');
    if (o.issuer !== undefined && !Token.isUnresolved(o.issuer) && !/^https:\/\/\S+$/.test(o.issuer)) {
      ctx.problems.add(`${prop}.issuer`, 'must be an https URL', o.issuer, 'Use the exact iss value of the tokens.');
    }
    if (o.groupsSeparator !== undefined && !Token.isUnresolved(o.groupsSeparator) && (o.groupsSeparator.length < 1 || o.groupsSeparator.length > 8)) {
      ctx.problems.add(`${prop}.groupsSeparator`, 'must be 1 to 8 characters', o.groupsSeparator, 'Use the separator of the groups claim, such as "," or " ", or leave it unset (a string claim is one group).');
    }
    if (o.jwksUri !== undefined && !Token.isUnresolved(o.jwksUri) && !/^https:\/\/\S+$/.test(o.jwksUri)) {
      ctx.problems.add(`${prop}.jwksUri`, 'must be an https URL', o.jwksUri, 'Use the issuer\'s JWKS URL.');
    }
    return {
      // Only a valid URL reaches the L2 (it throws on its own, without naming our prop).
      authorizer: validUrl ? agentcore.RuntimeAuthorizerConfiguration.usingJWT(o.discoveryUrl, o.allowedClients, o.allowedAudiences, o.allowedScopes) : undefined,
      identity: {
        mode: 'jwt',
        jwt: {
          issuer,
          ...(o.jwksUri ? { jwksUri: o.jwksUri } : {}),
          audiences: o.allowedAudiences ?? [],
          allowedClients: o.allowedClients ?? [],
          ...(o.tokenType ? { tokenType: o.tokenType } : {}),
          ...(o.algorithms ? { algorithms: o.algorithms.map((a) => a.toString()) } : {}),
          groupsClaim: o.groupsClaim ?? 'groups',
          ...(o.groupsSeparator !== undefined ? { groupsSeparator: o.groupsSeparator } : {}),
          scopesClaim: o.scopesClaim ?? 'scope',
          ...(o.claims ? { claims: o.claims } : {}),
        },
      },
      headers: [AUTHORIZATION_HEADER],
      description: `JWT from the OIDC issuer ${literal ? issuer : '(resolved at deploy time)'}`,
      callerFacts: { mode: 'jwt' },
    };
  }
}

class IamAuth extends InboundAuth {
  public readonly mode = InboundAuthMode.IAM;
  public _bind(): InboundAuthBinding {
    return {
      identity: { mode: 'iam' },
      headers: [],
      description: 'AWS IAM (SigV4): callers need bedrock-agentcore:InvokeAgentRuntime; the proxy does not see individual callers',
      callerFacts: { mode: 'iam', groups: [], groupsReason: 'with InboundAuth.iam() the container does not see the caller', scopes: [] },
    };
  }
}
