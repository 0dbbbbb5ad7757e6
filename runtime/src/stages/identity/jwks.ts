/**
 * The issuer's signing keys: where they live (configured, discovered from OIDC metadata, or the Cognito default;
 * resolved at start-up) and the cached key set jose verifies against, fetched over node:http/https.
 *
 * Not jose's createRemoteJWKSet: it builds a WHATWG Headers object, which makes Node load its bundled fetch
 * implementation (undici) at start-up, ~40 ms and ~9-12 MiB RSS on the bench machine for one small GET.
 * RemoteKeySet keeps jose's semantics: keys cached for cacheMaxAge, an unknown `kid` reloads the set at most once per
 * cooldown (key rotation), concurrent reloads share one request, jose's key matching (createLocalJWKSet) and errors.
 */
import http from 'node:http';
import { lazyHttps } from '../../lazy-https';
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { ConfigError } from '../../config/load';
import type { JwtIdentityConfig } from '../../config/sections/identity';
import type { Logger } from '../../log';
import { readBody } from '../../server/body';

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
export async function resolveJwksUri(cfg: JwtIdentityConfig, getJson: GetJson, log: Logger, timeoutMs = 5000): Promise<URL> {
  requireSecureUrl(cfg.issuer, 'issuer');
  if (cfg.jwksUri) return requireSecureUrl(cfg.jwksUri, 'jwksUri');
  const base = trimSlash(cfg.issuer);
  const discoveryUrl = `${base}/.well-known/openid-configuration`;
  let meta: { issuer?: unknown; jwks_uri?: unknown } | undefined;
  try {
    const res = await getJson(new URL(discoveryUrl), timeoutMs);
    if (res.status === 200 && res.body && typeof res.body === 'object') meta = res.body as typeof meta;
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

/** The answer to a JSON GET: the status and the parsed body (undefined when it is not JSON). */
export interface JsonResponse {
  readonly status: number;
  readonly body: unknown;
}

/** A JSON GET with a time limit (tests inject one that records the URLs). */
export type GetJson = (url: URL, timeoutMs: number) => Promise<JsonResponse>;

/** Discovery documents and key sets are small; a larger answer is refused rather than buffered. */
const MAX_JSON_BYTES = 1024 * 1024;

/**
 * GET `url` (http or https, no redirects followed) and parse the body as JSON. Rejects with a TimeoutError after
 * `timeoutMs` (connection and answer together), or with the network error.
 */
export const getJson: GetJson = (url, timeoutMs) =>
  new Promise((resolve, reject) => {
    const request = url.protocol === 'https:' ? lazyHttps().request : http.request;
    const req = request(url, { method: 'GET', headers: { accept: 'application/json, application/jwk-set+json' }, signal: AbortSignal.timeout(timeoutMs) }, (res) => {
      void readBody(res, MAX_JSON_BYTES).then((read) => {
        if (!read.ok) {
          const err = new Error(read.reason === 'too_large' ? `answer larger than ${MAX_JSON_BYTES} bytes` : 'answer aborted');
          req.destroy(err);
          reject(err);
          return;
        }
        let body: unknown;
        try {
          body = JSON.parse(read.text);
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('error', (err) => reject(err.name === 'AbortError' && (err.cause as Error | undefined)?.name === 'TimeoutError' ? err.cause : err));
    req.end();
  });

export interface RemoteKeySetOptions {
  /** How long a fetched key set is used before it is fetched again. */
  readonly cacheMaxAgeMs: number;
  /** An unknown `kid` reloads the key set, at most once per this period. */
  readonly cooldownMs: number;
  readonly timeoutMs: number;
  readonly getJson: GetJson;
}

/** The issuer's key set, cached; `getKey` is what jose's jwtVerify takes. */
export class RemoteKeySet {
  private local?: ReturnType<typeof createLocalJWKSet>;
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private pending?: Promise<void>;

  constructor(
    private readonly url: URL,
    private readonly opts: RemoteKeySetOptions,
  ) {}

  /** Fetches the key set now (one request for concurrent callers). Throws jose errors: JWKSTimeout, JWKSInvalid, JOSEError. */
  reload(): Promise<void> {
    this.pending ??= this.fetch().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    if (!this.local || !this.freshFor(this.opts.cacheMaxAgeMs)) await this.reload();
    try {
      return await this.local!(header, token);
    } catch (err) {
      // A kid the cached set does not know: the issuer may have rotated its keys.
      if (err instanceof errors.JWKSNoMatchingKey && !this.freshFor(this.opts.cooldownMs)) {
        await this.reload();
        return this.local!(header, token);
      }
      throw err;
    }
  };

  private freshFor(ms: number): boolean {
    return Date.now() < this.fetchedAt + ms;
  }

  private async fetch(): Promise<void> {
    let res: JsonResponse;
    try {
      res = await this.opts.getJson(this.url, this.opts.timeoutMs);
    } catch (err) {
      if ((err as Error)?.name === 'TimeoutError') throw new errors.JWKSTimeout();
      // Network failures (refused, reset, DNS) as jose's generic error: callers see "signing keys unavailable".
      const e = err as { code?: string; name?: string };
      throw new errors.JOSEError(`JSON Web Key Set request failed (${e?.code ?? e?.name ?? 'Error'})`, { cause: err });
    }
    if (res.status !== 200) throw new errors.JOSEError('Expected 200 OK from the JSON Web Key Set HTTP response');
    // Throws JWKSInvalid unless the body is a key set.
    this.local = createLocalJWKSet(res.body as JSONWebKeySet);
    this.fetchedAt = Date.now();
  }
}
