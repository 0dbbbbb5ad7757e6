/**
 * `verify-audit`: checks downloaded audit logs (JSON lines, or `aws logs filter-log-events` / `get-log-events`
 * JSON output; several files and interleaved instances are fine). Exit code 0 when every chain verifies, 1 when a
 * problem was found (the first bad sequence number of each instance is named), 2 on a usage or read error.
 */
import { readFile } from 'node:fs/promises';
import { extractMessages, verifyMessages, type VerifyResult } from '../src/stages/audit/verify';

export const USAGE = `usage: verify-audit [--ignore-order] [--allow-partial] [--json] [FILE ...]
  Reads each FILE (or stdin when none is given or FILE is "-") and verifies the audit hash chain of every instance.
  --ignore-order   records need not appear in sequence order (e.g. exports sorted newest first)
  --allow-partial  the log may start mid-chain (a time window); the first record's prevHash is then not checked
  --json           print the full result as JSON
Exit status: 0 all chains verify, 1 problems found, 2 usage or read error.`;

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly readStdin: () => Promise<string>;
  readonly readFile?: (path: string) => Promise<string>;
}

const MAX_LISTED = 20;

/** Human-readable report of a verification result. */
export function formatResult(r: VerifyResult): string {
  const lines: string[] = [];
  for (const i of r.instances) {
    const span = `${i.records} records, seq ${i.firstSeq}..${i.lastSeq}`;
    const extra = [
      i.stopped ? 'stopped cleanly' : 'no audit_stop',
      i.duplicates ? `${i.duplicates} duplicate(s) ignored` : '',
      i.reportedDropped ? `${i.reportedDropped} record(s) reported dropped by the instance` : '',
      i.reportedRefused ? `${i.reportedRefused} call(s) reported refused by the audit trail (audit_refusals)` : '',
    ].filter(Boolean).join(', ');
    if (i.ok) {
      lines.push(`instance ${i.instanceId}: OK (${span}; ${extra})`);
    } else {
      const first = r.problems.find((p) => p.instanceId === i.instanceId);
      lines.push(`instance ${i.instanceId}: FAILED at seq ${i.firstBadSeq}: ${first?.kind}: ${first?.message} (${span})`);
      const rest = r.problems.filter((p) => p.instanceId === i.instanceId).slice(1);
      for (const p of rest.slice(0, MAX_LISTED)) lines.push(`  seq ${p.seq}: ${p.kind}: ${p.message}`);
      if (rest.length > MAX_LISTED) lines.push(`  ... ${rest.length - MAX_LISTED} more problem(s)`);
    }
  }
  for (const p of r.problems.filter((p) => !r.instances.some((i) => i.instanceId === p.instanceId))) {
    lines.push(`instance ${p.instanceId}: seq ${p.seq}: ${p.kind}: ${p.message}`);
  }
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  if (r.skipped) lines.push(`(${r.skipped} line(s) that are not audit records skipped)`);
  lines.push(r.ok ? 'RESULT: OK' : 'RESULT: FAILED');
  return lines.join('\n') + '\n';
}

/** Runs the command; returns the exit code. */
export async function runVerifyAudit(argv: readonly string[], io: CliIo): Promise<number> {
  const flags = new Set<string>();
  const files: string[] = [];
  for (const a of argv) {
    if (a === '-h' || a === '--help') {
      io.stdout(USAGE + '\n');
      return 0;
    }
    if (a.startsWith('--')) {
      if (!['--ignore-order', '--allow-partial', '--json'].includes(a)) {
        io.stderr(`verify-audit: unknown option ${a}\n${USAGE}\n`);
        return 2;
      }
      flags.add(a);
    } else {
      files.push(a);
    }
  }
  if (files.length === 0) files.push('-');
  const read = io.readFile ?? ((p: string) => readFile(p, 'utf8'));
  const messages: unknown[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = f === '-' ? await io.readStdin() : await read(f);
    } catch (e) {
      io.stderr(`verify-audit: cannot read ${f}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      return 2;
    }
    messages.push(...extractMessages(text));
  }
  const result = verifyMessages(messages, { ignoreOrder: flags.has('--ignore-order'), allowPartial: flags.has('--allow-partial') });
  io.stdout(flags.has('--json') ? JSON.stringify(result, null, 2) + '\n' : formatResult(result));
  return result.ok ? 0 : 1;
}
