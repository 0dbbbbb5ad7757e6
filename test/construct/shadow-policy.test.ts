/**
 * The shadow policy as a construct prop: shipped as accessControl.shadow, validated at synth by the runtime's check,
 * a dashboard widget on ShadowDisagreements, and in the compliance report (with how the policy tests would fare).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AccessRule, McpGovernanceProxy, PolicyTest, Upstream } from '../../lib';
import { build, configOf, newApp } from './helpers';

const enforced = [{ name: 'base', rules: [AccessRule.permit({ id: 'analysts', groups: ['analysts'], tools: ['search_*'] })] }];
const candidate = [{ name: 'next', rules: [
  AccessRule.permit({ id: 'analysts', groups: ['analysts'], tools: ['search_*'] }),
  AccessRule.forbid({ id: 'no-secrets', tools: ['search_secrets'] }),
] }];

test('ships the candidate as accessControl.shadow, adds the disagreement graph, and the report shows it and the tests under it', () => {
  const app = newApp();
  const stack = new Stack(app, 'Shadow');
  const proxy = new McpGovernanceProxy(stack, 'Proxy', {
    upstreams: [Upstream.url('crm', 'https://crm.example.com/mcp')],
    accessControl: {
      ruleSets: enforced,
      shadow: { ruleSets: candidate },
      tests: [PolicyTest.allow({ name: 'analysts search secrets', caller: { groups: ['analysts'] }, target: 'search_secrets' })],
    },
  });
  const template = Template.fromStack(stack);
  expect(configOf(proxy).accessControl.shadow).toEqual({
    enabled: true,
    ruleSets: [{ name: 'next', dryRun: false, rules: [
      { id: 'analysts', effect: 'permit', groups: ['analysts'], tools: ['search_*'] },
      { id: 'no-secrets', effect: 'forbid', tools: ['search_secrets'] },
    ] }],
  });
  const body = JSON.stringify(Object.values<any>(template.findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody);
  expect(body).toContain('Shadow policy: disagreements with the enforced policy');
  expect(body).toContain('ShadowDisagreements');
  const base = path.join(app.outdir, `${stack.artifactId}-Proxy-compliance`);
  const md = fs.readFileSync(`${base}.md`, 'utf8');
  expect(md).toContain('### Shadow policy (candidate, not enforced)');
  expect(md).toContain('| `next` | shadow (audited, not enforced) | `next.no-secrets` | forbid |');
  // The test passes under the enforced policy (the synth succeeds) and would fail under the candidate.
  expect(md).toContain('- analysts search secrets: **would fail**: deny for `search_secrets` on `crm` (`next.no-secrets`)');
});

test('no shadow, no widget and no shadow section', () => {
  const { template, proxy } = build({ accessControl: { ruleSets: enforced } });
  expect(configOf(proxy).accessControl.shadow).toBeUndefined();
  const body = JSON.stringify(Object.values<any>(template.findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody);
  expect(body).not.toContain('ShadowDisagreements');
});

test('a candidate Cedar error fails synth naming accessControl.shadow; an empty candidate fails at construction', () => {
  const app = newApp();
  const stack = new Stack(app, 'BadShadow');
  new McpGovernanceProxy(stack, 'Proxy', {
    upstreams: [Upstream.url('crm', 'https://crm.example.com/mcp')],
    accessControl: { ruleSets: enforced, shadow: { ruleSets: [{ name: 'raw', cedar: 'permit (principal, action, resource) when { principal.nosuch == "1" };' }] } },
  });
  expect(() => Template.fromStack(stack)).toThrow(/proxy configuration rejected by the runtime's check \(props\.accessControl\.shadow\.ruleSets\[0\].*accessControl\.shadow\.ruleSets\[0\] \("raw"\)/);
  expect(() => build({ accessControl: { ruleSets: enforced, shadow: { ruleSets: [] } } })).toThrow(/accessControl\.shadow\.ruleSets: is empty/);
  expect(() => build({ accessControl: { ruleSets: enforced, shadow: { ruleSets: [{ name: 'x', rules: [AccessRule.permit({ upstreams: ['nope'] })] }] } } }))
    .toThrow(/accessControl\.shadow\.ruleSets\[0\]\.rules\[0\]\.upstreams\[0\]: names no configured upstream/);
});
