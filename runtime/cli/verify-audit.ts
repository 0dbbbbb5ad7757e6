/**
 * Entry point of the audit verifier, bundled by esbuild into assets/runtime/verify-audit.js:
 *   node verify-audit.js [--ignore-order] [--allow-partial] [--json] [FILE ...]
 */
import { runVerifyAudit } from './verify-audit-cli';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

runVerifyAudit(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  readStdin,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`verify-audit: ${(err as Error)?.message ?? String(err)}\n`);
    process.exitCode = 2;
  },
);
