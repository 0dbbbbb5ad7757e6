/** Policy tests: evaluated by the access-control stage itself, witnesses for globs, readable failures. */
import { configSchema } from '../../config/schema';
import { describeFailure, policyTestSchema, runPolicyTests, witnesses } from './policy-tests';

const config = (accessControl: unknown, upstreams = ['crm', 'files']) =>
  configSchema.parse({ version: 1, upstreams: upstreams.map((name) => ({ name, url: 'http://127.0.0.1:1/mcp' })), accessControl });

const rules = {
  enabled: true,
  ruleSets: [
    {
      name: 'base',
      rules: [
        { id: 'analysts-search', effect: 'permit', actions: ['tools/call'], groups: ['analysts'], scopes: ['invoke'], tools: ['search_*'] },
        { id: 'admins-all', effect: 'permit', groups: ['admins'] },
        { id: 'interns-report', effect: 'permit', groups: ['interns'], tools: ['customer_report'] },
        { id: 'no-delete', effect: 'forbid', tools: ['purge_customer'], exceptGroups: ['root'] },
        { id: 'confirm', effect: 'permit', actions: ['tools/call'], groups: ['ops'], tools: ['restart'], when: 'context.arguments.hasTag("confirm") && context.arguments.getTag("confirm") has boolean && context.arguments.getTag("confirm").boolean' },
      ],
    },
  ],
};

const t = (x: Record<string, unknown>) => policyTestSchema.parse({ action: 'tools/call', principal: {}, ...x });

describe('policy tests', () => {
  const cfg = config(rules);

  test('a passing allow names the permitting policy; a failing one names the decision and why', async () => {
    const [ok, bad] = await runPolicyTests(cfg, cfg.accessControl, [
      t({ name: 'analysts search', expect: 'allow', principal: { sub: 'a', groups: ['analysts'], scopes: ['invoke'] }, target: 'search_customers' }),
      t({ name: 'analysts without scope', expect: 'allow', principal: { sub: 'a', groups: ['analysts'] }, target: 'search_customers', upstreams: ['crm'] }),
    ]);
    expect(ok).toMatchObject({ passed: true, decision: 'allow', policyIds: ['base.analysts-search'], evaluated: 2 });
    expect(bad).toMatchObject({ passed: false, decision: 'deny', policyIds: [], upstream: 'crm', target: 'search_customers', evaluated: 1 });
    expect(describeFailure(bad)).toBe('policy test "analysts without scope" failed: expected allow, got deny for "search_customers" on upstream "crm" (no policy permits it (deny by default))');
  });

  test('a glob is checked on the names the policies mention: "interns call nothing *customer*" fails on the name a rule permits', async () => {
    // "customer" and "xcustomerx" are denied; only the policies' own literal customer_report reveals the permit.
    const [r] = await runPolicyTests(cfg, cfg.accessControl, [t({ name: 'interns touch no customer tool', expect: 'deny', principal: { sub: 'i', groups: ['interns'] }, target: '*customer*' })]);
    expect(r).toMatchObject({ passed: false, decision: 'allow', policyIds: ['base.interns-report'], target: 'customer_report' });
    const [s] = await runPolicyTests(cfg, cfg.accessControl, [t({ name: 'admins purge nothing', expect: 'deny', principal: { sub: 'a', groups: ['admins'] }, target: '*purge*', upstreams: ['crm'] })]);
    // "purge" and "xpurgex" are allowed by admins-all; purge_customer is denied by the forbid: the first failure is shown.
    expect(s).toMatchObject({ passed: false, decision: 'allow', target: 'purge' });
  });

  test('arguments reach the policies; a forbid is named as the deciding policy', async () => {
    const res = await runPolicyTests(cfg, cfg.accessControl, [
      t({ name: 'ops restart confirmed', expect: 'allow', principal: { sub: 'o', groups: ['ops'] }, target: 'restart', arguments: { confirm: true } }),
      t({ name: 'ops restart unconfirmed', expect: 'deny', principal: { sub: 'o', groups: ['ops'] }, target: 'restart', arguments: { confirm: false } }),
      t({ name: 'admins purge', expect: 'deny', principal: { sub: 'a', groups: ['admins'] }, target: 'purge_customer' }),
    ]);
    expect(res.map((r) => r.passed)).toEqual([true, true, true]);
    expect(res[2].policyIds).toEqual(['base.no-delete']);
  });

  test('an anonymous caller is denied everything under deny by default, and allowed everything with access control off', async () => {
    const anon = t({ name: 'anonymous sees nothing', expect: 'deny', principal: { kind: 'anonymous' }, target: '*' });
    expect((await runPolicyTests(cfg, cfg.accessControl, [anon]))[0].passed).toBe(true);
    const off = config({ enabled: false });
    expect((await runPolicyTests(off, off.accessControl, [anon]))[0]).toMatchObject({ passed: false, decision: 'allow' });
  });

  test('witnesses: the glob read two ways, plus every literal it matches', () => {
    expect(witnesses('search_customers', ['delete_x'])).toEqual(['search_customers']);
    expect(witnesses('*delete*', ['delete_user', 'read_*', 'bulk_delete_*', 'mcp'])).toEqual(['delete', 'xdeletex', 'delete_user', 'bulk_delete_', 'bulk_delete_x']);
  });
});
