/**
 * End-to-end: the BUILT proxy with one legacy upstream (crm: SDK v1, initialize + session) and one modern-only upstream
 * (ops: the SDK v2 server package, 2026-07-28 only; it answers `initialize` with an error) in one catalog, under the
 * full governance configuration of test/support/gov-config.ts (JWT identity from a real OIDC server, Cedar with typed
 * rules, a raw argument rule and a dry-run set, sanitize, tokenize, redact, hash-chained audit). The callers are legacy
 * (SDK v1 clients and raw 2025-style JSON-RPC): a modern-only upstream reached by a legacy caller. Tools of both eras
 * are listed, called, governed and audited the same way.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '../../runtime/src/pipeline/errors';
import { outcomeFor, parseAuditLines, runVerifier, type AuditRecord } from '../support/gov-audit';
import { POLICY_IDS } from '../support/gov-config';
import { startGovEnv, type Caller, type GovEnv } from '../support/gov-env';
import { ALL_EXPOSED_TOOLS } from '../support/gov-upstreams';

/** What each caller may call under the policy (the same table as governance-access.test.ts: the era changes nothing). */
const EXPECTED_LISTED: Readonly<Partial<Record<Caller, readonly string[]>>> = {
  alice: ['crm__get_customer', 'crm__search_customers', 'crm__export_customers', 'ops__read_file'],
  root: ALL_EXPOSED_TOOLS,
  'status-bot': ['ops__service_status'],
};

const EMAIL = 'pat.owner@example.org';

describe('dual-era upstreams: legacy crm + modern-only ops in one catalog, full governance, legacy callers', () => {
  let env: GovEnv;

  beforeAll(async () => {
    env = await startGovEnv({ eras: { crm: 'legacy', ops: 'modern' } });
  }, 90_000);

  afterAll(async () => {
    await env?.close();
  });

  const audit = (): AuditRecord[] => parseAuditLines(env.proxy.stdout());
  const methodsOf = (requests: readonly { body?: unknown }[]) => requests.map((r) => (r.body as { method?: string } | undefined)?.method);

  test('each upstream was reached in its own era: ops by server/discover and never initialize, crm by initialize after the probe', () => {
    expect(env.ops.era).toBe('modern');
    const opsMethods = methodsOf(env.ops.http.requests);
    expect(opsMethods[0]).toBe('server/discover');
    expect(opsMethods).not.toContain('initialize');
    const crmMethods = methodsOf(env.crm.http.requests);
    expect(crmMethods.slice(0, 2)).toEqual(['server/discover', 'initialize']);
    const logs = env.proxy.logs();
    expect(logs).toContainEqual(expect.objectContaining({ msg: 'upstream speaks the modern protocol', upstream: 'ops', protocolVersion: '2026-07-28' }));
    expect(logs).toContainEqual(expect.objectContaining({ msg: 'upstream speaks the legacy protocol (server/discover refused); using initialize', upstream: 'crm' }));
  });

  test.each(Object.entries(EXPECTED_LISTED))('tools/list for %s shows the tools of both eras it may call, and only those', async (caller, expected) => {
    const client = await env.client(caller as Caller);
    const listed = (await client.listTools()).tools.map((t) => t.name).sort();
    expect(listed).toEqual([...expected].sort());
  });

  test('a legacy caller calls the modern upstream: the request carries the modern envelope the proxy built, nothing of the caller', async () => {
    const bot = await env.client('status-bot');
    const res = await bot.callTool({ name: 'ops__service_status', arguments: { service: 'billing' } });
    expect(res.isError).toBeFalsy();
    expect(res.content).toEqual([{ type: 'text', text: 'billing: running' }]);
    expect(env.ops.calls.at(-1)).toEqual({ name: 'service_status', arguments: { service: 'billing' } });
    const sent = env.ops.http.requests.filter((r) => (r.body as { method?: string } | undefined)?.method === 'tools/call').at(-1)!;
    expect(sent.headers['mcp-protocol-version']).toBe('2026-07-28');
    expect(sent.headers['mcp-method']).toBe('tools/call');
    expect(sent.headers['mcp-name']).toBe('service_status');
    expect(sent.headers['mcp-session-id']).toBeUndefined();
    const meta = (sent.body as { params: { _meta: Record<string, unknown> } }).params._meta;
    expect(meta['io.modelcontextprotocol/protocolVersion']).toBe('2026-07-28');
    // A legacy caller declares nothing per request: the modern upstream is told the input kinds the proxy bridges onto
    // the caller's stream (sampling, elicitation), as a legacy upstream is at initialize; nothing of the caller's.
    expect(meta['io.modelcontextprotocol/clientCapabilities']).toEqual({ sampling: {}, elicitation: { form: {}, url: {} } });
    // Proxy credentials and the caller's bearer token never reach an upstream of either era.
    expect(env.ops.authorizations()).toEqual([]);
    expect(env.crm.authorizations()).toEqual([]);
  });

  test.each([
    ['alice', 'crm__delete_customer', { customerId: 'C-1' }, ErrorCode.InvalidParams],
    ['alice', 'ops__restart_service', { service: 'db' }, ErrorCode.InvalidParams],
    ['status-bot', 'ops__restart_service', { service: 'billing' }, ErrorCode.InvalidParams],
    ['alice', 'ops__read_file', { path: '/etc/shadow' }, ErrorCode.Forbidden],
  ] as const)('%s calling %s with %j is denied the same way whatever the era (%d), and nothing reaches the upstream', async (caller, tool, args, code) => {
    const before = env.crm.calls.length + env.ops.calls.length;
    const reply = await env.call(caller, tool, args);
    expect(reply.result).toBeUndefined();
    expect(reply.error?.code).toBe(code);
    expect(reply.error?.message).toBe(code === ErrorCode.InvalidParams ? `Unknown tool: ${tool}` : 'Access denied by policy');
    expect(env.crm.calls.length + env.ops.calls.length).toBe(before);
  });

  test('data protection is the same on both: PII in arguments arrives tokenized at either upstream; an admin gets it back; sanitize rejects on both', async () => {
    const crm = await env.call('root', 'crm__search_customers', { query: `owner ${EMAIL}` });
    const ops = await env.call('root', 'ops__read_file', { path: `/reports/${EMAIL}` });
    expect(crm.error).toBeUndefined();
    expect(ops.error).toBeUndefined();
    expect(String(env.crm.calls.at(-1)!.arguments.query)).toMatch(/^owner tok_EMAIL_\S+$/);
    expect(String(env.ops.calls.at(-1)!.arguments.path)).toMatch(/^\/reports\/tok_EMAIL_\S+$/);
    expect(JSON.stringify(env.ops.http.requests.map((r) => r.body))).not.toContain(EMAIL);
    expect(JSON.stringify(env.crm.http.requests.map((r) => r.body))).not.toContain(EMAIL);
    expect(JSON.stringify(crm.result)).toContain(EMAIL);
    expect(JSON.stringify(ops.result)).toContain(`contents of /reports/${EMAIL}`);

    const before = env.crm.calls.length + env.ops.calls.length;
    const badCrm = await env.call('root', 'crm__search_customers', { query: 'x; DROP TABLE customers' });
    const badOps = await env.call('root', 'ops__read_file', { path: '/reports/x; DROP TABLE logs' });
    expect(badCrm.error?.code).toBeDefined();
    expect(badOps.error).toEqual(badCrm.error);
    expect(env.crm.calls.length + env.ops.calls.length).toBe(before);
  });

  test('audit: calls to either upstream give the same records (decision, outcome, policies) and the hash chain verifies', async () => {
    const crmId = 'dual-crm-1';
    const opsId = 'dual-ops-1';
    expect((await env.call('status-bot', 'ops__service_status', { service: 'web' }, opsId)).error).toBeUndefined();
    expect((await env.call('alice', 'crm__search_customers', { query: 'acme' }, crmId)).error).toBeUndefined();
    const records = audit();
    const opsOutcome = outcomeFor(records, opsId)!;
    const crmOutcome = outcomeFor(records, crmId)!;
    expect(opsOutcome).toBeDefined();
    expect(crmOutcome).toBeDefined();
    expect(opsOutcome).toMatchObject({ target: { kind: 'tool', upstream: 'ops', name: 'service_status' }, decision: { effect: 'allow', policyIds: [POLICY_IDS.statusBot] }, outcome: { status: 'ok' } });
    expect(crmOutcome).toMatchObject({ target: { kind: 'tool', upstream: 'crm', name: 'search_customers' }, decision: { effect: 'allow', policyIds: [POLICY_IDS.analystsReadCrm] }, outcome: { status: 'ok' } });
    // The same record shape whichever era the upstream speaks.
    const shape = (r: AuditRecord) => Object.keys(r).sort();
    expect(shape(opsOutcome)).toEqual(shape(crmOutcome));
    const file = join(mkdtempSync(join(tmpdir(), 'dual-era-audit-')), 'audit.jsonl');
    writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const run = await runVerifier(['--json', file]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, problems: [] });
  });
});
