/**
 * The official MCP conformance suite (server scenarios) against the reference upstream directly and through the BUILT
 * proxy: the proxy must pass every scenario the upstream passes. (RESULTS.md holds the full table: `npx tsx test/conformance/run.ts`.)
 */
import { spawnProxy, type SpawnedProxy } from '../support/proxy';
import { startSdkUpstream, type SdkUpstream } from '../support/upstream';
import { createReferenceServer } from './reference-server';
import { compare, regressions, runConformance, type Comparison } from './suite';

describe('MCP conformance suite: proxy vs. upstream', () => {
  let upstream: SdkUpstream;
  let proxy: SpawnedProxy;
  let rows: Comparison[];

  beforeAll(async () => {
    upstream = await startSdkUpstream(createReferenceServer);
    proxy = await spawnProxy({ version: 1, upstreams: [{ name: 'reference', url: upstream.url, timeoutMs: 30_000 }] }, { env: { MCP_PROXY_LOG_LEVEL: 'info' } });
    const [direct, proxied] = await Promise.all([runConformance(upstream.url), runConformance(proxy.url)]);
    rows = compare(direct, proxied);
  }, 240_000);

  afterAll(async () => {
    await proxy?.stop();
    await upstream?.close();
  });

  test('the suite ran its server scenarios against both', () => {
    expect(rows.length).toBeGreaterThanOrEqual(25);
    expect(rows.every((r) => r.upstream && r.proxy)).toBe(true);
  });

  test('the proxy passes every scenario the upstream passes', () => {
    const lost = regressions(rows).map((r) => ({ scenario: r.scenario, failures: r.proxy?.failures }));
    expect(lost).toEqual([]);
    // The reference upstream is meant to pass everything but DNS-rebinding protection (not its concern).
    expect(rows.filter((r) => !r.upstream?.ok).map((r) => r.scenario)).toEqual(['dns-rebinding-protection']);
  });
});
