/**
 * BEARER_TOKEN: the credential after `Bearer` (RFC 6750 b64token), as in `Authorization: Bearer <token>`.
 * Only the token is reported, so `Bearer` stays readable. Tokens must be 16+ characters with letters and digits.
 */
import { regexDetector } from './types';

export const bearerToken = regexDetector({
  name: 'BEARER_TOKEN',
  pattern: /(?<![A-Za-z0-9])bearer[ \t]+([A-Za-z0-9\-._~+/]{16,}=*)/dgi,
  group: 1,
  quickCheck: (t) => /bearer/i.test(t),
  validate: (value) => /\d/.test(value) && /[A-Za-z]/.test(value),
});
