/** The composer: order of stages, fail-closed paths, and upstream errors passing the output stages. */
import { createLogger } from '../log';
import { createRedactStage } from '../stages/redact';
import type { Auditor, Outcome, RequestContext, Stage } from './context';
import { ErrorCode, GovernanceError } from './errors';
import { Pipeline } from './pipeline';

const silent = createLogger('test', { write: () => {} });

function recordingAuditor(): Auditor & { outcomes: Outcome[]; forwarded: number } {
  const a = {
    outcomes: [] as Outcome[],
    forwarded: 0,
    async beforeForward() {
      a.forwarded++;
    },
    complete(_ctx: RequestContext, o: Outcome) {
      a.outcomes.push(o);
    },
    async close() {},
  };
  return a;
}

function ctxFor(): RequestContext {
  return {
    requestId: 'r1',
    rpcId: 1,
    method: 'tools/call',
    headers: {},
    startedAt: performance.now(),
    target: { kind: 'tool', upstream: 'u', name: 't', exposedName: 't', definition: { name: 't' } },
    arguments: {},
    actions: [],
    timings: { policyMs: 0, upstreamMs: 0 },
  };
}

const redact = () => createRedactStage({ enabled: true, detectors: ['EMAIL'], custom: [], replacement: 'label' }, silent);

describe('Pipeline', () => {
  test('request stages run in order, result stages in reverse order', async () => {
    const seen: string[] = [];
    const stage = (name: string): Stage => ({
      name,
      onRequest: () => void seen.push(`req:${name}`),
      onResult: (_c, r) => (seen.push(`res:${name}`), r),
    });
    const p = new Pipeline([stage('a'), stage('b')], recordingAuditor());
    await p.call(ctxFor(), 'tool', 't', async () => (seen.push('upstream'), { content: [] }));
    expect(seen).toEqual(['req:a', 'req:b', 'upstream', 'res:b', 'res:a']);
  });

  test('synchronous and asynchronous stages mixed: each finishes before the next starts, in both directions', async () => {
    const seen: string[] = [];
    const tick = () => new Promise<void>((r) => setImmediate(r));
    const sync = (name: string): Stage => ({ name, onRequest: () => void seen.push(`req:${name}`), onResult: (_c, r) => (seen.push(`res:${name}`), { ...r, [name]: true }) });
    const async_ = (name: string): Stage => ({
      name,
      onRequest: async () => {
        await tick();
        seen.push(`req:${name}`);
      },
      onResult: async (_c, r) => {
        await tick();
        seen.push(`res:${name}`);
        return { ...r, [name]: true };
      },
    });
    const p = new Pipeline([async_('a'), sync('b'), async_('c'), sync('d')], recordingAuditor());
    const result = await p.call(ctxFor(), 'tool', 't', async () => (seen.push('upstream'), { content: [] }));
    expect(seen).toEqual(['req:a', 'req:b', 'req:c', 'req:d', 'upstream', 'res:d', 'res:c', 'res:b', 'res:a']);
    expect(result).toEqual({ content: [], a: true, b: true, c: true, d: true });
  });

  test('an asynchronous request stage that rejects stops the call before anything is forwarded (fail closed)', async () => {
    const auditor = recordingAuditor();
    const later: Stage = { name: 'later', onRequest: jest.fn() };
    const refusing: Stage = { name: 'refusing', onRequest: async () => Promise.reject(new GovernanceError(ErrorCode.Forbidden, 'Forbidden', 'forbidden')) };
    const forward = jest.fn();
    const err = await new Pipeline([refusing, later], auditor).call(ctxFor(), 'tool', 't', forward).catch((e: unknown) => e as GovernanceError);
    expect(err.code).toBe(ErrorCode.Forbidden);
    expect(later.onRequest).not.toHaveBeenCalled();
    expect(forward).not.toHaveBeenCalled();
    expect(auditor.outcomes).toEqual([expect.objectContaining({ status: 'denied', errorClass: 'forbidden' })]);
  });

  test("an upstream's own error message passes redaction before it reaches the caller", async () => {
    const auditor = recordingAuditor();
    const p = new Pipeline([redact()], auditor);
    const err = await p
      .call(ctxFor(), 'tool', 't', async () => {
        throw new GovernanceError(-32000 as never, 'no account for maria.garcia@example.com', 'upstream_error', { owner: 'maria.garcia@example.com' });
      })
      .catch((e: unknown) => e as GovernanceError);
    expect(err).toBeInstanceOf(GovernanceError);
    expect(err.code).toBe(-32000);
    expect(err.message).toBe('no account for [REDACTED:EMAIL]');
    expect(JSON.stringify(err.data)).not.toContain('maria.garcia');
    expect(auditor.outcomes).toEqual([expect.objectContaining({ status: 'error', errorClass: 'upstream_error' })]);
  });

  test('a result stage that throws fails closed: the caller gets an internal error, never the unprocessed result', async () => {
    const auditor = recordingAuditor();
    const broken: Stage = { name: 'broken', onResult: () => { throw new Error('detector exploded: secret-canary'); } };
    const p = new Pipeline([broken], auditor);
    const err = await p.call(ctxFor(), 'tool', 't', async () => ({ content: [{ type: 'text', text: 'raw' }] })).catch((e: unknown) => e as GovernanceError);
    expect(err.code).toBe(ErrorCode.InternalError);
    expect(err.message).not.toContain('secret-canary');
    expect(auditor.outcomes[0]).toMatchObject({ status: 'error', errorClass: 'internal' });
  });

  test('an unknown target is refused after the request stages ran and is never forwarded', async () => {
    const auditor = recordingAuditor();
    const identity: Stage = { name: 'identity', onRequest: () => { throw new GovernanceError(ErrorCode.Unauthenticated, 'Authentication required', 'unauthenticated'); } };
    const noTarget = { ...ctxFor(), target: undefined };
    const forward = jest.fn();
    const unauth = await new Pipeline([identity], auditor).call(noTarget, 'tool', 'ghost', forward).catch((e: unknown) => e as GovernanceError);
    expect(unauth.code).toBe(ErrorCode.Unauthenticated);
    const notFound = await new Pipeline([], auditor).call({ ...ctxFor(), target: undefined }, 'tool', 'ghost', forward).catch((e: unknown) => e as GovernanceError);
    expect(notFound).toMatchObject({ code: ErrorCode.InvalidParams, message: 'Unknown tool: ghost' });
    expect(forward).not.toHaveBeenCalled();
    expect(auditor.forwarded).toBe(0);
    expect(auditor.outcomes.map((o) => o.status)).toEqual(['denied', 'error']);
  });
});
