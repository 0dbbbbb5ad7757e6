import { Duration, Token } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type { Problems } from './errors';

/** Who uses a Cognito app client, and so which OAuth2 flow it gets. */
export enum CognitoClientKind {
  /**
   * An agent or service: OAuth2 client credentials with a client secret. Its tokens carry scopes and `client_id`,
   * never `cognito:groups` (no user is involved), so group rules never match it.
   */
  MACHINE = 'machine',
  /**
   * A person signing in through an MCP client: OAuth2 authorization code with PKCE, a public client (no secret).
   * Its access tokens carry the user's `cognito:groups`, the granted scopes and `client_id`.
   */
  HUMAN = 'human',
}

/** Options of `CognitoClient.machine()`. */
export interface MachineCognitoClientOptions {
  /**
   * The client's name (letters, digits, `_`, `-`; unique among the clients): names the app client and its construct.
   */
  readonly name: string;
  /**
   * The resource server scopes this client may request (names as in `CognitoInboundAuthOptions.scopes`, without the
   * resource server prefix).
   * @default - every scope of the resource server
   */
  readonly scopes?: string[];
  /**
   * Lifetime of its access tokens.
   * @default - `CognitoInboundAuthOptions.accessTokenValidity`, else Duration.hours(1)
   */
  readonly accessTokenValidity?: Duration;
}

/** Options of `CognitoClient.human()`. */
export interface HumanCognitoClientOptions {
  /**
   * The client's name (letters, digits, `_`, `-`; unique among the clients): names the app client and its construct.
   */
  readonly name: string;
  /**
   * Where the authorization server may send the browser back with the code (the MCP client's redirect URIs).
   * https, or http only on `localhost` / `127.0.0.1` (Cognito's own rule), e.g. `http://localhost:33418/callback`.
   */
  readonly callbackUrls: string[];
  /**
   * Where users may be sent after signing out.
   * @default - none
   */
  readonly logoutUrls?: string[];
  /**
   * The resource server scopes this client may request (without the resource server prefix). `openid`, `email` and
   * `profile` are always allowed too.
   * @default - every scope of the resource server
   */
  readonly scopes?: string[];
  /**
   * Lifetime of its access tokens.
   * @default - `CognitoInboundAuthOptions.accessTokenValidity`, else Duration.hours(1)
   */
  readonly accessTokenValidity?: Duration;
  /**
   * Lifetime of its refresh tokens.
   * @default Duration.days(1)
   */
  readonly refreshTokenValidity?: Duration;
}

/** What one app client became. @internal */
export interface BoundCognitoClient {
  readonly name: string;
  readonly kind: CognitoClientKind;
  readonly client: cognito.UserPoolClient;
  /** Full scope values its tokens can carry (`<identifier>/<scope>`, plus `openid email profile` for people). */
  readonly scopes: string[];
}

/** OIDC scopes a human client may request besides the resource server's. */
export const HUMAN_OIDC_SCOPES = ['openid', 'email', 'profile'];

/**
 * An app client of the user pool `InboundAuth.cognito()` creates: one per agent or per MCP client, each with its own
 * scopes. Machine clients use client credentials; human clients sign a person in (authorization code + PKCE).
 */
export class CognitoClient {
  /** An app client for an agent or service (client credentials, with a generated client secret). */
  public static machine(options: MachineCognitoClientOptions): CognitoClient {
    const c = new CognitoClient(CognitoClientKind.MACHINE, options.name, options.scopes);
    c.tokenValidity = options.accessTokenValidity;
    return c;
  }

  /**
   * An app client for people signing in through an MCP client (authorization code with PKCE; public client, no
   * secret). Their tokens carry their user pool groups (`cognito:groups`), so group rules apply to them.
   */
  public static human(options: HumanCognitoClientOptions): CognitoClient {
    const c = new CognitoClient(CognitoClientKind.HUMAN, options.name, options.scopes);
    c.tokenValidity = options.accessTokenValidity;
    c.humanOptions = options;
    return c;
  }

  /** Machine (client credentials) or human (authorization code + PKCE). */
  public readonly kind: CognitoClientKind;
  /** The client's name. */
  public readonly name: string;
  /** The scopes it may request (without prefix); undefined means all. */
  public readonly scopes?: string[];

  private tokenValidity?: Duration;
  private humanOptions?: HumanCognitoClientOptions;

  private constructor(kind: CognitoClientKind, name: string, scopes: string[] | undefined) {
    this.kind = kind;
    this.name = name;
    this.scopes = scopes;
  }

  /**
   * Validates the options and creates the app client.
   * @internal
   */
  public _bind(constructId: string, prop: string, problems: Problems, ctx: CognitoClientBindContext): BoundCognitoClient {
    problems.pattern(`${prop}.name`, this.name, /^[A-Za-z0-9_-]{1,64}$/, 'Use 1-64 letters, digits, _ and -.');
    const wanted = this.scopes ?? ctx.scopeNames;
    if (this.scopes && this.scopes.length === 0) problems.add(`${prop}.scopes`, 'is an empty list: the client could not get a token for the proxy', [], 'Name at least one scope, or omit scopes for all.');
    wanted.forEach((s, i) => {
      if (!Token.isUnresolved(s) && !ctx.scopeNames.includes(s)) {
        problems.add(`${prop}.scopes[${i}]`, 'is not a scope of the resource server', s, `Use one of: ${ctx.scopeNames.join(', ')} (without the "${ctx.identifier}/" prefix), or add it to inboundAuth.scopes.`);
      }
    });
    const resourceScopes = wanted.filter((s) => ctx.scopeNames.includes(s)).map((s) => ctx.scopeObjects[ctx.scopeNames.indexOf(s)]);
    const oauthScopes = resourceScopes.map((s) => cognito.OAuthScope.resourceServer(ctx.resourceServer, s));
    const accessTokenValidity = this.tokenValidity ?? ctx.accessTokenValidity ?? Duration.hours(1);
    const fullScopes = wanted.map((s) => `${ctx.identifier}/${s}`);

    if (this.kind === CognitoClientKind.MACHINE) {
      const client = ctx.userPool.addClient(constructId, {
        userPoolClientName: this.name,
        generateSecret: true,
        authFlows: {},
        oAuth: { flows: { clientCredentials: true }, scopes: oauthScopes },
        accessTokenValidity,
        enableTokenRevocation: true,
        preventUserExistenceErrors: true,
      });
      return { name: this.name, kind: this.kind, client, scopes: fullScopes };
    }

    const o = this.humanOptions!;
    if (!o.callbackUrls?.length) problems.add(`${prop}.callbackUrls`, 'is empty: the authorization code has nowhere to go', o.callbackUrls ?? [], 'Give the MCP client\'s redirect URI(s), e.g. http://localhost:33418/callback.');
    (o.callbackUrls ?? []).forEach((u, i) => checkRedirect(problems, `${prop}.callbackUrls[${i}]`, u));
    (o.logoutUrls ?? []).forEach((u, i) => checkRedirect(problems, `${prop}.logoutUrls[${i}]`, u));
    const client = ctx.userPool.addClient(constructId, {
      userPoolClientName: this.name,
      // A public client: MCP clients run on people's machines and cannot keep a secret; PKCE protects the code.
      generateSecret: false,
      authFlows: {},
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE, ...oauthScopes],
        // (An empty list is reported above; the placeholder only lets construction finish so every problem is listed.)
        callbackUrls: o.callbackUrls?.length ? o.callbackUrls : ['https://invalid.invalid/callback'],
        logoutUrls: o.logoutUrls,
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      accessTokenValidity,
      idTokenValidity: accessTokenValidity,
      refreshTokenValidity: o.refreshTokenValidity ?? Duration.days(1),
      enableTokenRevocation: true,
      preventUserExistenceErrors: true,
    });
    return { name: this.name, kind: this.kind, client, scopes: [...HUMAN_OIDC_SCOPES, ...fullScopes] };
  }
}

/** What a CognitoClient needs from the pool being built. @internal */
export interface CognitoClientBindContext {
  readonly userPool: cognito.UserPool;
  readonly resourceServer: cognito.IUserPoolResourceServer;
  readonly identifier: string;
  readonly scopeNames: string[];
  readonly scopeObjects: cognito.ResourceServerScope[];
  readonly accessTokenValidity?: Duration;
}

/** Cognito accepts https redirect URLs, and http only for localhost. */
function checkRedirect(problems: Problems, prop: string, url: string): void {
  if (Token.isUnresolved(url)) return;
  const https = /^https:\/\/[^\s#]+$/.test(url);
  const loopback = /^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?(\/[^\s#]*)?$/.test(url);
  const appScheme = /^[a-z][a-z0-9+.-]*:\/\/?[^\s#]*$/.test(url) && !/^https?:/.test(url);
  const ok = https || loopback || appScheme;
  if (!ok) problems.add(prop, 'must be https, http on localhost / 127.0.0.1, or an app scheme (myapp://callback)', url, 'Use the MCP client\'s registered redirect URI.');
}
