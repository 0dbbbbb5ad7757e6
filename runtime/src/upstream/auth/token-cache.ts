/**
 * A cached credential with an expiry, refreshed by one in-flight request shared by every concurrent caller
 * (single-flight). Reads of a fresh value do no I/O.
 */
import { decodeJwt } from 'jose';

export interface Expiring<T> {
  readonly value: T;
  /** Epoch ms after which the value is no longer used. */
  readonly useUntil: number;
}

export class SingleFlightCache<T> {
  private current?: Expiring<T>;
  private inflight?: Promise<T>;

  constructor(private readonly now: () => number) {}

  /** The cached value while fresh; otherwise the result of `load` (shared with every concurrent caller). */
  get(load: () => Promise<Expiring<T>>): Promise<T> {
    const c = this.current;
    if (c && this.now() < c.useUntil) return Promise.resolve(c.value);
    this.inflight ??= this.refresh(load);
    return this.inflight;
  }

  /** Drops the cached value. Returns whether there was one. */
  invalidate(): boolean {
    const had = this.current !== undefined;
    this.current = undefined;
    return had;
  }

  private async refresh(load: () => Promise<Expiring<T>>): Promise<T> {
    try {
      const next = await load();
      this.current = next;
      return next.value;
    } finally {
      this.inflight = undefined;
    }
  }
}

/**
 * When to stop using a credential that lives `lifetimeSeconds` from `now`: `skewSeconds` before it expires, but never
 * less than half its lifetime, so short-lived tokens are still reused.
 */
export function useUntil(now: number, lifetimeSeconds: number, skewSeconds: number): number {
  const lifetimeMs = Math.max(0, lifetimeSeconds) * 1000;
  return now + lifetimeMs - Math.min(skewSeconds * 1000, lifetimeMs / 2);
}

/** Seconds until the `exp` of a JWT (not verified: only for caching), or undefined if the token is not a JWT with exp. */
export function jwtSecondsLeft(token: string, now: number): number | undefined {
  if (token.split('.').length !== 3) return undefined;
  try {
    const { exp } = decodeJwt(token);
    return typeof exp === 'number' && Number.isFinite(exp) ? exp - now / 1000 : undefined;
  } catch {
    return undefined;
  }
}
