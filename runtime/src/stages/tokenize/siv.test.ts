import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { TokenCipher } from './siv';

const KEY = Buffer.from('00112233445566778899aabbccddeeff'.repeat(4), 'hex');
const cipher = new TokenCipher(KEY);
const payloadOf = (token: string, type: string) => token.slice(`tok_${type}_`.length);

describe('TokenCipher (HMAC-SHA256 SIV + AES-256-CTR)', () => {
  it.each([
    ['EMAIL', 'alice@example.com'],
    ['CREDIT_CARD', '4111 1111 1111 1111'],
    ['VALUE', 'ünïcödé ✓ 😀'],
    ['US_SSN', 'x'],
  ])('round-trips %s values and uses only [A-Za-z0-9_-]', (type, value) => {
    const token = cipher.encrypt(type, value);
    expect(token).toMatch(new RegExp(`^tok_${type}_[A-Za-z0-9_-]+$`));
    expect(JSON.stringify(token)).toBe(`"${token}"`);
    expect(encodeURIComponent(token)).toBe(token);
    expect(token).not.toContain(value);
    expect(cipher.decrypt(type, payloadOf(token, type))).toBe(value);
  });

  it('is deterministic per (key, type, value) and differs across types and keys', () => {
    expect(cipher.encrypt('EMAIL', 'a@example.com')).toBe(cipher.encrypt('EMAIL', 'a@example.com'));
    expect(new TokenCipher(Buffer.from(KEY)).encrypt('EMAIL', 'a@example.com')).toBe(cipher.encrypt('EMAIL', 'a@example.com'));
    expect(payloadOf(cipher.encrypt('EMAIL', 'a@example.com'), 'EMAIL')).not.toBe(payloadOf(cipher.encrypt('VALUE', 'a@example.com'), 'VALUE'));
    const other = new TokenCipher(randomBytes(64));
    expect(other.encrypt('EMAIL', 'a@example.com')).not.toBe(cipher.encrypt('EMAIL', 'a@example.com'));
  });

  it('rejects forged, altered, truncated, re-typed and other-key tokens', () => {
    const token = cipher.encrypt('EMAIL', 'alice@example.com');
    const p = payloadOf(token, 'EMAIL');
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    expect(cipher.decrypt('EMAIL', flip(p, 3))).toBeUndefined(); // in the IV
    expect(cipher.decrypt('EMAIL', flip(p, p.length - 2))).toBeUndefined(); // in the ciphertext
    expect(cipher.decrypt('EMAIL', p.slice(0, -2))).toBeUndefined();
    expect(cipher.decrypt('EMAIL', p.slice(0, 22))).toBeUndefined();
    expect(cipher.decrypt('PHONE', p)).toBeUndefined();
    expect(cipher.decrypt('EMAIL', `${p}=`)).toBeUndefined();
    expect(new TokenCipher(randomBytes(64)).decrypt('EMAIL', p)).toBeUndefined();
    expect(cipher.decrypt('EMAIL', Buffer.from(randomBytes(40)).toString('base64url'))).toBeUndefined();
  });

  it('round-trips arbitrary strings (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 200, unit: 'grapheme' }), (s) => {
        const t = cipher.encrypt('VALUE', s);
        return cipher.decrypt('VALUE', payloadOf(t, 'VALUE')) === s;
      }),
      { numRuns: 300 },
    );
  });

  it('issues the same tokens as every earlier version (fixed vectors: tokens must stay valid across releases)', () => {
    expect(cipher.encrypt('EMAIL', 'alice@example.com')).toBe('tok_EMAIL_CdPXGOK0INO1VrRXGg8eI7ZT6USgZshZAsEff3fUy5gp');
    expect(cipher.encrypt('VALUE', 'ünïcödé ✓ 😀')).toBe('tok_VALUE_7yjY7QPVnmzvT_KuzEjBI85hFbzIALop7mp-F_RwrT-yh75_');
    expect(cipher.decrypt('EMAIL', 'CdPXGOK0INO1VrRXGg8eI7ZT6USgZshZAsEff3fUy5gp')).toBe('alice@example.com');
  });

  it('computes the SIV construction exactly as specified (HMAC-SHA256 synthetic IV, OpenSSL AES-256-CTR), for values of 1-300 bytes', () => {
    // The reference: HMAC-SHA256 over u32be(len(type)) || type || value, AES-256-CTR from OpenSSL.
    const reference = (type: string, value: Buffer): string => {
      const t = Buffer.from(type, 'utf8');
      const len = Buffer.alloc(4);
      len.writeUInt32BE(t.length);
      const iv = createHmac('sha256', KEY.subarray(0, 32)).update(len).update(t).update(value).digest().subarray(0, 16);
      const c = createCipheriv('aes-256-ctr', KEY.subarray(32, 64), iv);
      return `tok_${type}_${Buffer.concat([iv, c.update(value), c.final()]).toString('base64url')}`;
    };
    for (let n = 1; n <= 300; n++) {
      const value = randomBytes(n).toString('base64').slice(0, n);
      expect(cipher.encrypt('VALUE', value)).toBe(reference('VALUE', Buffer.from(value, 'utf8')));
      expect(cipher.decrypt('VALUE', payloadOf(cipher.encrypt('VALUE', value), 'VALUE'))).toBe(value);
    }
  });

  it('requires a 64-byte key', () => {
    expect(() => new TokenCipher(randomBytes(32))).toThrow(/64 bytes/);
  });
});
