/**
 * Shadow policy: both policies evaluated on every call and list (real Cedar), only the current one enforced, one
 * shadow_disagreement record per differing decision written by the real auditor into a verified hash chain, the
 * ShadowDisagreements metric, and the shadow-report summary counting the same.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { configSchema } from '../../config/schema';
import { createLogger } from '../../log';
import type { CatalogEntry, Principal, RequestContext } from '../../pipeline/context';
import { Pipeline } from '../../pipeline/pipeline';
import { createAuditor, verifyAuditLog } from '../audit';
import { auditConfig, auditRecords, emfLines } from '../audit/test-fixtures';
import { runCheck } from '../../cli';
import { inputEvent } from '../../pipeline/input-request';
import { createShadowedAccessControlStage } from './shadow';
import { summarizeShadow, renderShadowSummary } from './shadow-report';
import { jwtCaller, prompt, tool } from './test-fixtures';

const silent = createLogger('test', { write: () => {} });
const schema = JSON.parse(readFileSync(join(__dirname, '../../../../schema/audit-record.schema.json'), 'utf8')) as Record<string, unknown>;
const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats(ajv);
const validate = ajv.compile(schema);

const current = [{ name: 'base', rules: [
  { id: 'analysts-search', effect: 'permit', groups: ['analysts'], tools: ['search_*'] },
  { id: 'admins', effect: 'permit', groups: ['admins'] },
] }];
const candidate = [{ name: 'next', rules: [
  { id: 'analysts-search', effect: 'permit', groups: ['analysts'], tools: ['search_*'] },
  { id: 'no-secrets', effect: 'forbid', tools: ['search_secrets'], exceptGroups: ['admins'] },
  { id: 'support-lookup', effect: 'permit', groups: ['support'], tools: ['lookup_*'] },
  { id: 'admins', effect: 'permit', groups: ['admins'] },
] }];
const accessControl = configSchema.parse({
  version: 1,
  upstreams: [{ name: 'crm', url: 'http://127.0.0.1:1/mcp' }],
  accessControl: { enabled: true, ruleSets: current, shadow: { ruleSets: candidate } },
}).accessControl;

const entries: CatalogEntry[] = [tool('crm', 'search_customers'), tool('crm', 'search_secrets'), tool('crm', 'lookup_customer'), prompt('crm', 'summary')];
const [searchCustomers, searchSecrets, lookupCustomer] = entries;
const analyst = jwtCaller('ana', ['analysts']);
const support = jwtCaller('sam', ['support']);
const admin = jwtCaller('root', ['admins']);

let n = 0;
const ctx = (principal: Principal, target?: CatalogEntry, method = 'tools/call'): RequestContext => ({
  requestId: `r${n++}`, method, headers: {}, startedAt: performance.now(), principal, target, arguments: {}, actions: [], timings: { policyMs: 0, upstreamMs: 0 },
});

test('under concurrent load: exactly one verified disagreement record per differing decision; the current policy alone is enforced; summary and metric agree', async () => {
  const lines: string[] = [];
  const auditor = await createAuditor(auditConfig({ sink: 'stdout', metrics: { enabled: true, intervalMs: 3_600_000 } }), { log: silent, instanceId: 'shadow-test', write: (l) => lines.push(l) });
  const stage = await createShadowedAccessControlStage(accessControl, silent);
  const pipeline = new Pipeline([stage], auditor);
  const forwarded: string[] = [];
  const call = (p: Principal, e: CatalogEntry) =>
    pipeline.call(ctx(p, e), e.kind, e.exposedName, async (c) => (forwarded.push(`${c.principal!.sub}:${c.target!.name}`), { content: [] })).then(() => 'ok', () => 'denied');

  // 40 rounds of: analysts on two search tools (one the candidate forbids), support on lookup (the candidate permits),
  // an admin on the secrets tool (both allow), and a list per caller.
  const ROUNDS = 40;
  const work: Promise<unknown>[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    work.push(call(analyst, searchCustomers), call(analyst, searchSecrets), call(support, lookupCustomer), call(admin, searchSecrets));
    work.push(pipeline.list(ctx(analyst, undefined, 'tools/list'), entries), pipeline.list(ctx(support, undefined, 'tools/list'), entries), pipeline.list(ctx(admin, undefined, 'tools/list'), entries));
  }
  const results = await Promise.all(work);
  await pipeline.close();

  // Enforcement is the current policy's: the analyst still reaches search_secrets, support still cannot look up.
  expect(forwarded.filter((f) => f === 'ana:search_secrets')).toHaveLength(ROUNDS);
  expect(forwarded.filter((f) => f.startsWith('sam:'))).toHaveLength(0);
  expect(results.filter((r) => r === 'denied')).toHaveLength(ROUNDS);
  const listed = results.filter((r): r is readonly CatalogEntry[] => Array.isArray(r));
  expect(listed.filter((l) => l.length === 2).length).toBe(ROUNDS); // the analyst's list: both search tools, per the current policy

  const text = lines.join('\n');
  expect(verifyAuditLog(text)).toMatchObject({ ok: true, problems: [] });
  const records = auditRecords(lines);
  for (const r of records) expect({ type: r.type, valid: validate(r), errors: validate.errors }).toMatchObject({ valid: true });
  const disagreements = records.filter((r) => r.type === 'shadow_disagreement');
  const calls = disagreements.filter((r) => 'current' in r);
  const lists = disagreements.filter((r) => 'list' in r);
  // Per round: analyst/search_secrets and support/lookup_customer differ; analyst's and support's lists differ.
  expect(calls).toHaveLength(2 * ROUNDS);
  expect(lists).toHaveLength(2 * ROUNDS);
  expect(calls.filter((r) => (r.caller as { sub: string }).sub === 'ana')[0]).toMatchObject({
    caller: { kind: 'jwt', sub: 'ana', groups: ['analysts'] },
    target: { kind: 'tool', upstream: 'crm', name: 'search_secrets' },
    current: { effect: 'allow', policyIds: ['base.analysts-search'] },
    candidate: { effect: 'deny', policyIds: ['next.no-secrets'] },
  });
  expect(calls.filter((r) => (r.caller as { sub: string }).sub === 'sam')[0]).toMatchObject({
    current: { effect: 'deny', policyIds: [] },
    candidate: { effect: 'allow', policyIds: ['next.support-lookup'] },
  });
  expect(lists.find((r) => (r.caller as { sub: string }).sub === 'ana')).toMatchObject({
    list: { hiddenByCandidate: { count: 1, names: ['crm/search_secrets'] }, shownByCandidate: { count: 0, names: [] } },
  });
  // Each disagreement follows the outcome record of its own request.
  for (const d of disagreements) {
    const i = records.indexOf(d);
    expect(records.slice(0, i).some((r) => r.type === 'outcome' && r.requestId === d.requestId)).toBe(true);
  }

  const totals = emfLines(lines).filter((l) => !('Upstream' in l));
  expect(totals.reduce((s, l) => s + (l.ShadowDisagreements as number), 0)).toBe(4 * ROUNDS);

  const summary = summarizeShadow(text);
  expect(summary).toMatchObject({ records: 4 * ROUNDS, chainVerified: true, totals: { wouldDeny: ROUNDS, wouldAllow: ROUNDS, wouldHide: ROUNDS, wouldShow: ROUNDS } });
  expect(summary.byTarget).toEqual(expect.arrayContaining([
    { target: 'crm/search_secrets', counts: { wouldDeny: ROUNDS, wouldAllow: 0, wouldHide: ROUNDS, wouldShow: 0 } },
    { target: 'crm/lookup_customer', counts: { wouldDeny: 0, wouldAllow: ROUNDS, wouldHide: 0, wouldShow: ROUNDS } },
  ]));
  expect(summary.byTarget).toHaveLength(2);
  expect(summary.byCallerGroup).toEqual([
    { group: 'analysts', counts: { wouldDeny: ROUNDS, wouldAllow: 0, wouldHide: ROUNDS, wouldShow: 0 } },
    { group: 'support', counts: { wouldDeny: 0, wouldAllow: ROUNDS, wouldHide: 0, wouldShow: ROUNDS } },
  ]);
  expect(summary.candidatePolicies).toEqual([{ policyId: 'next.no-secrets', count: ROUNDS }, { policyId: 'next.support-lookup', count: ROUNDS }]);
  expect(renderShadowSummary(summary)).toMatch(/audit chain verified[\s\S]*by caller group:[\s\S]*analysts\s+40\s+0\s+40\s+0/);

  // A tampered export is summarized but flagged.
  const tampered = text.replace('"next.no-secrets"', '"next.other"');
  expect(summarizeShadow(tampered).chainVerified).toBe(false);
});

test('without a shadow the stage is the plain access-control stage; agreeing policies write nothing', async () => {
  const agreeing = { ...accessControl, shadow: { enabled: true, ruleSets: accessControl.ruleSets } };
  const stage = await createShadowedAccessControlStage(agreeing, silent);
  const c = ctx(analyst, searchSecrets);
  await stage.onRequest!(c);
  expect(c.decision?.effect).toBe('allow');
  expect(c.shadowDisagreement).toBeUndefined();
  const l = ctx(support, undefined, 'tools/list');
  expect(await stage.filterList!(l, entries)).toEqual([]);
  expect(l.shadowDisagreement).toBeUndefined();
});

test('check validates the candidate and names its problems under accessControl.shadow', () => {
  const doc = { version: 1, upstreams: [{ name: 'crm', url: 'http://127.0.0.1:1/mcp' }], accessControl: { enabled: true, ruleSets: current, shadow: { ruleSets: [{ name: 'bad', cedar: 'permit (principal, action, resource) when { principal.nosuch == "1" };' }] } } };
  const r = runCheck({ argv: [], env: { MCP_PROXY_CONFIG: JSON.stringify(doc) } });
  expect(r.exitCode).toBe(1);
  expect(r.output.errors).toEqual([expect.stringMatching(/^accessControl\.shadow\.ruleSets\[0\] \("bad"\)/)]);
});

test('input requests during a call are decided by the enforced policy through the shadow wrapper, never left undecided', async () => {
  const section = configSchema.parse({
    version: 1,
    upstreams: [{ name: 'crm', url: 'http://127.0.0.1:1/mcp' }],
    accessControl: {
      enabled: true,
      ruleSets: [{ name: 'base', rules: [{ id: 'all', effect: 'permit', groups: ['analysts'] }, { id: 'sample', effect: 'permit', actions: ['input/sampling'] }] }],
      shadow: { ruleSets: [{ name: 'next', rules: [{ id: 'all', effect: 'permit', groups: ['analysts'] }, { id: 'everything', effect: 'permit', actions: ['input/sampling', 'input/elicitation-url'] }] }] },
    },
  }).accessControl;
  const auditor = await createAuditor(auditConfig({ sink: 'stdout' }), { log: silent, instanceId: 'shadow-input', write: () => {} });
  const pipeline = new Pipeline([await createShadowedAccessControlStage(section, silent)], auditor);
  const c = ctx(analyst, searchCustomers);
  const sampling = inputEvent(searchCustomers, 'sampling/createMessage', { messages: [] })!;
  const urlElicitation = inputEvent(searchCustomers, 'elicitation/create', { mode: 'url', url: 'https://phish.example.net/login', message: 'sign in', elicitationId: 'e1' })!;
  expect(pipeline.decideInput(c, sampling)).toMatchObject({ effect: 'allow', policyIds: ['base.sample'] });
  // The candidate would permit the URL elicitation; the enforced policy does not, and it alone decides.
  expect(pipeline.decideInput(c, urlElicitation).effect).toBe('deny');
  await pipeline.close();
});

test('a pipeline in which no stage decides an input request refuses it (fail closed)', async () => {
  const auditor = await createAuditor(auditConfig({ sink: 'stdout' }), { log: silent, instanceId: 'no-decider', write: () => {} });
  const pipeline = new Pipeline([{ name: 'identity-only', onRequest: () => {} }], auditor);
  expect(pipeline.decideInput(ctx(analyst, searchCustomers), inputEvent(searchCustomers, 'roots/list', {})!).effect).toBe('deny');
  await pipeline.close();
});
