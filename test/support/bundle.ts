/** Where the built proxy bundle lives, and a clear failure when it has not been built. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const BUNDLE = join(REPO_ROOT, 'assets', 'runtime', 'index.js');

/** Throws a clear error when assets/runtime/index.js is missing (`npm test` builds it first; or run `npm run build:runtime`). */
export function requireBundle(): string {
  if (!existsSync(BUNDLE)) {
    throw new Error(`The proxy bundle ${BUNDLE} is missing: run \`npm run build:runtime\` (npm test builds it first).`);
  }
  return BUNDLE;
}
