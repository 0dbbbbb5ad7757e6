import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import fc from 'fast-check';
import type { AccessAction } from '../../config/sections/access-control';
import type { CatalogEntry } from '../../pipeline/context';
import { compilePolicies, globMatches } from './compile';
import { ACTION_FOR_KIND, actionUid, callerEntity, targetEntity } from './entities';
import { PolicySetEvaluator, SlicedPolicySet, combine, type Evaluation } from './engine';
import { acl, jwtCaller, prompt, resource, tool } from './test-fixtures';

describe('globMatches matches what Cedar `like` matches', () => {
  const cases: [string, string, boolean][] = [
    ['search_*', 'search_issues', true],
    ['search_*', 'search_', true],
    ['search_*', 'xsearch_issues', false],
    ['*_admin', 'user_admin', true],
    ['a.b*', 'aXb', false],
    ['a.b*', 'a.bc', true],
    ['(x)|[y]+?^$\\', '(x)|[y]+?^$\\', true],
    ['multi*line', 'multi\nline', true],
    ['exact', 'exact2', false],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'aXbY', false],
    ['*', '', true],
    ['**a', 'ba', true],
  ];
  it.each(cases)('%s ~ %j: %s', (glob, name, expected) => {
    expect(globMatches(glob, name)).toBe(expected);
  });
  it('never backtracks badly', () => {
    expect(globMatches('*a*a*a*a*a*a*a*a*b', 'a'.repeat(5000))).toBe(false);
  });
  it('agrees with Cedar on random globs and names (property)', () => {
    const chars = fc.constantFrom('a', 'b', '*');
    fc.assert(
      fc.property(fc.string({ unit: chars, maxLength: 6 }), fc.string({ unit: fc.constantFrom('a', 'b'), maxLength: 8 }), (glob, name) => {
        const policy = `permit(principal, action, resource) when { resource.name like ${JSON.stringify(glob)} };`;
        const ans = cedar.isAuthorized({
          principal: { type: 'McpProxy::Caller', id: 'c' },
          action: { type: 'McpProxy::Action', id: 'tools/call' },
          resource: { type: 'McpProxy::Tool', id: 't' },
          context: {},
          entities: [{ uid: { type: 'McpProxy::Tool', id: 't' }, attrs: { name }, parents: [] }],
          policies: { staticPolicies: { p: policy } },
        });
        expect(ans.type === 'success' && ans.response.decision === 'allow').toBe(globMatches(glob, name));
      }),
      { numRuns: 200 },
    );
  });
});

describe('combine: two answers as Cedar would answer for the union of the two policy sets', () => {
  const allow = (...ids: string[]): Evaluation => ({ allow: true, policyIds: ids, errored: [] });
  const deny = (...ids: string[]): Evaluation => ({ allow: false, policyIds: ids, errored: [] });
  const cases: [string, Evaluation, Evaluation, boolean, string[]][] = [
    ['permit + nothing', allow('p'), deny(), true, ['p']],
    ['nothing + nothing', deny(), deny(), false, []],
    ['permit + forbid', allow('p'), deny('f'), false, ['f']],
    ['forbid + permit', deny('f'), allow('p'), false, ['f']],
    ['permits on both sides', allow('p1'), allow('p2'), true, ['p1', 'p2']],
  ];
  it.each(cases)('%s', (_label, a, b, allowed, ids) => {
    expect(combine(a, b)).toMatchObject({ allow: allowed, policyIds: ids });
  });
  it('a failure on either side denies', () => {
    expect(combine(allow('p'), { ...deny(), failure: 'x' })).toMatchObject({ allow: false, failure: 'x' });
  });
});

describe('SlicedPolicySet decides exactly as one policy set over every policy (property)', () => {
  const groups = ['a', 'b', 'c'];
  const upstreams = ['u1', 'u2'];
  const names = ['search_x', 'search_y', 'delete_x', 'get'];
  const targets: CatalogEntry[] = [];
  for (const u of upstreams) {
    for (const n of names) targets.push(tool(u, n, n.startsWith('delete') ? { destructiveHint: true } : { readOnlyHint: true }));
    targets.push(resource(u, `file:///${u}/doc`), prompt(u, 'get'));
  }
  const subset = <T>(xs: T[]) => fc.subarray(xs, { minLength: 1 });
  const rule = fc.record(
    {
      effect: fc.constantFrom('permit', 'forbid'),
      actions: subset<AccessAction>(['tools/call', 'resources/read', 'prompts/get', 'detokenize']),
      groups: subset(groups),
      upstreams: subset(upstreams),
      tools: subset(['search_*', 'delete_x', 'get', '*', 'file:///*']),
      exceptGroups: subset(groups),
      annotations: fc.constantFrom({ destructiveHint: true }, { readOnlyHint: true }),
    },
    { requiredKeys: ['effect'] },
  ).map((r) => (r.annotations ? { ...r, actions: undefined } : r)); // annotations apply to tools (tools/call, detokenize)
  const principal = fc.subarray(groups).map((g) => jwtCaller(`p-${g.join('')}`, g));

  it('for random rules, callers, actions and targets', () => {
    const seen = { allow: 0, deny: 0, noPermit: 0, noPermitForCaller: 0 };
    fc.assert(
      fc.property(fc.array(rule, { minLength: 1, maxLength: 12 }), fc.boolean(), fc.array(principal, { minLength: 1, maxLength: 2 }), (rules, manyGeneric, callers) => {
        // Many generic policies (> 64) take the "evaluate separately and combine" path; few are folded into slices.
        const filler = manyGeneric ? Array.from({ length: 70 }, (_, i) => ({ effect: 'permit' as const, groups: [`nobody-${i}`] })) : [];
        const compiled = compilePolicies(acl({ enabled: true, ruleSets: [{ name: 's', rules: [...rules, ...filler] }] }));
        const policies = compiled.ruleSets[0].policies;
        const whole = new PolicySetEvaluator('whole', policies);
        const sliced = new SlicedPolicySet('sliced', policies);
        for (const p of callers) {
          const caller = callerEntity(p);
          for (const entry of targets) {
            for (const action of [ACTION_FOR_KIND[entry.kind], 'detokenize'] as AccessAction[]) {
              const target = targetEntity(entry);
              const req = { principal: caller.uid, action: actionUid(action), resource: target.uid, context: {}, entities: [caller, target] };
              const a = whole.evaluate(req);
              const b = sliced.evaluate(req, action, entry);
              expect([b.allow, [...b.policyIds].sort()]).toEqual([a.allow, [...a.policyIds].sort()]);
              seen[a.allow ? 'allow' : 'deny']++;
              // mayPermit false promises deny (visibility skips Cedar on it), by target alone and for this caller.
              const who = { principal: caller.uid, action: actionUid(action), entities: [caller], key: JSON.stringify(caller) };
              const forCaller = sliced.mayPermit(action, entry, who);
              if (forCaller) expect(sliced.mayPermit(action, entry)).toBe(true); // the caller can only narrow it
              if (!forCaller) {
                expect(a.allow).toBe(false);
                seen.noPermit++;
                if (sliced.mayPermit(action, entry)) seen.noPermitForCaller++;
              }
            }
          }
        }
      }),
      { numRuns: 20 },
    );
    // The property saw both answers many times (it would be vacuous otherwise).
    expect(seen.allow).toBeGreaterThan(5);
    expect(seen.deny).toBeGreaterThan(5);
    expect(seen.noPermit).toBeGreaterThan(5);
    expect(seen.noPermitForCaller).toBeGreaterThan(5); // generic permits this caller cannot meet were ruled out
  });
});
