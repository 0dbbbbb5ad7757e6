/**
 * The compliance report's "changes" section: a second real synth into the same cdk.out compares with the report of
 * the first (rules added and removed, who gained or lost access, evaluated by the runtime over both policies, and
 * data-protection settings); the context key points at another report.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AccessRule, Detector, McpGovernanceProxy, PolicyTest, Upstream, type AccessRuleSet } from '../../lib';
import { BUNDLE_CONTEXT_KEY, BUNDLE_DIR, newApp } from './helpers';

const upstreams = () => [Upstream.url('crm', 'https://crm.example.com/mcp')];
const v1: AccessRuleSet[] = [{ name: 'base', rules: [
  AccessRule.permit({ id: 'analysts-search', groups: ['analysts'], tools: ['search_*'] }),
  AccessRule.permit({ id: 'ops-restart', groups: ['ops'], tools: ['restart'] }),
] }];
const v2: AccessRuleSet[] = [{ name: 'base', rules: [
  AccessRule.permit({ id: 'analysts-search', groups: ['analysts'], tools: ['search_*'] }),
  AccessRule.forbid({ id: 'no-secrets', tools: ['search_secrets'] }),
  AccessRule.permit({ id: 'support-lookup', groups: ['support'], tools: ['lookup_customer'] }),
] }];

function synth(app: App, ruleSets: AccessRuleSet[], detectors?: Detector[]) {
  const stack = new Stack(app, 'Changes');
  new McpGovernanceProxy(stack, 'Proxy', {
    upstreams: upstreams(),
    accessControl: { ruleSets, tests: [PolicyTest.allow({ name: 'analysts search', caller: { groups: ['analysts'] }, target: 'search_customers' })] },
    ...(detectors ? { redaction: { detectors } } : {}),
  });
  Template.fromStack(stack);
  const base = path.join(app.outdir, `${stack.artifactId}-Proxy-compliance`);
  return { json: JSON.parse(fs.readFileSync(`${base}.json`, 'utf8')), md: fs.readFileSync(`${base}.md`, 'utf8'), file: `${base}.json` };
}

test('the first synth has no changes; the next one in the same cdk.out lists rules, access gained and lost, and settings', () => {
  const first = newApp();
  const a = synth(first, v1);
  expect(a.json.changes).toBeUndefined();
  expect(a.md).not.toContain('## Changes since the previous report');

  const second = new App({ outdir: first.outdir, context: { [BUNDLE_CONTEXT_KEY]: BUNDLE_DIR } });
  const b = synth(second, v2, [Detector.EMAIL]);
  const c = b.json.changes;
  expect(c.previousConfigDigest).toBe(a.json.configDigest);
  expect(c.rules).toEqual({ added: ['base.no-secrets', 'base.support-lookup'], removed: ['base.ops-restart'], changed: [] });
  const access = c.access.changes.map((x: any) => `${x.caller.groups.join(',') || x.caller.kind}:${x.action}:${x.target}:${x.before}->${x.after}:${x.afterPolicies.join(',')}`);
  expect(access).toEqual(expect.arrayContaining([
    'analysts:tools/call:search_secrets:allow->deny:base.no-secrets',
    'support:tools/call:lookup_customer:deny->allow:base.support-lookup',
    'ops:tools/call:restart:allow->deny:',
  ]));
  // Nothing else changed: e.g. analysts keep search_customers, nobody gains restart.
  expect(access.filter((x: string) => x.includes('search_customers'))).toEqual([]);
  expect(access.filter((x: string) => x.includes(':restart:') && !x.startsWith('ops:'))).toEqual([]);
  expect(c.settings).toEqual(expect.arrayContaining([expect.stringMatching(/^detectors\.redaction: \[.*"PHONE".*\] -> \["EMAIL"\]$/)]));
  expect(b.md).toContain('## Changes since the previous report');
  expect(b.md).toContain('- Rules added: `base.no-secrets`, `base.support-lookup`');
  expect(b.md).toContain('- Rules removed: `base.ops-restart`');
  expect(b.md).toMatch(/\| groups analysts \| tools\/call \| `crm\/search_secrets` \| allow \| \*\*deny\*\* \| `base\.no-secrets` \|/);
  expect(b.md).toMatch(/\| groups ops \| tools\/call \| `crm\/restart` \| allow \| \*\*deny\*\* \| no policy \(deny by default\) \|/);
});

test('the context key names the report to compare with', () => {
  const a = synth(newApp(), v1);
  const other = newApp({ 'cdk-mcp-governance-proxy:previousComplianceReport': a.file });
  const b = synth(other, v1);
  expect(b.json.changes.rules).toEqual({ added: [], removed: [], changed: [] });
  expect(b.json.changes.access.changes).toEqual([]);
  expect(b.md).toContain('- Rules: unchanged');
  expect(b.md).toContain('- Data protection and audit settings: unchanged');
});
