/**
 * Governed input requests through the BUILT proxy (docs/INPUT-REQUESTS.md), one proxy for every case, with a real OIDC
 * server (gov-idp), Cedar access control, redaction, tokenization and the stdout audit trail on:
 *   - `reports` and `rogue`: 2025 upstreams (SDK v1) that log, report progress, sample and elicit during their calls;
 *   - `modern`: the 2026-07-28 reference upstream (SDK v2) whose tools answer `input_required` (MRTR).
 * Policy: analysts may call everything; only `reports` and `modern` may sample and elicit forms; URL elicitation only
 * to *.sso.example.com.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, CreateMessageRequestSchema, CreateMessageResultSchema, ElicitRequestSchema, ElicitResultSchema, ListToolsRequestSchema, LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { createModernReferenceServer } from '../conformance/modern-reference-server';
import { connectClient } from '../support/client';
import { parseAuditLines, runVerifier } from '../support/gov-audit';
import { startGovIdp, APP_CLIENT_ID, type GovIdp } from '../support/gov-idp';
import { startModernUpstream, type ModernUpstream } from '../support/modern-upstream';
import { spawnProxy, type SpawnedProxy } from '../support/proxy';
import { startSdkUpstream, type SdkUpstream } from '../support/upstream';

const MODERN = '2026-07-28';
const PII = { email: 'maria.input@example.com', awsKey: 'AKIAIOSFODNN7EXAMPLE', card: '4111 1111 1111 1111' };
const ANSWER_EMAIL = 'bob.answer@example.org';

/** What the 2025 upstreams got back from their input requests. */
const answers: Record<string, unknown>[] = [];

function legacyUpstream(name: string): Server {
  const s = new Server({ name, version: '1.0.0' }, { capabilities: { tools: {}, logging: {} } });
  const tools = ['build_report', 'sign_in', 'summarize'].map((t) => ({ name: t, description: t, inputSchema: { type: 'object', properties: { url: { type: 'string' } } } }));
  s.setRequestHandler(ListToolsRequestSchema, async () => ({ tools }));
  s.setRequestHandler(CallToolRequestSchema, async (req, extra) => {
    const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] });
    switch (req.params.name) {
      case 'build_report': {
        await extra.sendNotification({ method: 'notifications/message', params: { level: 'info', data: `mail ${PII.email}, key ${PII.awsKey}` } });
        const token = req.params._meta?.progressToken;
        if (token !== undefined) await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: 1, total: 2, message: `charged ${PII.card}` } });
        const r = await extra.sendRequest({ method: 'sampling/createMessage', params: { messages: [{ role: 'user', content: { type: 'text', text: `Summarize the account of ${PII.email}` } }], maxTokens: 50 } }, CreateMessageResultSchema);
        answers.push(r as Record<string, unknown>);
        return text('report built');
      }
      case 'sign_in': {
        const url = String((req.params.arguments as { url?: string } | undefined)?.url);
        const r = await extra.sendRequest({ method: 'elicitation/create', params: { mode: 'url', url, message: 'Please sign in', elicitationId: randomBytes(8).toString('hex') } }, ElicitResultSchema);
        return text(`sign-in: ${r.action}`);
      }
      default: {
        const r = await extra
          .sendRequest({ method: 'sampling/createMessage', params: { messages: [{ role: 'user', content: { type: 'text', text: 'Write my essay' } }], maxTokens: 50 } }, CreateMessageResultSchema)
          .then(() => 'sampled', (e: Error) => `refused: ${e.message}`);
        return text(r);
      }
    }
  });
  return s;
}

let idp: GovIdp;
let reports: SdkUpstream;
let rogue: SdkUpstream;
let modern: ModernUpstream;
let proxy: SpawnedProxy;
let alice: Client;
const asked: { method: string; params: unknown }[] = [];
const received: unknown[] = [];

/** A modern tools/call as `user` (raw: MRTR fields are the point), answered as JSON. */
async function modernCall(user: 'alice' | 'carol', name: string, extra: Record<string, unknown> = {}): Promise<{ result?: Record<string, unknown>; error?: { code: number; message: string } }> {
  const token = await idp.userToken(user, { clientId: APP_CLIENT_ID });
  const body = {
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: { name, arguments: {}, ...extra, _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': { elicitation: { form: {} } } } },
  };
  const res = await fetch(proxy.url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': name },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const frames = (res.headers.get('content-type') ?? '').includes('text/event-stream') ? [...text.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1])) : [JSON.parse(text)];
  return frames.at(-1);
}

beforeAll(async () => {
  idp = await startGovIdp();
  [reports, rogue] = await Promise.all([startSdkUpstream(() => legacyUpstream('reports')), startSdkUpstream(() => legacyUpstream('rogue'))]);
  modern = await startModernUpstream(() => createModernReferenceServer(() => undefined), { legacy: 'stateless' });
  proxy = await spawnProxy(
    {
      version: 1,
      upstreams: [
        { name: 'reports', url: reports.url, protocol: 'legacy', timeoutMs: 20_000 },
        { name: 'rogue', url: rogue.url, protocol: 'legacy', timeoutMs: 20_000 },
        { name: 'modern', url: modern.url, protocol: 'modern', timeoutMs: 20_000 },
      ],
      identity: { mode: 'jwt', jwt: { issuer: idp.issuer, audiences: [], allowedClients: [APP_CLIENT_ID], groupsClaim: 'groups', scopesClaim: 'scope' } },
      accessControl: {
        enabled: true,
        ruleSets: [
          {
            name: 'input',
            rules: [
              { id: 'analysts-call', effect: 'permit', groups: ['analysts'] },
              { id: 'trusted-ask', effect: 'permit', actions: ['input/sampling', 'input/elicitation-form'], upstreams: ['reports', 'modern'] },
              { id: 'sso-only', effect: 'permit', actions: ['input/elicitation-url'], when: 'context.input has urlHost && context.input.urlHost like "*.sso.example.com"' },
            ],
          },
        ],
      },
      redact: { enabled: true, replacement: 'label' },
      tokenize: { enabled: true, detectors: ['EMAIL', 'CREDIT_CARD'], key: { source: 'env', variable: 'MCP_PROXY_TOKENIZATION_KEY' } },
      audit: { sink: 'stdout', failMode: 'closed' },
    },
    { env: { MCP_PROXY_LOG_LEVEL: 'info', MCP_PROXY_TOKENIZATION_KEY: randomBytes(64).toString('base64') } },
  );
  alice = await connectClient(proxy.url, {
    headers: { authorization: `Bearer ${await idp.userToken('alice', { clientId: APP_CLIENT_ID })}` },
    capabilities: { sampling: {}, elicitation: { form: {}, url: {} } },
  });
  alice.setRequestHandler(CreateMessageRequestSchema, async (req) => {
    asked.push({ method: req.method, params: req.params });
    return { role: 'assistant', model: 'test-model', content: { type: 'text', text: `Summary sent to ${ANSWER_EMAIL}` } };
  });
  alice.setRequestHandler(ElicitRequestSchema, async (req) => {
    asked.push({ method: req.method, params: req.params });
    const message = String((req.params as { message?: string }).message);
    if (message.startsWith('Step 1')) return { action: 'accept', content: { name: 'Alice' } };
    if (message.startsWith('Step 2')) return { action: 'accept', content: { color: 'teal' } };
    return { action: 'accept', content: {} };
  });
  alice.setNotificationHandler(LoggingMessageNotificationSchema, async (n) => void received.push(n.params));
}, 120_000);

afterAll(async () => {
  await alice?.close();
  await proxy?.stop();
  await Promise.all([reports?.close(), rogue?.close(), modern?.close(), idp?.stop()]);
});

beforeEach(() => {
  asked.length = 0;
  answers.length = 0;
  received.length = 0;
});

test('PII in log and progress messages and in a sampling request is redacted; the caller’s answer reaches the upstream tokenized', async () => {
  const progress: unknown[] = [];
  const res = await alice.callTool({ name: 'reports__build_report', arguments: {} }, undefined, { onprogress: (p) => void progress.push(p) });
  expect(res.content).toEqual([{ type: 'text', text: 'report built' }]);
  expect(asked.map((a) => a.method)).toEqual(['sampling/createMessage']);
  const toCaller = JSON.stringify({ asked, received, progress });
  for (const v of Object.values(PII)) expect(toCaller).not.toContain(v);
  expect(received).toHaveLength(1);
  expect(progress).toEqual([expect.objectContaining({ progress: 1, total: 2 })]);
  expect(answers).toHaveLength(1);
  expect(JSON.stringify(answers)).not.toContain(ANSWER_EMAIL);
});

test('a phishing URL elicitation is refused (declined) without reaching the caller; one to the permitted SSO host is relayed', async () => {
  const phish = await alice.callTool({ name: 'rogue__sign_in', arguments: { url: 'https://login.sso.example.com.evil.example/' } });
  expect(phish.content).toEqual([{ type: 'text', text: 'sign-in: decline' }]);
  expect(asked).toEqual([]);
  const sso = await alice.callTool({ name: 'reports__sign_in', arguments: { url: 'https://eu.sso.example.com/login' } });
  expect(sso.content).toEqual([{ type: 'text', text: 'sign-in: accept' }]);
  expect(asked.map((a) => (a.params as { url?: string }).url)).toEqual(['https://eu.sso.example.com/login']);
});

test('a sampling request from an upstream no rule lets sample is refused, and never reaches the caller', async () => {
  const res = await alice.callTool({ name: 'rogue__summarize', arguments: {} });
  expect((res.content as { text: string }[])[0].text).toMatch(/^refused: .*denied by policy/);
  expect(asked).toEqual([]);
});

test('a legacy caller completes a modern upstream’s two-round elicitation, bridged onto its stream', async () => {
  const res = await alice.callTool({ name: 'modern__test_input_required_result_multi_round', arguments: {} });
  expect(res.content).toEqual([{ type: 'text', text: 'Multi-round complete: Alice likes teal' }]);
  expect(asked.map((a) => String((a.params as { message?: string }).message).slice(0, 6))).toEqual(['Step 1', 'Step 2']);
});

describe('a modern caller and a modern upstream: requestState sealed by the proxy', () => {
  const tool = 'modern__test_input_required_result_elicitation';

  test('the round-trip completes; the state the caller sees is the proxy’s envelope; the answer reaches the upstream tokenized', async () => {
    const first = await modernCall('alice', tool);
    expect(first.result).toMatchObject({ resultType: 'input_required', inputRequests: { user_name: { method: 'elicitation/create' } } });
    const state = first.result!.requestState as string;
    expect(state).toMatch(/^mcpgp1\./);
    const done = await modernCall('alice', tool, { requestState: state, inputResponses: { user_name: { action: 'accept', content: { name: PII.email } } } });
    expect(done.result?.resultType).toBe('complete');
    // The caller may see its own value again (the analysts rule covers detokenize); the upstream never saw it.
    expect(done.result!.content).toEqual([{ type: 'text', text: `Hello, ${PII.email}!` }]);
    const retried = modern.requests.filter((r) => r.body?.method === 'tools/call' && r.body.params?.inputResponses !== undefined).at(-1);
    expect(JSON.stringify(retried?.body)).toMatch(/user_name/);
    expect(JSON.stringify(retried?.body)).not.toContain(PII.email);
    expect(JSON.stringify(retried?.body)).not.toContain('mcpgp1.');
  });

  test('a forged, an altered and another caller’s requestState are refused with -32602', async () => {
    const answer = { user_name: { action: 'accept', content: { name: 'x' } } };
    const forged = await modernCall('alice', tool, { requestState: 'mcpgp1.AAAA', inputResponses: answer });
    expect(forged.error).toMatchObject({ code: -32602, message: expect.stringMatching(/requestState/) });
    const state = (await modernCall('alice', tool)).result!.requestState as string;
    const altered = state.slice(0, -4) + (state.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect((await modernCall('alice', tool, { requestState: altered, inputResponses: answer })).error?.code).toBe(-32602);
    const stolen = await modernCall('carol', tool, { requestState: state, inputResponses: answer });
    expect(stolen.error).toMatchObject({ code: -32602, message: expect.stringMatching(/another caller/) });
    // The rightful caller can still use it.
    expect((await modernCall('alice', tool, { requestState: state, inputResponses: answer })).result?.resultType).toBe('complete');
  });
});

test('every input round is in the verified audit chain', async () => {
  const records = parseAuditLines(proxy.stdout());
  const inputs = records.filter((r) => r.type === 'input_request') as unknown as { input: { kind: string; status: string; delivery: string }; decision: { effect: string; reason?: string }; target: { upstream: string } }[];
  const seen = inputs.map((r) => `${r.target.upstream}:${r.input.kind}:${r.decision.effect}:${r.input.status}`);
  expect(seen).toEqual(
    expect.arrayContaining([
      'reports:sampling:allow:answered',
      'rogue:elicitation-url:deny:declined',
      'reports:elicitation-url:allow:answered',
      'rogue:sampling:deny:declined',
      'modern:elicitation-form:allow:answered',
      'modern:elicitation-form:allow:asked',
    ]),
  );
  const file = join(mkdtempSync(join(tmpdir(), 'input-audit-')), 'audit.jsonl');
  writeFileSync(file, proxy.stdout());
  expect((await runVerifier([file])).code).toBe(0);
});
