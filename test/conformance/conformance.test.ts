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

/**
 * The conformance repository's own reference server sends its sampling and elicitation requests outside the call's
 * response stream (on the session's GET stream). The proxy attributes such a request to the one call in flight on that
 * upstream (and refuses it when it cannot), so these scenarios pass through it as they pass directly.
 */
describe('MCP conformance suite: an upstream that sends its requests outside the call stream', () => {
  const SCENARIOS = ['tools-call-sampling', 'tools-call-elicitation', 'elicitation-sep1034-defaults', 'elicitation-sep1330-enums'];
  let upstream: SdkUpstream;
  let proxy: SpawnedProxy;
  let rows: Comparison[];

  beforeAll(async () => {
    upstream = await startSdkUpstream(() => createReferenceServer({ outOfStream: true }));
    proxy = await spawnProxy({ version: 1, upstreams: [{ name: 'reference', url: upstream.url, timeoutMs: 30_000 }] }, { env: { MCP_PROXY_LOG_LEVEL: 'info' } });
    const run = async (url: string) => {
      const out = [];
      for (const scenario of SCENARIOS) out.push(...(await runConformance(url, { scenario })));
      return out;
    };
    const [direct, proxied] = await Promise.all([run(upstream.url), run(proxy.url)]);
    rows = compare(direct, proxied);
  }, 240_000);

  afterAll(async () => {
    await proxy?.stop();
    await upstream?.close();
  });

  test('each scenario passes directly and through the proxy', () => {
    expect(rows.map((r) => [r.scenario, r.upstream?.ok, r.proxy?.ok]).sort()).toEqual(SCENARIOS.map((s) => [s, true, true]).sort());
  });
});
