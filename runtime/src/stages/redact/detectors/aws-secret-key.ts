/**
 * AWS_SECRET_KEY: 40-character base64-alphabet strings near a secret-key context (a key name such as
 * `aws_secret_access_key` / `SecretAccessKey` in the 100 characters before, or an access key id in the 200 before).
 * A bare 40-character string is not reported: git SHAs and hashes have the same shape.
 */
import { before, regexDetector } from './types';

const CONTEXT = /secret.{0,12}(?:access.{0,3})?key|secretaccesskey|aws.{0,20}secret|aws.{0,3}sk\b/i;
const KEY_ID = /(?:AKIA|ASIA)[A-Z0-9]{16}/;

export const awsSecretKey = regexDetector({
  name: 'AWS_SECRET_KEY',
  pattern: /(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g,
  // Every context the validator accepts contains one of these: skip texts that have none.
  quickCheck: (t) => /secret|aws.{0,3}sk|AKIA|ASIA/i.test(t),
  validate(value, text, start) {
    // Mixed alphabet: rules out hex digests and plain words.
    if (!/[A-Z]/.test(value) || !/[a-z]/.test(value) || /^[0-9a-fA-F]+$/.test(value)) return false;
    return CONTEXT.test(before(text, start, 100)) || KEY_ID.test(before(text, start, 200));
  },
});
