/**
 * Reliability/security: authorization bypass attempts against the BUILT bundle with Cedar rules and input
 * sanitization on. Guessed hidden tool names, namespacing tricks (separator injection, Unicode look-alikes, case
 * variants), calls to tools that vanished from the catalog, and argument smuggling past the policy and the schema
 * check (extra properties, __proto__/constructor keys, duplicate JSON keys, ambiguous dotted paths). Each attempt is
 * answered with a JSON-RPC error and audited, and the upstream never sees it (asserted on the upstream side).
 */
import { verifyAuditLog } from '../../runtime/src/stages/audit';
import { auditRecords, outcomeFor, post, toolCall, waitForTools } from '../support/fault-harness';
import { startFaultUpstream, type FaultUpstream, type ToolDefinition } from '../support/fault-upstream';
import { waitFor } from '../support/net';
import { spawnProxy, type SpawnedProxy } from '../support/proxy';

jest.setTimeout(60_000);

const obj = (properties: Record<string, unknown> = {}, required: string[] = []): Record<string, unknown> => ({ type: 'object', properties, required });
const FILES_TOOLS: ToolDefinition[] = [
  { name: 'read_file', inputSchema: obj({ path: { type: 'string' } }, ['path']) },
  { name: 'list_files', inputSchema: obj() },
  { name: 'configure', inputSchema: obj({ options: { type: 'object' } }) },
  { name: 'delete_file', inputSchema: obj({ path: { type: 'string' } }) },
  { name: 'admin_dump', inputSchema: obj() },
  { name: 'read_secret_keys', inputSchema: obj() },
  // Look-alike and case variants published by the upstream itself: a permit on `read_*` must not match them.
  { name: 'r\u0435ad_file', inputSchema: obj() },
  { name: 'READ_FILE', inputSchema: obj() },
];
const GW_TOOLS: ToolDefinition[] = [
  { name: 'read_file', inputSchema: obj() },
  { name: 'target___read_file', inputSchema: obj() },
];
const echo = (args: Record<string, unknown>) => ({ content: [{ type: 'text', text: JSON.stringify(args) }] });

describe('authorization bypass attempts (Cedar rules + sanitize on): denied, audited, never forwarded', () => {
  let files: FaultUpstream;
  let gw: FaultUpstream;
  let proxy: SpawnedProxy;
  let n = 1;
  const upstreamCalls = () => files.calls.length + gw.calls.length;

  const callRaw = async (body: string) => post(proxy.url, body);
  const call = async (name: string, args?: Record<string, unknown>) => {
    const id = `c-${n++}`;
    return { ...(await callRaw(toolCall(name, args, id))), id };
  };
  /** Asserts the attempt was refused with `code`, never reached an upstream, and was audited. */
  const expectRefused = async (attempt: () => Promise<{ id: string; status: number; json?: { error?: { code: number; message: string } } }>, code: number) => {
    const before = upstreamCalls();
    const r = await attempt();
    expect(r.json?.error?.code).toBe(code);
    expect(upstreamCalls()).toBe(before);
    const rec = await waitFor(() => outcomeFor(auditRecords(proxy.stdout()), r.id), { what: `audit record of ${r.id}` });
    expect(rec.outcome?.errorCode).toBe(code);
    expect(['denied', 'error']).toContain(rec.outcome?.status);
    expect(rec.type).toBe('outcome');
    // No decision record (the "about to forward" record) exists for a refused call.
    expect(auditRecords(proxy.stdout()).filter((x) => x.type === 'decision' && x.rpc?.id === r.id)).toEqual([]);
    return r;
  };

  beforeAll(async () => {
    [files, gw] = await Promise.all([
      startFaultUpstream({ name: 'files', tools: FILES_TOOLS, handlers: Object.fromEntries(FILES_TOOLS.map((t) => [t.name, echo])) }),
      startFaultUpstream({ name: 'gw', tools: GW_TOOLS, handlers: Object.fromEntries(GW_TOOLS.map((t) => [t.name, echo])) }),
    ]);
    proxy = await spawnProxy({
      version: 1,
      discovery: { refreshIntervalMs: 1000 },
      upstreams: [
        { name: 'files', url: files.url, timeoutMs: 5000 },
        { name: 'gw', url: gw.url, timeoutMs: 5000 },
      ],
      accessControl: {
        enabled: true,
        ruleSets: [
          {
            name: 'main',
            rules: [
              {
                id: 'read-public',
                effect: 'permit',
                upstreams: ['files'],
                tools: ['read_*'],
                when: 'context.arguments.hasTag("path") && context.arguments.getTag("path") has string && context.arguments.getTag("path").string like "/public/*"',
              },
              { id: 'basics', effect: 'permit', upstreams: ['files'], tools: ['list_files', 'configure'] },
              { id: 'no-secrets', effect: 'forbid', tools: ['*secret*'] },
            ],
          },
        ],
      },
      sanitize: { enabled: true, validateSchema: true, rejectUnknownArguments: true },
      audit: { sink: 'stdout', metrics: { enabled: false } },
    });
    await waitForTools(proxy.url, ['files__read_file', 'files__list_files', 'files__configure']);
  });

  afterAll(async () => {
    await proxy?.stop();
    await Promise.all([files?.close(), gw?.close()]);
  });

  test('controls: permitted calls reach the upstream; the list shows exactly the permitted tools', async () => {
    const r = await call('files__read_file', { path: '/public/readme' });
    expect(r.json?.result).toEqual(echo({ path: '/public/readme' }));
    expect((await call('files__list_files', {})).json?.result).toEqual(echo({}));
    const list = await callRaw(JSON.stringify({ jsonrpc: '2.0', id: 'l', method: 'tools/list' }));
    expect(((list.json?.result?.tools ?? []) as { name: string }[]).map((t) => t.name).sort()).toEqual(['files__configure', 'files__list_files', 'files__read_file']);
  });

  const hidden = ['files__delete_file', 'files__admin_dump', 'files__read_secret_keys', 'files__r\u0435ad_file', 'files__READ_FILE', 'gw__read_file', 'gw__target___read_file'];
  test.each(hidden)('guessing the hidden tool %j -> the same answer as an unknown tool, never forwarded', async (name) => {
    const r = await expectRefused(() => call(name, { path: '/public/x' }), -32602);
    expect(r.json?.error).toEqual({ code: -32602, message: `Unknown tool: ${name}` });
    const unknown = await call(`${name}_does_not_exist`, { path: '/public/x' });
    expect(unknown.json?.error).toEqual({ code: -32602, message: `Unknown tool: ${name}_does_not_exist` });
    expect(unknown.status).toBe(r.status);
  });

  const tricks = [
    'read_file', // the upstream's own name, without its namespace
    'files___read_file', 'files____read_file', '__files__read_file', 'files__', '__read_file', 'files__read_file__',
    'files_read_file', 'files--read_file', 'files.read_file', 'files/read_file', 'files__read_file/../admin_dump', 'files__admin_dump#read_file',
    'FILES__read_file', 'Files__read_file', 'files__Read_file', 'files__read_FILE',
    'files\u200b__read_file', 'files__read_file\u200b', 'files__read_file\u0000', ' files__read_file', 'files__read_file ', 'files__read_file\n',
    'f\u0456les__read_file', 'files\uff3f\uff3fread_file', 'files__read\u2010file', 'ﬁles__read_file',
    'files%5F%5Fread_file', 'files__read%5Ffile', 'files__read_*', 'files__*', '*', 'files__read_file;files__admin_dump',
  ];
  test.each(tricks)('name trick %j -> -32602, never forwarded, audited', async (name) => {
    await expectRefused(() => call(name, { path: '/public/x' }), -32602);
  });

  test('an argument condition the call does not meet -> -32003 (the tool is visible), never forwarded', async () => {
    await expectRefused(() => call('files__read_file', { path: '/etc/passwd' }), -32003);
  });

  const smuggled: [string, string, number][] = [
    ['an extra property', '{"path":"/public/a","mode":"admin"}', -32602],
    ['a __proto__ key carrying the path', '{"__proto__":{"path":"/public/a"}}', -32003],
    ['a __proto__ key beside an allowed path', '{"path":"/public/a","__proto__":{"path":"/etc/passwd","admin":true}}', -32602],
    ['a constructor.prototype key', '{"constructor":{"prototype":{"path":"/public/a"}}}', -32003],
    ['a duplicate key (allowed value first, forbidden value last)', '{"path":"/public/a","path":"/etc/passwd"}', -32003],
    ['the path as an array', '{"path":["/public/a"]}', -32003],
    ['the path as an object', '{"path":{"string":"/public/a"}}', -32003],
    ['the path as a number', '{"path":1}', -32003],
  ];
  test.each(smuggled)('argument smuggling: %s -> refused, never forwarded', async (_label, args, code) => {
    const id = `s-${n++}`;
    await expectRefused(async () => ({ ...(await callRaw(`{"jsonrpc":"2.0","id":"${id}","method":"tools/call","params":{"name":"files__read_file","arguments":${args}}}`)), id }), code);
  });

  test('an ambiguous dotted path ({"options":{"force":true},"options.force":false}) is refused, never forwarded', async () => {
    const r = await expectRefused(() => call('files__configure', { options: { force: true }, 'options.force': false }), -32003);
    expect(r.json?.error?.message).toBe('Access denied by policy');
  });

  test('a duplicate key with the allowed value last: the upstream receives exactly one value, the allowed one', async () => {
    const before = files.callsTo('read_file').length;
    const r = await callRaw('{"jsonrpc":"2.0","id":"dup","method":"tools/call","params":{"name":"files__read_file","arguments":{"path":"/etc/passwd","path":"/public/b"}}}');
    expect(r.json?.result).toEqual(echo({ path: '/public/b' }));
    const got = files.callsTo('read_file').slice(before);
    expect(got).toHaveLength(1);
    expect(got[0].arguments).toEqual({ path: '/public/b' });
    expect(got[0].raw).not.toContain('/etc/passwd');
  });

  test('extra top-level params are not smuggled to the upstream', async () => {
    const before = files.callsTo('read_file').length;
    const r = await callRaw('{"jsonrpc":"2.0","id":"xp","method":"tools/call","params":{"name":"files__read_file","arguments":{"path":"/public/c"},"smuggled":{"path":"/etc/passwd"},"name2":"admin_dump"}}');
    expect(r.json?.result).toEqual(echo({ path: '/public/c' }));
    const got = files.callsTo('read_file').slice(before);
    expect(got).toHaveLength(1);
    expect(got[0].raw).not.toMatch(/smuggled|etc\/passwd|admin_dump/);
  });

  test('a nested __proto__ in an object argument is data, not a prototype: it pollutes nothing in the proxy', async () => {
    const r = await callRaw('{"jsonrpc":"2.0","id":"pp","method":"tools/call","params":{"name":"files__configure","arguments":{"options":{"__proto__":{"isAdmin":true,"effect":"permit"},"constructor":{"prototype":{"groups":["admins"]}}}}}}');
    expect(r.json?.error).toBeUndefined();
    const got = files.callsTo('configure');
    expect(JSON.parse(got[got.length - 1].raw).params.arguments.options).toEqual(JSON.parse('{"__proto__":{"isAdmin":true,"effect":"permit"},"constructor":{"prototype":{"groups":["admins"]}}}'));
    // Nothing changed in the proxy's decisions afterwards.
    await expectRefused(() => call('files__admin_dump', {}), -32602);
    await expectRefused(() => call('files__read_file', { path: '/etc/passwd' }), -32003);
  });

  test('a tool that vanished from the upstream (catalog refreshed) -> -32602, never forwarded', async () => {
    expect((await call('files__list_files', {})).json?.result).toBeDefined();
    files.setTools(FILES_TOOLS.filter((t) => t.name !== 'list_files'));
    await waitFor(
      async () => {
        const list = await callRaw(JSON.stringify({ jsonrpc: '2.0', id: 'l2', method: 'tools/list' }));
        return !((list.json?.result?.tools ?? []) as { name: string }[]).some((t) => t.name === 'files__list_files');
      },
      { timeoutMs: 15_000, intervalMs: 200, what: 'the catalog refresh to drop files__list_files' },
    );
    const before = files.callsTo('list_files').length;
    const r = await expectRefused(() => call('files__list_files', {}), -32602);
    expect(r.json?.error?.message).toBe('Unknown tool: files__list_files');
    expect(files.callsTo('list_files').length).toBe(before);
  });

  test('the audit trail of every attempt verifies', () => {
    const v = verifyAuditLog(proxy.stdout());
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
  });
});
