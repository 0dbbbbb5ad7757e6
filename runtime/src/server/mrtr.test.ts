/**
 * InputRounds (MRTR under governance) with the real Pipeline, the real sealer and a fixed clock: the sealed state and
 * its bindings (expiry included), responses the caller was not asked for, the proxy answering a round it refused
 * entirely, and the bound on rounds. The upstream is a scripted `send` (the end-to-end test uses real SDK servers).
 */
import { randomBytes } from 'node:crypto';
import type { Auditor, CatalogEntry, InputRound, JsonResult, RequestContext, Stage } from '../pipeline/context';
import type { InputDecision } from '../pipeline/input-request';
import { Pipeline } from '../pipeline/pipeline';
import type { CallerProtocol } from '../upstream/client';
import type { InputGovernor } from './input-governor';
import { InputRounds, MAX_ROUNDS, STATE_TTL_MS } from './mrtr';
import { StateSealer } from './state-seal';

const target: CatalogEntry = { kind: 'tool', upstream: 'modern', name: 'ask', exposedName: 'modern__ask', definition: { name: 'modern__ask' } };
const decisions: Record<string, InputDecision> = {};
const stages: Stage[] = [{ name: 'access-control', onInputRequest: (_c, e) => decisions[e.kind] ?? { effect: 'deny', policyIds: [], reason: 'policy' } }];
const rounds: InputRound[] = [];
const auditor: Auditor = { beforeForward: async () => {}, complete: () => {}, inputRound: (_c, r) => void rounds.push(r), close: async () => {} };
const pipeline = new Pipeline(stages, auditor);
const MODERN: CallerProtocol = { era: 'modern', protocolVersion: '2026-07-28', clientCapabilities: { elicitation: { form: {} }, sampling: {} }, capabilitiesKnown: true };
const signal = new AbortController().signal;

let clock = 1_000_000;
const sealer = new StateSealer(randomBytes(32));
const inputRounds = new InputRounds({ pipeline, sealer, now: () => clock });

const ctx = (sub = 'alice'): RequestContext => ({
  requestId: 'r',
  method: 'tools/call',
  headers: {},
  startedAt: 0,
  principal: { kind: 'jwt', sub, issuer: 'https://idp', groups: [], scopes: [], claims: {} },
  target,
  arguments: {},
  actions: [],
  timings: { policyMs: 0, upstreamMs: 0 },
});
const elicit = { method: 'elicitation/create', params: { message: 'name?', requestedSchema: { type: 'object', properties: {} } } };
const sample = { method: 'sampling/createMessage', params: { messages: [], maxTokens: 5 } };
const inputRequired = (inputRequests: Record<string, unknown>, requestState?: string): JsonResult => ({ resultType: 'input_required', inputRequests, ...(requestState ? { requestState } : {}) });

/** Runs one call; `upstream` answers each send in turn and records what it got. */
async function run(params: Record<string, unknown>, upstream: JsonResult[], c = ctx(), caller = MODERN) {
  const sent: (Record<string, unknown> | undefined)[] = [];
  const result = await inputRounds.forward({
    ctx: c,
    caller,
    params,
    governor: {} as InputGovernor,
    signal,
    send: async (round) => {
      sent.push(round);
      return upstream.shift() ?? { resultType: 'complete', content: [] };
    },
  });
  return { result, sent };
}

beforeEach(() => {
  rounds.length = 0;
  for (const k of Object.keys(decisions)) delete decisions[k];
});

it('seals the upstream state; the retry carries the upstream state back and only the responses the caller was asked for', async () => {
  decisions['elicitation-form'] = { effect: 'allow', policyIds: ['p'] };
  const params = { name: 'modern__ask', arguments: { q: 1 } };
  const first = await run(params, [inputRequired({ name: elicit }, 'UPSTREAM-STATE')]);
  const sealed = first.result.requestState as string;
  expect(sealed).toMatch(/^mcpgp1\./);
  expect(sealed).not.toContain('UPSTREAM-STATE');
  expect(rounds.map((r) => r.status)).toEqual(['asked']);
  const retry = await run({ ...params, requestState: sealed, inputResponses: { name: { action: 'accept', content: { n: 'A' } }, extra: { action: 'accept' } } }, []);
  expect(retry.sent[0]).toEqual({ inputResponses: { name: { action: 'accept', content: { n: 'A' } } }, requestState: 'UPSTREAM-STATE' });
  expect(rounds.map((r) => r.status)).toEqual(['asked', 'answered']);
});

it('refuses an expired state and a state for other params; inputResponses without a state never reach the upstream', async () => {
  decisions['elicitation-form'] = { effect: 'allow', policyIds: ['p'] };
  const params = { name: 'modern__ask', arguments: { q: 1 } };
  const sealed = (await run(params, [inputRequired({ name: elicit })])).result.requestState as string;
  await expect(run({ ...params, arguments: { q: 2 }, requestState: sealed, inputResponses: {} }, [])).rejects.toMatchObject({ code: -32602, message: expect.stringMatching(/another request/) });
  expect((await run({ ...params, inputResponses: { name: { action: 'accept' } } }, [])).sent).toEqual([undefined]);
  clock += STATE_TTL_MS + 1;
  await expect(run({ ...params, requestState: sealed, inputResponses: {} }, [])).rejects.toMatchObject({ code: -32602, message: expect.stringMatching(/expired/) });
});

it('a round the proxy refused entirely is answered by the proxy itself (declined elicitation); undeclared kinds are refused', async () => {
  const caller: CallerProtocol = { ...MODERN, clientCapabilities: { elicitation: { form: {} } } };
  decisions.sampling = { effect: 'allow', policyIds: [] };
  const { result, sent } = await run({ name: 'modern__ask' }, [inputRequired({ who: elicit, llm: sample }, 'S1'), { resultType: 'complete', content: [{ type: 'text', text: 'done' }] }], ctx(), caller);
  expect(result.resultType).toBe('complete');
  expect(sent).toEqual([undefined, { inputResponses: { who: { action: 'decline' } }, requestState: 'S1' }]);
  expect(rounds.map((r) => [r.event.kind, r.decision.reason])).toEqual([
    ['elicitation-form', 'policy'],
    ['sampling', 'capability'],
  ]);
});

it('an upstream that keeps asking is cut off after MAX_ROUNDS rounds', async () => {
  const again = Array.from({ length: MAX_ROUNDS + 2 }, () => inputRequired({ who: elicit }));
  await expect(run({ name: 'modern__ask' }, again)).rejects.toMatchObject({ message: expect.stringMatching(/more than/) });
});
