/** Where the issuer's signing keys live: configured, discovered from OIDC metadata, or the Cognito default. Start-up only. */
import { ConfigError } from '../../config/load';
import type { JwtIdentityConfig } from '../../config/sections/identity';
import type { Logger } from '../../log';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** https only, except on loopback (local development and tests). Throws ConfigError naming the field. */
export function requireSecureUrl(url: string, field: string): URL {
  const u = new URL(url);
  if (u.protocol === 'https:') return u;
  if (u.protocol === 'http:' && LOOPBACK_HOSTS.has(u.hostname)) return u;
  throw new ConfigError(`identity.jwt.${field}: must be an https URL (http is accepted on loopback only), got ${u.protocol}//${u.host}`);
}

function trimSlash(s: string): string {
  return s.endsWith('/') ? s.slice(0, -1) : s;
}

/**
 * The JWKS URI: `jwksUri` if configured; else `jwks_uri` from `${issuer}/.well-known/openid-configuration`
 * (whose `issuer` must equal the configured one); else, when discovery is unavailable, `${issuer}/.well-known/jwks.json`.
 */
export async function resolveJwksUri(cfg: JwtIdentityConfig, fetchImpl: typeof fetch, log: Logger, timeoutMs = 5000): Promise<URL> {
  requireSecureUrl(cfg.issuer, 'issuer');
  if (cfg.jwksUri) return requireSecureUrl(cfg.jwksUri, 'jwksUri');
  const base = trimSlash(cfg.issuer);
  const discoveryUrl = `${base}/.well-known/openid-configuration`;
  let meta: { issuer?: unknown; jwks_uri?: unknown } | undefined;
  try {
    const res = await fetchImpl(discoveryUrl, { headers: { accept: 'application/json' }, redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
    if (res.ok) meta = (await res.json()) as typeof meta;
    else log.warn('OIDC discovery failed; using the Cognito-style JWKS location', { status: res.status });
  } catch (err) {
    log.warn('OIDC discovery failed; using the Cognito-style JWKS location', { error: (err as Error).name });
  }
  if (meta && typeof meta.jwks_uri === 'string') {
    if (typeof meta.issuer === 'string' && trimSlash(meta.issuer) !== base) {
      throw new ConfigError(
        `identity.jwt.issuer: the OIDC metadata at ${discoveryUrl} names issuer ${meta.issuer}; set identity.jwt.issuer to exactly the issuer in the tokens`,
      );
    }
    return requireSecureUrl(meta.jwks_uri, 'jwksUri (discovered jwks_uri)');
  }
  return requireSecureUrl(`${base}/.well-known/jwks.json`, 'issuer');
}
