/**
 * Runs the official MCP conformance suite (@modelcontextprotocol/conformance, server scenarios) against a URL and
 * reads its per-scenario checks.json files.
 *
 * Node 20 note: the suite's CLI imports `globSync` from `fs` (Node 22+), used only by its `tier-check` command. It is
 * run with `--import ./register.mjs`, a module-resolution hook that gives the CLI an `fs` with a throwing `globSync`
 * stub, so the server scenarios run unchanged on Node 20 (and the hook is inert on Node 22).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/bundle';

export const CONFORMANCE_CLI = join(REPO_ROOT, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
const REGISTER = join(__dirname, 'register.mjs');

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

export function conformanceVersion(): string {
  return (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', '@modelcontextprotocol', 'conformance', 'package.json'), 'utf8')) as { version: string }).version;
}

/** Runs every active server scenario against `url`; resolves with one result per scenario, in suite order. */
export async function runConformance(url: string, opts: { timeoutMs?: number } = {}): Promise<ScenarioResult[]> {
  const out = mkdtempSync(join(tmpdir(), 'mcp-conformance-'));
  try {
    const child = spawn(process.execPath, ['--import', REGISTER, CONFORMANCE_CLI, 'server', '--url', url, '-o', out], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
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
      if (!m) continue;
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
