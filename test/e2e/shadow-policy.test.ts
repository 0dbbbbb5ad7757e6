/**
 * End-to-end: a shadow policy through the BUILT proxy bundle (real OIDC tokens, recording SDK upstreams, audit on the
 * proxy's stdout). The candidate denies what the current policy allows (analysts' search_customers) and allows what it
 * denies (mallory's service_status). Under concurrent load: the current policy alone is enforced, exactly one
 * shadow_disagreement record per differing decision lands in a verified hash chain, and the bundle's own
 * `shadow-report` command counts the same.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { verifyAuditLog } from '../../runtime/src/stages/audit/verify';
import { parseAuditLines } from '../support/gov-audit';
import { startGovEnv, type GovEnv } from '../support/gov-env';
import { BUNDLE } from '../support/bundle';

const ROUNDS = 15;
let env: GovEnv;

beforeAll(async () => {
  env = await startGovEnv({
    configure: (c) => ({
      ...c,
      accessControl: {
        ...c.accessControl!,
        shadow: {
          ruleSets: [
            ...(c.accessControl!.ruleSets ?? []).filter((s) => !s.dryRun),
            { name: 'next', rules: [
              { id: 'no-search', effect: 'forbid', tools: ['search_customers'], exceptGroups: ['admins'] },
              { id: 'mallory-status', effect: 'permit', actions: ['tools/call'], subjects: ['mallory'], upstreams: ['ops'], tools: ['service_status'] },
            ] },
          ],
        },
      },
    }),
  });
}, 60_000);

afterAll(async () => {
  await env?.close();
});

test('under concurrent load: only the current policy is enforced; one verified record per differing decision; shadow-report agrees', async () => {
  const crmBefore = env.crm.calls.length;
  const opsBefore = env.ops.calls.length;
  const work: Promise<{ ok: boolean }>[] = [];
  const call = (caller: 'alice' | 'mallory', tool: string, args: Record<string, unknown>) => env.call(caller, tool, args).then((r) => ({ ok: r.result !== undefined && !r.result.isError }));
  for (let i = 0; i < ROUNDS; i++) {
    work.push(
      call('alice', 'crm__search_customers', { query: `acme-${i}` }), // current allow, candidate deny
      call('mallory', 'ops__service_status', { service: 'billing' }), // current deny, candidate allow
      call('alice', 'crm__get_customer', { customerId: `C-${i}` }), // both allow
    );
  }
  const results = await Promise.all(work);
  const listed = await Promise.all([env.post(`Bearer ${env.tokens.alice}`, 'tools/list', {}), env.post(`Bearer ${env.tokens.mallory}`, 'tools/list', {})]);
  // Enforcement is the current policy's.
  expect(results.filter((r) => r.ok)).toHaveLength(2 * ROUNDS);
  expect(env.crm.calls.length - crmBefore).toBe(2 * ROUNDS);
  expect(env.ops.calls.length - opsBefore).toBe(0);
  expect((listed[0].result!.tools as { name: string }[]).map((t) => t.name)).toContain('crm__search_customers');
  expect(listed[1].result!.tools).toEqual([]);

  await env.proxy.stop();
  const stdout = env.proxy.stdout();
  expect(verifyAuditLog(stdout)).toMatchObject({ ok: true, problems: [] });
  const records = parseAuditLines(stdout) as unknown as Record<string, any>[];
  const calls = records.filter((r) => r.type === 'shadow_disagreement' && r.current);
  const lists = records.filter((r) => r.type === 'shadow_disagreement' && r.list);
  expect(calls.filter((r) => r.caller.sub === 'alice')).toHaveLength(ROUNDS);
  expect(calls.filter((r) => r.caller.sub === 'mallory')).toHaveLength(ROUNDS);
  expect(calls).toHaveLength(2 * ROUNDS);
  expect(calls.find((r) => r.caller.sub === 'alice')).toMatchObject({ target: { upstream: 'crm', name: 'search_customers' }, current: { effect: 'allow' }, candidate: { effect: 'deny', policyIds: ['next.no-search'] } });
  expect(calls.find((r) => r.caller.sub === 'mallory')).toMatchObject({ target: { upstream: 'ops', name: 'service_status' }, current: { effect: 'deny', policyIds: [] }, candidate: { effect: 'allow', policyIds: ['next.mallory-status'] } });
  expect(lists.map((r) => [r.caller.sub, r.list.hiddenByCandidate.names, r.list.shownByCandidate.names])).toEqual(expect.arrayContaining([
    ['alice', ['crm/search_customers'], []],
    ['mallory', [], ['ops/service_status']],
  ]));
  expect(lists).toHaveLength(2);

  // The bundle's own summary command on the export.
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'shadow-report-')), 'audit.jsonl');
  fs.writeFileSync(file, stdout);
  const out = spawnSync(process.execPath, [BUNDLE, 'shadow-report', file, '--json'], { encoding: 'utf8' });
  expect(out.status).toBe(0);
  const summary = JSON.parse(out.stdout);
  expect(summary).toMatchObject({ records: 2 * ROUNDS + 2, chainVerified: true, totals: { wouldDeny: ROUNDS, wouldAllow: ROUNDS, wouldHide: 1, wouldShow: 1 } });
  expect(summary.byTarget).toEqual(expect.arrayContaining([
    { target: 'crm/search_customers', counts: { wouldDeny: ROUNDS, wouldAllow: 0, wouldHide: 1, wouldShow: 0 } },
    { target: 'ops/service_status', counts: { wouldDeny: 0, wouldAllow: ROUNDS, wouldHide: 0, wouldShow: 1 } },
  ]));
  expect(summary.byCallerGroup).toEqual(expect.arrayContaining([
    { group: 'analysts', counts: { wouldDeny: ROUNDS, wouldAllow: 0, wouldHide: 1, wouldShow: 0 } },
    { group: '(no group)', counts: { wouldDeny: 0, wouldAllow: ROUNDS, wouldHide: 0, wouldShow: 1 } },
  ]));
}, 120_000);
