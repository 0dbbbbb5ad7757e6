/** `fs` for the conformance CLI on Node 20: everything from node:fs, plus a globSync stub (only its tier-check uses it). */
export * from 'node:fs';
import fs from 'node:fs';
export default fs;
export function globSync() {
  throw new Error('fs.globSync requires Node 22 (used only by the conformance tier-check command)');
}
