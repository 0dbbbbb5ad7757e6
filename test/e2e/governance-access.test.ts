/**
 * End-to-end: access control through the BUILT proxy bundle, with real parts: JWTs from a real OIDC server
 * (oauth2-mock-server on 127.0.0.1, tokens from its token endpoint), two real SDK upstreams that record every call
 * they receive, the SDK client, and the Cedar policy of test/support/gov-config.ts (typed rules, a raw Cedar rule
 * with an argument condition, and a dry-run rule set). Audit records go to the proxy's stdout here.
 */
import { generateKeyPair, SignJWT, decodeProtectedHeader } from 'jose';
import { ErrorCode } from '../../runtime/src/pipeline/errors';
import { parseAuditLines, type AuditRecord } from '../support/gov-audit';
import { POLICY_IDS } from '../support/gov-config';
import { CALLERS, startGovEnv, type Caller, type GovEnv } from '../support/gov-env';
import { APP_CLIENT_ID, ROGUE_CLIENT_ID, jwtClaims } from '../support/gov-idp';
import { ALL_EXPOSED_TOOLS, BENIGN_ARGUMENTS } from '../support/gov-upstreams';
import { waitFor } from '../support/net';

/** What each caller may call (and so must see) under the policy, with the benign arguments. */
const EXPECTED_CALLABLE: Readonly<Record<Caller, readonly string[]>> = {
  alice: ['crm__get_customer', 'crm__search_customers', 'crm__export_customers', 'ops__read_file'],
  carol: ['crm__search_customers', 'crm__export_customers', 'ops__read_file'],
  bob: ['crm__get_customer', 'crm__search_customers', 'crm__update_customer'],
  root: ALL_EXPOSED_TOOLS,
  mallory: [],
  'status-bot': ['ops__service_status'],
};

function upstreamCallCount(env: GovEnv): number {
  return env.crm.calls.length + env.ops.calls.length;
}

describe('governance e2e: Cedar access control through the built proxy (real OIDC tokens, recording upstreams)', () => {
  let env: GovEnv;

  beforeAll(async () => {
    env = await startGovEnv();
  }, 60_000);

  afterAll(async () => {
    await env?.close();
  });

  const auditRecords = (): AuditRecord[] => parseAuditLines(env.proxy.stdout());

  test('the caller identity comes from real JWTs: groups, scope and client_id claims', () => {
    expect(jwtClaims(env.tokens.alice)).toMatchObject({ iss: env.idp.issuer, sub: 'alice', client_id: APP_CLIENT_ID, groups: ['analysts'] });
    expect(jwtClaims(env.tokens['status-bot'])).toMatchObject({ client_id: 'status-bot', scope: 'ops/status.read' });
    expect(jwtClaims(env.tokens['status-bot']).sub).toBeUndefined();
  });

  test('an allowed call is forwarded, with its arguments, to the right upstream', async () => {
    const alice = await env.client('alice');
    const before = env.crm.calls.length;
    const res = await alice.callTool({ name: 'crm__get_customer', arguments: { customerId: 'C-2001' } });
    expect(res.isError).toBeFalsy();
    expect(env.crm.calls.slice(before)).toEqual([{ name: 'get_customer', arguments: { customerId: 'C-2001' } }]);

    const bot = await env.client('status-bot');
    const s = await bot.callTool({ name: 'ops__service_status', arguments: { service: 'billing' } });
    expect(s.content).toEqual([{ type: 'text', text: 'billing: running' }]);
    expect(env.ops.calls.at(-1)).toEqual({ name: 'service_status', arguments: { service: 'billing' } });
  });

  test.each([
    // [caller, tool, arguments, expected JSON-RPC error code, why]
    ['alice', 'crm__delete_customer', { customerId: 'C-1' }, ErrorCode.InvalidParams, 'destructive: forbidden except for admins (hidden)'],
    ['alice', 'ops__restart_service', { service: 'db' }, ErrorCode.InvalidParams, 'no permit on ops except read_file (hidden)'],
    ['carol', 'crm__get_customer', { customerId: 'C-1' }, ErrorCode.InvalidParams, 'contractors may not read records, although analysts may (forbid wins)'],
    ['bob', 'crm__export_customers', { format: 'csv' }, ErrorCode.InvalidParams, 'support may not export'],
    ['bob', 'crm__delete_customer', { customerId: 'C-1' }, ErrorCode.InvalidParams, 'support may not delete'],
    ['mallory', 'crm__search_customers', { query: 'acme' }, ErrorCode.InvalidParams, 'no group: deny by default'],
    ['status-bot', 'ops__restart_service', { service: 'billing' }, ErrorCode.InvalidParams, 'the bot may only read status'],
    ['alice', 'ops__read_file', { path: '/etc/shadow' }, ErrorCode.Forbidden, 'raw Cedar argument condition: path outside /reports/'],
    ['alice', 'ops__read_file', { path: '/reports/../etc/shadow' }, ErrorCode.Forbidden, 'raw Cedar argument condition: no ..'],
  ] as const)('%s calling %s with %j is denied (%d) and never reaches the upstream: %s', async (caller, tool, args, code, _why) => {
    const before = upstreamCallCount(env);
    const reply = await env.call(caller, tool, args);
    expect(reply.result).toBeUndefined();
    expect(reply.error?.code).toBe(code);
    if (code === ErrorCode.InvalidParams) expect(reply.error?.message).toBe(`Unknown tool: ${tool}`);
    else expect(reply.error?.message).toBe('Access denied by policy');
    expect(upstreamCallCount(env)).toBe(before);
    const upstreamName = tool.split('__')[1];
    // Nothing with that name and those arguments ever reached either upstream over HTTP.
    const seen = [...env.crm.receivedCallBodies(), ...env.ops.receivedCallBodies()].filter(
      (b) => JSON.stringify((b as { params?: unknown }).params) === JSON.stringify({ name: upstreamName, arguments: args }),
    );
    expect(seen).toEqual([]);
  });

  test.each(CALLERS.map((c) => [c]))('list == callable for %s: tools/list shows exactly the tools the caller may call', async (caller) => {
    const client = await env.client(caller);
    const listed = (await client.listTools()).tools.map((t) => t.name).sort();
    const callable: string[] = [];
    for (const tool of ALL_EXPOSED_TOOLS) {
      const reply = await env.call(caller, tool, BENIGN_ARGUMENTS[tool]);
      if (reply.result) {
        callable.push(tool);
        continue;
      }
      // A denial is either "unknown" (hidden) or Forbidden (visible, arguments not permitted); anything else is a bug.
      expect([ErrorCode.InvalidParams, ErrorCode.Forbidden]).toContain(reply.error?.code);
      if (reply.error?.code === ErrorCode.InvalidParams) expect(reply.error.message).toBe(`Unknown tool: ${tool}`);
    }
    expect(callable.sort()).toEqual([...EXPECTED_CALLABLE[caller]].sort());
    expect(listed).toEqual(callable.sort());
  });

  test('a visible tool whose arguments are not permitted stays listed (partial evaluation), and is callable with permitted arguments', async () => {
    const alice = await env.client('alice');
    const listed = (await alice.listTools()).tools.map((t) => t.name);
    expect(listed).toContain('ops__read_file');
    expect((await env.call('alice', 'ops__read_file', { path: '/etc/passwd' })).error?.code).toBe(ErrorCode.Forbidden);
    const ok = await env.call('alice', 'ops__read_file', { path: '/reports/2026/q1.csv' });
    expect(ok.result).toEqual({ content: [{ type: 'text', text: 'contents of /reports/2026/q1.csv' }] });
  });

  test.each([
    ['NUL', '/reports/.\u0000./etc/shadow'],
    ['right-to-left override', '/reports/.\u202E./etc/shadow'],
    ['Unicode tag character', '/reports/.\u{E0041}./etc/shadow'],
  ])('an argument condition decides on what the upstream receives: a %s stripped by sanitization cannot smuggle `..` past it', async (_what, path) => {
    const before = env.ops.calls.length;
    const reply = await env.call('alice', 'ops__read_file', { path });
    expect(reply.error).toEqual({ code: ErrorCode.Forbidden, message: 'Access denied by policy' });
    expect(env.ops.calls.length).toBe(before);
    expect(JSON.stringify(env.ops.receivedCallBodies())).not.toContain('/reports/../etc/shadow');
  });

  test('a permitted argument with control characters is forwarded stripped', async () => {
    const reply = await env.call('alice', 'ops__read_file', { path: '/reports/q\u0000.csv' });
    expect(reply.result).toEqual({ content: [{ type: 'text', text: 'contents of /reports/q.csv' }] });
    expect(env.ops.calls.at(-1)).toEqual({ name: 'read_file', arguments: { path: '/reports/q.csv' } });
  });

  test('guessing a hidden tool name answers exactly like an unknown name (same HTTP status, same JSON-RPC body)', async () => {
    const pairs: [Caller, string][] = [
      ['alice', 'crm__delete_customer'],
      ['carol', 'crm__get_customer'],
      ['mallory', 'crm__search_customers'],
      ['status-bot', 'ops__read_file'],
    ];
    for (const [caller, hidden] of pairs) {
      const unknown = `${hidden.split('__')[0]}__no_such_tool_${hidden.length}`;
      const a = await env.call(caller, hidden, BENIGN_ARGUMENTS[hidden], 'probe');
      const b = await env.call(caller, unknown, BENIGN_ARGUMENTS[hidden], 'probe');
      expect(a.status).toBe(b.status);
      expect(a.text.replace(hidden, '<name>')).toBe(b.text.replace(unknown, '<name>'));
      expect(a.error).toEqual({ code: ErrorCode.InvalidParams, message: `Unknown tool: ${hidden}` });
    }
  });

  describe('missing or invalid tokens: Unauthenticated JSON-RPC error, nothing forwarded', () => {
    const forged = async (claims: Record<string, unknown>, kid: string): Promise<string> => {
      const { privateKey } = await generateKeyPair('RS256');
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ iss: env.idp.issuer, client_id: APP_CLIENT_ID, iat: now, exp: now + 600, ...claims })
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
        .sign(privateKey);
    };

    /** alice's real token with her groups claim rewritten to admins (signature no longer matches). */
    const tampered = (token: string): string => {
      const [h, p, s] = token.split('.');
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
      return [h, Buffer.from(JSON.stringify({ ...claims, groups: ['admins'] })).toString('base64url'), s].join('.');
    };

    test('every variant answers -32001 for tools/call and tools/list, and no upstream sees a call', async () => {
      const kid = decodeProtectedHeader(env.tokens.root).kid!;
      const variants: Record<string, string | undefined> = {
        'no Authorization header': undefined,
        'empty bearer': 'Bearer ',
        'not a JWT': 'Bearer not-a-jwt',
        'Basic credentials': `Basic ${Buffer.from('root:pw').toString('base64')}`,
        'signed by another key with the issuer kid': `Bearer ${await forged({ sub: 'root', groups: ['admins'] }, kid)}`,
        'claims tampered after signing': `Bearer ${tampered(env.tokens.alice)}`,
        expired: `Bearer ${await env.idp.userToken('root', { expiresInSeconds: -600 })}`,
        'a client the proxy does not accept': `Bearer ${await env.idp.userToken('root', { clientId: ROGUE_CLIENT_ID })}`,
      };
      const before = upstreamCallCount(env);
      for (const [what, authorization] of Object.entries(variants)) {
        const call = await env.post(authorization, 'tools/call', { name: 'crm__delete_customer', arguments: { customerId: 'C-1' } });
        expect({ what, code: call.error?.code, result: call.result }).toEqual({ what, code: ErrorCode.Unauthenticated, result: undefined });
        const list = await env.post(authorization, 'tools/list', {});
        expect({ what, code: list.error?.code, result: list.result }).toEqual({ what, code: ErrorCode.Unauthenticated, result: undefined });
        // The answer names the problem, never the token.
        if (authorization && authorization.length > 20) expect(call.text).not.toContain(authorization.slice(7));
      }
      expect(upstreamCallCount(env)).toBe(before);
    });

    test("the caller's token is never forwarded to an upstream", () => {
      const seen = [...env.crm.authorizations(), ...env.ops.authorizations()].join('\n');
      for (const token of env.idp.issued) expect(seen).not.toContain(token);
    });
  });

  test('dry-run rule set: the call is forwarded and the audit record shows the would-deny with the policy id', async () => {
    const before = env.crm.calls.filter((c) => c.name === 'export_customers').length;
    const alice = await env.call('alice', 'crm__export_customers', { format: 'json' }, 'dry-run-alice');
    const root = await env.call('root', 'crm__export_customers', { format: 'json' }, 'dry-run-root');
    expect(alice.result).toEqual({ content: [{ type: 'text', text: 'exported 2 customers' }] });
    expect(root.result).toBeDefined();
    expect(env.crm.calls.filter((c) => c.name === 'export_customers').length).toBe(before + 2);

    const decisions = await waitFor(() => {
      const recs = auditRecords().filter((r) => r.type === 'decision' && (r.rpc?.id === 'dry-run-alice' || r.rpc?.id === 'dry-run-root'));
      return recs.length === 2 ? recs : undefined;
    }, { what: 'the two decision records on the proxy stdout' });
    const byCaller = Object.fromEntries(decisions.map((d) => [d.caller?.sub, d]));
    expect(byCaller.alice.decision).toEqual({
      effect: 'allow',
      policyIds: [POLICY_IDS.analystsReadCrm],
      dryRunDenials: [{ ruleSet: 'proposed', policyIds: [POLICY_IDS.noBulkExport] }],
    });
    expect(byCaller.root.decision).toEqual({ effect: 'allow', policyIds: [POLICY_IDS.adminsAll], dryRunDenials: [] });
    const outcome = auditRecords().find((r) => r.type === 'outcome' && r.rpc?.id === 'dry-run-alice');
    expect(outcome?.outcome).toMatchObject({ status: 'ok' });
  });
});
