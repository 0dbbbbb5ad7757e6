import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { Pipeline } from '../../pipeline/pipeline';
import { ErrorCode, GovernanceError } from '../../pipeline/errors';
import type { Stage } from '../../pipeline/context';
import { AUDIT_SCHEMA_VERSION, createAuditor, prepareAuditor, verifyAuditLog, type AuditorDeps } from './index';
import { auditConfig, auditRecords, captureLog, emfLines, requestContext, TOOL } from './test-fixtures';

const schema = JSON.parse(readFileSync(join(__dirname, '../../../../schema/audit-record.schema.json'), 'utf8')) as Record<string, unknown>;
const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats(ajv);
const validate = ajv.compile(schema);

/** A scrubber like the redaction stage's: emails, US SSNs and the planted argument token. */
const scrub = (s: string) =>
  s
    .replace(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, '[REDACTED:EMAIL]')
    .replace(/\b\d{3}-\d{2}-\d{4}\b/g, '[REDACTED:US_SSN]')
    .replace(/CANARY-ARG-TOKEN-[0-9a-f]+/g, '[REDACTED:TOKEN]');

async function stdoutAuditor(cfg: Record<string, unknown> = {}, extra: Partial<Omit<AuditorDeps, 'log'>> = {}) {
  const lines: string[] = [];
  const logs = captureLog();
  const auditor = await createAuditor(auditConfig({ sink: 'stdout', ...cfg }), { log: logs.log, instanceId: 'test', write: (l) => lines.push(l), ...extra });
  return { auditor, lines, logs };
}

describe('createAuditor (stdout sink)', () => {
  it('audit_start says what runs: bundle version, configuration digest, checked-policies stamp, code asset hash (and validates)', async () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    const { auditor, lines } = await stdoutAuditor({}, {
      startInfo: { configDigest: digest, policiesChecked: 'policies-v1:0123abcd' },
      env: { MCP_PROXY_CODE_ASSET_HASH: 'f00dfeed' },
    });
    await auditor.close();
    const start = auditRecords(lines)[0];
    expect(start).toMatchObject({ type: 'audit_start', version: expect.any(String), configDigest: digest, policiesChecked: 'policies-v1:0123abcd', codeAssetHash: 'f00dfeed' });
    expect(validate(start)).toBe(true);
    // Unset values are left out, not written empty.
    const bare = await stdoutAuditor({}, { env: {} });
    await bare.auditor.close();
    const s0 = auditRecords(bare.lines)[0];
    expect(s0).not.toHaveProperty('configDigest');
    expect(s0).not.toHaveProperty('codeAssetHash');
    expect(s0).not.toHaveProperty('policiesChecked');
  });

  it('writes audit_start, a decision record before forwarding, an outcome record, and audit_stop on close', async () => {
    const { auditor, lines } = await stdoutAuditor();
    const ctx = requestContext({ actions: [{ stage: 'redact', action: 'redact.EMAIL', count: 2 }] });
    await auditor.beforeForward(ctx);
    expect(auditRecords(lines).map((r) => r.type)).toEqual(['audit_start', 'decision']);
    ctx.timings.upstreamMs = 12.5;
    auditor.complete(ctx, { status: 'ok', toolError: false, result: { content: [{ type: 'text', text: 'hi' }] } });
    await auditor.close();
    const recs = auditRecords(lines);
    expect(recs.map((r) => r.type)).toEqual(['audit_start', 'decision', 'outcome', 'audit_stop']);
    expect(recs.map((r) => r.seq)).toEqual([0, 1, 2, 3]);
    const [, decision, outcome, stop] = recs;
    expect(decision).toMatchObject({
      v: AUDIT_SCHEMA_VERSION,
      requestId: ctx.requestId,
      rpc: { id: 1, method: 'tools/call' },
      caller: { kind: 'jwt', sub: 'user-123', clientId: 'agent-app', groups: ['support'] },
      target: { kind: 'tool', upstream: 'crm', name: 'lookup_customer', exposedName: 'crm__lookup_customer' },
      decision: { effect: 'allow', policyIds: ['support-can-lookup'], dryRunDenials: [] },
      actions: [{ stage: 'redact', action: 'redact.EMAIL', count: 2 }],
      digests: { alg: 'hmac-sha256', arguments: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    expect(decision).not.toHaveProperty('outcome');
    expect(outcome).toMatchObject({
      outcome: { status: 'ok', toolError: false },
      latency: { policyMs: 0.5, upstreamMs: 12.5 },
      digests: { arguments: (decision.digests as { arguments: string }).arguments, result: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    expect(stop).toMatchObject({ type: 'audit_stop', records: 4, dropped: 0 });
    expect(verifyAuditLog(lines).ok).toBe(true);
  });

  it('produces records that validate against schema/audit-record.schema.json (every record type)', async () => {
    const { auditor, lines } = await stdoutAuditor({ includeRedactedContent: true, maxContentBytes: 64 }, { scrub });
    const ctx = requestContext({ rpcId: 'req-7', decision: { effect: 'allow', policyIds: ['p1'], dryRunDenials: [{ ruleSet: 'strict', policyIds: ['p9'] }], durationMs: 1 } });
    await auditor.beforeForward(ctx);
    auditor.complete(ctx, { status: 'ok', toolError: true, result: { content: [{ type: 'text', text: 'x'.repeat(500) }], isError: true } });
    const denied = requestContext({ decision: { effect: 'deny', policyIds: [], dryRunDenials: [], durationMs: 0 } });
    auditor.complete(denied, { status: 'denied', errorCode: ErrorCode.Forbidden, errorClass: 'forbidden' });
    auditor.complete(requestContext({ method: 'tools/list', target: undefined, arguments: undefined, decision: undefined }), { status: 'ok' });
    auditor.complete(requestContext({ principal: undefined, target: undefined }), { status: 'denied', errorCode: ErrorCode.Unauthenticated, errorClass: 'unauthenticated' });
    const resource = requestContext({ target: { kind: 'resource', upstream: 'docs', name: 'file:///a.txt', exposedName: 'docs://a.txt', definition: {} } });
    auditor.complete(resource, { status: 'error', errorCode: ErrorCode.UpstreamTimeout, errorClass: 'upstream_timeout' });
    // Input rounds: a URL elicitation refused by policy (its host scrubbed), a sampling request answered.
    const urlEvent = { kind: 'elicitation-url' as const, method: 'elicitation/create', target: TOOL, content: { url: 'https://x.example/' }, urlHost: 'maria@example.com.evil.example' };
    auditor.inputRound!(ctx, { event: urlEvent, decision: { effect: 'deny', policyIds: [], reason: 'policy' }, delivery: 'refused', status: 'declined' });
    const sampling = { kind: 'sampling' as const, method: 'sampling/createMessage', target: TOOL, content: { messages: [] } };
    auditor.inputRound!(ctx, { event: sampling, decision: { effect: 'allow', policyIds: ['p2'] }, delivery: 'relayed', status: 'answered', request: { messages: [] }, answer: { role: 'assistant' } });
    await auditor.close();
    const recs = auditRecords(lines);
    expect(new Set(recs.map((r) => r.type))).toEqual(new Set(['audit_start', 'decision', 'outcome', 'input_request', 'audit_stop']));
    const inputs = recs.filter((r) => r.type === 'input_request');
    expect(inputs[0]).toMatchObject({ requestId: ctx.requestId, input: { kind: 'elicitation-url', delivery: 'refused', status: 'declined' }, decision: { effect: 'deny', reason: 'policy' } });
    expect(JSON.stringify(inputs[0])).not.toContain('maria@example.com');
    expect(inputs[1]).toMatchObject({ input: { kind: 'sampling', status: 'answered' }, digests: { request: expect.stringMatching(/^[0-9a-f]{64}$/), answer: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    expect(verifyAuditLog(lines).ok).toBe(true);
    for (const r of recs) {
      const ok = validate(r);
      expect({ type: r.type, errors: ok ? null : validate.errors }).toEqual({ type: r.type, errors: null });
    }
    const withContent = recs.find((r) => r.type === 'outcome' && (r.content as { truncated?: string[] })?.truncated);
    expect(withContent?.content).toMatchObject({ truncated: ['result'] });
    // Schema really constrains: an extra member or a bad hash is rejected.
    expect(validate({ ...recs[1], token: 'x' })).toBe(false);
    expect(validate({ ...recs[1], hash: 'abc' })).toBe(false);
  });

  it('validates audit_overflow records against the schema too', () => {
    const rec = { v: 1, type: 'audit_overflow', time: new Date().toISOString(), instanceId: 'i-1', seq: 5, prevHash: 'a'.repeat(64), hash: 'b'.repeat(64), reason: 'buffer_full', dropped: 3, firstDroppedAt: new Date().toISOString(), lastDroppedAt: new Date().toISOString() };
    expect(validate(rec)).toBe(true);
    expect(validate({ ...rec, reason: 'sink_rejected', seqRanges: [[4, 7]] })).toBe(true);
    expect(validate({ ...rec, dropped: 0 })).toBe(false);
  });

  it('never writes a token, secret or raw PII into any record or metric line (canaries)', async () => {
    const canaries = {
      bearer: 'eyJhbGciOiJIUzI1NiJ9.eyJjYW5hcnkiOnRydWV9.CANARYSIGNATURE',
      apiKey: 'CANARY-API-KEY-5c1f',
      clientSecret: 'CANARY-CLIENT-SECRET-9f8e7d',
      claimEmail: 'claim.canary@example.com',
      argEmail: 'bob.canary@example.com',
      argSsn: '123-45-6789',
      argToken: 'CANARY-ARG-TOKEN-a1b2c3',
      resultEmail: 'carol.canary@example.com',
      resultSsn: '987-65-4321',
      uriEmail: 'dave.canary@example.com',
      rpcEmail: 'eve.canary@example.com',
    };
    for (const includeRedactedContent of [false, true]) {
      const { auditor, lines, logs } = await stdoutAuditor({ includeRedactedContent }, { scrub });
      const ctx = requestContext({
        rpcId: `id-${canaries.rpcEmail}`,
        headers: { authorization: `Bearer ${canaries.bearer}`, 'x-api-key': canaries.apiKey, 'x-client-secret': canaries.clientSecret },
        principal: { kind: 'jwt', sub: 'user-123', clientId: 'agent-app', groups: ['support'], scopes: [], claims: { email: canaries.claimEmail, client_secret: canaries.clientSecret } },
        arguments: { email: canaries.argEmail, ssn: canaries.argSsn, note: `use ${canaries.argToken}` },
      });
      await auditor.beforeForward(ctx);
      auditor.complete(ctx, { status: 'ok', result: { content: [{ type: 'text', text: `${canaries.resultEmail} SSN ${canaries.resultSsn}` }] } });
      const res = requestContext({ target: { kind: 'resource', upstream: 'docs', name: `users://${canaries.uriEmail}/profile`, exposedName: `docs://users/${canaries.uriEmail}/profile`, definition: {} } });
      await auditor.beforeForward(res);
      auditor.complete(res, { status: 'error', errorCode: ErrorCode.InternalError, errorClass: 'internal' });
      await auditor.close();
      const everything = [...lines, ...logs.lines].join('\n');
      for (const [name, value] of Object.entries(canaries)) {
        expect({ name, includeRedactedContent, found: everything.includes(value) }).toEqual({ name, includeRedactedContent, found: false });
      }
      if (includeRedactedContent) expect(everything).toContain('[REDACTED:EMAIL]');
      expect(auditRecords(lines).length).toBe(6);
    }
  });

  it('prepareAuditor validates and loads the sink but writes nothing until start()', async () => {
    const lines: string[] = [];
    const logs = captureLog();
    const prepared = await prepareAuditor(auditConfig({ sink: 'stdout' }), { log: logs.log, instanceId: 'test', write: (l) => lines.push(l) });
    expect(lines).toEqual([]);
    const auditor = await prepared.start();
    expect(auditRecords(lines).map((r) => r.type)).toEqual(['audit_start']);
    await auditor.close();
    await expect(prepareAuditor(auditConfig({ sink: 'stdout', includeRedactedContent: true }), { log: logs.log })).rejects.toThrow(/requires the redaction scrubber/);
  });

  it('refuses to include contents without the scrubber', async () => {
    await expect(createAuditor(auditConfig({ sink: 'none', includeRedactedContent: true }), { log: captureLog().log })).rejects.toThrow(/requires the redaction scrubber/);
  });

  it('uses a configured digest salt from the environment (digests comparable across instances)', async () => {
    process.env.TEST_AUDIT_SALT = 's'.repeat(40);
    try {
      const one = await stdoutAuditor({ digestSaltEnv: 'TEST_AUDIT_SALT' });
      const two = await stdoutAuditor({ digestSaltEnv: 'TEST_AUDIT_SALT' });
      const three = await stdoutAuditor();
      for (const x of [one, two, three]) {
        await x.auditor.beforeForward(requestContext({ arguments: { q: 'same' } }));
        await x.auditor.close();
      }
      const digest = (l: string[]) => (auditRecords(l)[1].digests as { arguments: string }).arguments;
      expect(digest(one.lines)).toBe(digest(two.lines));
      expect(digest(three.lines)).not.toBe(digest(one.lines));
      expect(auditRecords(one.lines)[0]).toMatchObject({ digest: { salt: 'configured' } });
      process.env.TEST_AUDIT_SALT = 'short';
      await expect(stdoutAuditor({ digestSaltEnv: 'TEST_AUDIT_SALT' })).rejects.toThrow(/at least 32 characters/);
    } finally {
      delete process.env.TEST_AUDIT_SALT;
    }
  });

  it('gives every process start its own instance id, safe as a log stream name', async () => {
    const deps = { log: captureLog().log, instanceId: 'my host:1*', write: () => {} };
    const a = await createAuditor(auditConfig({ sink: 'none' }), deps);
    const b = await createAuditor(auditConfig({ sink: 'none' }), deps);
    expect(a.stats().instanceId).toMatch(/^my-host-1--[0-9a-f]{8}$/);
    expect(a.stats().instanceId).not.toBe(b.stats().instanceId);
    await Promise.all([a.close(), b.close()]);
  });

  it('refuses calls after close (shutdown) and still never throws from complete', async () => {
    const { auditor, logs } = await stdoutAuditor({ failMode: 'open' });
    await auditor.close();
    await expect(auditor.beforeForward(requestContext())).rejects.toMatchObject({ code: ErrorCode.AuditUnavailable, errorClass: 'audit_unavailable' });
    expect(() => auditor.complete(requestContext(), { status: 'ok' })).not.toThrow();
    expect(logs.entries().some((e) => e.level === 'error' && /after close/.test(e.msg))).toBe(true);
  });
});

describe('auditor in the pipeline', () => {
  const stage: Stage = {
    name: 'redact',
    onRequest: (ctx) => void ctx.actions.push({ stage: 'redact', action: 'redact.EMAIL', count: 1 }),
  };

  it('audits an allowed call (decision then outcome) and a denied call (outcome only)', async () => {
    const { auditor, lines } = await stdoutAuditor();
    const pipeline = new Pipeline([stage], auditor);
    const seen: string[] = [];
    const forward = async () => {
      seen.push(auditRecords(lines).at(-1)!.type as string);
      return { content: [{ type: 'text', text: 'ok' }] };
    };
    await pipeline.call(requestContext(), 'tool', TOOL.exposedName, forward);
    expect(seen).toEqual(['decision']); // the decision record existed before the upstream saw anything
    const deny: Stage = { name: 'access-control', onRequest: () => { throw new GovernanceError(ErrorCode.Forbidden, 'Forbidden', 'forbidden'); } };
    await expect(new Pipeline([deny], auditor).call(requestContext(), 'tool', TOOL.exposedName, forward)).rejects.toThrow('Forbidden');
    await pipeline.list(requestContext({ method: 'tools/list', target: undefined }), [TOOL]);
    await pipeline.close();
    const recs = auditRecords(lines);
    expect(recs.map((r) => `${r.type}:${(r.outcome as { status?: string } | undefined)?.status ?? ''}`)).toEqual([
      'audit_start:', 'decision:', 'outcome:ok', 'outcome:denied', 'outcome:ok', 'audit_stop:',
    ]);
    expect(recs[3]).toMatchObject({ outcome: { errorCode: ErrorCode.Forbidden, errorClass: 'forbidden' } });
  });
});

describe('metrics (EMF on stdout)', () => {
  it('aggregates per interval by Upstream+Tool and in totals, with audit health metrics', async () => {
    const { auditor, lines } = await stdoutAuditor({ sink: 'none', metrics: { intervalMs: 3_600_000 } });
    const other = { ...TOOL, name: 'delete_customer', exposedName: 'crm__delete_customer' };
    for (let i = 0; i < 150; i++) auditor.complete(requestContext({ actions: [{ stage: 'tokenize', action: 'tokenize.US_SSN', count: 2 }] }), { status: 'ok' });
    auditor.complete(requestContext({ target: other }), { status: 'denied', errorClass: 'forbidden', errorCode: ErrorCode.Forbidden });
    auditor.complete(requestContext({ target: other }), { status: 'denied', errorClass: 'rejected_input', errorCode: ErrorCode.RejectedInput });
    auditor.complete(requestContext({ target: other, actions: [{ stage: 'redact', action: 'redact.EMAIL', count: 3 }] }), { status: 'error', errorClass: 'upstream_unavailable', errorCode: ErrorCode.UpstreamUnavailable });
    auditor.complete(requestContext({ method: 'tools/list', target: undefined }), { status: 'ok' });
    expect(emfLines(lines)).toHaveLength(0); // aggregated: nothing until the interval ends
    await auditor.close();
    const emf = emfLines(lines);
    const lookup = emf.find((e) => e.Tool === 'lookup_customer')!;
    const del = emf.find((e) => e.Tool === 'delete_customer')!;
    const total = emf.find((e) => !('Tool' in e))!;
    expect(emf).toHaveLength(3);
    expect(lookup).toMatchObject({ Upstream: 'crm', Calls: 150, Tokenizations: 300, Denials: 0 });
    expect((lookup.Latency as number[]).length).toBe(100); // EMF allows 100 values per metric
    expect(del).toMatchObject({ Calls: 3, Denials: 1, SanitizationRejections: 1, UpstreamErrors: 1, Redactions: 3 });
    expect(total).toMatchObject({ Calls: 154, Denials: 1, SanitizationRejections: 1, UpstreamErrors: 1, Redactions: 3, Tokenizations: 300, AuditRecordsDropped: 0 });
    const directive = (lookup._aws as { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] }).CloudWatchMetrics[0];
    expect(directive.Namespace).toBe('McpGovernanceProxy');
    expect(directive.Dimensions).toEqual([['Upstream', 'Tool']]);
    expect(directive.Metrics).toContainEqual({ Name: 'Latency', Unit: 'Milliseconds' });
    for (const m of directive.Metrics) expect(lookup).toHaveProperty(m.Name); // every declared metric has a value
    expect((total._aws as { CloudWatchMetrics: { Dimensions: string[][] }[] }).CloudWatchMetrics[0].Dimensions).toEqual([[]]);
  });

  it('never uses a resource URI as a dimension value, and can be switched off', async () => {
    const { auditor, lines } = await stdoutAuditor({ sink: 'none', metrics: { intervalMs: 3_600_000 } });
    auditor.complete(requestContext({ target: { kind: 'resource', upstream: 'docs', name: 'users://x@example.com', exposedName: 'docs://x', definition: {} } }), { status: 'ok' });
    await auditor.close();
    expect(emfLines(lines).find((e) => e.Upstream === 'docs')).toMatchObject({ Tool: 'resource' });
    const off = await stdoutAuditor({ sink: 'none', metrics: { enabled: false } });
    off.auditor.complete(requestContext(), { status: 'ok' });
    await off.auditor.close();
    expect(emfLines(off.lines)).toHaveLength(0);
  });
});
