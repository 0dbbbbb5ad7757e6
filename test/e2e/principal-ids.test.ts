/**
 * End-to-end: per-principal Cedar policies through the BUILT proxy bundle, with real tokens from a real OIDC server
 * (oauth2-mock-server on 127.0.0.1). The person "alice" (sub "alice", through the app client) and a machine client
 * whose client id is also "alice" (client credentials, no sub) are two principals, `subject:alice` and `client:alice`
 * (docs/ACCESS-CONTROL.md, "Principals"): a policy naming one never applies to the other.
 */
import { rawPost, rpc } from '../support/client';
import { APP_CLIENT_ID, jwtClaims, startGovIdp, type GovIdp } from '../support/gov-idp';
import { startCrmUpstream, type RecordingUpstream } from '../support/gov-upstreams';
import { spawnProxy, type SpawnedProxy } from '../support/proxy';

const POLICY = [
  '@id("alice-person") permit (principal == McpProxy::Caller::"subject:alice", action == McpProxy::Action::"tools/call", resource);',
  '@id("alice-client") permit (principal == McpProxy::Caller::"client:alice", action == McpProxy::Action::"tools/call", resource is McpProxy::Tool) when { resource.readOnly };',
].join('\n');

describe('typed Cedar principals through the built proxy: a person and a client with equal identifiers are two principals', () => {
  let idp: GovIdp;
  let crm: RecordingUpstream;
  let proxy: SpawnedProxy;
  const tokens: { person?: string; client?: string } = {};

  beforeAll(async () => {
    idp = await startGovIdp();
    crm = await startCrmUpstream();
    proxy = await spawnProxy(
      {
        version: 1,
        upstreams: [{ name: 'crm', url: crm.url, timeoutMs: 10_000 }], // one upstream: tools keep their own names
        identity: { mode: 'jwt', jwt: { issuer: idp.issuer, audiences: [], allowedClients: [APP_CLIENT_ID, 'alice'], groupsClaim: 'groups', scopesClaim: 'scope' } },
        accessControl: { enabled: true, ruleSets: [{ name: 'per-principal', cedar: POLICY }] },
      },
      { timeoutMs: 30_000 },
    );
    tokens.person = await idp.userToken('alice');
    tokens.client = await idp.clientToken('alice');
  }, 60_000);

  afterAll(async () => {
    await proxy?.stop();
    await crm?.close();
    await idp?.stop();
  });

  const call = async (token: string, tool: string, args: Record<string, unknown>) => {
    const res = await rawPost(proxy.url, rpc('tools/call', { name: tool, arguments: args }), { authorization: `Bearer ${token}` });
    if (!res.json) throw new Error(`HTTP ${res.status}: ${res.text.slice(0, 300)}`);
    return res.json as { result?: unknown; error?: { code: number; message: string } };
  };

  test('the tokens name "alice" as a subject and as a client', () => {
    expect(jwtClaims(tokens.person!)).toMatchObject({ sub: 'alice', client_id: APP_CLIENT_ID });
    expect(jwtClaims(tokens.client!)).toMatchObject({ client_id: 'alice' });
    expect(jwtClaims(tokens.client!).sub).toBeUndefined();
  });

  test('the person may delete; the client named alike may not (hidden), and never reaches the upstream', async () => {
    const before = crm.calls.length;
    expect((await call(tokens.person!, 'delete_customer', { customerId: 'C-1' })).result).toBeDefined();
    expect(crm.calls.slice(before)).toEqual([{ name: 'delete_customer', arguments: { customerId: 'C-1' } }]);
    const denied = await call(tokens.client!, 'delete_customer', { customerId: 'C-2' });
    expect(denied.error).toEqual({ code: -32602, message: 'Unknown tool: delete_customer' });
    expect(crm.calls.length).toBe(before + 1);
  });

  test('the client may use read-only tools through its own policy', async () => {
    const before = crm.calls.length;
    expect((await call(tokens.client!, 'get_customer', { customerId: 'C-2001' })).result).toBeDefined();
    expect(crm.calls.slice(before)).toEqual([{ name: 'get_customer', arguments: { customerId: 'C-2001' } }]);
  });
});
