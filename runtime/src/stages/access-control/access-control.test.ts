import type { CatalogEntry, Principal, Stage } from '../../pipeline/context';
import { ErrorCode, GovernanceError, targetNotFound } from '../../pipeline/errors';
import { createAccessControlStage, policiesCheckedStamp } from './index';
import { ANONYMOUS, IAM, acl, ctxFor, jwtCaller, memoryLog, prompt, resource, tool } from './test-fixtures';

type Outcome = 'allow' | 'hidden' | 'forbidden';

/** Runs onRequest; classifies the answer as the caller would see it. */
async function call(stage: Stage, principal: Principal, target: CatalogEntry, args?: Record<string, unknown>) {
  const ctx = ctxFor(principal, target, args);
  try {
    await stage.onRequest!(ctx);
    return { outcome: 'allow' as Outcome, ctx };
  } catch (err) {
    if (!(err instanceof GovernanceError)) throw err;
    if (err.code === ErrorCode.Forbidden) {
      expect(err.message).toBe('Access denied by policy');
      return { outcome: 'forbidden' as Outcome, ctx, err };
    }
    // A hidden target answers exactly like an unknown one (only the audit class differs).
    const unknown = targetNotFound(target.kind, target.exposedName);
    expect([err.code, err.message]).toEqual([unknown.code, unknown.message]);
    expect(err.errorClass).toBe('forbidden');
    return { outcome: 'hidden' as Outcome, ctx, err };
  }
}

async function listed(stage: Stage, principal: Principal, entries: readonly CatalogEntry[]): Promise<string[]> {
  const ctx = ctxFor(principal, undefined, undefined, 'tools/list');
  return (await stage.filterList!(ctx, entries)).map((e) => e.exposedName);
}

describe('access control: decisions for principals x tools (typed rules and raw Cedar)', () => {
  const tools = {
    search: tool('github', 'search_issues', { readOnlyHint: true }),
    getFile: tool('github', 'get_file', { readOnlyHint: true }),
    deleteRepo: tool('github', 'delete_repo', { destructiveHint: true }),
    createIssue: tool('github', 'create_issue'), // no annotations: destructive by the MCP defaults
    restart: tool('ops', 'restart', { destructiveHint: true }),
    status: tool('ops', 'status', { readOnlyHint: true }),
    describe: tool('aws', 'describe', { readOnlyHint: true }),
    report: tool('finance', 'report_q3', { readOnlyHint: true }),
  };
  const all = Object.values(tools);
  const principals: Record<string, Principal> = {
    dev: jwtCaller('dev-1', ['dev']),
    ops: jwtCaller('ops-1', ['ops']),
    admin: jwtCaller('admin-1', ['admin']),
    reader: jwtCaller('reader-1', [], ['mcp/read']),
    devAdmin: jwtCaller('da-1', ['dev', 'admin']),
    finance: jwtCaller('fin-1', [], [], { department: ['finance', 'ops'] }),
    iam: IAM,
    anonymous: ANONYMOUS,
  };
  // Who may call what (nothing else): the expectation the matrix is checked against.
  const callable: Record<string, (keyof typeof tools)[]> = {
    dev: ['search', 'getFile'],
    ops: ['status'],
    admin: Object.keys(tools) as (keyof typeof tools)[],
    reader: ['search', 'getFile', 'status', 'describe', 'report'],
    devAdmin: Object.keys(tools) as (keyof typeof tools)[],
    finance: ['report'],
    iam: ['describe'],
    anonymous: [],
  };
  let stage: Stage;
  beforeAll(async () => {
    stage = await createAccessControlStage(
      acl({
        enabled: true,
        ruleSets: [
          {
            name: 'base',
            rules: [
              { id: 'devs', effect: 'permit', actions: ['tools/call'], groups: ['dev'], upstreams: ['github'], tools: ['search_*', 'get_*'] },
              { id: 'ops', effect: 'permit', groups: ['ops'], upstreams: ['ops'] },
              { id: 'admins', effect: 'permit', groups: ['admin'] },
              { id: 'no-destructive', effect: 'forbid', annotations: { destructiveHint: true }, exceptGroups: ['admin'] },
              { id: 'readers', effect: 'permit', scopes: ['mcp/read'], annotations: { readOnlyHint: true } },
            ],
            cedar: [
              '@id("iam-aws") permit(principal, action == McpProxy::Action::"tools/call", resource in McpProxy::Upstream::"aws") when { principal.kind == "iam" };',
              '@id("finance") permit(principal, action, resource is McpProxy::Tool) when { principal.hasTag("department") && principal.getTag("department").contains("finance") && resource.name like "report_*" };',
            ].join('\n'),
          },
        ],
      }),
      memoryLog().log,
    );
  });

  const matrix: [string, keyof typeof tools, Outcome][] = [];
  for (const p of Object.keys(principals)) for (const t of Object.keys(tools) as (keyof typeof tools)[]) matrix.push([p, t, callable[p].includes(t) ? 'allow' : 'hidden']);

  it.each(matrix)('%s calls %s: %s', async (p, t, expected) => {
    const { outcome, ctx } = await call(stage, principals[p], tools[t]);
    expect(outcome).toBe(expected);
    expect(ctx.decision?.effect).toBe(expected === 'allow' ? 'allow' : 'deny');
    expect(ctx.decision?.durationMs).toBeGreaterThanOrEqual(0);
  });

  it.each(Object.keys(principals))('tools/list shows %s exactly what it may call', async (p) => {
    const shown = await listed(stage, principals[p], all);
    const mayCall: string[] = [];
    for (const t of all) if ((await call(stage, principals[p], t)).outcome === 'allow') mayCall.push(t.exposedName);
    expect(shown).toEqual(mayCall);
    expect(shown).toEqual(callable[p].map((k) => tools[k].exposedName));
  });

  it('remembered allow decisions answer the same on repeated calls, and stay per caller (same sub, other groups)', async () => {
    for (let pass = 0; pass < 2; pass++) {
      for (const [p, t, expected] of matrix) {
        const { outcome, ctx } = await call(stage, principals[p], tools[t]);
        expect([p, t, outcome]).toEqual([p, t, expected]);
        if (expected === 'allow') expect(ctx.decision?.policyIds.length).toBeGreaterThan(0);
      }
    }
    expect((await call(stage, principals.dev, tools.search)).outcome).toBe('allow');
    expect((await call(stage, jwtCaller('dev-1', []), tools.search)).outcome).toBe('hidden');
    expect((await call(stage, jwtCaller('dev-1', ['dev'], [], { department: ['x'] }), tools.search)).outcome).toBe('allow');
    // A refreshed catalog entry (a new object for the same tool) is decided afresh, with the same answer.
    expect((await call(stage, principals.dev, tool('github', 'search_issues', { readOnlyHint: true }))).outcome).toBe('allow');
    expect((await call(stage, principals.dev, tool('github', 'search_issues', { destructiveHint: true }))).outcome).toBe('hidden');
  });

  it('records the determining policies', async () => {
    expect((await call(stage, principals.dev, tools.search)).ctx.decision?.policyIds).toEqual(['base.devs']);
    expect((await call(stage, principals.ops, tools.restart)).ctx.decision?.policyIds).toEqual(['base.no-destructive']);
    expect((await call(stage, principals.anonymous, tools.search)).ctx.decision?.policyIds).toEqual([]); // deny by default
    expect((await call(stage, principals.iam, tools.describe)).ctx.decision?.policyIds).toEqual(['base.iam-aws']);
  });

  it('counts hidden entries as a stage action (a count, no names)', async () => {
    const ctx = ctxFor(principals.dev, undefined, undefined, 'tools/list');
    await stage.filterList!(ctx, all);
    expect(ctx.actions).toEqual([{ stage: 'access-control', action: 'access.hidden', count: all.length - 2 }]);
  });

  it('an unknown target (ctx.target unset) is left to the pipeline', async () => {
    const ctx = ctxFor(principals.dev, undefined);
    await stage.onRequest!(ctx);
    expect(ctx.decision).toBeUndefined();
  });

  it('fails closed without a principal', async () => {
    await expect(async () => stage.onRequest!(ctxFor(undefined, tools.search))).rejects.toMatchObject({ code: ErrorCode.Unauthenticated });
    expect(await stage.filterList!(ctxFor(undefined, undefined, undefined, 'tools/list'), all)).toEqual([]);
  });
});

describe('access control: argument conditions; lists equal what is callable for some arguments', () => {
  const fs = {
    read: tool('fs', 'read_file', { readOnlyHint: true }),
    write: tool('fs', 'write_file', { destructiveHint: false }),
    del: tool('fs', 'delete_file', { destructiveHint: false }),
    nuke: tool('fs', 'nuke', { destructiveHint: false }),
  };
  const all = Object.values(fs);
  const dev = jwtCaller('dev-1', ['dev']);
  const ops = jwtCaller('ops-1', ['ops']);
  const argSets: Record<string, unknown>[] = [{}, { path: '/etc/passwd' }, { path: '/tmp/x' }, { confirm: true }, { confirm: false }, { confirm: 'true' }, { options: { path: '/etc/shadow' } }];
  let stage: Stage;
  beforeAll(async () => {
    stage = await createAccessControlStage(
      acl({
        enabled: true,
        ruleSets: [
          {
            name: 'fs',
            rules: [
              { id: 'devs', effect: 'permit', actions: ['tools/call'], groups: ['dev'], upstreams: ['fs'] },
              {
                id: 'no-etc',
                effect: 'forbid',
                actions: ['tools/call'],
                tools: ['write_file'],
                when: 'context.arguments.hasTag("path") && context.arguments.getTag("path") has string && context.arguments.getTag("path").string like "/etc/*"',
              },
              {
                id: 'no-nested-etc',
                effect: 'forbid',
                actions: ['tools/call'],
                when: 'context.arguments.hasTag("options.path") && context.arguments.getTag("options.path").json like "\\"/etc/*"',
              },
              {
                id: 'ops-confirmed-delete',
                effect: 'permit',
                actions: ['tools/call'],
                groups: ['ops'],
                tools: ['delete_file'],
                when: 'context.arguments.hasTag("confirm") && context.arguments.getTag("confirm") has boolean && context.arguments.getTag("confirm").boolean',
              },
            ],
            // Forbids "nuke" whatever the arguments: partial evaluation sees that and hides it.
            cedar: '@id("no-nuke") forbid(principal, action, resource) when { resource.name == "nuke" || context.arguments.hasTag("nuke") };',
          },
        ],
      }),
      memoryLog().log,
    );
  });

  const cases: [string, Principal, CatalogEntry, Record<string, unknown>, Outcome][] = [
    ['dev reads anything', dev, fs.read, { path: '/etc/passwd' }, 'allow'],
    ['dev writes /tmp', dev, fs.write, { path: '/tmp/x' }, 'allow'],
    ['dev writes /etc: denied by an argument condition on a visible tool', dev, fs.write, { path: '/etc/passwd' }, 'forbidden'],
    ['dev passes a nested /etc path', dev, fs.write, { options: { path: '/etc/shadow' } }, 'forbidden'],
    ['dev writes with a number as path (typed view absent: the string rule does not apply)', dev, fs.write, { path: 42 }, 'allow'],
    ['dev calls nuke (forbidden whatever the arguments)', dev, fs.nuke, {}, 'hidden'],
    ['ops deletes with confirm: true', ops, fs.del, { confirm: true }, 'allow'],
    ['ops deletes without confirm', ops, fs.del, {}, 'forbidden'],
    ['ops deletes with confirm: "true" (a string, not a boolean)', ops, fs.del, { confirm: 'true' }, 'forbidden'],
    ['ops reads (never permitted)', ops, fs.read, { confirm: true }, 'hidden'],
  ];
  it.each(cases)('%s', async (_label, principal, target, args, expected) => {
    const { outcome, ctx } = await call(stage, principal, target, args);
    expect(outcome).toBe(expected);
    if (expected === 'forbidden') expect(ctx.decision?.effect).toBe('deny');
  });

  it.each([
    ['dev', dev],
    ['ops', ops],
  ] as const)('list for %s == the tools it can call with some arguments', async (_name, principal) => {
    const shown = await listed(stage, principal, all);
    const callableWithSome: string[] = [];
    for (const t of all) {
      for (const args of argSets) {
        if ((await call(stage, principal, t, args)).outcome === 'allow') {
          callableWithSome.push(t.exposedName);
          break;
        }
      }
    }
    expect(shown).toEqual(callableWithSome);
    expect(shown.length).toBeGreaterThan(0);
  });

  it('remembered partial evaluations stay per caller (same sub, different groups)', async () => {
    const first = await listed(stage, jwtCaller('same', ['ops']), all);
    const second = await listed(stage, jwtCaller('same', ['dev']), all);
    expect(first).toEqual([fs.del.exposedName]);
    expect(second).toEqual([fs.read.exposedName, fs.write.exposedName, fs.del.exposedName]);
    expect(await listed(stage, jwtCaller('same', ['ops']), all)).toEqual(first);
  });

  it('arguments that would be ambiguous to policies are refused (fail closed)', async () => {
    expect((await call(stage, dev, fs.write, { options: { path: '/etc/shadow' }, 'options.path': '/tmp/ok' })).outcome).toBe('forbidden');
  });

  it('too many argument values are refused, answering as the caller sees the target', async () => {
    const many = Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`k${i}`, i]));
    expect((await call(stage, dev, fs.read, many)).outcome).toBe('forbidden');
    expect((await call(stage, ops, fs.read, many)).outcome).toBe('hidden');
  });

  it('an argument named __proto__ is seen by policies like any other', async () => {
    const s = await createAccessControlStage(
      acl({ enabled: true, ruleSets: [{ name: 'p', rules: [{ effect: 'permit' }, { id: 'proto', effect: 'forbid', when: 'context.arguments.hasTag("__proto__")' }] }] }),
      memoryLog().log,
    );
    expect((await call(s, dev, fs.read, JSON.parse('{"__proto__": {"x": 1}}') as Record<string, unknown>)).outcome).toBe('forbidden');
    expect((await call(s, dev, fs.read, { x: 1 })).outcome).toBe('allow');
  });
});

describe('access control: resources and prompts', () => {
  const doc = resource('docs', 'file:///handbook.md');
  const greet = prompt('docs', 'greet');
  const secret = prompt('docs', 'secret');
  let stage: Stage;
  beforeAll(async () => {
    stage = await createAccessControlStage(
      acl({
        enabled: true,
        ruleSets: [
          {
            name: 'kinds',
            rules: [
              { effect: 'permit', actions: ['resources/read'], groups: ['dev'], upstreams: ['docs'], tools: ['file:///*'] },
              { effect: 'permit', actions: ['prompts/get'], tools: ['greet'] },
            ],
          },
        ],
      }),
      memoryLog().log,
    );
  });
  it('decides per kind, and lists accordingly', async () => {
    const dev = jwtCaller('d', ['dev']);
    const other = jwtCaller('o');
    expect((await call(stage, dev, doc)).outcome).toBe('allow');
    expect((await call(stage, other, doc)).outcome).toBe('hidden'); // "Unknown resource: file:///handbook.md"
    expect((await call(stage, other, greet)).outcome).toBe('allow');
    expect((await call(stage, dev, secret)).outcome).toBe('hidden');
    expect(await listed(stage, dev, [doc, greet, secret])).toEqual([doc.exposedName, greet.exposedName]);
    expect(await listed(stage, other, [doc, greet, secret])).toEqual([greet.exposedName]);
  });
});

describe('access control: dry run', () => {
  const del = tool('gh', 'delete_branch', { destructiveHint: false });
  const search = tool('gh', 'search', { readOnlyHint: true });
  it('records what a dry-run rule set would deny, and enforces only the enforced rule sets', async () => {
    const stage = await createAccessControlStage(
      acl({
        enabled: true,
        ruleSets: [
          { name: 'base', rules: [{ id: 'everyone', effect: 'permit', actions: ['tools/call'] }] },
          { name: 'tighten', dryRun: true, rules: [{ id: 'no-delete', effect: 'forbid', tools: ['*delete*'] }] },
          { name: 'harmless', dryRun: true, rules: [{ id: 'more', effect: 'permit', groups: ['x'] }] },
        ],
      }),
      memoryLog().log,
    );
    const a = await call(stage, jwtCaller('u'), del);
    expect(a.outcome).toBe('allow');
    expect(a.ctx.decision).toMatchObject({ effect: 'allow', policyIds: ['base.everyone'], dryRunDenials: [{ ruleSet: 'tighten', policyIds: ['tighten.no-delete'] }] });
    const b = await call(stage, jwtCaller('u'), search);
    expect(b.ctx.decision?.dryRunDenials).toEqual([]);
    // Dry-run rules never change what is listed.
    expect(await listed(stage, jwtCaller('u'), [del, search])).toEqual([del.exposedName, search.exposedName]);
  });
});

describe('access control: disabled', () => {
  it('passes everything through and still records a decision', async () => {
    const stage = await createAccessControlStage(acl({ enabled: false, ruleSets: [{ name: 's', rules: [{ effect: 'forbid' }] }] }), memoryLog().log);
    const { outcome, ctx } = await call(stage, ANONYMOUS, tool('u', 'anything', { destructiveHint: true }));
    expect(outcome).toBe('allow');
    expect(ctx.decision).toMatchObject({ effect: 'allow', policyIds: [], dryRunDenials: [] });
    expect(ctx.detokenizeAllowed).toBe(true);
    expect(stage.filterList).toBeUndefined();
  });
  it('still refuses invalid policies (they are validated whether enforced or not)', async () => {
    await expect(createAccessControlStage(acl({ enabled: false, ruleSets: [{ name: 's', cedar: 'permit(principal, action, resource) when { resource.nope };' }] }), memoryLog().log)).rejects.toThrow(
      /policy "s\.cedar0" does not match/,
    );
  });
});

describe('access control: fails closed on evaluation errors', () => {
  const boom = tool('u', 'boom', { readOnlyHint: true });
  const boom2 = tool('u', 'boom2', { readOnlyHint: true });
  const fine = tool('u', 'fine', { readOnlyHint: true });
  it('a forbid that errors denies and hides; a permit that errors grants nothing; the log names the policy only', async () => {
    const { log, lines } = memoryLog();
    const stage = await createAccessControlStage(
      acl({
        enabled: true,
        ruleSets: [
          {
            name: 's',
            rules: [{ id: 'all', effect: 'permit', tools: ['boom', 'fine'] }],
            cedar: [
              '@id("overflow-forbid") forbid(principal, action, resource) when { resource.name == "boom" && 9223372036854775807 + 1 > 0 };',
              '@id("overflow-permit") permit(principal, action, resource) when { resource.name == "boom2" && 9223372036854775807 + 1 > 0 };',
              '@id("arg-overflow") forbid(principal, action, resource) when { context.arguments.hasTag("n") && context.arguments.getTag("n") has long && context.arguments.getTag("n").long * 1000000000000 > 0 };',
            ].join('\n'),
          },
        ],
      }),
      log,
    );
    const u = jwtCaller('u');
    const denied = await call(stage, u, boom);
    expect(denied.outcome).toBe('hidden');
    expect(denied.ctx.decision).toMatchObject({ effect: 'deny', policyIds: ['s.overflow-forbid'] });
    expect((await call(stage, u, boom2)).outcome).toBe('hidden');
    expect((await call(stage, u, fine)).outcome).toBe('allow');
    // With arguments that make a forbid error: the call is denied (the tool stays visible).
    expect((await call(stage, u, fine, { n: 2 ** 53 - 1 })).outcome).toBe('forbidden');
    expect((await call(stage, u, fine, { n: 1 })).outcome).toBe('forbidden'); // 1 * 10^12 > 0: the forbid holds
    expect((await call(stage, u, fine, { m: 1 })).outcome).toBe('allow');
    expect(await listed(stage, u, [boom, boom2, fine])).toEqual([fine.exposedName]);

    const errors = lines.filter((l) => l.level === 'error');
    expect(errors.some((l) => JSON.stringify(l.policies) === '["s.overflow-forbid"]')).toBe(true);
    expect(JSON.stringify(lines)).not.toMatch(/overflow while|9007199254740991/);
  });
});

describe('access control: detokenize decision', () => {
  const t = tool('crm', 'lookup_customer', { readOnlyHint: true });
  const config = acl({
    enabled: true,
    ruleSets: [
      {
        name: 'pii',
        rules: [
          { id: 'call', effect: 'permit', actions: ['tools/call'] },
          { id: 'see-pii', effect: 'permit', actions: ['detokenize'], groups: ['pii-readers'], upstreams: ['crm'] },
        ],
      },
    ],
  });
  it('sets ctx.detokenizeAllowed from a separate decision on the target', async () => {
    const stage = await createAccessControlStage(config, memoryLog().log);
    expect((await call(stage, jwtCaller('a', ['pii-readers']), t)).ctx.detokenizeAllowed).toBe(true);
    const other = await call(stage, jwtCaller('b', ['support']), t);
    expect(other.outcome).toBe('allow');
    expect(other.ctx.detokenizeAllowed).toBe(false);
  });
  it('is false when the proxy does not detokenize (opts.detokenize: false)', async () => {
    const stage = await createAccessControlStage(config, memoryLog().log, { detokenize: false });
    expect((await call(stage, jwtCaller('a', ['pii-readers']), t)).ctx.detokenizeAllowed).toBe(false);
  });
});

describe('access control: the synth-time check stamp (MCP_PROXY_CONFIG_CHECKED)', () => {
  // Fails Cedar's strict schema validation (no such attribute), parses fine: only validation can refuse it.
  const illTyped = acl({ enabled: true, ruleSets: [{ name: 'raw', cedar: 'permit (principal, action, resource) when { principal.nosuchattr == "1" };' }] });
  const wellTyped = acl({ enabled: true, ruleSets: [{ name: 'raw', cedar: 'permit (principal, action, resource);' }] });

  it('without a stamp, or with the stamp of other policies, start-up validates against the schema', async () => {
    await expect(createAccessControlStage(illTyped, memoryLog().log)).rejects.toThrow(/does not match the proxy's Cedar schema/);
    await expect(createAccessControlStage(illTyped, memoryLog().log, { checkedStamp: policiesCheckedStamp(wellTyped) })).rejects.toThrow(
      /does not match the proxy's Cedar schema/,
    );
    await expect(createAccessControlStage(illTyped, memoryLog().log, { checkedStamp: 'sha256:' + '0'.repeat(64) })).rejects.toThrow(/Cedar schema/);
  });

  it('the stamp of exactly these policies skips only the schema validation: parsing still refuses broken Cedar', async () => {
    // (check never stamps ill-typed policies; building anyway shows the validation was the step skipped.)
    const m = memoryLog();
    await expect(createAccessControlStage(illTyped, m.log, { checkedStamp: policiesCheckedStamp(illTyped) })).resolves.toBeDefined();
    expect(m.lines.find((l) => l.msg === 'access control ready')).toMatchObject({ schemaValidation: expect.stringMatching(/^done by check/) });
    const broken = acl({ enabled: true, ruleSets: [{ name: 'raw', cedar: 'permit (principal, action, resource' }] });
    await expect(createAccessControlStage(broken, memoryLog().log, { checkedStamp: policiesCheckedStamp(broken) })).rejects.toThrow(/cedar: unexpected end of input/);
    const v = memoryLog();
    await createAccessControlStage(wellTyped, v.log);
    expect(v.lines.find((l) => l.msg === 'access control ready')).toMatchObject({ schemaValidation: 'at start-up' });
  });

  it('the stamp depends on the policies as resolved, not on how the document orders its keys', () => {
    const a = acl({ enabled: true, ruleSets: [{ name: 's', rules: [{ effect: 'permit', groups: ['g'], tools: ['t'] }] }] });
    const b = acl({ ruleSets: [{ rules: [{ tools: ['t'], groups: ['g'], effect: 'permit' }], name: 's' }], enabled: true });
    const c = acl({ enabled: true, ruleSets: [{ name: 's', rules: [{ effect: 'permit', groups: ['h'], tools: ['t'] }] }] });
    expect(policiesCheckedStamp(a)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(policiesCheckedStamp(a)).toBe(policiesCheckedStamp(b));
    expect(policiesCheckedStamp(a)).not.toBe(policiesCheckedStamp(c));
  });
});

describe('lists: targets no permit can apply to are hidden without asking Cedar', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cedarModule = require('@cedar-policy/cedar-wasm/nodejs') as typeof import('@cedar-policy/cedar-wasm/nodejs');
  const catalog = Array.from({ length: 200 }, (_, i) => tool('big', `tool_${i}`, i % 2 ? { readOnlyHint: true } : { destructiveHint: true }));
  const devs = jwtCaller('dev-1', ['dev']);

  afterEach(() => jest.restoreAllMocks());

  it('evaluates only the targets some permit names; the list is what calls allow', async () => {
    const stage = await createAccessControlStage(
      acl({
        enabled: true,
        ruleSets: [
          {
            name: 'big',
            rules: [
              { id: 'dev-some', effect: 'permit', actions: ['tools/call'], groups: ['dev'], tools: ['tool_1', 'tool_2', 'tool_3'] },
              { id: 'ops-one', effect: 'permit', actions: ['tools/call'], groups: ['ops'], tools: ['tool_5'] },
              { id: 'no-destructive', effect: 'forbid', actions: ['tools/call'], annotations: { destructiveHint: true } },
            ],
          },
        ],
      }),
      memoryLog().log,
    );
    const spy = jest.spyOn(cedarModule, 'statefulIsAuthorized');
    // tool_2 is destructive: in a permit's scope, evaluated, and forbidden.
    expect(await listed(stage, devs, catalog)).toEqual(['big__tool_1', 'big__tool_3']);
    expect(spy).toHaveBeenCalledTimes(4); // tool_1, tool_2, tool_3 and tool_5, not the other 196
    spy.mockClear();
    const callable: string[] = [];
    for (const t of catalog) if ((await call(stage, devs, t)).outcome === 'allow') callable.push(t.exposedName);
    expect(callable).toEqual(['big__tool_1', 'big__tool_3']);
    expect(spy.mock.calls.length).toBeGreaterThanOrEqual(catalog.length); // calls still evaluate (the audit names the forbid)
  });

  it('a generic permit (no target named) is asked once per caller with the target unknown', async () => {
    const stage = await createAccessControlStage(
      acl({
        enabled: true,
        ruleSets: [
          {
            name: 'g',
            rules: [
              { id: 'admins', effect: 'permit', groups: ['admin'] },
              { id: 'dev-some', effect: 'permit', actions: ['tools/call'], groups: ['dev'], tools: ['tool_1'] },
              { id: 'no-destructive', effect: 'forbid', actions: ['tools/call'], groups: ['dev'], annotations: { destructiveHint: true } },
            ],
          },
        ],
      }),
      memoryLog().log,
    );
    const full = jest.spyOn(cedarModule, 'statefulIsAuthorized');
    const partial = jest.spyOn(cedarModule, 'isAuthorizedPartial');
    // A developer cannot meet the admin permit whatever the tool: only tool_1 (named by a permit) is evaluated.
    expect(await listed(stage, devs, catalog)).toEqual(['big__tool_1']);
    expect([full.mock.calls.length, partial.mock.calls.length]).toEqual([1, 1]);
    await listed(stage, devs, catalog);
    expect([full.mock.calls.length, partial.mock.calls.length]).toEqual([2, 1]); // the caller's answer is remembered
    // An admin meets it: every tool is evaluated (and shown).
    full.mockClear();
    expect(await listed(stage, jwtCaller('a-1', ['admin']), catalog)).toHaveLength(catalog.length);
    expect(full).toHaveBeenCalledTimes(catalog.length);
    // A permit that depends on the target (annotations) might apply to any tool: every tool is evaluated.
    const byAnnotation = await createAccessControlStage(
      acl({ enabled: true, ruleSets: [{ name: 'a', rules: [{ id: 'read-only', effect: 'permit', groups: ['dev'], annotations: { readOnlyHint: true } }] }] }),
      memoryLog().log,
    );
    full.mockClear();
    expect(await listed(byAnnotation, devs, catalog)).toHaveLength(catalog.length / 2);
    expect(full).toHaveBeenCalledTimes(catalog.length);
  });
});
