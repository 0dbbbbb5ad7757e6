/**
 * Reliability: memory. The BUILT bundle must not retain anything of a finished request. The proxy is spawned with a
 * heap probe preloaded (test/support/fault-heap-probe.cjs: on SIGUSR2, full GC then the live heap size on stderr), and
 * the live heap is measured before and after 2,000 requests of one kind.
 *
 * Found by the soak (docs/SOAK.md): every forwarded tools/call leaves ~7 KB on the heap (its ServerResponse and
 * IncomingMessage among it), whatever stages are on; lists and refused calls leave nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { requireBundle, REPO_ROOT } from '../support/bundle';
import { post, toolCall, waitForTools } from '../support/fault-harness';
import { startFaultUpstream, type FaultUpstream } from '../support/fault-upstream';
import { waitFor } from '../support/net';

jest.setTimeout(90_000);

const REQUESTS = 2000;
/** Growth allowed for 2,000 requests: GC noise and lazily built caches stay well under it; a leak of 7 KB/request does not. */
const ALLOWED_MIB = 5;

describe('memory: a finished request leaves nothing on the proxy heap', () => {
  let upstream: FaultUpstream;
  let child: ChildProcess;
  let stderr = '';
  let url = '';
  let id = 0;

  const probe = async (): Promise<number> => {
    const before = stderr.match(/"heapProbe":\d+/g)?.length ?? 0;
    child.kill('SIGUSR2');
    const all = await waitFor(() => {
      const m = [...stderr.matchAll(/"heapProbe":(\d+)/g)];
      return m.length > before ? m : undefined;
    }, { what: 'the heap probe' });
    return Number(all[all.length - 1][1]) / 1024 / 1024;
  };
  const run = async (n: number, body: () => string) => {
    for (let i = 0; i < n; i += 8) {
      const replies = await Promise.all(Array.from({ length: Math.min(8, n - i) }, () => post(url, body())));
      for (const r of replies) if (!r.json?.result) throw new Error(`unexpected answer: ${r.text.slice(0, 200)}`);
    }
  };
  const growth = async (body: () => string): Promise<number> => {
    await run(300, body); // warm-up: JIT, caches, pools
    const h0 = await probe();
    await run(REQUESTS, body);
    return (await probe()) - h0;
  };
  const list = () => JSON.stringify({ jsonrpc: '2.0', id: ++id, method: 'tools/list' });
  const call = () => toolCall('ok', { text: `hello ${++id}` }, id);

  beforeAll(async () => {
    upstream = await startFaultUpstream({ name: 'mem', tools: [{ name: 'ok', inputSchema: { type: 'object', properties: { text: { type: 'string' } } } }] });
    const config = { version: 1, upstreams: [{ name: 'mem', url: upstream.url, timeoutMs: 5000 }], audit: { sink: 'none', metrics: { enabled: false } } };
    child = spawn(process.execPath, ['--expose-gc', '--require', join(REPO_ROOT, 'test', 'support', 'fault-heap-probe.cjs'), requireBundle()], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', MCP_PROXY_CONFIG: JSON.stringify(config), MCP_PROXY_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const port = await waitFor(() => /"msg":"listening".*?"port":(\d+)/.exec(stderr)?.[1], { timeoutMs: 30_000, what: 'the proxy to listen' });
    url = `http://127.0.0.1:${port}/mcp`;
    await waitForTools(url, ['ok']);
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    await upstream?.close();
  });

  test(`${REQUESTS} tools/list requests: the live heap stays flat`, async () => {
    expect(await growth(list)).toBeLessThan(ALLOWED_MIB);
  });

  // Regression: each forwarded tools/call used to stay reachable after it finished (~7 KB each) because
  // runtime/src/upstream/client.ts send() combined signals with AbortSignal.any(), whose dependants Node 20 never
  // collects (nodejs/node#55328); the signals are now linked by hand.
  test(`${REQUESTS} forwarded tools/call requests: the live heap stays flat`, async () => {
    expect(await growth(call)).toBeLessThan(ALLOWED_MIB);
  });
});
