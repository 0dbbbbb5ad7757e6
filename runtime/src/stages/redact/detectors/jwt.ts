/** JWT: JSON Web Tokens in compact serialization (header.payload.signature) whose header decodes to JSON with `alg`. */
import { regexDetector } from './types';

export const jwt = regexDetector({
  name: 'JWT',
  pattern: /(?<![\w\-])ey[A-Za-z0-9_\-]{4,}\.ey[A-Za-z0-9_\-]{2,}\.[A-Za-z0-9_\-]*/g,
  quickCheck: (t) => t.includes('ey'),
  validate(value) {
    const header = value.slice(0, value.indexOf('.'));
    if (header.length > 2048) return true; // implausibly long header: still a token shape, redact rather than parse
    try {
      const h = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as unknown;
      return typeof h === 'object' && h !== null && typeof (h as { alg?: unknown }).alg === 'string';
    } catch {
      return false;
    }
  },
});
