/**
 * A real OAuth2 / OpenID Connect server for governance end-to-end tests: oauth2-mock-server on 127.0.0.1, with its
 * discovery document, JWKS and token endpoint. Callers get their tokens the way real clients do, from the token
 * endpoint over HTTP:
 *   - people through an app client (`password` grant; `sub` = the user name, `groups` from the directory below),
 *   - machines with the `client_credentials` grant (no `sub`; `client_id` and the requested `scope`).
 * Every access token carries `client_id` (as Cognito access tokens do), so the proxy is configured with
 * `allowedClients`. Each token also carries a unique `jti`, so two tokens are never equal.
 *
 *   const idp = await startGovIdp();
 *   const token = await idp.userToken('alice');          // real RS256 JWT
 *   const bot = await idp.clientToken('status-bot', 'ops/status.read');
 *   await idp.stop();
 */
import { randomUUID } from 'node:crypto';
import { OAuth2Server } from 'oauth2-mock-server';

/** The app client people sign in through (accepted by the proxy). */
export const APP_CLIENT_ID = 'agent-app';
/** A machine client (client credentials) accepted by the proxy. */
export const STATUS_BOT_CLIENT_ID = 'status-bot';
/** The proxy's own client for reaching an upstream (client credentials; its secret is planted in Secrets Manager). */
export const PROXY_UPSTREAM_CLIENT_ID = 'proxy-ops';
/** A client the proxy does not accept. */
export const ROGUE_CLIENT_ID = 'rogue-client';

/** The directory: user name -> groups (the `groups` claim). */
export const USERS = {
  alice: ['analysts'],
  carol: ['analysts', 'contractors'],
  bob: ['support'],
  root: ['admins'],
  mallory: [],
} as const satisfies Record<string, readonly string[]>;
export type UserName = keyof typeof USERS;

export interface GovIdp {
  /** The issuer URL (`iss` of every token), e.g. http://127.0.0.1:<port> */
  readonly issuer: string;
  /** The token endpoint (from the discovery document). */
  readonly tokenUrl: string;
  /** A user's access token through the app client (or another client). */
  userToken(user: UserName, opts?: { clientId?: string; scope?: string; expiresInSeconds?: number }): Promise<string>;
  /** A machine client's access token (client credentials grant). */
  clientToken(clientId: string, scope?: string): Promise<string>;
  /** Every token this server issued through the helpers above (canaries for leak checks). */
  readonly issued: readonly string[];
  /** Client secrets presented with HTTP Basic at the token endpoint, by client id (proves who held which secret). */
  readonly presentedSecrets: ReadonlyMap<string, string>;
  stop(): Promise<void>;
}

interface TokenRequestBody {
  grant_type?: string;
  username?: string;
  client_id?: string;
  scope?: string;
}

/** The client id and secret of a token request authenticated with HTTP Basic (client_secret_basic). */
function basicCredentials(req: { headers: Record<string, string | string[] | undefined> }): { id: string; secret: string } | undefined {
  const auth = req.headers.authorization;
  if (typeof auth !== 'string' || !auth.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  // RFC 6749 section 2.3.1: both parts are form-urlencoded before they are joined.
  const unform = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
  return { id: unform(decoded.slice(0, colon)), secret: unform(decoded.slice(colon + 1)) };
}

/** Starts the server with one RS256 signing key. */
export async function startGovIdp(): Promise<GovIdp> {
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  await server.start(0, '127.0.0.1');
  try {
    return await configure(server);
  } catch (err) {
    await server.stop();
    throw err;
  }
}

async function configure(server: OAuth2Server): Promise<GovIdp> {
  // The mock names itself `localhost`; pin the issuer (and so every endpoint it advertises) to the loopback address.
  const issuer = `http://127.0.0.1:${server.address().port}`;
  server.issuer.url = issuer;
  const issued: string[] = [];
  const presentedSecrets = new Map<string, string>();
  /** Expiry overrides for the next access token of a user (the password grant signs the access token first). */
  const pendingTtl = new Map<string, number>();

  // Runs for every token the server signs (access and id tokens): adds the claims a real IdP would.
  server.service.on('beforeTokenSigning', (token, req) => {
    const r = req as unknown as { headers: Record<string, string | string[] | undefined>; body?: TokenRequestBody };
    const body = r.body ?? {};
    const p = token.payload as Record<string, unknown>;
    const basic = basicCredentials(r);
    if (basic) presentedSecrets.set(basic.id, basic.secret);
    p.client_id = basic?.id ?? body.client_id;
    p.jti = randomUUID();
    if (body.grant_type === 'password' && body.username) {
      p.sub = body.username;
      p.username = body.username;
      p.groups = [...(USERS[body.username as UserName] ?? [])];
    } else if (body.grant_type === 'client_credentials') {
      delete p.sub;
      delete p.aud; // client-credentials access tokens here carry client_id, not aud
    }
    const ttl = body.username !== undefined ? pendingTtl.get(body.username) : undefined;
    if (ttl !== undefined) {
      pendingTtl.delete(body.username!);
      p.exp = Math.floor(Date.now() / 1000) + ttl;
    }
  });

  const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as { token_endpoint: string };
  const tokenUrl = discovery.token_endpoint;

  const requestToken = async (form: Record<string, string>, basic?: string): Promise<string> => {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (basic) headers.authorization = `Basic ${Buffer.from(`${basic}:not-checked-by-the-mock`).toString('base64')}`;
    const res = await fetch(tokenUrl, { method: 'POST', headers, body: new URLSearchParams(form).toString() });
    if (!res.ok) throw new Error(`token endpoint answered HTTP ${res.status}: ${await res.text()}`);
    const json = (await res.json()) as { access_token?: string };
    if (!json.access_token) throw new Error('token endpoint response has no access_token');
    issued.push(json.access_token);
    return json.access_token;
  };

  return {
    issuer,
    tokenUrl,
    issued,
    presentedSecrets,
    async userToken(user, opts = {}) {
      // Not for concurrent requests of the same user with different expiries.
      if (opts.expiresInSeconds !== undefined) pendingTtl.set(user, opts.expiresInSeconds);
      return requestToken({ grant_type: 'password', username: user, password: 'pw', client_id: opts.clientId ?? APP_CLIENT_ID, scope: opts.scope ?? 'openid mcp' });
    },
    clientToken(clientId, scope = '') {
      return requestToken({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) }, clientId);
    },
    stop: () => server.stop(),
  };
}

/** The claims of a JWT, decoded without verification (for assertions on what an upstream received). */
export function jwtClaims(token: string): Record<string, unknown> {
  const part = token.split('.')[1];
  if (!part) throw new Error('not a JWT');
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}
