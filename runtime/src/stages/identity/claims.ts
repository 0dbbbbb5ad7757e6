/** Building the principal from verified JWT claims. Pure functions: no token, no I/O. */
import type { JWTPayload } from 'jose';
import type { JwtIdentityConfig } from '../../config/sections/identity';
import type { Principal } from '../../pipeline/context';

type ClaimValue = string | number | boolean | readonly string[];

const MAX_LIST_ITEMS = 256;

function stringOrUndefined(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/**
 * A list claim (groups, scopes) as strings. Accepts an array (non-string members are ignored) or a string: split on
 * `separator` when there is one, else the whole string is one item. Anything else yields an empty list.
 */
export function listClaim(value: unknown, separator: RegExp | string | undefined): string[] {
  let items: unknown[];
  if (Array.isArray(value)) items = value;
  else if (typeof value === 'string') items = separator === undefined ? [value] : value.split(separator);
  else return [];
  const out = new Set<string>();
  for (const item of items) {
    if (typeof item !== 'string') continue;
    const s = item.trim();
    if (s.length > 0) out.add(s);
    if (out.size >= MAX_LIST_ITEMS) break;
  }
  return [...out];
}

/** A configured extra claim, kept only when it is a string, a finite number, a boolean or an array of strings. */
export function simpleClaim(value: unknown): ClaimValue | undefined {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.slice(0, MAX_LIST_ITEMS) as string[];
  return undefined;
}

/** The principal for a verified token. Never holds the token itself. */
export function principalFromClaims(payload: JWTPayload, cfg: JwtIdentityConfig): Principal {
  const p = payload as Record<string, unknown>;
  const claims: Record<string, ClaimValue> = {};
  for (const name of cfg.claims) {
    const v = simpleClaim(p[name]);
    if (v !== undefined) claims[name] = v;
  }
  return {
    kind: 'jwt',
    sub: stringOrUndefined(p.sub),
    clientId: stringOrUndefined(p.client_id) ?? stringOrUndefined(p.azp) ?? stringOrUndefined(p.cid),
    username: stringOrUndefined(p.username) ?? stringOrUndefined(p['cognito:username']) ?? stringOrUndefined(p.preferred_username),
    issuer: stringOrUndefined(p.iss),
    // A string groups claim is one group unless a separator is configured: "CN=readers,admins" is not "admins".
    groups: listClaim(p[cfg.groupsClaim], cfg.groupsSeparator),
    scopes: listClaim(p[cfg.scopesClaim], /\s+/),
    claims,
  };
}
