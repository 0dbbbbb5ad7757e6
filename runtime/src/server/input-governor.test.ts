/**
 * InputGovernor with the real redaction, sanitization and tokenization stages in the real Pipeline: mid-call
 * notifications and relayed input requests are redacted on the way to the caller, the caller's answers sanitized and
 * tokenized on the way to the upstream, refusals answered as a declining client does, and every round audited.
 * The caller's stream is a recording stand-in for ResponseChannel (the end-to-end tests use the real one).
 */
import { randomBytes } from 'node:crypto';
import { redactSchema } from '../config/sections/redact';
import { sanitizeSchema } from '../config/sections/sanitize';
import { tokenizeSchema } from '../config/sections/tokenize';
import { createLogger } from '../log';
import type { Auditor, CatalogEntry, InputRound, RequestContext, Stage } from '../pipeline/context';
import type { InputDecision } from '../pipeline/input-request';
import { Pipeline } from '../pipeline/pipeline';
import { RpcError } from '../protocol';
import { createRedactStage } from '../stages/redact';
import { createSanitizeStage } from '../stages/sanitize';
import { createTokenizeStage } from '../stages/tokenize';
import type { CallerProtocol } from '../upstream/client';
import { CallerRelays } from './caller-streams';
import { InputGovernor } from './input-governor';
import type { ResponseChannel } from './response';

const log = createLogger('test', { write: () => {} });
const env = { MCP_PROXY_TOKENIZATION_KEY: randomBytes(64).toString('base64') };
const target: CatalogEntry = { kind: 'tool', upstream: 'reports', name: 'build', exposedName: 'reports__build', definition: { name: 'reports__build' } };

/** Decides input requests from a fixed table (the Cedar decisions are tested in access-control/input-requests.test.ts). */
const decisions: Record<string, InputDecision> = {};
const accessStandIn: Stage = { name: 'access-control', onInputRequest: (_c, e) => decisions[e.kind] ?? { effect: 'deny', policyIds: [], reason: 'policy' } };

class RoundAuditor implements Auditor {
  readonly rounds: InputRound[] = [];
  async beforeForward(): Promise<void> {}
  complete(): void {}
  inputRound(_ctx: RequestContext, round: InputRound): void {
    this.rounds.push(round);
  }
  async close(): Promise<void> {}
}

/** Records what reaches the caller; answers relayed requests through `relays` with `answer`. */
function callerStream(relays: CallerRelays, answer: (method: string, params: unknown) => Record<string, unknown>) {
  const sent: { id?: string; method: string; params?: Record<string, unknown> }[] = [];
  const channel = {
    notify: (n: { method: string; params?: Record<string, unknown> }) => sent.push(n),
    request: (id: string, method: string, params?: Record<string, unknown>) => {
      sent.push({ id, method, params });
      queueMicrotask(() => relays.answer({ id, result: answer(method, params) }));
      return true;
    },
  } as unknown as ResponseChannel;
  return { channel, sent };
}

const LEGACY: CallerProtocol = { era: 'legacy', protocolVersion: '2025-11-25', clientCapabilities: { sampling: {}, elicitation: { form: {} } } };

describe('InputGovernor', () => {
  let pipeline: Pipeline;
  let auditor: RoundAuditor;
  beforeAll(async () => {
    auditor = new RoundAuditor();
    const stages: Stage[] = [
      accessStandIn,
      createSanitizeStage(sanitizeSchema.parse({ enabled: true }), log),
      await createTokenizeStage(tokenizeSchema.parse({ enabled: true }), log, { env }),
      createRedactStage(redactSchema.parse({ enabled: true }), log),
    ];
    pipeline = new Pipeline(stages, auditor);
  });
  beforeEach(() => {
    auditor.rounds.length = 0;
    for (const k of Object.keys(decisions)) delete decisions[k];
  });

  const ctx = (): RequestContext => ({ requestId: 'r1', method: 'tools/call', headers: {}, startedAt: 0, target, arguments: {}, actions: [], timings: { policyMs: 0, upstreamMs: 0 } });
  const governor = (answer: (m: string, p: unknown) => Record<string, unknown> = () => ({}), caller = LEGACY) => {
    const relays = new CallerRelays();
    const stream = callerStream(relays, answer);
    const c = ctx();
    const g = new InputGovernor({ pipeline, log, ctx: c, caller, channel: stream.channel, relays, missing: {} });
    return { g, sent: stream.sent, ctx: c };
  };
  const signal = new AbortController().signal;

  it('redacts log messages and progress messages before they reach the caller, keeping the progress token', () => {
    const { g, sent } = governor();
    const sink = g.notifications((n) => sent.push(n));
    sink({ method: 'notifications/message', params: { level: 'info', data: 'mail maria@example.com key AKIAIOSFODNN7EXAMPLE', progressToken: 7 } });
    const got: unknown[] = [];
    g.progress((p) => got.push(p))({ progress: 1, total: 2, message: 'card 4111 1111 1111 1111 charged' });
    expect(JSON.stringify(sent)).not.toMatch(/maria@example\.com|AKIAIOSFODNN7EXAMPLE/);
    expect(sent[0]).toMatchObject({ method: 'notifications/message', params: { level: 'info', progressToken: 7 } });
    expect(JSON.stringify(got)).not.toContain('4111 1111 1111 1111');
    expect(got[0]).toMatchObject({ progress: 1, total: 2 });
  });

  it('relays an allowed elicitation redacted, and tokenizes the answer before the upstream gets it; audited', async () => {
    decisions['elicitation-form'] = { effect: 'allow', policyIds: ['base.forms'] };
    const { g, sent } = governor(() => ({ action: 'accept', content: { email: 'alice@example.com' } }));
    const answer = await g.relay({ method: 'elicitation/create', params: { message: 'Confirm sending to bob@example.org?', requestedSchema: { type: 'object', properties: { email: { type: 'string' } } } } }, signal);
    expect(sent[0].method).toBe('elicitation/create');
    expect(JSON.stringify(sent[0].params)).not.toContain('bob@example.org');
    expect(answer.action).toBe('accept');
    expect(JSON.stringify(answer)).not.toContain('alice@example.com');
    expect(auditor.rounds).toHaveLength(1);
    expect(auditor.rounds[0]).toMatchObject({ delivery: 'relayed', status: 'answered', decision: { effect: 'allow', policyIds: ['base.forms'] }, event: { kind: 'elicitation-form', target } });
    expect(auditor.rounds[0].answer).toEqual(answer);
  });

  it('a denied elicitation is declined to the upstream, a denied sampling request is an error; neither reaches the caller', async () => {
    const { g, sent } = governor();
    await expect(g.relay({ method: 'elicitation/create', params: { message: 'password?' } }, signal)).resolves.toEqual({ action: 'decline' });
    await expect(g.relay({ method: 'sampling/createMessage', params: { messages: [] } }, signal)).rejects.toBeInstanceOf(RpcError);
    expect(sent).toEqual([]);
    expect(auditor.rounds.map((r) => [r.event.kind, r.delivery, r.status, r.decision.reason])).toEqual([
      ['elicitation-form', 'refused', 'declined', 'policy'],
      ['sampling', 'refused', 'declined', 'policy'],
    ]);
  });

  it('a kind the caller is known not to have declared is refused before policy (URL elicitation needs `url` declared)', async () => {
    decisions['elicitation-url'] = { effect: 'allow', policyIds: ['p'] };
    const { g, sent } = governor(undefined, { ...LEGACY, capabilitiesKnown: true });
    await expect(g.relay({ method: 'elicitation/create', params: { mode: 'url', url: 'https://sso.example.com/', message: 'x', elicitationId: 'e' } }, signal)).rejects.toMatchObject({ code: -32601 });
    expect(sent).toEqual([]);
    expect(auditor.rounds[0]).toMatchObject({ event: { kind: 'elicitation-url', urlHost: 'sso.example.com' }, decision: { effect: 'deny', reason: 'capability' } });
  });

  it('a legacy caller (capabilities unknown to the stateless proxy) gets what policy allows; its client declines the rest', async () => {
    decisions['elicitation-url'] = { effect: 'allow', policyIds: ['p'] };
    const { g, sent } = governor(() => ({ action: 'accept' }), { era: 'legacy', protocolVersion: '2025-11-25', clientCapabilities: {} });
    await expect(g.relay({ method: 'elicitation/create', params: { mode: 'url', url: 'https://sso.example.com/', message: 'x', elicitationId: 'e' } }, signal)).resolves.toEqual({ action: 'accept' });
    expect(sent.map((m) => m.method)).toEqual(['elicitation/create']);
  });

  it('a modern caller gets no server->client request; the refusal is audited', async () => {
    decisions.sampling = { effect: 'allow', policyIds: [] };
    const { g, sent } = governor(undefined, { era: 'modern', protocolVersion: '2026-07-28', clientCapabilities: {} });
    await expect(g.relay({ method: 'sampling/createMessage', params: { messages: [] } }, signal)).rejects.toBeInstanceOf(RpcError);
    expect(sent).toEqual([]);
    expect(auditor.rounds[0]).toMatchObject({ delivery: 'refused', decision: { reason: 'capability' } });
  });

  it('an unattributable request is recorded against the call as refused', () => {
    const { g } = governor();
    g.unattributed({ method: 'sampling/createMessage', params: { messages: [] } });
    expect(auditor.rounds[0]).toMatchObject({ delivery: 'refused', status: 'declined', decision: { effect: 'deny', reason: 'unattributed' } });
  });
});
