/**
 * esbuild entry for the audit verifier CLI: bundles runtime/cli/verify-audit.ts into assets/runtime/verify-audit.js.
 * Run on its own (`node runtime/cli/build-entry.mjs`) or import `verifyAuditBuildOptions` into runtime/build.mjs.
 */
import { build } from 'esbuild';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** @type {import('esbuild').BuildOptions} */
export const verifyAuditBuildOptions = {
  entryPoints: [resolve(root, 'runtime/cli/verify-audit.ts')],
  outfile: resolve(root, 'assets/runtime/verify-audit.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  sourcemap: false,
  banner: { js: '#!/usr/bin/env node' },
  legalComments: 'none',
  logLevel: 'warning',
};

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await build(verifyAuditBuildOptions);
}
