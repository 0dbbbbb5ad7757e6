/**
 * resources/read routing through the real McpHandler, Catalog and Cedar access-control stage: the URI the upstream
 * receives is exactly the one Cedar evaluated (and the catalog matched), for any requested URI. The policy permits
 * `res://host/public/*` only; the upstream has the template `res://host/public/{+path}` and a listed, hidden
 * `res://host/secret/keys`. The end-to-end counterpart against the built bundle and a stock SDK server is
 * test/reliability/resource-traversal.test.ts. Tool and prompt names get the same guarantee by exact matching.
 */
import fc from 'fast-check';
import type { JsonResult, RequestContext, Stage } from '../pipeline/context';
import { GovernanceError } from '../pipeline/errors';
import { Pipeline } from '../pipeline/pipeline';
import { createAccessControlStage } from '../stages/access-control';
import { acl, jwtCaller, memoryLog } from '../stages/access-control/test-fixtures';
import { Catalog } from '../upstream/catalog';
import type { UpstreamInventory } from '../upstream/discovery';
import { Naming } from '../upstream/naming';
import { parseConfig } from '../config/load';
import type { ResponseChannel } from './response';
import { McpHandler, type UpstreamRouter } from './mcp-handler';
import type { CallerProtocol } from '../upstream/client';

const LEGACY_CALLER: CallerProtocol = { era: 'legacy', protocolVersion: '2025-11-25', clientCapabilities: {} };

interface Governed {
  /** The target names access control allowed, in order (a stage after it sees exactly what Cedar evaluated). */
  readonly evaluated: string[];
  /** One request through the handler: its result, or the GovernanceError it was answered with. */
  handle(method: string, params: Record<string, unknown>): Promise<{ result?: JsonResult; error?: GovernanceError }>;
}

/**
 * The real McpHandler, Catalog and Cedar access-control stage over one upstream `files` with `inventory`, for one
 * JWT caller, under the typed `rules`; `forward` stands in for the upstream.
 */
async function governedHandler(inventory: UpstreamInventory, rules: unknown[], forward: UpstreamRouter['forward']): Promise<Governed> {
  const config = parseConfig({ version: 1, upstreams: [{ name: 'files', url: 'http://127.0.0.1:1/mcp' }] });
  const router: UpstreamRouter = { catalog: Catalog.build([['files', inventory]], new Naming(config)), forward };
  const evaluated: string[] = [];
  const { log } = memoryLog();
  const caller = jwtCaller('reader');
  const stages: Stage[] = [
    { name: 'identity', onRequest: (ctx: RequestContext) => void (ctx.principal = caller) },
    await createAccessControlStage(acl({ enabled: true, ruleSets: [{ name: 'main', rules }] }), log),
    // After access control: runs only for allowed calls, and sees the target Cedar evaluated (its name).
    { name: 'spy', onRequest: (ctx: RequestContext) => void (ctx.target && evaluated.push(ctx.target.name)) },
  ];
  const pipeline = new Pipeline(stages, { beforeForward: async () => {}, complete: () => {}, close: async () => {} });
  const handler = new McpHandler({ pipeline, upstreams: router, log, serverInfo: { name: 'p', version: '0' } });
  let n = 0;
  return {
    evaluated,
    async handle(method, params) {
      const controller = new AbortController();
      try {
        const result = (await handler.handle({
          message: { jsonrpc: '2.0', id: ++n, method, params },
          headers: {},
          signal: controller.signal,
          cancel: () => controller.abort(),
          channel: { notify() {}, request: () => false } as unknown as ResponseChannel,
          caller: LEGACY_CALLER,
        })) as JsonResult;
        return { result };
      } catch (err) {
        if (!(err instanceof GovernanceError)) throw err;
        return { error: err };
      }
    },
  };
}

const PUBLIC = 'res://host/public/';

describe('resources/read: the URI Cedar evaluates is the URI the upstream receives', () => {
  const forwarded: string[] = [];
  let governed: Governed;
  let evaluated: string[];

  beforeAll(async () => {
    governed = await governedHandler(
      {
        tools: [],
        prompts: [],
        resources: [
          { uri: 'res://host/secret/keys', name: 'keys' },
          { uri: `${PUBLIC}readme`, name: 'readme' },
        ],
        resourceTemplates: [{ uriTemplate: `${PUBLIC}{+path}`, name: 'public' }],
      },
      [{ id: 'public', effect: 'permit', actions: ['resources/read'], tools: [`${PUBLIC}*`] }],
      async (_target, method, params) => {
        expect(method).toBe('resources/read');
        forwarded.push(params.uri as string);
        return { contents: [{ uri: params.uri, text: 'x' }] };
      },
    );
    evaluated = governed.evaluated;
  });

  const read = (uri: string) => governed.handle('resources/read', { uri });

  /** Reads `uri`; when it was forwarded, checks it is what Cedar evaluated and that it stays inside public/. */
  const check = async (uri: string) => {
    const before = forwarded.length;
    const evaluatedBefore = evaluated.length;
    const r = await read(uri);
    if (forwarded.length === before) {
      expect(r.error).toBeDefined();
      return r;
    }
    expect(forwarded.length).toBe(before + 1);
    expect(evaluated.length).toBe(evaluatedBefore + 1);
    const sent = forwarded[forwarded.length - 1];
    expect(sent).toBe(evaluated[evaluated.length - 1]);
    expect(sent.startsWith(PUBLIC)).toBe(true);
    // A stock SDK server reads the URI with WHATWG URL (new URL(uri).toString()): that reading stays inside public/ too.
    expect(new URL(sent).toString().startsWith(PUBLIC)).toBe(true);
    expect(r.result?.contents).toEqual([{ uri: sent, text: 'x' }]);
    return r;
  };

  test.each([
    ['plain', `${PUBLIC}docs/a.md`, `${PUBLIC}docs/a.md`],
    ['dot segments inside public/', `${PUBLIC}docs/./x/../a.md`, `${PUBLIC}docs/a.md`],
    ['scheme and host case', 'RES://HOST/public/a', `${PUBLIC}a`],
    ['unreserved characters encoded', `${PUBLIC}%61%62`, `${PUBLIC}ab`],
    ['other percent-encodings kept, hex upper-cased', `${PUBLIC}a%2cb%c3%a9`, `${PUBLIC}a%2Cb%C3%A9`],
  ])('%s: %s is forwarded as %s', async (_what, uri, sent) => {
    await check(uri);
    expect(forwarded[forwarded.length - 1]).toBe(sent);
  });

  test.each([
    ['../secret/keys', `${PUBLIC}../secret/keys`, 'Unknown resource'],
    ['a/../../secret/keys', `${PUBLIC}a/../../secret/keys`, 'Unknown resource'],
    ['../public2/x (a sibling with the same prefix text)', `${PUBLIC}../public2/x`, 'Unknown resource'],
    ['%2e%2e', `${PUBLIC}%2e%2e/secret/keys`, 'Invalid resource URI'],
    ['%2E%2E%2F', `${PUBLIC}%2E%2E%2Fsecret/keys`, 'Invalid resource URI'],
    ['..%2f', `${PUBLIC}..%2fsecret/keys`, 'Invalid resource URI'],
    ['backslash', `${PUBLIC}..\\secret\\keys`, 'Invalid resource URI'],
    ['double-encoded', `${PUBLIC}%252e%252e/secret/keys`, 'Invalid resource URI'],
    ['double-encoded slash', `${PUBLIC}..%252fsecret/keys`, 'Invalid resource URI'],
    ['NUL', `${PUBLIC}a\u0000/../../secret/keys`, 'Invalid resource URI'],
    ['the hidden resource itself', 'res://host/secret/keys', 'Unknown resource'],
    ['the hidden resource, case-shifted host', 'res://HOST/secret/keys', 'Unknown resource'],
    ['the hidden resource, via a dot segment', 'res://host/./secret/keys', 'Unknown resource'],
  ])('%s -> refused with -32602, never forwarded', async (_what, uri, message) => {
    const r = await check(uri);
    expect(r.error?.code).toBe(-32602);
    expect(r.error?.message).toContain(message);
  });

  test('a climb out of the template answers exactly like an unknown resource', async () => {
    const climbed = await read(`${PUBLIC}../secret/keys`);
    const unknown = await read(`${PUBLIC}../nothing/here`);
    expect(climbed.error?.message).toBe(`Unknown resource: ${PUBLIC}../secret/keys`);
    expect(unknown.error?.message).toBe(`Unknown resource: ${PUBLIC}../nothing/here`);
    expect(climbed.error?.errorClass).toBe(unknown.error?.errorClass);
  });

  test('property: for random URIs, whatever is forwarded is what Cedar evaluated, and stays inside public/', async () => {
    const segment = fc.oneof(
      fc.constantFrom('.', '..', '', 'secret', 'keys', 'public', '%2e', '%2E%2e', '%2f', '%5C', '%252e', '\\', '..\\', '.%2e', '%41', 'a?b', '#', ';', '%00', '\u0000', '%'),
      fc.string({ unit: fc.constantFrom('a', '.', '%', '2', 'e', 'E', 'f', 'F', '5', 'c', '/', '\\', '?', '#'), maxLength: 6 }),
    );
    const head = fc.constantFrom(PUBLIC, 'res://host/', 'RES://Host/public/', 'res://host/public', 'res://host/PUBLIC/', 'res:/host/public/', 'res://host/secret/');
    await fc.assert(
      fc.asyncProperty(head, fc.array(segment, { maxLength: 8 }), async (h, segments) => {
        await check(h + segments.join('/'));
      }),
      { numRuns: 400 },
    );
    expect(forwarded).not.toContain('res://host/secret/keys');
  });
});

describe('tools/call and prompts/get: names match by exact text; the upstream receives the name Cedar evaluated', () => {
  const TOOLS = ['read_file', 'caf\u00e9', 'Read_File'];
  const PROMPTS = ['public_summary', 'public_caf\u00e9'];
  const forwarded: { method: string; name: string }[] = [];
  let governed: Governed;

  beforeAll(async () => {
    governed = await governedHandler(
      { tools: TOOLS.map((name) => ({ name, inputSchema: { type: 'object' } })), prompts: PROMPTS.map((name) => ({ name })), resources: [], resourceTemplates: [] },
      [
        { id: 'tools', effect: 'permit', actions: ['tools/call'], tools: ['read_*', 'caf*'] },
        { id: 'prompts', effect: 'permit', actions: ['prompts/get'], tools: ['public_*'] },
      ],
      async (_target, method, params) => {
        forwarded.push({ method, name: params.name as string });
        return method === 'tools/call' ? { content: [] } : { messages: [] };
      },
    );
  });

  const call = async (method: 'tools/call' | 'prompts/get', name: string) => {
    const before = forwarded.length;
    const evaluatedBefore = governed.evaluated.length;
    const { error } = await governed.handle(method, { name, arguments: {} });
    const listed = method === 'tools/call' ? TOOLS : PROMPTS;
    if (forwarded.length === before) {
      expect(error?.code).toBe(-32602);
      return;
    }
    // Forwarded: only an exactly listed name, sent as the catalog has it, after Cedar evaluated that very name.
    expect(listed).toContain(name);
    expect(forwarded[forwarded.length - 1]).toEqual({ method, name });
    expect(governed.evaluated.slice(evaluatedBefore)).toEqual([name]);
  };

  test.each([
    ['tools/call', 'read_file', true],
    ['tools/call', 'Read_File', false], // listed, but outside the permit (case matters to Cedar and to the catalog)
    ['tools/call', 'READ_FILE', false],
    ['tools/call', 'cafe\u0301', false], // the NFD spelling of a listed NFC name is another name
    ['tools/call', 'caf\u00e9', true],
    ['tools/call', 'read_file\u200b', false],
    ['prompts/get', 'public_summary', true],
    ['prompts/get', 'public_cafe\u0301', false],
    ['prompts/get', 'public_../summary', false],
  ] as const)('%s %j: forwarded=%s', async (method, name, ok) => {
    const before = forwarded.length;
    await call(method, name);
    expect(forwarded.length).toBe(before + (ok ? 1 : 0));
  });

  test('property: for random names, whatever is forwarded is exactly a listed name Cedar evaluated', async () => {
    const name = fc.oneof(
      fc.constantFrom(...TOOLS, ...PROMPTS),
      fc.string({ unit: fc.constantFrom('r', 'e', 'a', 'd', '_', 'f', 'i', 'l', 'c', '\u00e9', '\u0301', 'E', 'R', 'p', 'u', 'b', '.', '/', '*', '\u200b'), maxLength: 12 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('tools/call' as const, 'prompts/get' as const), name, async (method, nm) => {
        await call(method, nm);
      }),
      { numRuns: 300 },
    );
  });
});
