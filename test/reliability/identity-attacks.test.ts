/**
 * Reliability/security: identity attacks against the BUILT bundle in identity mode jwt, with a real OAuth2/OIDC
 * server (oauth2-mock-server) on 127.0.0.1 and Cedar access control on. Every forged, stale, misdirected or
 * malformed token is denied with a JSON-RPC error, the upstream never sees the call (asserted on the upstream side),
 * and the denial is audited (audit records parsed from the proxy's stdout). Group claims of unexpected types never
 * grant a group. Positive controls show the same calls succeed with a proper token. The proxy is configured with both
 * `audiences` and `allowedClients`, so every accepted token carries both (as an RFC 9068 access token does); the
 * strictness rules (subject, both lists, access tokens only, one group per string, iat, canonical encoding) each have
 * a case here.
 */
import { exportSPKI, generateKeyPair, importJWK, SignJWT, UnsecuredJWT } from 'jose';
import { OAuth2Server } from 'oauth2-mock-server';
import { verifyAuditLog } from '../../runtime/src/stages/audit';
import { auditRecords, findCanaries, outcomeFor, post, settle, toolCall, waitForTools } from '../support/fault-harness';
import { startFaultUpstream, type FaultUpstream } from '../support/fault-upstream';
import { waitFor } from '../support/net';
import { spawnProxy, type SpawnedProxy } from '../support/proxy';

jest.setTimeout(60_000);

type Claims = Record<string, unknown>;
type Transform = (header: Record<string, unknown>, payload: Claims) => void;

describe('identity attacks (mode jwt, real OIDC issuer on loopback): denied, never forwarded, audited', () => {
  const idp = new OAuth2Server();
  let issuer: string;
  let kid: string;
  let upstream: FaultUpstream;
  let proxy: SpawnedProxy;
  const attackTokens: Record<string, string> = {};
  let nextId = 1;
  const now = () => Math.floor(Date.now() / 1000);

  const token = (transform: Transform = () => {}, expiresIn = 300): Promise<string> =>
    idp.issuer.buildToken({
      expiresIn,
      scopesOrTransform: (header, payload) => {
        payload.sub = 'user-1';
        payload.aud = 'proxy-api';
        payload.client_id = 'cognito-client';
        payload['cognito:groups'] = ['staff'];
        transform(header as Record<string, unknown>, payload as Claims);
      },
    });

  const callWith = async (authorization: string | undefined, tool: string, args: Record<string, unknown> = { text: 'x' }) => {
    const id = `id-${nextId++}`;
    const r = await post(proxy.url, toolCall(tool, args, id), { headers: authorization === undefined ? {} : { authorization } });
    return { ...r, id };
  };

  beforeAll(async () => {
    kid = (await idp.issuer.keys.generate('RS256')).kid;
    await idp.start(0, '127.0.0.1');
    issuer = idp.issuer.url!;
    upstream = await startFaultUpstream({
      name: 'tools',
      tools: [
        { name: 'ok', inputSchema: { type: 'object', properties: { text: { type: 'string' } } } },
        { name: 'admin_reset', inputSchema: { type: 'object' } },
      ],
      handlers: { admin_reset: () => ({ content: [{ type: 'text', text: 'reset done' }] }) },
    });
    proxy = await spawnProxy({
      version: 1,
      upstreams: [{ name: 'tools', url: upstream.url, timeoutMs: 5000 }],
      identity: { mode: 'jwt', jwt: { issuer, audiences: ['proxy-api'], allowedClients: ['cognito-client'], maxTokenBytes: 8192 } },
      accessControl: {
        enabled: true,
        ruleSets: [
          {
            name: 'main',
            rules: [
              { id: 'staff-ok', effect: 'permit', groups: ['staff'], tools: ['ok'] },
              { id: 'admins-all', effect: 'permit', groups: ['admins'], tools: ['*'] },
            ],
          },
        ],
      },
      audit: { sink: 'stdout', metrics: { enabled: false } },
    });
    await waitForTools(proxy.url, ['ok', 'admin_reset'], { headers: { authorization: `Bearer ${await token((_h, p) => { p['cognito:groups'] = ['admins']; })}` } });
  });

  afterAll(async () => {
    await proxy?.stop();
    await upstream?.close();
    await idp.stop();
  });

  test('positive controls: a proper token calls what its group permits; admins call the admin tool', async () => {
    const before = upstream.calls.length;
    const staff = await callWith(`Bearer ${await token()}`, 'ok', { text: 'hello' });
    expect(staff.json).toEqual({ jsonrpc: '2.0', id: staff.id, result: { content: [{ type: 'text', text: 'hello' }] } });
    const admin = await callWith(`Bearer ${await token((_h, p) => { p['cognito:groups'] = ['admins']; })}`, 'admin_reset', {});
    expect(admin.json?.result).toEqual({ content: [{ type: 'text', text: 'reset done' }] });
    expect(upstream.calls.length).toBe(before + 2);
  });

  test('positive controls for the strict rules: RFC 9068 and Cognito access-token shapes are accepted', async () => {
    const shapes: [string, Transform, string][] = [
      ['typ at+jwt', (h) => { h.typ = 'at+jwt'; }, 'user-1'],
      ['Cognito access token (token_use access)', (_h, p) => { p.token_use = 'access'; p.scope = 'mcp/invoke'; }, 'user-1'],
      ['client credentials, sub = the client id (Cognito M2M)', (_h, p) => { p.sub = 'cognito-client'; p.token_use = 'access'; }, 'cognito-client'],
      ['client credentials without sub: client_id names the caller', (_h, p) => { delete p.sub; }, 'cognito-client'],
      ['iat within the clock tolerance', (_h, p) => { p.iat = now() + 10; }, 'user-1'],
    ];
    for (const [label, transform, who] of shapes) {
      const before = upstream.calls.length;
      const r = await callWith(`Bearer ${await token(transform)}`, 'ok', { text: label });
      expect([label, r.json?.result]).toEqual([label, { content: [{ type: 'text', text: label }] }]);
      expect(upstream.calls.length).toBe(before + 1);
      const rec = await waitFor(() => outcomeFor(auditRecords(proxy.stdout()), r.id), { what: `audit record of ${label}` });
      expect(rec.caller).toMatchObject({ kind: 'jwt', groups: ['staff'] });
      expect((rec.caller as { sub?: string; clientId?: string }).sub ?? (rec.caller as { clientId?: string }).clientId).toBe(who);
    }
  });

  const forged: [string, () => Promise<string | undefined>, RegExp][] = [
    ['no Authorization header', async () => undefined, /^Authentication required$/],
    ['Basic credentials', async () => 'Basic dXNlcjpwYXNz', /^Authentication required$/],
    ['Bearer without a token', async () => 'Bearer ', /^Authentication required$/],
    ['alg none', async () => `Bearer ${new UnsecuredJWT({ sub: 'x', iss: issuer, aud: 'proxy-api', exp: now() + 300, 'cognito:groups': ['admins'] }).encode()}`, /^Invalid token/],
    [
      'HS256 signed with the issuer public key (key confusion)',
      async () => {
        const jwk = idp.issuer.keys.toJSON().find((k) => k.kid === kid)!;
        const pem = await exportSPKI((await importJWK(jwk, 'RS256', { extractable: true })) as CryptoKey);
        const t = await new SignJWT({ sub: 'x', aud: 'proxy-api', 'cognito:groups': ['admins'] })
          .setProtectedHeader({ alg: 'HS256', kid })
          .setIssuer(issuer)
          .setExpirationTime('5m')
          .sign(new TextEncoder().encode(pem));
        return `Bearer ${t}`;
      },
      /^Invalid token/,
    ],
    [
      'signed with the wrong key under the issuer kid',
      async () => {
        const { privateKey } = await generateKeyPair('RS256');
        return `Bearer ${await new SignJWT({ sub: 'x', aud: 'proxy-api' }).setProtectedHeader({ alg: 'RS256', kid }).setIssuer(issuer).setExpirationTime('5m').sign(privateKey)}`;
      },
      /^Invalid token: bad signature$/,
    ],
    [
      'signed with a key the issuer does not publish',
      async () => {
        const { privateKey } = await generateKeyPair('ES256');
        return `Bearer ${await new SignJWT({ sub: 'x', aud: 'proxy-api' }).setProtectedHeader({ alg: 'ES256', kid: 'attacker' }).setIssuer(issuer).setExpirationTime('5m').sign(privateKey)}`;
      },
      /^Invalid token/,
    ],
    ['a valid signature with the payload swapped (admins)', async () => {
      const good = await token();
      const [h, , sig] = good.split('.');
      const payload = Buffer.from(JSON.stringify({ sub: 'user-1', aud: 'proxy-api', iss: issuer, exp: now() + 300, 'cognito:groups': ['admins'] })).toString('base64url');
      return `Bearer ${h}.${payload}.${sig}`;
    }, /^Invalid token: bad signature$/],
    ['expired', async () => `Bearer ${await token(() => {}, -3600)}`, /^Invalid token: expired$/],
    ['not yet valid (nbf in an hour)', async () => `Bearer ${await token((_h, p) => { p.nbf = now() + 3600; })}`, /^Invalid token: not yet valid$/],
    ['wrong issuer', async () => `Bearer ${await token((_h, p) => { p.iss = 'https://evil.example.com'; })}`, /^Invalid token: wrong issuer$/],
    ['wrong audience', async () => `Bearer ${await token((_h, p) => { p.aud = 'another-api'; })}`, /^Invalid token: wrong audience or client$/],
    ['wrong client (client_id, no aud)', async () => `Bearer ${await token((_h, p) => { delete p.aud; p.client_id = 'evil-client'; })}`, /^Invalid token: wrong audience or client$/],
    ['audience as an object', async () => `Bearer ${await token((_h, p) => { p.aud = { 'proxy-api': true }; })}`, /^Invalid token/],
    ['missing exp', async () => `Bearer ${await token((_h, p) => { delete p.exp; })}`, /^Invalid token: missing claim$/],
    ['missing aud and client_id', async () => `Bearer ${await token((_h, p) => { delete p.aud; delete p.client_id; })}`, /^Invalid token: wrong audience or client$/],
    // Strictness (issue 15, class 3): each rule's failing case.
    ['neither sub nor client_id (would be an anonymous shared principal)', async () => `Bearer ${await token((_h, p) => { delete p.sub; delete p.client_id; p['cognito:groups'] = ['admins']; })}`, /^Invalid token: no subject$/],
    ['an empty sub and no client_id', async () => `Bearer ${await token((_h, p) => { p.sub = ''; delete p.client_id; })}`, /^Invalid token: no subject$/],
    ['aud accepted, client_id not in allowedClients', async () => `Bearer ${await token((_h, p) => { p.client_id = 'rogue-client'; p['cognito:groups'] = ['admins']; })}`, /^Invalid token: wrong audience or client$/],
    ['aud accepted, no client_id', async () => `Bearer ${await token((_h, p) => { delete p.client_id; })}`, /^Invalid token: wrong audience or client$/],
    ['client_id accepted, aud of another API', async () => `Bearer ${await token((_h, p) => { p.aud = 'another-api'; })}`, /^Invalid token: wrong audience or client$/],
    ['a Cognito ID token (token_use id)', async () => `Bearer ${await token((_h, p) => { p.token_use = 'id'; })}`, /^Invalid token: wrong token type$/],
    ['an OIDC ID token (nonce and at_hash)', async () => `Bearer ${await token((_h, p) => { p.nonce = 'n-0S6'; p.at_hash = 'HK6E_P6Dh8Y93mRNtsDB1Q'; })}`, /^Invalid token: wrong token type$/],
    ['a typ header of another token type', async () => `Bearer ${await token((h) => { h.typ = 'id+jwt'; })}`, /^Invalid token: wrong token type$/],
    ['a Keycloak ID token (typ claim ID)', async () => `Bearer ${await token((_h, p) => { p.typ = 'ID'; })}`, /^Invalid token: wrong token type$/],
    ['iat an hour in the future', async () => `Bearer ${await token((_h, p) => { p.iat = now() + 3600; })}`, /^Invalid token: not yet valid$/],
    ['"=" padding appended to a valid signature', async () => `Bearer ${await token()}=`, /^Invalid token: malformed$/],
    ['"==" padding appended to a valid signature', async () => `Bearer ${await token()}==`, /^Invalid token: malformed$/],
    ['non-zero unused bits at the end of a valid signature', async () => {
      const [h, p, sig] = (await token()).split('.');
      // An RS256 signature is 256 bytes: 342 base64url characters, the last one carrying 4 unused bits.
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      return `Bearer ${h}.${p}.${sig.slice(0, -1)}${alphabet[alphabet.indexOf(sig[sig.length - 1]) | 0b1111]}`;
    }, /^Invalid token: malformed$/],
    ['missing iss', async () => `Bearer ${await token((_h, p) => { delete p.iss; })}`, /^Invalid token/],
    ['oversized (over maxTokenBytes)', async () => `Bearer ${await token((_h, p) => { p.padding = 'x'.repeat(9000); })}`, /^Invalid token: too large$/],
    ['not a JWT', async () => 'Bearer not.a.jwt', /^Invalid token: malformed$/],
    ['three empty segments', async () => 'Bearer ..', /^(Invalid token|Authentication required)/],
    ['two tokens in one header', async () => `Bearer ${await token()} ${await token()}`, /^(Invalid token|Authentication required)/],
  ];

  test.each(forged)('%s -> -32001, upstream never called, audited as unauthenticated', async (label, make, message) => {
    const auth = await make();
    if (auth) attackTokens[label] = auth.replace(/^\S+\s+/, '');
    const before = upstream.calls.length;
    const r = await callWith(auth, 'admin_reset', {});
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ jsonrpc: '2.0', id: r.id, error: { code: -32001, message: expect.stringMatching(message) } });
    // The same for a list: nothing is shown to an unauthenticated caller.
    const list = await post(proxy.url, JSON.stringify({ jsonrpc: '2.0', id: `${r.id}-list`, method: 'tools/list' }), { headers: auth ? { authorization: auth } : {} });
    expect(list.json).toMatchObject({ error: { code: -32001 } });
    expect(upstream.calls.length).toBe(before);
    const rec = await waitFor(() => outcomeFor(auditRecords(proxy.stdout()), r.id), { what: 'audit record of the denial' });
    expect(rec.outcome).toEqual({ status: 'denied', errorCode: -32001, errorClass: 'unauthenticated' });
    expect(rec.caller).toBeUndefined();
  });

  test('an Authorization header larger than the HTTP limit is refused at the HTTP layer; the proxy stays up', async () => {
    const before = upstream.calls.length;
    const huge = `Bearer ${'A'.repeat(64 * 1024)}`;
    const res = await settle(
      fetch(proxy.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: huge },
        body: toolCall('admin_reset', {}, 'huge-header'),
        signal: AbortSignal.timeout(10_000),
      }),
    );
    // Node's HTTP parser refuses the header block (431), or closes the connection.
    if (res.ok) expect(res.value.status).toBe(431);
    expect(upstream.calls.length).toBe(before);
    const ok = await callWith(`Bearer ${await token()}`, 'ok', { text: 'after' });
    expect(ok.json?.result).toEqual({ content: [{ type: 'text', text: 'after' }] });
  });

  // Properly signed tokens whose group claim has an unexpected shape: none of them may grant "admins".
  const groupShapes: [string, unknown][] = [
    ['an object', { admins: true }],
    ['a nested array', [['admins']]],
    ['an array of objects', [{ name: 'admins' }]],
    ['a number', 1],
    ['a boolean', true],
    ['null', null],
    ['a case variant', ['Admins', 'ADMINS']],
    ['a look-alike (Cyrillic a)', ['\u0430dmins']],
    ['with a zero-width space', ['admins\u200b']],
    ['with a trailing NUL', ['admins\u0000']],
    ['with a wildcard', ['*']],
    ['600 entries (none of them admins)', Array.from({ length: 600 }, (_, i) => `g${i}`)],
    ['a comma-separated string (no separator configured: one group)', 'CN=readers,admins'],
    ['a space-separated string (no separator configured: one group)', 'staff admins'],
  ];
  test.each(groupShapes)('groups claim as %s never grants the admins group (call denied, upstream never called, audited)', async (_label, groups) => {
    const before = upstream.calls.length;
    const t = await token((_h, p) => { p['cognito:groups'] = groups; });
    const r = await callWith(`Bearer ${t}`, 'admin_reset', {});
    expect(r.json).toMatchObject({ id: r.id, error: { code: -32602, message: 'Unknown tool: admin_reset' } });
    expect(upstream.calls.length).toBe(before);
    const rec = await waitFor(() => outcomeFor(auditRecords(proxy.stdout()), r.id), { what: 'audit record' });
    expect(rec).toMatchObject({ decision: { effect: 'deny' }, outcome: { status: 'denied', errorClass: 'forbidden' } });
    expect(rec.caller?.groups ?? []).not.toContain('admins');
    // The same caller's list hides the tool.
    const list = await post(proxy.url, JSON.stringify({ jsonrpc: '2.0', id: 'l', method: 'tools/list' }), { headers: { authorization: `Bearer ${t}` } });
    expect(((list.json?.result?.tools ?? []) as { name: string }[]).map((x) => x.name)).not.toContain('admin_reset');
  });

  test('the groups claim under another name ("groups") is ignored: no admins', async () => {
    const before = upstream.calls.length;
    const r = await callWith(`Bearer ${await token((_h, p) => { delete p['cognito:groups']; p.groups = ['admins']; })}`, 'admin_reset', {});
    expect(r.json?.error?.code).toBe(-32602);
    expect(upstream.calls.length).toBe(before);
  });

  test('no attack token appears in stdout, stderr or the audit records; the audit chain verifies', () => {
    expect(Object.keys(attackTokens).length).toBeGreaterThan(10);
    // Compare on a distinctive slice of each token (the signature part when there is one).
    const slices = Object.fromEntries(Object.entries(attackTokens).filter(([, t]) => t.length > 24).map(([k, t]) => [k, t.slice(-24)]));
    expect(findCanaries(slices, { stdout: proxy.stdout(), stderr: proxy.stderr() })).toEqual([]);
    const v = verifyAuditLog(proxy.stdout());
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
  });
});
