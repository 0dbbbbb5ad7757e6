/**
 * Policy tests as construct props, evaluated at a real `cdk synth` by the shipped runtime's `check`: a failing one
 * fails the synth naming the test, the decision and the deciding policies; passing ones are listed in the report.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AccessAction, AccessRule, McpGovernanceProxy, PolicyTest, Upstream, type McpGovernanceProxyProps } from '../../lib';
import { build, newApp } from './helpers';

const upstreams = [Upstream.url('crm', 'https://crm.example.com/mcp'), Upstream.url('files', 'https://files.example.com/mcp')];
const ruleSets = [{
  name: 'base',
  rules: [
    AccessRule.permit({ id: 'analysts-search', actions: [AccessAction.CALL_TOOL], groups: ['analysts'], scopes: ['invoke'], upstreams: ['crm'], tools: ['search_*'] }),
    AccessRule.permit({ id: 'admins', groups: ['admins'] }),
    AccessRule.forbid({ id: 'no-delete', tools: ['*delete*'], exceptGroups: ['break-glass'] }),
  ],
}];
const passing = [
  PolicyTest.allow({ name: 'analysts search customers', caller: { groups: ['analysts'], scopes: ['invoke'] }, target: 'search_customers', upstreams: ['crm'] }),
  PolicyTest.deny({ name: 'nobody deletes', caller: { groups: ['admins', 'analysts'], scopes: ['invoke'] }, target: '*delete*' }),
  PolicyTest.deny({ name: 'anonymous callers get nothing', caller: { anonymous: true }, target: '*' }),
];

function synth(tests: PolicyTest[], extra: Partial<McpGovernanceProxyProps> = {}) {
  const app = newApp();
  const stack = new Stack(app, 'Policies');
  new McpGovernanceProxy(stack, 'Proxy', { upstreams, accessControl: { ruleSets, tests }, ...extra });
  return { app, stack };
}

test('passing tests synthesize, and the compliance report lists each with its result and deciding policies', () => {
  const { app, stack } = synth(passing);
  Template.fromStack(stack).resourceCountIs('AWS::BedrockAgentCore::Runtime', 1);
  const base = path.join(app.outdir, `${stack.artifactId}-Proxy-compliance`);
  const json = JSON.parse(fs.readFileSync(`${base}.json`, 'utf8'));
  expect(json.policyTests.map((t: any) => [t.name, t.expect, t.result.passed, t.result.decision, t.result.policyIds])).toEqual([
    ['analysts search customers', 'allow', true, 'allow', ['base.analysts-search']],
    ['nobody deletes', 'deny', true, 'deny', ['base.no-delete']],
    ['anonymous callers get nothing', 'deny', true, 'deny', []],
  ]);
  const md = fs.readFileSync(`${base}.md`, 'utf8');
  expect(md).toContain('### Policy tests');
  expect(md).toContain('| analysts search customers | allow | sub `policy-test`; groups `analysts`; scopes `invoke` | tools/call | `search_customers` | `crm` | passed: allow (1 target evaluated) | `base.analysts-search` |');
  // "*" is checked on the names the policies mention (search_, delete, ...) on both upstreams.
  expect(md).toMatch(/\| anonymous callers get nothing \| deny \| anonymous \| tools\/call \| `\*` \| all \| passed: deny \((\d\d) targets evaluated\) \| none \(deny by default\) \|/);
});

test('a failing test fails cdk synth, naming the test, the decision, the target and the deciding policies', () => {
  // A change that lets break-glass callers delete, while a test says nobody may.
  const tests = [...passing, PolicyTest.deny({ name: 'break-glass admins delete nothing', caller: { groups: ['admins', 'break-glass'] }, target: '*delete*', upstreams: ['files'] })];
  const { stack } = synth(tests);
  expect(() => Template.fromStack(stack)).toThrow(
    /\[Policies\/Proxy\] accessControl\.tests: policy test "break-glass admins delete nothing" failed: expected deny, got allow for "delete" on upstream "files" \(decided by base\.admins\)\. Fix the rules, or the test if the change is intended\./,
  );
});

test('an allow test that no rule satisfies says deny by default', () => {
  const { stack } = synth([PolicyTest.allow({ name: 'analysts read files', caller: { groups: ['analysts'], scopes: ['invoke'] }, action: AccessAction.READ_RESOURCE, target: 'file:///reports/q1.csv' })]);
  expect(() => Template.fromStack(stack)).toThrow(/policy test "analysts read files" failed: expected allow, got deny for "file:\/\/\/reports\/q1\.csv" on upstream "crm" \(no policy permits it \(deny by default\)\)/);
});

test('bad tests fail at construction, naming the prop and the fix', () => {
  expect(() => build({
    upstreams,
    accessControl: {
      ruleSets,
      tests: [
        PolicyTest.allow({ name: 't', target: 'x', upstreams: ['nope'], action: AccessAction.DETOKENIZE }),
        PolicyTest.deny({ name: 't', target: 'y', caller: { anonymous: true, groups: ['a'] } }),
      ],
    },
  })).toThrow(/accessControl\.tests\[0\]\.action: is DETOKENIZE[\s\S]*accessControl\.tests\[0\]\.upstreams\[0\]: names no configured upstream \(got "nope"\)\. Use one of: crm, files\.[\s\S]*accessControl\.tests\[1\]\.name: is used by another test[\s\S]*accessControl\.tests\[1\]\.caller: is anonymous and names identity attributes/);
});
