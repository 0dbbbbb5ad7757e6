/**
 * The hash chain shared by the writer and the verifier: canonical JSON (RFC 8785 / JCS for the JSON values audit
 * records contain) and SHA-256 over it.
 *
 * `hash` = hex SHA-256 of the canonical JSON of the record without its `hash` member (so it covers `prevHash`,
 * `seq`, `instanceId` and everything else). The first record of an instance has `prevHash` = 64 zeros.
 */
import { hash } from 'node:crypto';
import { canonicalJson } from '../../canonical-json';

export const GENESIS_HASH = '0'.repeat(64);

export { canonicalJson } from '../../canonical-json';

/** One-shot `hash` (strings are hashed as UTF-8): ~0.3 µs against ~0.8-1.1 µs for a Hash object per record. */
export function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}

/** The hash of a record: SHA-256 over the canonical JSON of every member except `hash`. */
export function recordHash(record: Readonly<Record<string, unknown>>): string {
  // The writer hashes a record before it has a `hash` member: no copy then.
  if (!Object.hasOwn(record, 'hash')) return sha256Hex(canonicalJson(record));
  const { hash: _omit, ...rest } = record;
  return sha256Hex(canonicalJson(rest));
}
