/**
 * The hash chain shared by the writer and the verifier: canonical JSON (RFC 8785 / JCS for the JSON values audit
 * records contain) and SHA-256 over it.
 *
 * `hash` = hex SHA-256 of the canonical JSON of the record without its `hash` member (so it covers `prevHash`,
 * `seq`, `instanceId` and everything else). The first record of an instance has `prevHash` = 64 zeros.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../canonical-json';

export const GENESIS_HASH = '0'.repeat(64);

export { canonicalJson } from '../../canonical-json';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The hash of a record: SHA-256 over the canonical JSON of every member except `hash`. */
export function recordHash(record: Readonly<Record<string, unknown>>): string {
  const { hash: _omit, ...rest } = record;
  return sha256Hex(canonicalJson(rest));
}
