import { SignJWT } from 'jose';
import { SingleFlightCache, jwtSecondsLeft, useUntil } from './token-cache';

describe('useUntil', () => {
  it.each([
    // lifetime s, skew s, expected ms after now
    [3600, 60, 3_540_000],
    [120, 60, 60_000],
    [60, 60, 30_000], // never less than half the lifetime
    [2, 60, 1_000],
    [100, 0, 100_000],
    [0, 60, 0],
  ])('lifetime %ss, skew %ss -> %sms', (lifetime, skew, expected) => {
    expect(useUntil(1_000, lifetime, skew) - 1_000).toBe(expected);
  });
});

describe('jwtSecondsLeft', () => {
  it('reads exp of a JWT without verifying it, and is undefined otherwise', async () => {
    const now = 1_700_000_000_000;
    const jwt = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(now / 1000 + 90).sign(new Uint8Array(32));
    expect(jwtSecondsLeft(jwt, now)).toBe(90);
    const noExp = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).sign(new Uint8Array(32));
    expect(jwtSecondsLeft(noExp, now)).toBeUndefined();
    expect(jwtSecondsLeft('opaque-token', now)).toBeUndefined();
    expect(jwtSecondsLeft('a.b.c', now)).toBeUndefined();
  });
});

describe('SingleFlightCache', () => {
  it('shares one load among concurrent callers, reuses a fresh value, reloads an expired or invalidated one', async () => {
    let t = 0;
    let loads = 0;
    const cache = new SingleFlightCache<number>(() => t);
    const load = async () => {
      loads++;
      await new Promise((r) => setTimeout(r, 5));
      return { value: loads, useUntil: t + 100 };
    };
    expect(await Promise.all([cache.get(load), cache.get(load), cache.get(load)])).toEqual([1, 1, 1]);
    t = 99;
    expect(await cache.get(load)).toBe(1);
    t = 100;
    expect(await cache.get(load)).toBe(2);
    expect(cache.invalidate()).toBe(true);
    expect(cache.invalidate()).toBe(false);
    expect(await cache.get(load)).toBe(3);
  });

  it('does not remember a failed load', async () => {
    const cache = new SingleFlightCache<string>(() => 0);
    let fail = true;
    const load = async () => {
      if (fail) throw new Error('down');
      return { value: 'ok', useUntil: 10 };
    };
    await expect(Promise.all([cache.get(load), cache.get(load)])).rejects.toThrow('down');
    fail = false;
    await expect(cache.get(load)).resolves.toBe('ok');
  });
});
