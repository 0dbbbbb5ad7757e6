import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PolicyTestConfig } from '../policy-test';
import type { AccessChanges } from './change-report';
import { BUNDLE_ENTRY } from './staging';

/** What `node <bundle> check --config <file>` answered. */
export interface CheckResult {
  readonly ok: boolean;
  /** `sha256:<hex>` of the configuration the runtime will load (when ok). */
  readonly digest?: string;
  /** The stamp for MCP_PROXY_CONFIG_CHECKED: the check validated these policies with this bundle (when ok). */
  readonly policiesChecked?: string;
  /** `<path>: <problem>` lines (when not ok). */
  readonly errors: string[];
  /** The policy tests' results (when tests were given and the configuration is valid), failed ones included. */
  readonly policyTests?: PolicyTestResult[];
  /** Who gained or lost access since the previous policy (when one was given). */
  readonly accessChanges?: AccessChanges;
}

/** One policy test's result, as `check --policy-tests` prints it (runtime/src/stages/access-control/policy-tests.ts). */
export interface PolicyTestResult {
  readonly name: string;
  readonly expect: 'allow' | 'deny';
  readonly passed: boolean;
  readonly decision: 'allow' | 'deny';
  readonly policyIds: string[];
  readonly upstream: string;
  readonly target: string;
  readonly evaluated: number;
  /** With a shadow policy: the same test against the candidate (reported, never failing the synth). */
  readonly shadow?: { readonly passed: boolean; readonly decision: 'allow' | 'deny'; readonly policyIds: string[]; readonly upstream: string; readonly target: string };
}

/** Writes a JSON input of `check` (tests, a previous policy): a content-addressed file under the OS temp dir (not in the code asset). */
function tempJson(value: unknown): string {
  const text = JSON.stringify(value);
  const file = path.join(os.tmpdir(), `mcp-governance-proxy-check-${createHash('sha256').update(text).digest('hex').slice(0, 32)}.json`);
  if (!fs.existsSync(file)) {
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  }
  return file;
}

const cache = new Map<string, CheckResult>();

/**
 * Runs the runtime's own validator on a staged configuration, with the exact bundle that will be deployed
 * (config schema, Cedar policies against the Cedar schema, RE2 patterns). `env` supplies stand-ins for deploy-time
 * values. Results are cached per (bundle, config, env) within the process.
 */
export function runCheck(stagedDir: string, configFile: string, env: Record<string, string>, tests: readonly PolicyTestConfig[] = [], previousAccessControl?: unknown): CheckResult {
  const entry = path.join(stagedDir, BUNDLE_ENTRY);
  const key = createHash('sha256')
    .update(fs.readFileSync(entry))
    .update('\0')
    .update(fs.readFileSync(configFile))
    .update('\0')
    .update(JSON.stringify(env))
    .update('\0')
    .update(JSON.stringify(tests))
    .update('\0')
    .update(JSON.stringify(previousAccessControl ?? null))
    .digest('hex');
  const hit = cache.get(key);
  if (hit) return hit;
  const args = [
    entry, 'check', '--config', configFile,
    ...(tests.length > 0 ? ['--policy-tests', tempJson(tests)] : []),
    ...(previousAccessControl !== undefined ? ['--previous-access-control', tempJson(previousAccessControl)] : []),
  ];
  const res = spawnSync(process.execPath, args, {
    cwd: stagedDir,
    encoding: 'utf8',
    timeout: 120_000,
    // A clean environment: only what node needs plus the stand-ins, so the caller's MCP_PROXY_* never leak in.
    env: { PATH: process.env.PATH ?? '', ...(process.env.SystemRoot ? { SystemRoot: process.env.SystemRoot } : {}), ...env },
    maxBuffer: 16 * 1024 * 1024,
  });
  const result = parse(res.stdout ?? '', res.stderr ?? '', res.status, res.error);
  cache.set(key, result);
  return result;
}

function parse(stdout: string, stderr: string, status: number | null, error: Error | undefined): CheckResult {
  if (error) return { ok: false, errors: [`could not run the runtime bundle's check command: ${error.message}`] };
  const line = stdout.trim().split('\n').filter((l) => l.trim().startsWith('{')).pop();
  if (line) {
    try {
      const out = JSON.parse(line) as { ok?: unknown; digest?: unknown; policiesChecked?: unknown; errors?: unknown; policyTests?: unknown; accessChanges?: AccessChanges };
      const policyTests = Array.isArray(out.policyTests) ? (out.policyTests as PolicyTestResult[]) : undefined;
      if (out.ok === true && typeof out.digest === 'string') {
        const policiesChecked = typeof out.policiesChecked === 'string' ? out.policiesChecked : undefined;
        return { ok: true, digest: out.digest, policiesChecked, errors: [], ...(policyTests ? { policyTests } : {}), ...(out.accessChanges ? { accessChanges: out.accessChanges } : {}) };
      }
      if (out.ok === false) {
        const errors = Array.isArray(out.errors) ? out.errors.map(String) : ['(no details)'];
        return { ok: false, errors, ...(policyTests ? { policyTests } : {}) };
      }
    } catch {
      // fall through
    }
  }
  const tail = stderr.trim().split('\n').slice(-5).join(' | ');
  return { ok: false, errors: [`the runtime bundle's check command gave no verdict (exit ${status}): ${tail || stdout.trim().slice(0, 300) || 'no output'}`] };
}

/** Synth errors for the policy tests that failed (none when every test passed or the check failed for another reason). */
export function policyTestProblems(result: CheckResult): string[] {
  const failed = (result.policyTests ?? []).filter((t) => !t.passed);
  if (failed.length === 0) return [];
  return result.errors.filter((e) => e.startsWith('policy test ')).map((e) => `accessControl.tests: ${e}. Fix the rules, or the test if the change is intended.`);
}
