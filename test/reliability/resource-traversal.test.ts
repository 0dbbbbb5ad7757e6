/**
 * Reliability/security: resource-URI traversal against the BUILT bundle, in front of a stock SDK McpServer (which reads
 * every URI with WHATWG `new URL()`, so it resolves `..` and `%2e%2e` itself) that has the template
 * `res://host/public/{+path}` and a resource `res://host/secret/keys`. The policy permits resources/read on
 * `res://host/public/*` only. Every traversal variant is refused (or resolves inside public/), the secret is never
 * served, and for any URI the upstream receives, it is exactly the URI Cedar evaluated (the audit decision record's
 * target name).
 */
import fc from 'fast-check';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { auditRecords, outcomeFor, post, type AuditRecord } from '../support/fault-harness';
import { fuzzParameters } from '../support/fuzz-arbitraries';
import { waitFor } from '../support/net';
import { spawnProxy, type SpawnedProxy } from '../support/proxy';
import { startSdkUpstream, type SdkUpstream } from '../support/upstream';

jest.setTimeout(120_000);

const PUBLIC = 'res://host/public/';
const SECRET = 'SECRET-KEY-MATERIAL-7f3a';

describe('resource-URI traversal through a permitted template (built bundle, stock SDK upstream)', () => {
  let upstream: SdkUpstream;
  let proxy: SpawnedProxy;
  /** What the upstream's handlers served: the URI as the SDK resolved it. */
  const served: string[] = [];
  let n = 0;

  beforeAll(async () => {
    upstream = await startSdkUpstream(() => {
      const s = new McpServer({ name: 'files', version: '1.0.0' });
      s.registerResource('public', new ResourceTemplate(`${PUBLIC}{+path}`, { list: undefined }), {}, async (uri, vars) => {
        served.push(uri.href);
        return { contents: [{ uri: uri.href, text: `public file ${String(vars.path)}` }] };
      });
      s.registerResource('keys', 'res://host/secret/keys', {}, async (uri) => {
        served.push(uri.href);
        return { contents: [{ uri: uri.href, text: SECRET }] };
      });
      return s;
    });
    proxy = await spawnProxy({
      version: 1,
      upstreams: [{ name: 'files', url: upstream.url, timeoutMs: 5000 }],
      accessControl: {
        enabled: true,
        ruleSets: [{ name: 'main', rules: [{ id: 'public', effect: 'permit', actions: ['resources/read'], tools: [`${PUBLIC}*`] }] }],
      },
      audit: { sink: 'stdout', metrics: { enabled: false } },
    });
  });

  afterAll(async () => {
    await proxy?.stop();
    await upstream?.close();
  });

  /** URIs the upstream received in resources/read requests, in order. */
  const received = () =>
    upstream.requests
      .map((r) => r.body as { method?: string; params?: { uri?: string } } | undefined)
      .filter((b) => b?.method === 'resources/read')
      .map((b) => b!.params!.uri!);

  const read = async (uri: string) => {
    const id = `r-${++n}`;
    const reply = await post(proxy.url, JSON.stringify({ jsonrpc: '2.0', id, method: 'resources/read', params: { uri } }));
    const outcome = await waitFor(() => outcomeFor(auditRecords(proxy.stdout()), id), { what: `the audit outcome of ${id}` });
    const decision: AuditRecord | undefined = auditRecords(proxy.stdout()).find((r) => r.type === 'decision' && r.rpc?.id === id);
    return { reply, outcome, decision };
  };

  /**
   * Reads `uri`. When it reached the upstream: the upstream received exactly the URI Cedar evaluated, and the SDK
   * resolved it inside public/. When it did not: the caller got a JSON-RPC error and no decision record exists.
   */
  const check = async (uri: string) => {
    const before = received().length;
    const r = await read(uri);
    const after = received();
    expect(r.reply.text).not.toContain(SECRET);
    if (after.length === before) {
      expect(r.reply.json?.error?.code).toBe(-32602);
      expect(r.decision).toBeUndefined();
      expect(['denied', 'error']).toContain(r.outcome.outcome?.status);
      return r;
    }
    expect(after.length).toBe(before + 1);
    const sent = after[after.length - 1];
    expect(r.decision?.decision?.effect).toBe('allow');
    expect(r.decision?.target?.name).toBe(sent);
    expect(sent.startsWith(PUBLIC)).toBe(true);
    expect(new URL(sent).href.startsWith(PUBLIC)).toBe(true);
    return r;
  };

  test('controls: a public path is served; the secret is hidden from the list and refused like an unknown resource', async () => {
    const ok = await check(`${PUBLIC}docs/readme.md`);
    expect(ok.reply.json?.result?.contents).toEqual([{ uri: `${PUBLIC}docs/readme.md`, text: 'public file docs/readme.md' }]);
    const list = await post(proxy.url, JSON.stringify({ jsonrpc: '2.0', id: 'l', method: 'resources/list' }));
    expect(list.json?.result?.resources).toEqual([]);
    const hidden = await check('res://host/secret/keys');
    const unknown = await check('res://host/secret/nothing');
    expect(hidden.reply.json?.error).toEqual({ code: -32602, message: 'Unknown resource: res://host/secret/keys' });
    expect(unknown.reply.json?.error).toEqual({ code: -32602, message: 'Unknown resource: res://host/secret/nothing' });
  });

  test.each([
    ['../secret/keys', `${PUBLIC}../secret/keys`, /^Unknown resource: /],
    ['a/../../secret/keys', `${PUBLIC}a/../../secret/keys`, /^Unknown resource: /],
    ['%2e%2e', `${PUBLIC}%2e%2e/secret/keys`, /^Invalid resource URI: .*encoded dot/],
    ['%2E%2E', `${PUBLIC}%2E%2E/secret/keys`, /^Invalid resource URI: .*encoded dot/],
    ['.%2e', `${PUBLIC}.%2e/secret/keys`, /^Invalid resource URI: .*encoded dot/],
    ['%2E%2E%2F', `${PUBLIC}%2E%2E%2Fsecret/keys`, /^Invalid resource URI: .*encoded slash/],
    ['..%2f', `${PUBLIC}..%2fsecret/keys`, /^Invalid resource URI: .*encoded slash/],
    ['..%5c', `${PUBLIC}..%5csecret%5ckeys`, /^Invalid resource URI: .*encoded slash/],
    ['backslash', `${PUBLIC}..\\secret\\keys`, /^Invalid resource URI: .*backslash/],
    ['double-encoded dots', `${PUBLIC}%252e%252e/secret/keys`, /^Invalid resource URI: .*double-encoded/],
    ['double-encoded slash', `${PUBLIC}..%252fsecret/keys`, /^Invalid resource URI: .*double-encoded/],
    ['NUL', `${PUBLIC}x%00/../../secret/keys`, /^Unknown resource: /],
    ['a raw NUL', `${PUBLIC}x\u0000/../../secret/keys`, /^Invalid resource URI: .*control/],
    ['a tab', `${PUBLIC}.\t./secret/keys`, /^Invalid resource URI: .*control/],
    ['upper-case scheme and host', `RES://HOST/public/../secret/keys`, /^Unknown resource: /],
  ])('%s -> refused with -32602, never forwarded, the secret never served', async (_what, uri, message) => {
    const before = served.length;
    const r = await check(uri);
    expect(r.reply.json?.error?.message).toMatch(message);
    expect(served.length).toBe(before);
  });

  test('dot segments that stay inside public/ resolve there, and the upstream receives the normalized URI', async () => {
    const r = await check(`${PUBLIC}a/./b/../c.md`);
    expect(received().at(-1)).toBe(`${PUBLIC}a/c.md`);
    expect(r.reply.json?.result?.contents).toEqual([{ uri: `${PUBLIC}a/c.md`, text: 'public file a/c.md' }]);
  });

  test('property: for random URIs, the upstream receives exactly what Cedar evaluated, inside public/; the secret is never served', async () => {
    const segment = fc.oneof(
      fc.constantFrom('.', '..', '', 'secret', 'keys', '%2e', '%2E%2e', '%2f', '%5C', '%252e', '\\', '.%2e', '%41', 'a?b', '#x', ';', '%00'),
      fc.string({ unit: fc.constantFrom('a', '.', '%', '2', 'e', 'E', 'f', 'F', '/', '\\'), maxLength: 5 }),
    );
    const head = fc.constantFrom(PUBLIC, 'res://host/', 'RES://Host/public/', 'res://host/secret/');
    await fc.assert(
      fc.asyncProperty(head, fc.array(segment, { maxLength: 6 }), async (h, segments) => {
        await check(h + segments.join('/'));
      }),
      fuzzParameters(60),
    );
    expect(served.filter((u) => !u.startsWith(PUBLIC))).toEqual([]);
  });
});
