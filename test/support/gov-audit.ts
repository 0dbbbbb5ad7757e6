/**
 * Audit helpers for the governance end-to-end tests: parse audit records (from the proxy's stdout or from the
 * loopback CloudWatch Logs endpoint), run the bundled verifier (assets/runtime/verify-audit.js), and look for
 * canaries (secrets, tokens, raw PII) in any text.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './bundle';

const run = promisify(execFile);

export const VERIFIER = join(REPO_ROOT, 'assets', 'runtime', 'verify-audit.js');

/** One audit record (schema/audit-record.schema.json): only the members the tests read are typed. */
export interface AuditRecord {
  readonly v: number;
  readonly type: 'audit_start' | 'audit_stop' | 'decision' | 'outcome' | string;
  readonly instanceId: string;
  readonly seq: number;
  readonly hash: string;
  readonly prevHash: string;
  readonly requestId?: string;
  readonly rpc?: { readonly id?: string | number; readonly method: string };
  readonly caller?: { readonly kind: string; readonly sub?: string; readonly clientId?: string; readonly groups: readonly string[] };
  readonly target?: { readonly kind: string; readonly upstream: string; readonly name: string; readonly exposedName: string };
  readonly decision?: {
    readonly effect: 'allow' | 'deny';
    readonly policyIds: readonly string[];
    readonly dryRunDenials: readonly { readonly ruleSet: string; readonly policyIds: readonly string[] }[];
  };
  readonly actions?: readonly { readonly stage: string; readonly action: string; readonly count: number }[];
  readonly outcome?: { readonly status: string; readonly errorCode?: number; readonly errorClass?: string; readonly toolError?: boolean };
  readonly [k: string]: unknown;
}

/** Audit records among JSON lines (skips operational logs and EMF metric lines). */
export function parseAuditLines(text: string): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const v = JSON.parse(line) as Record<string, unknown>;
      if (typeof v.hash === 'string' && typeof v.seq === 'number' && typeof v.instanceId === 'string') out.push(v as AuditRecord);
    } catch {
      // a partial last line
    }
  }
  return out;
}

/** The outcome record of the request with this JSON-RPC id (undefined when missing; throws when duplicated). */
export function outcomeFor(records: readonly AuditRecord[], rpcId: string | number): AuditRecord | undefined {
  const hits = records.filter((r) => r.type === 'outcome' && r.rpc?.id === rpcId);
  if (hits.length > 1) throw new Error(`${hits.length} outcome records for rpc id ${String(rpcId)}`);
  return hits[0];
}

export function decisionFor(records: readonly AuditRecord[], rpcId: string | number): AuditRecord | undefined {
  return records.find((r) => r.type === 'decision' && r.rpc?.id === rpcId);
}

/** The bundled verifier, built by `npm run build:runtime` beside the proxy bundle. */
export async function requireVerifier(): Promise<string> {
  if (!existsSync(VERIFIER)) throw new Error(`the audit verifier ${VERIFIER} is missing: run npm run build:runtime`);
  return VERIFIER;
}

export interface VerifierRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node verify-audit.js <args...>`; resolves with the exit code and output (never rejects on exit 1/2). */
export async function runVerifier(args: readonly string[]): Promise<VerifierRun> {
  const verifier = await requireVerifier();
  try {
    const { stdout, stderr } = await run(process.execPath, [verifier, ...args], { cwd: REPO_ROOT, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** The canaries (by label) found in `text`. Canaries shorter than 8 characters are refused (they would match by chance). */
export function findCanaries(text: string, canaries: Readonly<Record<string, string>>): string[] {
  const found: string[] = [];
  for (const [label, value] of Object.entries(canaries)) {
    if (value.length < 8) throw new Error(`canary ${label} is too short to be meaningful`);
    if (text.includes(value)) found.push(label);
  }
  return found;
}

/** Canaries for a JWT: the whole token and its signature (a record holding either would leak the credential). */
export function tokenCanaries(label: string, token: string): Record<string, string> {
  return { [`${label} (token)`]: token, [`${label} (signature)`]: token.split('.')[2] ?? token };
}
