/**
 * The README's main job: `npm run demo -- --smoke` synthesizes the demo's proxy with the construct, runs the BUILT
 * bundle with that configuration behind a local OIDC issuer, and exits 0 only when every persona's outcomes and the
 * audit chain hold. The second test shows the smoke checks are real: against the same upstream without governance
 * they fail.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requireBundle, REPO_ROOT } from '../support/bundle';
import { spawnProxy } from '../support/proxy';

interface DemoUpstream {
  readonly url: string;
  readonly received: { tool: string; arguments: Record<string, unknown> }[];
  close(): Promise<void>;
}
interface DemoIssuerLike {
  readonly personas: Record<string, { title: string }>;
  token(name: string): Promise<string>;
}
/* eslint-disable @typescript-eslint/no-require-imports */
const { startDemoUpstream } = require('../../runtime/demo/upstream.mjs') as { startDemoUpstream(): Promise<DemoUpstream> };
const { runGovernedSmoke } = require('../../runtime/demo/smoke.mjs') as {
  runGovernedSmoke(o: { url: string; issuer: DemoIssuerLike; upstream: DemoUpstream; log: (line: string) => void }): Promise<unknown>;
};

test('npm run demo -- --smoke: each persona sees its own tools, refusals, redaction and tokenization; the audit chain verifies', async () => {
  requireBundle();
  const env = { ...process.env };
  delete env.PORT;
  const { stdout } = await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'runtime', 'demo', 'run-demo.mjs'), '--smoke'], {
    cwd: REPO_ROOT,
    env,
    timeout: 180_000,
  });
  // The configuration came from the construct and passed the runtime's own check.
  expect(stdout).toMatch(/^Configuration: synthesized from examples\/local-demo\.ts by the construct \(.*asset\.[0-9a-f]+\/proxy-config\.json\)$/m);
  expect(stdout).toMatch(/accepted at synth by the runtime's own check: sha256:[0-9a-f]{64}, rule sets crm \(4 typed rules \+ raw Cedar\)/);
  expect(stdout).toMatch(/^Proxy ready in \d+ ms on http:\/\/127\.0\.0\.1:\d+\/mcp with the local file \(sha256:[0-9a-f]{64}\)$/m);
  // Per persona, in order: what tools/list shows, the refusal and its reason, and whether detokenization happened.
  const blocks = stdout.split('\n\n');
  const block = (name: string) => blocks.find((b) => b.startsWith(`${name}: `)) ?? '';
  expect(block('analyst')).toMatch(/tools\/list {5}get_weather, search_customers\n/);
  expect(block('analyst')).toMatch(/refused {8}create_ticket .* -> JSON-RPC error -32602: Unknown tool: create_ticket/);
  expect(block('analyst')).toContain('(not detokenized: the policy does not permit it)');
  expect(block('support')).toMatch(/tools\/list {5}create_ticket, get_weather, search_customers\n/);
  expect(block('support')).toMatch(/refused {8}create_ticket \{"customerId":"vip-7".* -> JSON-RPC error -32003: Access denied by policy/);
  expect(block('support')).toContain('(detokenized: the policy permits it)');
  expect(block('admin')).toMatch(/tools\/list {5}create_ticket, delete_customer, get_weather, search_customers\n/);
  expect(block('admin')).toMatch(/permitted {6}delete_customer .* -> Customer c-1002 deleted/);
  expect(block('admin')).toMatch(/refused {8}create_ticket .* -> JSON-RPC error -32004: Input rejected: deny_pattern:sql_ddl/);
  for (const name of ['analyst', 'support', 'admin']) {
    expect(block(name)).toContain('email [REDACTED:EMAIL], phone [REDACTED:PHONE], SSN [REDACTED:US_SSN]');
    expect(block(name)).toMatch(/upstream received "tok_EMAIL_/);
  }
  expect(stdout).toMatch(/^audit trail: \d+ records \(12 tool calls\), 2 denials by policy, 1 rejected input, chain ok \(verify-audit\.js\)$/m);
  expect(stdout).toMatch(/^smoke test passed in [\d.]+ s/m);
}, 200_000);

test('the smoke checks fail against the same upstream without governance', async () => {
  const upstream = await startDemoUpstream();
  const proxy = await spawnProxy({ version: 1, upstreams: [{ name: 'crm', url: upstream.url, timeoutMs: 10_000 }] });
  const issuer: DemoIssuerLike = {
    personas: { analyst: { title: 'analyst' }, support: { title: 'support' }, admin: { title: 'admin' } },
    token: async () => 'not-checked-by-a-pass-through-proxy',
  };
  try {
    await expect(runGovernedSmoke({ url: proxy.url, issuer, upstream, log: () => {} })).rejects.toThrow(
      'analyst tools/list: expected get_weather, search_customers, got create_ticket, delete_customer, get_weather, search_customers',
    );
  } finally {
    await proxy.stop();
    await upstream.close();
  }
});
