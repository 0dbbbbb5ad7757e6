import type { AwsCredentialIdentity } from '@smithy/types';
import { CredentialCache, credentialSource, REFRESH_BEFORE_EXPIRY_MS } from './credentials';

describe('credentialSource (the AWS SDK default chain\'s order, reduced to what the environment offers)', () => {
  const none = () => false;
  it.each([
    ['static keys', { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' }, none, 'env'],
    ['static keys and a container endpoint', { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b', AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1/x' }, none, 'env'],
    ['a named profile (it wins over static keys in the SDK)', { AWS_PROFILE: 'dev', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' }, none, 'sdk-default-chain'],
    ['a web identity token file', { AWS_WEB_IDENTITY_TOKEN_FILE: '/t', AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2' }, none, 'sdk-default-chain'],
    ['a shared credentials file', { HOME: '/home/dev' }, (p: string) => p === '/home/dev/.aws/credentials', 'sdk-default-chain'],
    ['the container endpoint (relative)', { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/x', HOME: '/h' }, none, 'container'],
    ['the container endpoint (full)', { AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.23/v1/credentials', HOME: '/h' }, none, 'container'],
    ['nothing: the metadata service (AgentCore Runtime)', { HOME: '/h' }, none, 'imds'],
    ['only a key id', { AWS_ACCESS_KEY_ID: 'a', HOME: '/h' }, none, 'imds'],
  ])('%s -> %s', (_what, env, exists, expected) => {
    expect(credentialSource(env as NodeJS.ProcessEnv, exists)).toBe(expected);
  });
});

describe('CredentialCache', () => {
  let now = 1_000_000;
  let issued = 0;
  let fail = false;
  const expiring = (inMs: number) => async (): Promise<AwsCredentialIdentity> => {
    if (fail) throw new Error('credentials endpoint unreachable');
    issued++;
    return { accessKeyId: `K${issued}`, secretAccessKey: 's', expiration: new Date(now + inMs) };
  };
  beforeEach(() => {
    now = 1_000_000;
    issued = 0;
    fail = false;
  });

  it('fetches once, keeps credentials until the refresh margin before expiry, then fetches again', async () => {
    const cache = new CredentialCache(expiring(60 * 60_000), { now: () => now });
    expect((await cache.get()).accessKeyId).toBe('K1');
    now += 60 * 60_000 - REFRESH_BEFORE_EXPIRY_MS - 1;
    expect((await cache.get()).accessKeyId).toBe('K1');
    now += 1;
    expect((await cache.get()).accessKeyId).toBe('K2');
    expect(issued).toBe(2);
  });

  it('shares one fetch between concurrent callers', async () => {
    const cache = new CredentialCache(expiring(60 * 60_000), { now: () => now });
    const got = await Promise.all([cache.get(), cache.get(), cache.provide()]);
    expect(got.map((c) => c.accessKeyId)).toEqual(['K1', 'K1', 'K1']);
    expect(issued).toBe(1);
  });

  it('keeps credentials without an expiration, and fetches again after invalidate()', async () => {
    const cache = new CredentialCache(async () => ({ accessKeyId: `K${++issued}`, secretAccessKey: 's' }), { now: () => now });
    await cache.get();
    now += 365 * 24 * 3_600_000;
    expect((await cache.get()).accessKeyId).toBe('K1');
    cache.invalidate();
    expect((await cache.get()).accessKeyId).toBe('K2');
  });

  it('a failed refresh keeps the credentials while they are valid; once expired, the failure surfaces', async () => {
    const cache = new CredentialCache(expiring(10 * 60_000), { now: () => now });
    await cache.get();
    fail = true;
    now += 6 * 60_000; // inside the margin, not yet expired
    expect((await cache.get()).accessKeyId).toBe('K1');
    now += 5 * 60_000; // expired
    await expect(cache.get()).rejects.toThrow('credentials endpoint unreachable');
  });

  it('a failed first fetch throws', async () => {
    fail = true;
    await expect(new CredentialCache(expiring(60_000), { now: () => now }).get()).rejects.toThrow('credentials endpoint unreachable');
  });
});
