import { sanitizeSchema } from '../config/sections/sanitize';
import { cedarWasm } from '../stages/access-control/cedar-wasm';
import { createAccessControlStage } from '../stages/access-control';
import { acl, ctxFor, jwtCaller, memoryLog, tool } from '../stages/access-control/test-fixtures';
import { createSanitizeStage } from '../stages/sanitize';
import { ArgumentValidator } from '../stages/sanitize/schema-validator';
import type { Stage } from './context';
import { reauthorizeRewrites } from './build';
import { warmUpInBackground } from './warm-up';

describe('warmUpInBackground', () => {
  it('runs every stage warm-up once, in order, each in its own macrotask, and goes on past one that throws', async () => {
    const ran: string[] = [];
    const { log, lines } = memoryLog();
    const stages: Stage[] = [
      { name: 'a', warmUp: () => void ran.push('a') },
      { name: 'none' },
      {
        name: 'bad',
        warmUp: () => {
          ran.push('bad');
          throw new Error('boom');
        },
      },
      { name: 'c', warmUp: () => void ran.push('c') },
    ];
    const done = warmUpInBackground(stages, log);
    // Nothing runs synchronously: start-up goes on to its network waits first.
    expect(ran).toEqual([]);
    await done;
    expect(ran).toEqual(['a', 'bad', 'c']);
    expect(lines).toEqual([expect.objectContaining({ level: 'warn', msg: expect.stringMatching(/warm-up failed/), stage: 'bad', error: 'boom' })]);
  });
});

describe('access-control warm-up', () => {
  const github = tool('github', 'search_issues');
  const config = acl({ enabled: true, ruleSets: [{ name: 'base', rules: [{ id: 'devs', effect: 'permit', actions: ['tools/call'], groups: ['dev'], upstreams: ['github'], tools: ['search_*'] }] }] });

  afterEach(() => jest.restoreAllMocks());

  it('decides one made-up call in Cedar, in a policy set of its own, and changes no decision', async () => {
    const stage = await createAccessControlStage(config, memoryLog().log);
    const spy = jest.spyOn(cedarWasm(), 'statefulIsAuthorized');
    stage.warmUp!();
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0][0]).toMatchObject({ preparsedPolicySetId: 'mcp-proxy/warm-up', resource: { id: '(warm-up)' } });

    const allowed = ctxFor(jwtCaller('alice', ['dev']), github);
    await stage.onRequest!(allowed);
    expect(allowed.decision).toMatchObject({ effect: 'allow', policyIds: ['base.devs'] });
    const denied = ctxFor(jwtCaller('bob', ['sales']), github);
    await expect(Promise.resolve().then(() => stage.onRequest!(denied))).rejects.toThrow();
    expect(denied.decision?.effect).toBe('deny');
  });

  it('has nothing to warm when access control is off', async () => {
    const stage = await createAccessControlStage(acl({ enabled: false }), memoryLog().log);
    expect(stage.warmUp).toBeUndefined();
  });
});

describe('sanitize warm-up', () => {
  it('builds the draft-07 validator with a first compile, and validation answers as before', () => {
    const v = new ArgumentValidator(true);
    v.warmUp();
    const ajvs = v as unknown as { ajv07?: object; ajv2020?: object };
    expect(ajvs.ajv07).toBeDefined();
    const schema = { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] };
    expect(v.check(schema, { q: 'x' })).toEqual({ ok: true });
    expect(v.check(schema, { q: 'x', extra: 1 })).toEqual({ ok: false, message: 'extra: unknown argument' });
    // A draft-07 schema never builds the 2020-12 instance.
    expect(ajvs.ajv2020).toBeUndefined();
  });

  it('a draft 2020-12 schema is compiled by the 2020-12 instance only', () => {
    const v = new ArgumentValidator(false);
    const schema = { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', prefixItems: [], properties: { n: { type: 'integer' } } };
    expect(v.check(schema, { n: 'one' })).toEqual({ ok: false, message: 'n: must be integer' });
    const ajvs = v as unknown as { ajv07?: object; ajv2020?: object };
    expect(ajvs.ajv2020).toBeDefined();
    expect(ajvs.ajv07).toBeUndefined();
  });

  it('the stage offers a warm-up only when it validates schemas', () => {
    const log = memoryLog().log;
    expect(createSanitizeStage(sanitizeSchema.parse({ enabled: true, validateSchema: true }), log).warmUp).toBeInstanceOf(Function);
    expect(createSanitizeStage(sanitizeSchema.parse({ enabled: true, validateSchema: false }), log).warmUp).toBeUndefined();
  });
});

describe('reauthorizeRewrites', () => {
  it('keeps the wrapped stage warm-up', () => {
    const ran: string[] = [];
    const wrapped = reauthorizeRewrites({ name: 'sanitize', warmUp: () => void ran.push('sanitize'), onRequest() {} }, { name: 'access-control', onRequest() {} });
    wrapped.warmUp!();
    expect(ran).toEqual(['sanitize']);
  });
});
