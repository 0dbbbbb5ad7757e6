/**
 * resources/read routing through the real McpHandler, Catalog and Cedar access-control stage: the URI the upstream
 * receives is exactly the one Cedar evaluated (and the catalog matched), for any requested URI. The policy permits
 * `res://host/public/*` only; the upstream has the template `res://host/public/{+path}` and a listed, hidden
 * `res://host/secret/keys`. The end-to-end counterpart against the built bundle and a stock SDK server is
 * test/reliability/resource-traversal.test.ts.
 */
import fc from 'fast-check';
import type { JsonResult, RequestContext, Stage } from '../pipeline/context';
import { GovernanceError } from '../pipeline/errors';
import { Pipeline } from '../pipeline/pipeline';
import { createAccessControlStage } from '../stages/access-control';
import { acl, jwtCaller, memoryLog } from '../stages/access-control/test-fixtures';
import { Catalog } from '../upstream/catalog';
import { Naming } from '../upstream/naming';
import { parseConfig } from '../config/load';
import type { ResponseChannel } from './response';
import { McpHandler, type UpstreamRouter } from './mcp-handler';

const PUBLIC = 'res://host/public/';

describe('resources/read: the URI Cedar evaluates is the URI the upstream receives', () => {
  const forwarded: string[] = [];
  const evaluated: string[] = [];
  let handler: McpHandler;
  let n = 0;

  beforeAll(async () => {
    const config = parseConfig({ version: 1, upstreams: [{ name: 'files', url: 'http://127.0.0.1:1/mcp' }] });
    const catalog = Catalog.build(
      [
        [
          'files',
          {
            tools: [],
            prompts: [],
            resources: [
              { uri: 'res://host/secret/keys', name: 'keys' },
              { uri: `${PUBLIC}readme`, name: 'readme' },
            ],
            resourceTemplates: [{ uriTemplate: `${PUBLIC}{+path}`, name: 'public' }],
          },
        ],
      ],
      new Naming(config),
    );
    const router: UpstreamRouter = {
      catalog,
      async forward(_target, method, params) {
        expect(method).toBe('resources/read');
        forwarded.push(params.uri as string);
        return { contents: [{ uri: params.uri, text: 'x' }] };
      },
    };
    const { log } = memoryLog();
    const caller = jwtCaller('reader');
    const stages: Stage[] = [
      { name: 'identity', onRequest: (ctx: RequestContext) => void (ctx.principal = caller) },
      await createAccessControlStage(
        acl({ enabled: true, ruleSets: [{ name: 'main', rules: [{ id: 'public', effect: 'permit', actions: ['resources/read'], tools: [`${PUBLIC}*`] }] }] }),
        log,
      ),
      // After access control: runs only for allowed calls, and sees the target Cedar evaluated (resource.name).
      { name: 'spy', onRequest: (ctx: RequestContext) => void (ctx.target && evaluated.push(ctx.target.name)) },
    ];
    const pipeline = new Pipeline(stages, { beforeForward: async () => {}, complete: () => {}, close: async () => {} });
    handler = new McpHandler({ pipeline, upstreams: router, log, serverInfo: { name: 'p', version: '0' } });
  });

  const read = async (uri: string): Promise<{ result?: JsonResult; error?: GovernanceError }> => {
    const controller = new AbortController();
    try {
      const result = (await handler.handle({
        message: { jsonrpc: '2.0', id: ++n, method: 'resources/read', params: { uri } },
        headers: {},
        signal: controller.signal,
        cancel: () => controller.abort(),
        channel: { notify() {}, request: () => false } as unknown as ResponseChannel,
      })) as JsonResult;
      return { result };
    } catch (err) {
      if (!(err instanceof GovernanceError)) throw err;
      return { error: err };
    }
  };

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
