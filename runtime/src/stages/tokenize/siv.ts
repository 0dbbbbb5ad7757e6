/**
 * Deterministic authenticated encryption for tokens: the SIV construction (Rogaway & Shrimpton, "Deterministic
 * Authenticated-Encryption", 2006) instantiated with HMAC-SHA256 as the PRF and AES-256-CTR as the IV-based cipher.
 *
 *   IV    = HMAC-SHA256(macKey, u32be(len(type)) || type || value)[0..16]   (the synthetic IV, also the tag)
 *   CT    = AES-256-CTR(encKey, IV, value)
 *   token = tok_<TYPE>_<base64url(IV || CT)>
 *
 * Decryption runs CTR with the IV from the token, recomputes the IV over (type, plaintext) and accepts only on a
 * constant-time match. This is the same composition as AES-SIV (RFC 5297), which uses AES-CMAC-based S2V as the PRF;
 * HMAC-SHA256 is a PRF available directly in node:crypto, so no hand-built CMAC is needed. Properties: equal
 * (type, value) pairs give equal tokens (joins work, no token database); any change to a token (or its type) is
 * detected with probability 1 - 2^-128; the type is authenticated as associated data. Like every deterministic
 * scheme it reveals equality of values and (via CT length) the value's length.
 * The 64-byte key splits like AES-SIV's: first half MAC key, second half encryption key.
 */
import { createCipheriv, createHmac, timingSafeEqual } from 'node:crypto';

const IV_BYTES = 16;
/** Bound on remembered type prefixes (types are detector names and VALUE; decrypt sees types from tokens). */
const MAX_TYPES = 64;
/** Token syntax: only [A-Za-z0-9_-], so tokens never need escaping in JSON, URLs or shell words. */
export const TOKEN_PREFIX = 'tok_';

export class TokenCipher {
  private readonly macKey: Buffer;
  private readonly encKey: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 64) throw new Error('tokenization key must be 64 bytes');
    this.macKey = Buffer.from(key.subarray(0, 32));
    this.encKey = Buffer.from(key.subarray(32, 64));
  }

  /** u32be(len(type)) || type, per type (a handful of detector names): built once, not per token. */
  private readonly prefixes = new Map<string, Buffer>();

  private siv(type: string, value: Buffer): Buffer {
    let prefix = this.prefixes.get(type);
    if (!prefix) {
      const t = Buffer.from(type, 'utf8');
      prefix = Buffer.alloc(4 + t.length);
      prefix.writeUInt32BE(t.length);
      t.copy(prefix, 4);
      if (this.prefixes.size < MAX_TYPES) this.prefixes.set(type, prefix);
    }
    return createHmac('sha256', this.macKey).update(prefix).update(value).digest().subarray(0, IV_BYTES);
  }

  private ctr(iv: Buffer, data: Buffer): Buffer {
    const c = createCipheriv('aes-256-ctr', this.encKey, iv);
    const out = c.update(data);
    c.final(); // CTR is a stream mode: final() never returns bytes
    return out;
  }

  /** The token for `value` of `type` (upper-snake). Deterministic. */
  encrypt(type: string, value: string): string {
    const pt = Buffer.from(value, 'utf8');
    const iv = this.siv(type, pt);
    return `${TOKEN_PREFIX}${type}_${Buffer.concat([iv, this.ctr(iv, pt)]).toString('base64url')}`;
  }

  /** The value, or undefined when the payload was not produced by this key for this type (forged, altered, truncated). */
  decrypt(type: string, payload: string): string | undefined {
    const raw = Buffer.from(payload, 'base64url');
    if (raw.length <= IV_BYTES || raw.toString('base64url') !== payload) return undefined;
    const iv = raw.subarray(0, IV_BYTES);
    const pt = this.ctr(iv, raw.subarray(IV_BYTES));
    if (!timingSafeEqual(iv, this.siv(type, pt))) return undefined;
    return pt.toString('utf8');
  }
}
