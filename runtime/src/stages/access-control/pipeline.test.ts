import { OAuth2Server } from 'oauth2-mock-server';
import { identitySchema } from '../../config/sections/identity';
import type { Auditor, CatalogEntry, RequestContext, Stage } from '../../pipeline/context';
import { ErrorCode } from '../../pipeline/errors';
import { Pipeline } from '../../pipeline/pipeline';
import { createIdentityStage } from '../identity';
import { createAccessControlStage } from './index';
import { acl, memoryLog, tool } from './test-fixtures';

const noopAuditor: Auditor = { beforeForward: async () => {}, complete: () => {}, close: async () => {} };

describe('identity -> access control in the pipeline (real JWTs from oauth2-mock-server on 127.0.0.1)', () => {
  const idp = new OAuth2Server();
  let pipeline: Pipeline;
  const search = tool('github', 'search_issues', { readOnlyHint: true });
  const drop = tool('github', 'drop_database', { destructiveHint: true });
  const catalog: CatalogEntry[] = [search, drop];
  const forwarded: string[] = [];
  const forward = async (ctx: RequestContext) => {
    forwarded.push(ctx.target!.exposedName);
    return { content: [{ type: 'text', text: 'ok' }] };
  };
  const tokenFor = (groups: string[]) =>
    idp.issuer.buildToken({ scopesOrTransform: (_h, p) => Object.assign(p, { sub: `user-${groups.join('-')}`, aud: 'proxy', 'cognito:groups': groups }) });
  const ctx = (authorization: string | undefined, method: string, target?: CatalogEntry): RequestContext => ({
    requestId: `r-${Math.random()}`,
    method,
    headers: { authorization },
    startedAt: performance.now(),
    target,
    arguments: {},
    actions: [],
    timings: { policyMs: 0, upstreamMs: 0 },
  });

  beforeAll(async () => {
    await idp.issuer.keys.generate('RS256');
    await idp.start(0, '127.0.0.1');
    const { log } = memoryLog();
    const stages: Stage[] = [
      await createIdentityStage(identitySchema.parse({ mode: 'jwt', jwt: { issuer: idp.issuer.url, audiences: ['proxy'] } }), log),
      await createAccessControlStage(
        acl({
          enabled: true,
          ruleSets: [
            {
              name: 'base',
              rules: [
                { id: 'devs', effect: 'permit', groups: ['dev'], upstreams: ['github'] },
                { id: 'no-destructive', effect: 'forbid', annotations: { destructiveHint: true }, exceptGroups: ['dba'] },
              ],
            },
          ],
        }),
        log,
      ),
    ];
    pipeline = new Pipeline(stages, noopAuditor);
  });
  afterAll(async () => {
    await pipeline.close();
    await idp.stop();
  });
  beforeEach(() => {
    forwarded.length = 0;
  });

  it('forwards a permitted call', async () => {
    const c = ctx(`Bearer ${await tokenFor(['dev'])}`, 'tools/call', search);
    await expect(pipeline.call(c, 'tool', search.exposedName, forward)).resolves.toEqual({ content: [{ type: 'text', text: 'ok' }] });
    expect(forwarded).toEqual([search.exposedName]);
    expect(c.decision).toMatchObject({ effect: 'allow', policyIds: ['base.devs'] });
  });

  it('never forwards a denied call, and answers as for an unknown tool', async () => {
    const c = ctx(`Bearer ${await tokenFor(['dev'])}`, 'tools/call', drop);
    const denied = pipeline.call(c, 'tool', drop.exposedName, forward);
    await expect(denied).rejects.toMatchObject({ code: ErrorCode.InvalidParams, message: `Unknown tool: ${drop.exposedName}`, errorClass: 'forbidden' });
    const unknown = pipeline.call(ctx(`Bearer ${await tokenFor(['dev'])}`, 'tools/call'), 'tool', 'github__no_such_tool', forward);
    await expect(unknown).rejects.toMatchObject({ code: ErrorCode.InvalidParams, message: 'Unknown tool: github__no_such_tool', errorClass: 'not_found' });
    expect(forwarded).toEqual([]);
    expect(c.decision).toMatchObject({ effect: 'deny', policyIds: ['base.no-destructive'] });
  });

  it('never forwards an unauthenticated call, and never evaluates policy for it', async () => {
    const c = ctx(undefined, 'tools/call', search);
    await expect(pipeline.call(c, 'tool', search.exposedName, forward)).rejects.toMatchObject({ code: ErrorCode.Unauthenticated, message: 'Authentication required' });
    expect(forwarded).toEqual([]);
    expect(c.decision).toBeUndefined();
  });

  it('lists only what the caller may call', async () => {
    expect((await pipeline.list(ctx(`Bearer ${await tokenFor(['dev'])}`, 'tools/list'), catalog)).map((e) => e.exposedName)).toEqual([search.exposedName]);
    expect((await pipeline.list(ctx(`Bearer ${await tokenFor(['dev', 'dba'])}`, 'tools/list'), catalog)).map((e) => e.exposedName)).toEqual([search.exposedName, drop.exposedName]);
    expect(await pipeline.list(ctx(`Bearer ${await tokenFor(['guest'])}`, 'tools/list'), catalog)).toEqual([]);
    await expect(pipeline.list(ctx('Bearer not-a-token', 'tools/list'), catalog)).rejects.toMatchObject({ code: ErrorCode.Unauthenticated });
  });
});
