/**
 * Identity strictness, one table per rule, with real signed tokens from oauth2-mock-server on 127.0.0.1 (and the pure
 * checks of checks.ts for shapes a loopback issuer cannot produce, such as a Cognito issuer URL): a caller has a
 * subject; audiences and allowedClients both hold when both are set; access tokens only by default (token_use, typ,
 * ID-token claims), with `tokenType` as the documented relaxation or tightening; a string groups claim is one group
 * unless `groupsSeparator` is set; `iat` in the future beyond the tolerance is refused; only the canonical base64url
 * spelling of a token is accepted.
 */
import { OAuth2Server } from 'oauth2-mock-server';
import { identitySchema } from '../../config/sections/identity';
import { createLogger } from '../../log';
import type { Principal, RequestContext, Stage } from '../../pipeline/context';
import { GovernanceError } from '../../pipeline/errors';
import { canonicalCompact, tokenTypeProblem } from './checks';
import { createIdentityStage } from './index';

type Claims = Record<string, unknown>;
type Transform = (header: Claims, payload: Claims) => void;

const log = createLogger('identity-strictness-test', { level: 'error', write: () => {} });
const now = () => Math.floor(Date.now() / 1000);

describe('identity strictness (real tokens from oauth2-mock-server on 127.0.0.1)', () => {
  const server = new OAuth2Server();
  let issuer: string;
  const stages = new Map<string, Stage>();

  /** A stage for this jwt section (built once per distinct section). */
  const stageFor = async (jwt: Claims): Promise<Stage> => {
    const key = JSON.stringify(jwt);
    let s = stages.get(key);
    if (!s) stages.set(key, (s = await createIdentityStage(identitySchema.parse({ mode: 'jwt', jwt: { issuer, ...jwt } }), log)));
    return s;
  };
  /** An OIDC-style access token: sub, aud, client_id, groups. */
  const token = (transform: Transform = () => {}) =>
    server.issuer.buildToken({
      scopesOrTransform: (header, payload) => {
        Object.assign(payload, { sub: 'user-1', aud: 'proxy-api', client_id: 'app', groups: ['dev'] });
        transform(header as Claims, payload as Claims);
      },
    });
  const outcome = async (jwt: Claims, t: string): Promise<Principal | GovernanceError> => {
    const ctx: RequestContext = { requestId: 'r', method: 'tools/call', headers: { authorization: `Bearer ${t}` }, startedAt: 0, actions: [], timings: { policyMs: 0, upstreamMs: 0 } };
    try {
      await (await stageFor(jwt)).onRequest!(ctx);
      return ctx.principal!;
    } catch (err) {
      if (err instanceof GovernanceError) return err;
      throw err;
    }
  };
  const expectRefused = async (jwt: Claims, t: string, message: string) => {
    const r = await outcome(jwt, t);
    expect(r).toBeInstanceOf(GovernanceError);
    expect((r as GovernanceError).message).toBe(message);
  };
  const expectAccepted = async (jwt: Claims, t: string): Promise<Principal> => {
    const r = await outcome(jwt, t);
    if (r instanceof GovernanceError) throw new Error(`refused: ${r.message}`);
    return r;
  };

  beforeAll(async () => {
    await server.issuer.keys.generate('RS256');
    await server.start(0, '127.0.0.1');
    issuer = server.issuer.url!;
  });
  afterAll(async () => {
    await server.stop();
  });

  const AUD = { audiences: ['proxy-api'], groupsClaim: 'groups' };
  const CLIENTS = { allowedClients: ['app'], groupsClaim: 'groups' };
  const BOTH = { audiences: ['proxy-api'], allowedClients: ['app'], groupsClaim: 'groups' };

  describe('a caller must have a subject', () => {
    const cases: [string, Claims, Transform, string | undefined][] = [
      ['sub', AUD, () => {}, 'user-1'],
      ['no sub, no client_id', AUD, (_h, p) => { delete p.sub; delete p.client_id; }, undefined],
      ['an empty sub, no client_id', AUD, (_h, p) => { p.sub = ''; delete p.client_id; }, undefined],
      ['a blank sub, no client_id', AUD, (_h, p) => { p.sub = '   '; delete p.client_id; }, undefined],
      ['a numeric sub, no client_id', AUD, (_h, p) => { p.sub = 42; delete p.client_id; }, undefined],
      ['no sub, only azp (an ID-token claim, not a client-credentials token)', AUD, (_h, p) => { delete p.sub; delete p.client_id; p.azp = 'app'; }, undefined],
      ['client credentials without sub: client_id names the caller', CLIENTS, (_h, p) => { delete p.sub; delete p.aud; }, 'app'],
    ];
    test.each(cases)('%s', async (_what, jwt, transform, who) => {
      const t = await token(transform);
      if (who === undefined) return expectRefused(jwt, t, 'Invalid token: no subject');
      const p = await expectAccepted(jwt, t);
      expect(p.sub ?? p.clientId).toBe(who);
    });

    test('two tokens without a subject are refused, never merged into one shared principal', async () => {
      for (const extra of ['a', 'b']) await expectRefused(AUD, await token((_h, p) => { delete p.sub; delete p.client_id; p.extra = extra; }), 'Invalid token: no subject');
    });
  });

  describe('audiences and allowedClients: each configured list must hold', () => {
    const cases: [string, Claims, Transform, boolean][] = [
      ['both set, both hold', BOTH, () => {}, true],
      ['both set, aud holds, client_id is another client', BOTH, (_h, p) => { p.client_id = 'rogue'; }, false],
      ['both set, aud holds, no client_id', BOTH, (_h, p) => { delete p.client_id; }, false],
      ['both set, client_id holds, aud is another API', BOTH, (_h, p) => { p.aud = 'other-api'; }, false],
      ['both set, client_id holds, no aud (a Cognito access token where an audience is required)', BOTH, (_h, p) => { delete p.aud; }, false],
      ['both set, aud as an array containing the audience', BOTH, (_h, p) => { p.aud = ['other', 'proxy-api']; }, true],
      ['audiences only: any client', AUD, (_h, p) => { p.client_id = 'anyone'; }, true],
      ['allowedClients only: any audience', CLIENTS, (_h, p) => { p.aud = 'anything'; }, true],
      ['allowedClients only: the client is another', CLIENTS, (_h, p) => { p.client_id = 'rogue'; }, false],
    ];
    test.each(cases)('%s', async (_what, jwt, transform, accepted) => {
      const t = await token(transform);
      if (accepted) await expectAccepted(jwt, t);
      else await expectRefused(jwt, t, 'Invalid token: wrong audience or client');
    });
  });

  describe('access tokens only by default; tokenType relaxes or tightens', () => {
    const cases: [string, Claims, Transform, boolean][] = [
      ['typ JWT (most issuers)', AUD, () => {}, true],
      ['no typ header', AUD, (h) => { h.typ = undefined; }, true],
      ['typ at+jwt (RFC 9068)', AUD, (h) => { h.typ = 'at+jwt'; }, true],
      ['typ application/AT+JWT', AUD, (h) => { h.typ = 'application/AT+JWT'; }, true],
      ['token_use access (Cognito access token)', AUD, (_h, p) => { p.token_use = 'access'; }, true],
      ['token_use id (Cognito ID token)', AUD, (_h, p) => { p.token_use = 'id'; }, false],
      ['token_use of another type', AUD, (_h, p) => { p.token_use = ['access']; }, false],
      ['typ header of another token type', AUD, (h) => { h.typ = 'id+jwt'; }, false],
      ['typ header logout+jwt', AUD, (h) => { h.typ = 'logout+jwt'; }, false],
      ['typ claim ID (Keycloak ID token)', AUD, (_h, p) => { p.typ = 'ID'; }, false],
      ['typ claim Refresh (Keycloak refresh token)', AUD, (_h, p) => { p.typ = 'Refresh'; }, false],
      ['typ claim Bearer (Keycloak access token)', AUD, (_h, p) => { p.typ = 'Bearer'; }, true],
      ['a nonce (ID-token claim)', AUD, (_h, p) => { p.nonce = 'n-1'; }, false],
      ['an at_hash (ID-token claim)', AUD, (_h, p) => { p.at_hash = 'abc'; }, false],
      ['a c_hash (ID-token claim)', AUD, (_h, p) => { p.c_hash = 'abc'; }, false],
      ['tokenType at+jwt: typ JWT refused', { ...AUD, tokenType: 'at+jwt' }, () => {}, false],
      ['tokenType at+jwt: no typ refused', { ...AUD, tokenType: 'at+jwt' }, (h) => { h.typ = undefined; }, false],
      ['tokenType at+jwt: typ at+jwt accepted', { ...AUD, tokenType: 'at+jwt' }, (h) => { h.typ = 'at+jwt'; }, true],
      ['tokenType at+jwt: typ at+jwt with token_use id refused', { ...AUD, tokenType: 'at+jwt' }, (h, p) => { h.typ = 'at+jwt'; p.token_use = 'id'; }, false],
      ['tokenType any (relaxation): an ID token accepted', { ...AUD, tokenType: 'any' }, (_h, p) => { p.token_use = 'id'; p.nonce = 'n'; }, true],
    ];
    test.each(cases)('%s', async (_what, jwt, transform, accepted) => {
      const t = await token(transform);
      if (accepted) await expectAccepted(jwt, t);
      else await expectRefused(jwt, t, 'Invalid token: wrong token type');
    });

    // A loopback issuer cannot have a Cognito issuer URL: the rule that Cognito tokens must carry token_use is checked here.
    const cognito = { tokenType: 'access' as const, issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123' };
    const shapes: [string, Claims, Claims, string | undefined][] = [
      ['Cognito client-credentials access token', { kid: 'k', alg: 'RS256' }, { sub: 'c1', client_id: 'c1', token_use: 'access', scope: 'rs/invoke' }, undefined],
      ['Cognito user access token', { kid: 'k', alg: 'RS256' }, { sub: 'u', client_id: 'c1', token_use: 'access', username: 'alice', 'cognito:groups': ['a'] }, undefined],
      ['Cognito ID token', { kid: 'k', alg: 'RS256' }, { sub: 'u', aud: 'c1', token_use: 'id', 'cognito:username': 'alice' }, 'token_use is not access'],
      ['a Cognito issuer token without token_use', { kid: 'k', alg: 'RS256' }, { sub: 'u', client_id: 'c1' }, 'token_use missing from a Cognito token'],
    ];
    test.each(shapes)('%s (checks.tokenTypeProblem)', (_what, header, payload, problem) => {
      expect(tokenTypeProblem(header, payload, cognito)).toBe(problem);
    });
  });

  describe('a string groups claim is one group unless groupsSeparator is set', () => {
    const cases: [string, Claims, unknown, string[]][] = [
      ['no separator: a DN with a comma is one group', AUD, 'CN=readers,admins', ['CN=readers,admins']],
      ['no separator: spaces do not split', AUD, 'readers admins', ['readers admins']],
      ['separator ",": split and trimmed', { ...AUD, groupsSeparator: ',' }, 'readers, admins', ['readers', 'admins']],
      ['separator " "', { ...AUD, groupsSeparator: ' ' }, 'readers admins', ['readers', 'admins']],
      ['separator ";": commas stay', { ...AUD, groupsSeparator: ';' }, 'CN=readers,admins;ops', ['CN=readers,admins', 'ops']],
      ['an array is always a list', AUD, ['readers', 'admins'], ['readers', 'admins']],
    ];
    test.each(cases)('%s', async (_what, jwt, groups, expected) => {
      const p = await expectAccepted(jwt, await token((_h, pl) => { pl.groups = groups; }));
      expect(p.groups).toEqual(expected);
    });
  });

  describe('iat in the future beyond the clock tolerance is refused', () => {
    const cases: [string, Claims, Transform, boolean][] = [
      ['iat now', AUD, () => {}, true],
      ['iat 20 s ahead (within the default 30 s)', AUD, (_h, p) => { p.iat = now() + 20; }, true],
      ['iat an hour ahead', AUD, (_h, p) => { p.iat = now() + 3600; }, false],
      ['iat 20 s ahead with no tolerance', { ...AUD, clockToleranceSeconds: 0 }, (_h, p) => { p.iat = now() + 20; }, false],
      ['iat an hour ahead, signature verified by the platform', { ...AUD, verifySignature: false }, (_h, p) => { p.iat = now() + 3600; }, false],
    ];
    test.each(cases)('%s', async (_what, jwt, transform, accepted) => {
      const t = await token(transform);
      if (accepted) await expectAccepted(jwt, t);
      else await expectRefused(jwt, t, 'Invalid token: not yet valid');
    });

    test('a non-numeric iat is refused (signature verified by jose, or by the platform)', async () => {
      for (const jwt of [AUD, { ...AUD, verifySignature: false }]) {
        const r = await outcome(jwt, await token((_h, p) => { p.iat = 'tomorrow'; }));
        expect(r).toBeInstanceOf(GovernanceError);
        expect((r as GovernanceError).message).toMatch(/^Invalid token: /);
      }
    });
  });

  describe('only the canonical base64url spelling of a token is accepted', () => {
    /** Sets the unused low bits of the last character of a base64url segment (same bytes for a lenient decoder). */
    const dirtyTail = (seg: string): string | undefined => {
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const unused = [0, 0, 4, 2][seg.length % 4]; // trailing bits that carry no data
      if (unused === 0) return undefined;
      const v = alphabet.indexOf(seg[seg.length - 1]);
      return seg.slice(0, -1) + alphabet[v | ((1 << unused) - 1)];
    };
    const variants: [string, (t: string) => string | undefined][] = [
      ['"=" padding appended to the signature', (t) => `${t}=`],
      ['"==" padding appended to the signature', (t) => `${t}==`],
      ['padding on the header segment', (t) => { const [h, p, s] = t.split('.'); return `${h}${'='.repeat((4 - (h.length % 4)) % 4 || 4)}.${p}.${s}`; }],
      ['non-zero unused bits at the end of the signature', (t) => { const [h, p, s] = t.split('.'); const d = dirtyTail(s); return d && `${h}.${p}.${d}`; }],
      ['non-zero unused bits at the end of the payload', (t) => { const [h, p, s] = t.split('.'); const d = dirtyTail(p); return d && `${h}.${d}.${s}`; }],
      ['the standard alphabet (+ /) instead of base64url', (t) => (/[-_]/.test(t) ? t.replace(/-/g, '+').replace(/_/g, '/') : undefined)],
      ['a fourth segment', (t) => `${t}.`],
    ];
    test.each(variants)('%s -> malformed, even right after the canonical token was accepted (and remembered)', async (_what, variant) => {
      let t = await token();
      let v = variant(t);
      // Signatures and payloads vary: draw tokens until this variant applies (it does for most within a few draws).
      for (let i = 0; v === undefined && i < 50; i++) v = variant((t = await token((_h, p) => { p.jti = `j-${i}`; })));
      expect(v).toBeDefined();
      expect(v).not.toBe(t);
      await expectAccepted(AUD, t);
      await expectRefused(AUD, v!, 'Invalid token: malformed');
    });

    test.each([
      ['canonical', 'eyJhIjoxfQ.eyJiIjoyfQ.c2ln', true],
      ['padding', 'eyJhIjoxfQ==.eyJiIjoyfQ.c2ln', false],
      ['a length that is 1 mod 4', 'eyJhIjoxfQ.eyJiIjoyfQ.c2lnA', false],
      ['dirty trailing bits (AB decodes like AA)', 'eyJhIjoxfQ.eyJiIjoyfQ.AB', false],
      ['clean trailing bits', 'eyJhIjoxfQ.eyJiIjoyfQ.AA', true],
      ['whitespace', 'eyJhIjoxfQ.eyJiI joyfQ.c2ln', false],
      ['two segments', 'eyJhIjoxfQ.eyJiIjoyfQ', false],
    ])('checks.canonicalCompact: %s', (_what, t, ok) => {
      expect(canonicalCompact(t)).toBe(ok);
    });
  });
});
