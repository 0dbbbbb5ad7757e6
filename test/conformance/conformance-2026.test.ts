/**
 * The official MCP conformance suite, 2026-07-28 edition (@modelcontextprotocol/conformance 0.2.0-alpha.12,
 * `--requirements 2026-07-28`, its required server scenarios), against the modern reference upstream directly and
 * through the BUILT proxy in front of it: the proxy must pass every required scenario the upstream passes, the
 * multi round-trip (`input_required`) ones included (pass-through between a modern caller and a modern upstream).
 * RESULTS.md holds the full table (`npx tsx test/conformance/run.ts`).
 */
import { startModernUpstream, type ModernUpstream } from '../support/modern-upstream';
import { spawnProxy, type SpawnedProxy } from '../support/proxy';
import { createModernReferenceServer } from './modern-reference-server';
import { compare, regressions, requiredServerScenarios, runConformance, type Comparison } from './suite';

describe('MCP conformance 2026-07-28: proxy vs. modern upstream', () => {
  let upstream: ModernUpstream | undefined;
  let proxy: SpawnedProxy;
  let required: string[];
  let rows: Comparison[];

  beforeAll(async () => {
    required = requiredServerScenarios();
    upstream = await startModernUpstream(() => createModernReferenceServer(() => upstream?.notify), { legacy: 'stateless', localhostOnly: true });
    proxy = await spawnProxy({ version: 1, upstreams: [{ name: 'reference', url: upstream.url, timeoutMs: 30_000 }] }, { env: { MCP_PROXY_LOG_LEVEL: 'info' } });
    const [direct, proxied] = await Promise.all([
      runConformance(upstream.url, { edition: '2026', only: required }),
      runConformance(proxy.url, { edition: '2026', only: required }),
    ]);
    rows = compare(direct, proxied);
  }, 300_000);

  afterAll(async () => {
    await proxy?.stop();
    await upstream?.close();
  });

  test('the suite ran every required server scenario against both', () => {
    expect(required.length).toBeGreaterThanOrEqual(37);
    expect(rows.map((r) => r.scenario).sort()).toEqual([...required].sort());
    expect(rows.every((r) => r.upstream && r.proxy)).toBe(true);
  });

  test('the reference upstream passes every required scenario', () => {
    expect(rows.filter((r) => !r.upstream?.ok).map((r) => ({ scenario: r.scenario, failures: r.upstream?.failures }))).toEqual([]);
  });

  test('the proxy passes every required scenario the upstream passes', () => {
    expect(regressions(rows).map((r) => ({ scenario: r.scenario, failures: r.proxy?.failures }))).toEqual([]);
  });
});
