/**
 * The checks a token passes beyond jose's (signature, issuer, algorithm, exp/nbf): its encoding, its type, who it is
 * for, when it was issued, and whom it names. Pure functions: no token is kept, nothing is logged.
 * See docs/IDENTITY.md ("Checks").
 */
import type { JWTPayload, ProtectedHeaderParameters } from 'jose';
import type { JwtIdentityConfig } from '../../config/sections/identity';

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Whether a compact JWS is written in the one canonical base64url encoding (RFC 7515: no padding, URL-safe alphabet,
 * unused trailing bits zero). Decoders accept variants (padding appended, `+` for `-`, other trailing bits), which
 * would give one signed token many spellings: each would pass verification under another cache key, and a filter on
 * the token text could be walked around.
 */
export function canonicalCompact(token: string): boolean {
  const parts = token.split('.');
  if (parts.length !== 3) return false;
  for (const part of parts) {
    if (!BASE64URL.test(part) || part.length % 4 === 1) return false;
    if (Buffer.from(part, 'base64url').toString('base64url') !== part) return false;
  }
  return true;
}

/** Issuers whose tokens always carry `token_use` (Amazon Cognito user pools). */
const COGNITO_ISSUER = /^https:\/\/cognito-idp\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?\/[^/]+$/;
/** Claims that only ID tokens carry (OpenID Connect Core 1.0, sections 2 and 3.3.2.11). */
const ID_TOKEN_CLAIMS = ['nonce', 'at_hash', 'c_hash'] as const;

/** A media type as compared in `typ` (RFC 7515 4.1.9): case-insensitive, `application/` optional. */
function mediaType(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const t = v.toLowerCase();
  return t.startsWith('application/') ? t.slice('application/'.length) : t;
}

/**
 * Whether the token is of the type the configuration accepts (`tokenType`, see the identity config section):
 * undefined when it is, else a short reason (for tests; the caller is told "wrong token type").
 */
export function tokenTypeProblem(header: ProtectedHeaderParameters, payload: JWTPayload, cfg: Pick<JwtIdentityConfig, 'tokenType' | 'issuer'>): string | undefined {
  if (cfg.tokenType === 'any') return undefined;
  const typ = mediaType(header.typ);
  if (cfg.tokenType === 'at+jwt' && typ !== 'at+jwt') return 'typ header is not at+jwt';
  if (header.typ !== undefined && typ !== 'jwt' && typ !== 'at+jwt') return 'typ header names another token type';
  const p = payload as Record<string, unknown>;
  if (p.token_use !== undefined && p.token_use !== 'access') return 'token_use is not access';
  if (p.token_use === undefined && COGNITO_ISSUER.test(cfg.issuer)) return 'token_use missing from a Cognito token';
  if (p.typ !== undefined && (typeof p.typ !== 'string' || p.typ.toLowerCase() !== 'bearer')) return 'typ claim is not Bearer';
  for (const claim of ID_TOKEN_CLAIMS) if (p[claim] !== undefined) return `${claim} is an ID-token claim`;
  return undefined;
}

/**
 * True when the token is meant for this proxy: each configured list must accept it (`aud` one of `audiences`, and
 * `client_id` one of `allowedClients`); one satisfied list never stands in for another.
 */
export function audienceAccepted(payload: JWTPayload, cfg: Pick<JwtIdentityConfig, 'audiences' | 'allowedClients'>): boolean {
  if (cfg.audiences.length === 0 && cfg.allowedClients.length === 0) return false;
  if (cfg.audiences.length > 0) {
    const aud = payload.aud;
    const auds = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
    if (!auds.some((a) => typeof a === 'string' && cfg.audiences.includes(a))) return false;
  }
  if (cfg.allowedClients.length > 0) {
    const clientId = (payload as Record<string, unknown>).client_id;
    if (typeof clientId !== 'string' || !cfg.allowedClients.includes(clientId)) return false;
  }
  return true;
}

/** True when `iat` is later than now plus the clock tolerance (a token from the future). */
export function issuedInFuture(payload: JWTPayload, toleranceSeconds: number, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
  return typeof payload.iat === 'number' && payload.iat > nowSeconds + toleranceSeconds;
}

/**
 * True when the token names its caller: a non-empty `sub`, or for a client-credentials token (which may have no
 * `sub`), a non-empty `client_id`. Tokens naming nobody would all share one principal.
 */
export function hasSubject(payload: JWTPayload): boolean {
  const p = payload as Record<string, unknown>;
  const named = (v: unknown) => typeof v === 'string' && v.trim().length > 0;
  return named(p.sub) || named(p.client_id);
}
