/**
 * Runs the official MCP conformance suite (server scenarios) against a URL and reads its per-scenario checks.json files.
 * Two editions, side by side:
 *   - `2025`: @modelcontextprotocol/conformance 0.1.16, every active server scenario (the 2025 protocol revisions);
 *   - `2026`: 0.2.0-alpha.12 (installed as the npm alias `conformance-next`), `--requirements 2026-07-28`: the frozen
 *     2026-07-28 requirement set, of which the required server scenarios are scored here (extension and pending
 *     scenarios it also runs are reported by the CLI but left out, as the suite itself leaves them unscored).
 *
 * Node 20 note: the 0.1.16 CLI imports `globSync` from `fs` (Node 22+), used only by its `tier-check` command. It is
 * run with `--import ./register.mjs`, a module-resolution hook that gives the CLI an `fs` with a throwing `globSync`
 * stub, so the server scenarios run unchanged on Node 20 (and the hook is inert on Node 22). The 0.2 CLI needs Node 22
 * outright: it runs on the Node 22 the bench obtains (bench/lib/deploy-node.mjs: this machine's node when it is 22,
 * BENCH_NODE22, or `node-<platform>-<arch>@22` from the npm registry, cached under node_modules/.cache).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/bundle';

export type Edition = '2025' | '2026';

const PACKAGE_DIR: Record<Edition, string> = {
  '2025': join(REPO_ROOT, 'node_modules', '@modelcontextprotocol', 'conformance'),
  '2026': join(REPO_ROOT, 'node_modules', 'conformance-next'),
};
export const CONFORMANCE_CLI = join(PACKAGE_DIR['2025'], 'dist', 'index.js');
const REGISTER = join(__dirname, 'register.mjs');

/** The protocol revision whose frozen requirement set the 2026 edition runs. */
export const MODERN_REQUIREMENTS = '2026-07-28';

let node22: string | undefined;

/** A Node 22 binary for the 0.2 CLI, from the bench's own resolver (run in a child: it is an ES module). */
export function conformanceNode(): string {
  if (node22) return node22;
  const script = `import(${JSON.stringify(join(REPO_ROOT, 'bench', 'lib', 'deploy-node.mjs'))}).then((m) => process.stdout.write(JSON.stringify(m.deploymentNode(${JSON.stringify(REPO_ROOT)}))))`;
  const found = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 300_000 })) as { path?: string; missing?: string };
  if (!found.path) throw new Error(`the 2026-07-28 conformance suite needs Node 22: ${found.missing ?? 'not found'}`);
  node22 = found.path;
  return node22;
}

/** The server scenarios the 2026 edition requires for 2026-07-28 (`list --requirements`), in its order. */
export function requiredServerScenarios(): string[] {
  const out = execFileSync(conformanceNode(), [join(PACKAGE_DIR['2026'], 'dist', 'index.js'), 'list', '--requirements', MODERN_REQUIREMENTS], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  const section = out.split(/^Server scenarios.*$/m)[1]?.split(/^\S.*$/m)[0] ?? '';
  return [...section.matchAll(/^\s+- (\S+)\s*$/gm)].map((m) => m[1]);
}

export interface Check {
  readonly id: string;
  readonly status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | string;
  readonly errorMessage?: string;
}

export interface ScenarioResult {
  readonly scenario: string;
  readonly passed: number;
  readonly failed: number;
  readonly warnings: number;
  /** No FAILURE check (the suite's own pass criterion). */
  readonly ok: boolean;
  readonly failures: readonly string[];
}

export function conformanceVersion(edition: Edition = '2025'): string {
  return (JSON.parse(readFileSync(join(PACKAGE_DIR[edition], 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * Runs the server scenarios of an edition against `url` (2025: every active one; 2026: the 2026-07-28 requirement set,
 * filtered to `only` when given); resolves with one result per scenario, in suite order.
 */
export async function runConformance(url: string, opts: { timeoutMs?: number; edition?: Edition; only?: readonly string[]; scenario?: string } = {}): Promise<ScenarioResult[]> {
  const out = mkdtempSync(join(tmpdir(), 'mcp-conformance-'));
  try {
    const [cmd, args] =
      opts.edition === '2026'
        ? [conformanceNode(), [join(PACKAGE_DIR['2026'], 'dist', 'index.js'), 'server', '--url', url, '--requirements', MODERN_REQUIREMENTS, '-o', out]]
        : [process.execPath, ['--import', REGISTER, CONFORMANCE_CLI, 'server', '--url', url, ...(opts.scenario ? ['--scenario', opts.scenario] : []), '-o', out]];
    const child = spawn(cmd, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout!.on('data', (d) => (log += d));
    child.stderr!.on('data', (d) => (log += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 180_000);
    await new Promise<void>((resolve) => child.once('exit', () => resolve()));
    clearTimeout(timer);
    const dirs = readdirSync(out).filter((d) => d.startsWith('server-')).sort((a, b) => a.localeCompare(b));
    if (dirs.length === 0) throw new Error(`conformance suite produced no results:\n${log.slice(-3000)}`);
    const order = [...log.matchAll(/=== Running scenario: (\S+) ===/g)].map((m) => m[1]);
    const results: ScenarioResult[] = [];
    for (const d of dirs) {
      const m = /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/.exec(d);
      if (!m || (opts.only && !opts.only.includes(m[1]))) continue;
      const checks = JSON.parse(readFileSync(join(out, d, 'checks.json'), 'utf8')) as Check[];
      const failures = checks.filter((c) => c.status === 'FAILURE');
      results.push({
        scenario: m[1],
        passed: checks.filter((c) => c.status === 'SUCCESS').length,
        failed: failures.length,
        warnings: checks.filter((c) => c.status === 'WARNING').length,
        ok: failures.length === 0,
        failures: failures.map((c) => `${c.id}: ${c.errorMessage ?? ''}`.slice(0, 300)),
      });
    }
    results.sort((a, b) => order.indexOf(a.scenario) - order.indexOf(b.scenario));
    return results;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

export interface Comparison {
  readonly scenario: string;
  readonly upstream?: ScenarioResult;
  readonly proxy?: ScenarioResult;
}

export function compare(upstream: readonly ScenarioResult[], proxy: readonly ScenarioResult[]): Comparison[] {
  const names = [...new Set([...upstream.map((r) => r.scenario), ...proxy.map((r) => r.scenario)])];
  return names.map((scenario) => ({ scenario, upstream: upstream.find((r) => r.scenario === scenario), proxy: proxy.find((r) => r.scenario === scenario) }));
}

/** Scenarios the upstream passes and the proxy does not. */
export function regressions(rows: readonly Comparison[]): Comparison[] {
  return rows.filter((r) => r.upstream?.ok && !r.proxy?.ok);
}
