/**
 * Bearer JWT verification (jose): signature against the issuer's JWKS, issuer, algorithm, time, size; then the checks
 * of checks.ts: canonical encoding, token type, audience and client, issued-at, subject.
 */
import { hash } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, jwtVerify, type JWTPayload, type JWTVerifyOptions, type ProtectedHeaderParameters } from 'jose';
import type { JwtIdentityConfig } from '../../config/sections/identity';
import type { Logger } from '../../log';
import type { Principal } from '../../pipeline/context';
import { ErrorCode, GovernanceError } from '../../pipeline/errors';
import { audienceAccepted, canonicalCompact, hasSubject, issuedInFuture, tokenTypeProblem } from './checks';
import { principalFromClaims } from './claims';
import { getJson as defaultGetJson, RemoteKeySet, resolveJwksUri, type GetJson } from './jwks';

/** Why a token was refused: a stable, low-cardinality class shown to the caller (never the token or its claims). */
export type TokenProblem =
  | 'malformed' | 'too large' | 'expired' | 'not yet valid' | 'wrong issuer' | 'wrong audience or client' | 'missing claim'
  | 'claim check failed' | 'algorithm not allowed' | 'bad signature' | 'unknown signing key' | 'signing keys unavailable'
  | 'wrong token type' | 'no subject';

export function authenticationRequired(): GovernanceError {
  return new GovernanceError(ErrorCode.Unauthenticated, 'Authentication required', 'unauthenticated');
}

export function invalidToken(problem: TokenProblem): GovernanceError {
  return new GovernanceError(ErrorCode.Unauthenticated, `Invalid token: ${problem}`, 'unauthenticated');
}

/** Maps a jose error to the problem class shown to the caller. */
export function classifyJoseError(err: unknown): TokenProblem {
  const e = err as { code?: string; claim?: string; reason?: string };
  switch (e?.code) {
    case 'ERR_JWT_EXPIRED':
      return 'expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (e.reason === 'missing') return 'missing claim';
      if (e.claim === 'iss') return 'wrong issuer';
      if (e.claim === 'nbf' || e.claim === 'iat') return 'not yet valid';
      return 'claim check failed';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return 'algorithm not allowed';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'bad signature';
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return 'unknown signing key';
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
      return 'signing keys unavailable';
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
    case 'ERR_JWK_INVALID':
      return 'malformed';
    case 'ERR_JOSE_GENERIC': // e.g. the JWKS endpoint answered something other than 200
      return 'signing keys unavailable';
    default:
      // Not a jose error: the JWKS fetch itself failed (network).
      return e?.code === undefined ? 'signing keys unavailable' : 'malformed';
  }
}

/** The bearer token of an `authorization` header value, or undefined when there is none. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(header);
  return m ? m[1] : undefined;
}

export interface JwtAuthenticator {
  /** Verifies the request's bearer token; resolves to the principal, or throws GovernanceError(Unauthenticated). */
  authenticate(headers: Readonly<Record<string, string | undefined>>): Promise<Principal>;
  /**
   * The principal of a bearer token verified before and still remembered (see VerifiedTokens), synchronously; undefined
   * for anything else (then `authenticate` decides). Never throws.
   */
  remembered(headers: Readonly<Record<string, string | undefined>>): Principal | undefined;
}

/** Resolves the JWKS location and warms the key cache (start-up); the returned authenticator does no other I/O. */
export async function createJwtAuthenticator(cfg: JwtIdentityConfig, log: Logger, getJson: GetJson = defaultGetJson): Promise<JwtAuthenticator> {
  const verifyOptions: JWTVerifyOptions = {
    issuer: cfg.issuer,
    algorithms: [...cfg.algorithms],
    clockTolerance: cfg.clockToleranceSeconds,
    requiredClaims: ['exp'],
  };
  const allowedAlgs = new Set<string>(cfg.algorithms);

  let verify: (token: string) => Promise<{ payload: JWTPayload; protectedHeader: ProtectedHeaderParameters }>;
  if (cfg.verifySignature) {
    const jwksUri = await resolveJwksUri(cfg, getJson, log);
    const jwks = new RemoteKeySet(jwksUri, { cacheMaxAgeMs: cfg.jwksCacheSeconds * 1000, cooldownMs: 30_000, timeoutMs: 5_000, getJson });
    try {
      await jwks.reload();
    } catch (err) {
      log.warn('could not fetch the issuer signing keys at start-up; will retry on the first request', { jwksHost: jwksUri.host, error: (err as Error).name });
    }
    log.info('JWT identity ready', { issuer: cfg.issuer, jwksHost: jwksUri.host, algorithms: cfg.algorithms });
    verify = (token) => jwtVerify(token, jwks.getKey, verifyOptions);
  } else {
    log.warn('identity.jwt.verifySignature is off: token signatures are trusted from the AgentCore JWT authorizer; claims are still checked');
    verify = async (token) => {
      const protectedHeader = decodeProtectedHeader(token);
      if (typeof protectedHeader.alg !== 'string' || !allowedAlgs.has(protectedHeader.alg)) throw Object.assign(new Error('alg'), { code: 'ERR_JOSE_ALG_NOT_ALLOWED' });
      const payload = decodeJwt(token);
      checkTimeAndIssuer(payload, cfg);
      return { payload, protectedHeader };
    };
  }

  const verified = new VerifiedTokens(cfg.jwksCacheSeconds * 1000, cfg.clockToleranceSeconds);
  const remembered = (headers: Readonly<Record<string, string | undefined>>): Principal | undefined => {
    if (!cfg.verifySignature) return undefined;
    const header = headers.authorization;
    if (header === undefined || header.length > cfg.maxTokenBytes + 16) return undefined;
    const token = bearerToken(header);
    if (!token || token.length > cfg.maxTokenBytes) return undefined;
    return verified.get(tokenKey(token));
  };
  return {
    remembered,
    async authenticate(headers) {
      const known = remembered(headers);
      if (known) return known;
      const header = headers.authorization;
      if (header === undefined || header.trim() === '') throw authenticationRequired();
      if (header.length > cfg.maxTokenBytes + 16) throw invalidToken('too large');
      const token = bearerToken(header);
      if (!token) throw authenticationRequired();
      if (token.length > cfg.maxTokenBytes) throw invalidToken('too large');
      // Only remembered tokens (above) skip this: they passed it, and another spelling of one has another key.
      if (!canonicalCompact(token)) throw invalidToken('malformed');
      let payload: JWTPayload;
      let protectedHeader: ProtectedHeaderParameters;
      try {
        ({ payload, protectedHeader } = await verify(token));
      } catch (err) {
        const problem = classifyJoseError(err);
        if (problem === 'signing keys unavailable') log.warn('cannot fetch the issuer signing keys', { error: (err as Error).name });
        throw invalidToken(problem);
      }
      if (issuedInFuture(payload, cfg.clockToleranceSeconds)) throw invalidToken('not yet valid');
      if (tokenTypeProblem(protectedHeader, payload, cfg) !== undefined) throw invalidToken('wrong token type');
      if (!hasSubject(payload)) throw invalidToken('no subject');
      if (!audienceAccepted(payload, cfg)) throw invalidToken('wrong audience or client');
      const principal = principalFromClaims(payload, cfg);
      if (cfg.verifySignature) verified.set(tokenKey(token), principal, payload.exp as number);
      return principal;
    },
  };
}

/** The cache key of a token: its SHA-256 (the cache never holds a token). One-shot `hash`: no Hash object per call. */
function tokenKey(token: string): string {
  return hash('sha256', token, 'base64url');
}

/** Bound on remembered tokens; the oldest is forgotten first. ~1 KB each (principal only). */
const MAX_VERIFIED_TOKENS = 1_000;

/**
 * Tokens whose signature and claims were verified, by SHA-256, with the principal they yielded. An agent sends the
 * same token with every call until it expires, and checking an RS256 signature is most of what identity costs per call
 * (~0.1-0.2 ms of CPU). An entry is used until the token expires (`exp`, with the configured clock tolerance) and at
 * most as long as the signing keys are cached (`jwksCacheSeconds`), so a key withdrawn from the issuer's JWKS stops
 * being honoured no later than it would without this cache. Only successful verifications are remembered.
 */
class VerifiedTokens {
  private readonly entries = new Map<string, { principal: Principal; expiresAt: number }>();

  constructor(
    private readonly maxAgeMs: number,
    private readonly toleranceSeconds: number,
  ) {}

  get(key: string): Principal | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (Date.now() < e.expiresAt) return e.principal;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, principal: Principal, exp: number): void {
    const expiresAt = Math.min((exp + this.toleranceSeconds) * 1000, Date.now() + this.maxAgeMs);
    if (this.entries.size >= MAX_VERIFIED_TOKENS) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { principal, expiresAt });
  }
}

/** The claim checks jwtVerify does, for tokens whose signature the platform already verified. */
function checkTimeAndIssuer(payload: JWTPayload, cfg: JwtIdentityConfig): void {
  const now = Math.floor(Date.now() / 1000);
  const tol = cfg.clockToleranceSeconds;
  const fail = (code: string, claim: string, reason = 'check_failed') => Object.assign(new Error(claim), { code, claim, reason });
  if (payload.iss !== cfg.issuer) throw fail('ERR_JWT_CLAIM_VALIDATION_FAILED', 'iss');
  if (typeof payload.exp !== 'number') throw fail('ERR_JWT_CLAIM_VALIDATION_FAILED', 'exp', 'missing');
  if (payload.exp <= now - tol) throw fail('ERR_JWT_EXPIRED', 'exp');
  if (payload.nbf !== undefined && (typeof payload.nbf !== 'number' || payload.nbf > now + tol)) throw fail('ERR_JWT_CLAIM_VALIDATION_FAILED', 'nbf');
  if (payload.iat !== undefined && typeof payload.iat !== 'number') throw fail('ERR_JWT_CLAIM_VALIDATION_FAILED', 'iat', 'invalid');
}
