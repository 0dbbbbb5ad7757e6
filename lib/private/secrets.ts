import { Stack, Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Recognizes values that must not be written in plain text into the configuration or the runtime's environment
 * (both are readable by anyone who can read the code asset in the bootstrap bucket or describe the runtime).
 */

/** Header or variable names that say "this is a credential". */
const SECRET_NAME = /(^|[-_])(secret|token|passw(or)?d|pwd|api[-_]?key|apikey|credentials?|private[-_]?key|session[-_]?(id|token|key)|cookie|auth([-_]?(token|key))?)($|[-_])/i;

/** Literal values that look like credentials whatever they are called. */
const SECRET_VALUE: [RegExp, string][] = [
  [/^(bearer|basic|digest)\s+\S+/i, 'an HTTP authorization value'],
  [/\b(sk|rk|pk)[-_](live|test|proj|ant)[-_]?[A-Za-z0-9_-]{8,}/, 'an API key'],
  [/\b(AKIA|ASIA)[A-Z0-9]{16}\b/, 'an AWS access key id'],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\./, 'a JWT'],
  [/\b(ghp|gho|ghs|github_pat|glpat|xox[abpr])[-_][A-Za-z0-9_-]{10,}/, 'an access token'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
];

/** A long run of random-looking characters (base64 / hex with letters and digits mixed). */
function highEntropy(value: string): boolean {
  return /[A-Za-z0-9+/=_-]{32,}/.test(value) && /\d/.test(value) && /[A-Za-z]/.test(value) && !/^https?:\/\//.test(value);
}

/**
 * Why `value` (under `name`) looks like a secret, or undefined. Tokens are resolved: a Secrets Manager dynamic
 * reference (`SecretValue`, `{{resolve:secretsmanager:...}}`) would be resolved by CloudFormation into plain text.
 */
export function secretReason(scope: IConstruct, name: string, value: string): string | undefined {
  if (Token.isUnresolved(value)) {
    const resolved = JSON.stringify(Stack.of(scope).resolve(value));
    if (/\{\{resolve:(secretsmanager|ssm-secure):/.test(resolved)) return 'a secret reference CloudFormation resolves into plain text';
    return undefined;
  }
  for (const [re, what] of SECRET_VALUE) if (re.test(value)) return `looks like ${what}`;
  if (value.includes('{{resolve:secretsmanager:') || value.includes('{{resolve:ssm-secure:')) return 'a secret reference CloudFormation resolves into plain text';
  const secretShaped = value.length >= 16 ? !/\s/.test(value) : value.length >= 8 && /[A-Za-z]/.test(value) && /\d/.test(value);
  if (SECRET_NAME.test(name) && secretShaped) return `its name (${name}) says it holds a credential`;
  if (highEntropy(value)) return 'looks like a random key';
  return undefined;
}
