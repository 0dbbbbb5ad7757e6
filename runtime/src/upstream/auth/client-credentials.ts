/**
 * Plain OAuth2 client credentials (RFC 6749 section 4.4) against a token endpoint, with the client secret read from
 * Secrets Manager. The access token is cached until `expires_in` minus a skew and refreshed by one request shared by
 * every concurrent caller.
 */
import type { UpstreamAuthConfig } from '../../config/sections/upstream-auth';
import { memo, regionOfArn, resolveRegion, secretsManagerClient } from './aws';
import { ClientSecret } from './client-secret';
import { CredentialFailure, authLogger, guarded } from './failure';
import { stripInboundCredentials } from './headers';
import { SingleFlightCache, jwtSecondsLeft, useUntil } from './token-cache';
import type { UpstreamAuthOptions, UpstreamAuthenticator } from './types';

type ClientCredentialsConfig = Extract<UpstreamAuthConfig, { type: 'oauth2-client-credentials' }>;

/** Larger token responses are refused (a token response is a few KB at most). */
const MAX_RESPONSE_BYTES = 256 * 1024;

export function clientCredentialsAuthenticator(
  upstreamName: string,
  cfg: ClientCredentialsConfig,
  options: UpstreamAuthOptions = {},
): UpstreamAuthenticator {
  const region = resolveRegion(upstreamName, cfg.region, regionOfArn(cfg.clientSecretArn));
  const now = options.now ?? Date.now;
  const doFetch = options.fetch ?? globalThis.fetch;
  const log = authLogger(options.logger);
  const secret = new ClientSecret(memo(() => secretsManagerClient(options, region)), {
    secretId: cfg.clientSecretArn,
    jsonKey: cfg.clientSecretJsonKey,
  });
  const cache = new SingleFlightCache<string>(now);

  const fetchToken = async () => {
    const clientSecret = await secret.get();
    const { accessToken, expiresIn } = await requestToken(doFetch, cfg, clientSecret);
    const t = now();
    const lifetime = expiresIn ?? jwtSecondsLeft(accessToken, t) ?? cfg.tokenTtlSeconds;
    if (lifetime <= 0) throw new CredentialFailure('token endpoint returned an expired token');
    log.debug('upstream access token obtained', { upstream: upstreamName, auth: 'oauth2-client-credentials', lifetimeSeconds: Math.round(lifetime) });
    return { value: accessToken, useUntil: useUntil(t, lifetime, cfg.refreshSkewSeconds) };
  };

  return {
    kind: 'oauth2-client-credentials',
    async authorize(req) {
      stripInboundCredentials(req.headers);
      const token = await cache.get(() => guarded(upstreamName, 'oauth2-client-credentials', log, fetchToken));
      req.headers.set('authorization', `Bearer ${token}`);
    },
    invalidate: () => {
      cache.invalidate();
      return true;
    },
  };
}

/** application/x-www-form-urlencoded encoding of one value (RFC 6749 section 2.3.1 / appendix B). */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

async function requestToken(
  doFetch: typeof fetch,
  cfg: ClientCredentialsConfig,
  clientSecret: string,
): Promise<{ accessToken: string; expiresIn?: number }> {
  const body = new URLSearchParams({ grant_type: 'client_credentials' });
  if (cfg.scopes.length > 0) body.set('scope', cfg.scopes.join(' '));
  if (cfg.audience) body.set('audience', cfg.audience);
  const headers = new Headers({ 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' });
  if (cfg.clientAuthMethod === 'client_secret_basic') {
    const basic = Buffer.from(`${formEncode(cfg.clientId)}:${formEncode(clientSecret)}`).toString('base64');
    headers.set('authorization', `Basic ${basic}`);
  } else {
    body.set('client_id', cfg.clientId);
    body.set('client_secret', clientSecret);
  }

  let res: Response;
  try {
    // Never follow a redirect with the client's credentials.
    res = await doFetch(cfg.tokenUrl, { method: 'POST', headers, body, redirect: 'error', signal: AbortSignal.timeout(cfg.timeoutMs) });
  } catch (err) {
    const name = (err as Error | undefined)?.name;
    throw new CredentialFailure(name === 'TimeoutError' || name === 'AbortError' ? 'token endpoint timed out' : 'token endpoint unreachable');
  }
  const text = await readLimited(res);
  let doc: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    doc = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    doc = undefined;
  }
  if (!res.ok) {
    // The OAuth2 error code is a fixed vocabulary (invalid_client, ...); error_description may quote anything.
    const code = typeof doc?.error === 'string' && /^[a-z_]{1,64}$/.test(doc.error) ? ` (${doc.error})` : '';
    throw new CredentialFailure(`token endpoint answered HTTP ${res.status}${code}`);
  }
  const accessToken = doc?.access_token;
  if (typeof accessToken !== 'string' || accessToken.length === 0) throw new CredentialFailure('token endpoint response has no access_token');
  const tokenType = doc?.token_type;
  if (typeof tokenType === 'string' && tokenType.toLowerCase() !== 'bearer') {
    throw new CredentialFailure('token endpoint issued a token that is not a Bearer token');
  }
  const raw = doc?.expires_in;
  const expiresIn = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : undefined;
  return { accessToken, expiresIn: expiresIn !== undefined && Number.isFinite(expiresIn) ? expiresIn : undefined };
}

async function readLimited(res: Response): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > MAX_RESPONSE_BYTES) {
    await res.body?.cancel().catch(() => {});
    throw new CredentialFailure('token endpoint response too large');
  }
  try {
    const text = await res.text();
    if (text.length > MAX_RESPONSE_BYTES) throw new CredentialFailure('token endpoint response too large');
    return text;
  } catch (err) {
    if (err instanceof CredentialFailure) throw err;
    throw new CredentialFailure('token endpoint response unreadable');
  }
}
