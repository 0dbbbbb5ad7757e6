/** Fragments that drive backtracking detectors into quadratic or exponential behaviour when repeated (tests and bench/linear.mjs). */
export const PATHOLOGICAL_SEEDS = [
  'a', '1', '1 ', '1-', '1.', 'a.', 'a@', '@a', 'a@b.', 'a-', '+1', '+1 1', '(1', '(415) ', ':', 'a:', '1:', 'ff:', '::', 'f.',
  'ey', 'eyJ', 'eyJa.', 'eyJhbGciOiJub25lIn0.', 'AKIA', 'A', 'A1', 'DE89', 'DE89 ', 'DE89 3704 ', 'Bearer ', 'bearer a1',
  '-----BEGIN PRIVATE KEY-----', '-----BEGIN PRIVATE KEY-----\nAAAA', '-----END PRIVATE KEY-----', '/', 'x/', 'Ab1/',
  'aws_secret ', 'ssn ', '123-45-', '4111 ', '1.2.', '-', '\n', '%', '\u00e9',
  // Valid values repeated: every validator and context check runs too.
  'jane.doe@example.com ', '4111 1111 1111 1111 ', '192.0.2.1 ', '2001:db8::1 ', 'ssn 123-45-6789 ', 'DE89 3704 0044 0532 0130 00 ',
];
