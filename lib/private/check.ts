import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
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
}

const cache = new Map<string, CheckResult>();

/**
 * Runs the runtime's own validator on a staged configuration, with the exact bundle that will be deployed
 * (config schema, Cedar policies against the Cedar schema, RE2 patterns). `env` supplies stand-ins for deploy-time
 * values. Results are cached per (bundle, config, env) within the process.
 */
export function runCheck(stagedDir: string, configFile: string, env: Record<string, string>): CheckResult {
  const entry = path.join(stagedDir, BUNDLE_ENTRY);
  const key = createHash('sha256')
    .update(fs.readFileSync(entry))
    .update('\0')
    .update(fs.readFileSync(configFile))
    .update('\0')
    .update(JSON.stringify(env))
    .digest('hex');
  const hit = cache.get(key);
  if (hit) return hit;
  const res = spawnSync(process.execPath, [entry, 'check', '--config', configFile], {
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
      const out = JSON.parse(line) as { ok?: unknown; digest?: unknown; policiesChecked?: unknown; errors?: unknown };
      if (out.ok === true && typeof out.digest === 'string') {
        const policiesChecked = typeof out.policiesChecked === 'string' ? out.policiesChecked : undefined;
        return { ok: true, digest: out.digest, policiesChecked, errors: [] };
      }
      if (out.ok === false) {
        const errors = Array.isArray(out.errors) ? out.errors.map(String) : ['(no details)'];
        return { ok: false, errors };
      }
    } catch {
      // fall through
    }
  }
  const tail = stderr.trim().split('\n').slice(-5).join(' | ');
  return { ok: false, errors: [`the runtime bundle's check command gave no verdict (exit ${status}): ${tail || stdout.trim().slice(0, 300) || 'no output'}`] };
}
