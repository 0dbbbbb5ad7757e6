import { OAuth2Server } from 'oauth2-mock-server';
import { SignJWT, UnsecuredJWT, exportSPKI, generateKeyPair, importJWK } from 'jose';
import { identitySchema } from '../../config/sections/identity';
import type { ProxyConfig } from '../../config/schema';
import { createLogger } from '../../log';
import type { Principal, RequestContext, Stage } from '../../pipeline/context';
import { ErrorCode, GovernanceError } from '../../pipeline/errors';
import { closeServer, listenOnLoopback } from '../../../../test/support/net';
import { ANONYMOUS_PRINCIPAL, IAM_PRINCIPAL, createIdentityStage } from './index';
import { getJson, RemoteKeySet, type GetJson } from './jwks';

type Transform = (header: Record<string, unknown>, payload: Record<string, unknown>) => void;

const logLines: string[] = [];
const log = createLogger('identity-test', { level: 'debug', write: (l) => logLines.push(l) });

function identityConfig(jwt: Record<string, unknown>, mode = 'jwt'): ProxyConfig['identity'] {
  // The section schema alone (as configSchema applies it), so these tests do not depend on other sections.
  return identitySchema.parse({ mode, jwt });
}

function ctxWith(headers: Record<string, string | undefined>, method = 'tools/call'): RequestContext {
  return { requestId: 'r1', method, headers, startedAt: 0, actions: [], timings: { policyMs: 0, upstreamMs: 0 } };
}

async function authenticate(stage: Stage, headers: Record<string, string | undefined>): Promise<Principal> {
  const ctx = ctxWith(headers);
  await stage.onRequest!(ctx);
  return ctx.principal!;
}

async function rejection(stage: Stage, headers: Record<string, string | undefined>): Promise<GovernanceError> {
  try {
    await stage.onRequest!(ctxWith(headers));
  } catch (err) {
    return err as GovernanceError;
  }
  throw new Error('expected the request to be refused');
}

describe('identity stage, mode jwt, with real tokens from oauth2-mock-server on 127.0.0.1', () => {
  const server = new OAuth2Server();
  let issuer: string;
  let kid: string;
  let stage: Stage;
  const now = () => Math.floor(Date.now() / 1000);
  const token = (transform: Transform = () => {}, expiresIn = 300) =>
    server.issuer.buildToken({
      expiresIn,
      scopesOrTransform: (header, payload) => {
        payload.sub = 'user-1';
        payload.aud = 'proxy-api';
        payload.client_id = 'cognito-client';
        payload['cognito:groups'] = ['dev', 'ops'];
        payload.scope = 'mcp/read mcp/write';
        transform(header as Record<string, unknown>, payload as Record<string, unknown>);
      },
    });

  beforeAll(async () => {
    kid = (await server.issuer.keys.generate('RS256')).kid;
    await server.start(0, '127.0.0.1');
    issuer = server.issuer.url!;
    stage = await createIdentityStage(
      identityConfig({ issuer, audiences: ['proxy-api'], allowedClients: ['cognito-client'], claims: ['department', 'level', 'admin', 'teams', 'nested'] }),
      log,
    );
  });
  afterAll(async () => {
    await server.stop();
  });

  it('accepts a valid token and builds the principal from its claims (OIDC discovery found the JWKS)', async () => {
    const p = await authenticate(stage, {
      authorization: `Bearer ${await token((_h, pl) => Object.assign(pl, { department: 'eng', level: 3, admin: false, teams: ['a', 'b'], nested: { x: 1 }, username: 'alice', azp: 'web' }))}`,
    });
    expect(p).toEqual({
      kind: 'jwt',
      sub: 'user-1',
      clientId: 'cognito-client',
      username: 'alice',
      issuer,
      groups: ['dev', 'ops'],
      scopes: ['mcp/read', 'mcp/write'],
      claims: { department: 'eng', level: 3, admin: false, teams: ['a', 'b'] },
    });
  });

  it('remembers a verified token until it expires (same principal), then refuses it as expired; a forged copy is not served from memory', async () => {
    const zeroTolerance = await createIdentityStage(identityConfig({ issuer, audiences: ['proxy-api'], clockToleranceSeconds: 0 }), log);
    const t = await token(() => {}, 2);
    const first = await authenticate(zeroTolerance, { authorization: `Bearer ${t}` });
    const second = await authenticate(zeroTolerance, { authorization: `Bearer ${t}` });
    expect(second).toEqual(first);
    // The same header and payload with another signature is a different token: verified on its own, and refused.
    const [h, pl, sig] = t.split('.');
    const forged = `${h}.${pl}.${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}`;
    expect((await rejection(zeroTolerance, { authorization: `Bearer ${forged}` })).message).toBe('Invalid token: bad signature');
    const exp = JSON.parse(Buffer.from(pl, 'base64url').toString()).exp as number;
    await new Promise((r) => setTimeout(r, Math.max(0, exp * 1000 - Date.now()) + 1100));
    expect((await rejection(zeroTolerance, { authorization: `Bearer ${t}` })).message).toBe('Invalid token: expired');
  });

  it('answers a remembered token without a promise (the per-call path), and only a remembered one', async () => {
    const t = await token();
    const fresh = ctxWith({ authorization: `Bearer ${t}` });
    const pending = stage.onRequest!(fresh);
    expect(pending).toBeInstanceOf(Promise); // first sight: verified
    await pending;
    const again = ctxWith({ authorization: `bearer  ${t}` });
    expect(stage.onRequest!(again)).toBeUndefined();
    expect(again.principal).toEqual(fresh.principal);
    // Anything else still takes the verifying path and its errors: another token, none, a malformed header.
    const [h, pl, sig] = t.split('.');
    const forged = ctxWith({ authorization: `Bearer ${h}.${pl}.${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}` });
    await expect(stage.onRequest!(forged)).rejects.toThrow('Invalid token: bad signature');
    await expect(stage.onRequest!(ctxWith({}))).rejects.toThrow('Authentication required');
    await expect(stage.onRequest!(ctxWith({ authorization: `Basic ${t}` }))).rejects.toThrow('Authentication required');
  });

  it('accepts a Cognito access token: no aud, client_id in allowedClients', async () => {
    const cognitoStage = await createIdentityStage(identityConfig({ issuer, allowedClients: ['cognito-client'] }), log);
    const p = await authenticate(cognitoStage, { authorization: `Bearer ${await token((_h, pl) => { delete pl.aud; pl.client_id = 'cognito-client'; pl.token_use = 'access'; })}` });
    expect(p.clientId).toBe('cognito-client');
  });

  it('accepts the scheme case-insensitively', async () => {
    await expect(authenticate(stage, { authorization: `bearer ${await token()}` })).resolves.toMatchObject({ sub: 'user-1' });
  });

  const groupCases: [string, unknown, string[]][] = [
    ['array', ['a', 'b'], ['a', 'b']],
    ['a string (no separator configured: one group)', 'a, b c', ['a, b c']],
    ['array with non-string members', ['a', 1, null, { x: 1 }, 'b'], ['a', 'b']],
    ['number', 42, []],
    ['object', { a: 1 }, []],
    ['absent', undefined, []],
  ];
  it.each(groupCases)('groups claim as %s', async (_label, groups, expected) => {
    const p = await authenticate(stage, { authorization: `Bearer ${await token((_h, pl) => { if (groups === undefined) delete pl['cognito:groups']; else pl['cognito:groups'] = groups; })}` });
    expect(p.groups).toEqual(expected);
  });

  it('scopes as an array claim', async () => {
    const p = await authenticate(stage, { authorization: `Bearer ${await token((_h, pl) => { pl.scope = ['x', 7, 'y']; })}` });
    expect(p.scopes).toEqual(['x', 'y']);
  });

  // Each case: how the token is made, and the reason class the caller sees.
  const invalid: [string, () => Promise<string>, string][] = [
    ['expired', () => token(() => {}, -3600), 'Invalid token: expired'],
    ['nbf in the future', () => token((_h, pl) => { pl.nbf = now() + 3600; }), 'Invalid token: not yet valid'],
    ['wrong issuer', () => token((_h, pl) => { pl.iss = 'https://evil.example.com'; }), 'Invalid token: wrong issuer'],
    ['wrong audience and no client', () => token((_h, pl) => { pl.aud = 'other-api'; }), 'Invalid token: wrong audience or client'],
    ['wrong client (Cognito access token)', () => token((_h, pl) => { delete pl.aud; pl.client_id = 'other-client'; }), 'Invalid token: wrong audience or client'],
    ['no exp', () => token((_h, pl) => { delete pl.exp; }), 'Invalid token: missing claim'],
    ['alg none', async () => new UnsecuredJWT({ sub: 'x', iss: issuer, aud: 'proxy-api', exp: now() + 300 }).encode(), 'Invalid token: algorithm not allowed'],
    [
      'HS256 signed with the public key',
      async () => {
        // The classic key-confusion attack: the issuer's public key (PEM) used as an HMAC secret.
        const publicJwk = server.issuer.keys.toJSON().find((k) => k.kid === kid)!;
        const pub = await exportSPKI((await importJWK(publicJwk, 'RS256', { extractable: true })) as CryptoKey);
        return new SignJWT({ sub: 'x', aud: 'proxy-api' }).setProtectedHeader({ alg: 'HS256', kid }).setIssuer(issuer).setExpirationTime('5m').sign(new TextEncoder().encode(pub));
      },
      'Invalid token: algorithm not allowed',
    ],
    [
      'signed with the wrong key (same kid)',
      async () => {
        const { privateKey } = await generateKeyPair('RS256');
        return new SignJWT({ sub: 'x', aud: 'proxy-api' }).setProtectedHeader({ alg: 'RS256', kid }).setIssuer(issuer).setExpirationTime('5m').sign(privateKey);
      },
      'Invalid token: bad signature',
    ],
    [
      'signed with a key the issuer does not publish',
      async () => {
        const { privateKey } = await generateKeyPair('RS256');
        return new SignJWT({ sub: 'x', aud: 'proxy-api' }).setProtectedHeader({ alg: 'RS256', kid: 'not-published' }).setIssuer(issuer).setExpirationTime('5m').sign(privateKey);
      },
      'Invalid token: unknown signing key',
    ],
    ['oversized', () => token((_h, pl) => { pl.padding = 'x'.repeat(20_000); }), 'Invalid token: too large'],
    ['not a JWT', async () => 'not.a.jwt', 'Invalid token: malformed'],
  ];
  it.each(invalid)('refuses a token that is %s, without echoing it', async (_label, make, message) => {
    const t = await make();
    const err = await rejection(stage, { authorization: `Bearer ${t}` });
    expect(err).toBeInstanceOf(GovernanceError);
    expect(err.code).toBe(ErrorCode.Unauthenticated);
    expect(err.errorClass).toBe('unauthenticated');
    expect(err.message).toBe(message);
    expect(JSON.stringify({ m: err.message, d: err.data })).not.toContain(t.slice(0, 20));
  });

  const missing: [string, Record<string, string | undefined>][] = [
    ['no authorization header', {}],
    ['empty header', { authorization: '' }],
    ['Basic scheme', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['Bearer without a token', { authorization: 'Bearer ' }],
  ];
  it.each(missing)('answers "Authentication required" for %s', async (_label, headers) => {
    const err = await rejection(stage, headers);
    expect(err.code).toBe(ErrorCode.Unauthenticated);
    expect(err.message).toBe('Authentication required');
  });

  it('authenticates list methods too (identity applies to every method)', async () => {
    const ctx = ctxWith({}, 'tools/list');
    await expect(stage.onRequest!(ctx)).rejects.toThrow('Authentication required');
  });

  it('never logs a token', async () => {
    const t = await token(() => {}, -3600);
    await rejection(stage, { authorization: `Bearer ${t}` });
    expect(logLines.join('\n')).not.toContain(t.slice(-30));
  });

  it('with verifySignature off, keeps every claim check but trusts the platform signature', async () => {
    const trusting = await createIdentityStage(identityConfig({ issuer, audiences: ['proxy-api'], verifySignature: false }), log);
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ sub: 'x', aud: 'proxy-api' }).setProtectedHeader({ alg: 'RS256' }).setIssuer(issuer).setExpirationTime('5m').sign(privateKey);
    await expect(authenticate(trusting, { authorization: `Bearer ${forged}` })).resolves.toMatchObject({ sub: 'x' });
    expect((await rejection(trusting, { authorization: `Bearer ${await token(() => {}, -3600)}` })).message).toBe('Invalid token: expired');
    expect((await rejection(trusting, { authorization: `Bearer ${await token((_h, pl) => { pl.iss = 'https://evil.example.com'; })}` })).message).toBe('Invalid token: wrong issuer');
    expect((await rejection(trusting, { authorization: `Bearer ${await token((_h, pl) => { pl.aud = 'x'; })}` })).message).toBe('Invalid token: wrong audience or client');
    const none = new UnsecuredJWT({ sub: 'x', iss: issuer, aud: 'proxy-api', exp: now() + 300 }).encode();
    expect((await rejection(trusting, { authorization: `Bearer ${none}` })).message).toBe('Invalid token: algorithm not allowed');
  });
});

describe('identity stage, JWKS location', () => {
  // A Cognito-like issuer: no OIDC discovery document, keys at /.well-known/jwks.json.
  const cognitoLike = new OAuth2Server(undefined, undefined, { endpoints: { wellKnownDocument: '/no-discovery', jwks: '/.well-known/jwks.json' } });
  beforeAll(async () => {
    await cognitoLike.issuer.keys.generate('ES256');
    await cognitoLike.start(0, '127.0.0.1');
  });
  afterAll(async () => {
    await cognitoLike.stop();
  });

  it('falls back to ${issuer}/.well-known/jwks.json when discovery is unavailable (via the injected GET)', async () => {
    const urls: string[] = [];
    const recordingGet: GetJson = (url, timeoutMs) => {
      urls.push(String(url));
      return getJson(url, timeoutMs);
    };
    const issuer = cognitoLike.issuer.url!;
    const stage = await createIdentityStage(identityConfig({ issuer, allowedClients: ['c1'], algorithms: ['ES256'] }), log, { getJson: recordingGet });
    const t = await cognitoLike.issuer.buildToken({ scopesOrTransform: (_h, pl) => Object.assign(pl, { sub: 's', client_id: 'c1' }) });
    await expect(authenticate(stage, { authorization: `Bearer ${t}` })).resolves.toMatchObject({ sub: 's', clientId: 'c1' });
    expect(urls).toEqual([`${issuer}/.well-known/openid-configuration`, `${issuer}/.well-known/jwks.json`]);
  });

  it('refuses an algorithm outside the configured list (RS256 only, ES256 token)', async () => {
    const issuer = cognitoLike.issuer.url!;
    const stage = await createIdentityStage(identityConfig({ issuer, allowedClients: ['c1'] }), log);
    const t = await cognitoLike.issuer.buildToken({ scopesOrTransform: (_h, pl) => Object.assign(pl, { client_id: 'c1' }) });
    expect((await rejection(stage, { authorization: `Bearer ${t}` })).message).toBe('Invalid token: algorithm not allowed');
  });

  it('refuses to start when the discovery document names another issuer', async () => {
    const server = new OAuth2Server();
    await server.issuer.keys.generate('RS256');
    await server.start(0, '127.0.0.1');
    try {
      const configured = server.issuer.url!;
      server.issuer.url = `${configured}/another-tenant`; // the metadata (and its tokens) now name another issuer
      await expect(createIdentityStage(identityConfig({ issuer: configured, audiences: ['a'] }), log)).rejects.toThrow(/identity\.jwt\.issuer: the OIDC metadata .* names issuer/);
    } finally {
      await server.stop();
    }
  });

  it('refuses a plain-http issuer that is not loopback', async () => {
    await expect(createIdentityStage(identityConfig({ issuer: 'http://idp.example.com', audiences: ['a'] }), log)).rejects.toThrow(/identity\.jwt\.issuer: must be an https URL/);
  });

  it('keeps working on cached keys, and reports "signing keys unavailable" when keys cannot be fetched at all', async () => {
    const issuer = 'http://127.0.0.1:9'; // discard port: nothing listens
    const stage = await createIdentityStage(identityConfig({ issuer, jwksUri: `${issuer}/jwks`, audiences: ['a'] }), log);
    const { privateKey } = await generateKeyPair('RS256');
    const t = await new SignJWT({ aud: 'a' }).setProtectedHeader({ alg: 'RS256', kid: 'k' }).setIssuer(issuer).setExpirationTime('5m').sign(privateKey);
    expect((await rejection(stage, { authorization: `Bearer ${t}` })).message).toBe('Invalid token: signing keys unavailable');
  });
});

describe('RemoteKeySet (the issuer\'s signing keys, against oauth2-mock-server on loopback)', () => {
  const idp = new OAuth2Server();
  let jwksUrl: URL;
  beforeAll(async () => {
    await idp.issuer.keys.generate('RS256', { kid: 'k1' });
    await idp.start(0, '127.0.0.1');
    jwksUrl = new URL(`${idp.issuer.url}/jwks`);
  });
  afterAll(async () => {
    await idp.stop();
  });

  /** A GET that counts the requests it sends. */
  function countingGet() {
    const get: GetJson & { calls: number } = Object.assign((url: URL, timeoutMs: number) => {
      get.calls++;
      return getJson(url, timeoutMs);
    }, { calls: 0 });
    return get;
  }

  it('picks up a rotated key: an unknown kid reloads the set, at most once per cooldown', async () => {
    const get = countingGet();
    const keys = new RemoteKeySet(jwksUrl, { cacheMaxAgeMs: 600_000, cooldownMs: 0, timeoutMs: 2_000, getJson: get });
    await keys.reload();
    await expect(keys.getKey({ alg: 'RS256', kid: 'k1' }, {} as never)).resolves.toBeDefined();
    expect(get.calls).toBe(1); // served from the cache
    await idp.issuer.keys.generate('RS256', { kid: 'k2' }); // the issuer rotates
    await expect(keys.getKey({ alg: 'RS256', kid: 'k2' }, {} as never)).resolves.toBeDefined();
    expect(get.calls).toBe(2);

    const cooling = new RemoteKeySet(jwksUrl, { cacheMaxAgeMs: 600_000, cooldownMs: 60_000, timeoutMs: 2_000, getJson: get });
    await cooling.reload();
    const before = get.calls;
    await expect(cooling.getKey({ alg: 'RS256', kid: 'never-issued' }, {} as never)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
    expect(get.calls).toBe(before); // within the cooldown an unknown kid does not hit the issuer
  });

  it('fetches again once the cached set is older than cacheMaxAge; concurrent lookups share one request', async () => {
    const get = countingGet();
    const keys = new RemoteKeySet(jwksUrl, { cacheMaxAgeMs: 50, cooldownMs: 30_000, timeoutMs: 2_000, getJson: get });
    await Promise.all([1, 2, 3, 4].map(() => keys.getKey({ alg: 'RS256', kid: 'k1' }, {} as never)));
    expect(get.calls).toBe(1);
    await new Promise((r) => setTimeout(r, 80));
    await keys.getKey({ alg: 'RS256', kid: 'k1' }, {} as never);
    expect(get.calls).toBe(2);
  });

  it('reports an unusable key set with jose\'s errors: not 200, not a key set, timeout, refused connection', async () => {
    const answer = (status: number, body: unknown): GetJson => async () => ({ status, body });
    const opts = { cacheMaxAgeMs: 1_000, cooldownMs: 1_000, timeoutMs: 2_000 };
    await expect(new RemoteKeySet(jwksUrl, { ...opts, getJson: answer(500, { keys: [] }) }).reload()).rejects.toMatchObject({ code: 'ERR_JOSE_GENERIC' });
    await expect(new RemoteKeySet(jwksUrl, { ...opts, getJson: answer(200, undefined) }).reload()).rejects.toMatchObject({ code: 'ERR_JWKS_INVALID' });
    await expect(new RemoteKeySet(jwksUrl, { ...opts, getJson: answer(200, { keys: 'x' }) }).reload()).rejects.toMatchObject({ code: 'ERR_JWKS_INVALID' });
    // A server that accepts the connection and never answers: the real GET times out.
    const { createServer } = await import('node:net');
    const silent = createServer(() => {});
    const { port } = await listenOnLoopback(silent);
    try {
      const slow = new RemoteKeySet(new URL(`http://127.0.0.1:${port}/jwks`), { ...opts, timeoutMs: 100, getJson });
      await expect(slow.reload()).rejects.toMatchObject({ code: 'ERR_JWKS_TIMEOUT' });
    } finally {
      // The timed-out GET's socket stays half-open on the server side (nothing reads it): closeServer drops it.
      await closeServer(silent);
    }
    await expect(new RemoteKeySet(new URL('http://127.0.0.1:9/jwks'), { ...opts, getJson }).reload()).rejects.toMatchObject({
      code: 'ERR_JOSE_GENERIC',
      message: 'JSON Web Key Set request failed (ECONNREFUSED)',
    });
  });

  it('getJson refuses an answer over 1 MiB instead of buffering it', async () => {
    const { createServer } = await import('node:http');
    const big = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"keys":[],"pad":"${'x'.repeat(2 * 1024 * 1024)}"}`);
    });
    const { port } = await listenOnLoopback(big);
    try {
      await expect(getJson(new URL(`http://127.0.0.1:${port}/`), 2_000)).rejects.toThrow(/larger than 1048576 bytes/);
    } finally {
      await closeServer(big);
    }
  });
});

describe('identity config validation', () => {
  it('requires audiences or allowedClients in jwt mode', () => {
    expect(() => identityConfig({ issuer: 'https://idp.example.com' })).toThrow(/"jwt",\s*"audiences"[\s\S]*configure audiences .* or allowedClients/);
  });
  it('never accepts symmetric or none algorithms', () => {
    expect(() => identityConfig({ issuer: 'https://idp.example.com', audiences: ['a'], algorithms: ['HS256'] })).toThrow(/"algorithms"/);
    expect(() => identityConfig({ issuer: 'https://idp.example.com', audiences: ['a'], algorithms: ['none'] })).toThrow(/"algorithms"/);
  });
});

describe('identity stage, modes iam and none', () => {
  it('iam: every request gets the IAM principal (no groups, no scopes), whatever headers it carries', async () => {
    const stage = await createIdentityStage(identityConfig(undefined as never, 'iam'), log);
    const p = await authenticate(stage, { authorization: 'Bearer forged', 'x-amzn-bedrock-agentcore-runtime-custom-user': 'admin' });
    expect(p).toBe(IAM_PRINCIPAL);
    expect(p).toEqual({ kind: 'iam', groups: [], scopes: [], claims: {} });
  });
  it('none: anonymous', async () => {
    const stage = await createIdentityStage(identityConfig(undefined as never, 'none'), log);
    expect(await authenticate(stage, {})).toBe(ANONYMOUS_PRINCIPAL);
  });
});
