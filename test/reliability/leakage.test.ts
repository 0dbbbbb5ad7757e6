/**
 * Security: no leakage. Canary secrets and PII are planted across a whole run of the BUILT bundle (debug logging on,
 * audit records with redacted contents on, the full pipeline): the caller's bearer tokens (valid and refused), a
 * workload access token header, the upstream client secret (loopback Secrets Manager endpoint) and the access tokens
 * the proxy obtains with it, the AWS secret key and the tokenization key in the environment, and PII in arguments and
 * in results. Success paths, denials, refusals, upstream errors, a token refresh and a shutdown are all exercised.
 * None of the canaries may appear in the proxy's stdout (audit records, metrics), stderr (logs), or in the audit
 * records; raw PII in arguments never reaches the upstream (tokenized) and raw PII in results never reaches the caller.
 */
import { randomBytes } from 'node:crypto';
import { OAuth2Server } from 'oauth2-mock-server';
import { verifyAuditLog } from '../../runtime/src/stages/audit';
import { auditRecords, findCanaries, post, toolCall, waitForTools, type RpcReply } from '../support/fault-harness';
import { startFaultUpstream, type FaultUpstream } from '../support/fault-upstream';
import { spawnProxy, type SpawnedProxy } from '../support/proxy';
import { LoopbackSecretsManager } from '../support/secrets-manager-endpoint';
import { TEST_CREDENTIALS } from '../support/sigv4-upstream';

jest.setTimeout(90_000);

/** A Luhn-valid 16-digit card number starting 4 (random, so it appears nowhere else). */
function cardNumber(): string {
  const digits = [4, ...Array.from({ length: 14 }, () => Math.floor(Math.random() * 10))];
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    let d = digits[14 - i];
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  digits.push((10 - (sum % 10)) % 10);
  return digits.join('').replace(/(\d{4})(?=\d)/g, '$1 ');
}

const tag = randomBytes(3).toString('hex');
const SECRETS = {
  clientSecret: `CANARY-client-secret-${tag}-${randomBytes(8).toString('hex')}`,
  workloadToken: `CANARY-workload-${tag}-${randomBytes(8).toString('hex')}`,
  tokenizationKey: randomBytes(64).toString('hex'),
  awsSecretKey: TEST_CREDENTIALS.secretAccessKey,
};
const PII = {
  email: `zq.canary.${tag}@example.org`,
  ssn: `${String(100 + Math.floor(Math.random() * 500))}-${String(10 + Math.floor(Math.random() * 80))}-${String(1000 + Math.floor(Math.random() * 8000))}`,
  card: cardNumber(),
  phone: `+1 415 555 0${String(100 + Math.floor(Math.random() * 800))}`,
  resultEmail: `result.canary.${tag}@example.net`,
  resultSsn: `${String(100 + Math.floor(Math.random() * 500))}-${String(10 + Math.floor(Math.random() * 80))}-${String(1000 + Math.floor(Math.random() * 8000))}`,
};

describe('no leakage of planted canaries across a whole run (debug logs, audit contents, every path)', () => {
  const idp = new OAuth2Server();
  let secrets: LoopbackSecretsManager;
  let upstream: FaultUpstream;
  let proxy: SpawnedProxy;
  const callerTokens: Record<string, string> = {};
  const upstreamTokens: string[] = [];
  const revoked = new Set<string>();
  const replies: RpcReply[] = [];
  let stdout = '';
  let stderr = '';
  let n = 0;

  const token = (transform: (p: Record<string, unknown>) => void = () => {}, expiresIn = 300) =>
    idp.issuer.buildToken({
      expiresIn,
      scopesOrTransform: (_h, p) => {
        Object.assign(p, { sub: `user-${tag}`, aud: 'proxy-api', 'cognito:groups': ['staff'] });
        transform(p as Record<string, unknown>);
      },
    });
  const call = async (authorization: string, name: string, args: Record<string, unknown>) => {
    const r = await post(proxy.url, toolCall(name, args, `leak-${++n}`), { headers: { authorization, workloadaccesstoken: SECRETS.workloadToken } });
    replies.push(r);
    return r;
  };

  beforeAll(async () => {
    await idp.issuer.keys.generate('RS256');
    await idp.start(0, '127.0.0.1');
    // RS256 is deterministic: without a jti, two tokens issued in the same second would be identical.
    idp.service.on('beforeTokenSigning', (t: { payload: Record<string, unknown> }) => {
      t.payload.jti = randomBytes(8).toString('hex');
    });
    secrets = await LoopbackSecretsManager.start({ secrets: { 'leak-client-secret': SECRETS.clientSecret } });
    upstream = await startFaultUpstream({
      name: 'crm',
      tools: [
        { name: 'lookup', inputSchema: { type: 'object', properties: { email: { type: 'string' }, note: { type: 'string' } } } },
        { name: 'customer', inputSchema: { type: 'object' } },
        { name: 'jsonrpc_error', inputSchema: { type: 'object', properties: { email: { type: 'string' } } } },
        { name: 'http500', inputSchema: { type: 'object', properties: { email: { type: 'string' } } } },
        { name: 'hang', inputSchema: { type: 'object', properties: { email: { type: 'string' } } } },
      ],
      handlers: {
        lookup: (a) => ({ content: [{ type: 'text', text: `found ${JSON.stringify(a)}` }], structuredContent: { echo: a } }),
        customer: () => ({
          content: [{ type: 'text', text: `Customer record: ${PII.resultEmail}, SSN ${PII.resultSsn}, card ${PII.card}` }],
          structuredContent: { email: PII.resultEmail, ssn: PII.resultSsn },
        }),
      },
      authorize: (req) => {
        const m = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''));
        if (!m) return false;
        if (!upstreamTokens.includes(m[1])) upstreamTokens.push(m[1]);
        return !revoked.has(m[1]);
      },
    });
    proxy = await spawnProxy(
      {
        version: 1,
        upstreams: [
          {
            name: 'crm',
            url: upstream.url,
            timeoutMs: 1500,
            auth: { type: 'oauth2-client-credentials', tokenUrl: `${idp.issuer.url}/token`, clientId: 'proxy', clientSecretArn: 'leak-client-secret', region: 'us-east-1' },
          },
        ],
        identity: { mode: 'jwt', jwt: { issuer: idp.issuer.url!, audiences: ['proxy-api'] } },
        accessControl: { enabled: true, ruleSets: [{ name: 'main', rules: [{ effect: 'permit', groups: ['staff'], tools: ['*'] }] }] },
        sanitize: { enabled: true, denyPatterns: [{ name: 'no_drop', pattern: 'drop\\s+table', caseInsensitive: true }] },
        tokenize: { enabled: true },
        redact: { enabled: true },
        audit: { sink: 'stdout', includeRedactedContent: true, metrics: { enabled: true, intervalMs: 1000 } },
      },
      {
        env: {
          MCP_PROXY_LOG_LEVEL: 'debug',
          MCP_PROXY_TOKENIZATION_KEY: SECRETS.tokenizationKey,
          AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: SECRETS.awsSecretKey,
          AWS_REGION: 'us-east-1',
          AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
        },
      },
    );
    callerTokens.valid = await token();
    await waitForTools(proxy.url, ['lookup'], { headers: { authorization: `Bearer ${callerTokens.valid}` } });
  });

  afterAll(async () => {
    await proxy?.stop();
    await upstream?.close();
    await secrets?.close();
    await idp.stop();
  });

  test('exercise every path with canaries planted', async () => {
    const auth = `Bearer ${callerTokens.valid}`;
    // Success with PII in the arguments (tokenized before the upstream) and PII in the results (redacted on the way back).
    const ok = await call(auth, 'lookup', { email: PII.email, note: `ssn ${PII.ssn}, card ${PII.card}, phone ${PII.phone}` });
    expect(ok.json?.result).toBeDefined();
    const cust = await call(auth, 'customer', {});
    expect(cust.json?.result).toBeDefined();
    // Refused by sanitize, refused by schema (PII in an unknown argument name), unknown tool.
    expect((await call(auth, 'lookup', { note: `DROP TABLE users; -- ${PII.email}` })).json?.error?.code).toBe(-32004);
    expect((await call(auth, 'nope', { email: PII.email })).json?.error?.code).toBe(-32602);
    // Denied callers: expired, wrong audience, forged.
    callerTokens.expired = await token(() => {}, -3600);
    callerTokens.wrongAudience = await token((p) => (p.aud = 'other'));
    for (const t of [callerTokens.expired, callerTokens.wrongAudience]) expect((await call(`Bearer ${t}`, 'lookup', { email: PII.email })).json?.error?.code).toBe(-32001);
    // Upstream failures with PII in flight: JSON-RPC error, HTTP 500, timeout.
    expect((await call(auth, 'jsonrpc_error', { email: PII.email })).json?.error?.code).toBe(-32050);
    expect((await call(auth, 'http500', { email: PII.email })).json?.error?.code).toBe(-32006);
    expect((await call(auth, 'hang', { email: PII.email })).json?.error?.code).toBeLessThan(-32000);
    // The upstream revokes the proxy's token: refresh, retry.
    for (const t of upstreamTokens) revoked.add(t);
    expect((await call(auth, 'lookup', { email: PII.email })).json?.result).toBeDefined();
    expect(upstreamTokens.length).toBeGreaterThanOrEqual(2);
    // Let a metrics interval pass, then shut down (final flush, audit_stop, shutdown logs).
    await new Promise((r) => setTimeout(r, 1200));
    expect(await proxy.stop()).toBe(0);
    stdout = proxy.stdout();
    stderr = proxy.stderr();
    expect(auditRecords(stdout).length).toBeGreaterThan(15);
    expect(verifyAuditLog(stdout).ok).toBe(true);
  });

  test('no secret canary in stdout or stderr', () => {
    expect(stdout.length * stderr.length).toBeGreaterThan(0); // the run above captured both
    const canaries: Record<string, string> = { ...SECRETS, workloadTokenFragment: SECRETS.workloadToken.slice(-16) };
    for (const [k, t] of Object.entries(callerTokens)) {
      canaries[`callerToken.${k}`] = t;
      canaries[`callerToken.${k}.signature`] = t.split('.')[2];
    }
    upstreamTokens.forEach((t, i) => {
      canaries[`upstreamToken${i}`] = t;
      canaries[`upstreamToken${i}.signature`] = t.split('.')[2] ?? t;
    });
    expect(findCanaries(canaries, { stdout, stderr })).toEqual([]);
  });

  test('no raw PII (from arguments or results) in stdout, stderr or audit records', () => {
    expect(stdout.length * stderr.length).toBeGreaterThan(0);
    const pii: Record<string, string> = { ...PII, cardDigits: PII.card.replace(/ /g, ''), ssnDigits: PII.ssn.replace(/-/g, '') };
    expect(findCanaries(pii, { stdout, stderr })).toEqual([]);
  });

  test('raw PII in arguments never reached the upstream (tokenized), raw PII in results never reached the caller (redacted)', () => {
    expect(upstream.calls.length).toBeGreaterThanOrEqual(6);
    const upstreamSaw = upstream.calls.map((c) => c.raw).join('\n');
    expect(findCanaries({ email: PII.email, ssn: PII.ssn, card: PII.card, phone: PII.phone }, { upstream: upstreamSaw })).toEqual([]);
    const callerSaw = replies.map((r) => r.text).join('\n');
    expect(findCanaries({ resultEmail: PII.resultEmail, resultSsn: PII.resultSsn }, { caller: callerSaw })).toEqual([]);
  });

  // An upstream's own JSON-RPC error flows back through the output stages (Pipeline.filterUpstreamError), so PII an
  // upstream puts in an error message or its data is redacted before it reaches the caller.
  test('PII in an upstream JSON-RPC error message is redacted before it reaches the caller', async () => {
    const leaky = await startFaultUpstream({ name: 'leaky', tools: [{ name: 'jsonrpc_error', inputSchema: { type: 'object' } }] });
    const p = await spawnProxy({ version: 1, upstreams: [{ name: 'leaky', url: leaky.url }], redact: { enabled: true } }, { env: { MCP_PROXY_LOG_LEVEL: 'info' } });
    try {
      await waitForTools(p.url, ['jsonrpc_error']);
      const r = await post(p.url, toolCall('jsonrpc_error', { code: -32050, message: `no account for ${PII.resultEmail} (SSN ${PII.resultSsn})` }, 'e'));
      expect(r.json?.error?.code).toBe(-32050);
      expect(findCanaries({ email: PII.resultEmail, ssn: PII.resultSsn }, { caller: r.text })).toEqual([]);
    } finally {
      await p.stop();
      await leaky.close();
    }
  });
});
