import { Token } from 'aws-cdk-lib';

/**
 * Deploy-time values in the configuration.
 *
 * The configuration ships as a file inside the code asset, so it cannot hold CloudFormation tokens (a user pool id,
 * a region in an environment-agnostic stack, a gateway URL...). Every string that contains a token is replaced by a
 * `${env:MCP_PROXY_CFG_<n>}` placeholder and the token goes into that runtime environment variable, which
 * CloudFormation resolves. The runtime substitutes the placeholders when it loads the file. Same token, same
 * variable; numbering follows document order, so the file (and the asset hash) is deterministic.
 */
export const ENV_PREFIX = 'MCP_PROXY_CFG_';

export interface DeployValue {
  /** The environment variable name. */
  readonly variable: string;
  /** The placeholder written into the document. */
  readonly placeholder: string;
  /** The token string (for the runtime's environment). */
  readonly value: string;
  /** Where in the document it first appears (`identity.jwt.issuer`). */
  readonly path: string;
  /** A syntactically valid stand-in used by the synth-time check. */
  readonly sample: string;
}

export interface Externalized<T> {
  readonly document: T;
  readonly values: DeployValue[];
  /** Paths of numbers or lists that are tokens (not representable): reported as problems. */
  readonly unsupported: string[];
}

/** Replaces every token-bearing string of `doc` by an env placeholder. */
export function externalizeTokens<T>(doc: T): Externalized<T> {
  const byValue = new Map<string, DeployValue>();
  const values: DeployValue[] = [];
  const unsupported: string[] = [];
  const walk = (node: unknown, path: string): unknown => {
    if (typeof node === 'string') {
      if (!Token.isUnresolved(node)) return node;
      if (/#\{Token\[/.test(node)) {
        unsupported.push(path);
        return node;
      }
      let dv = byValue.get(node);
      if (!dv) {
        const variable = `${ENV_PREFIX}${values.length + 1}`;
        dv = { variable, placeholder: `\${env:${variable}}`, value: node, path, sample: sampleFor(path, values.length + 1) };
        byValue.set(node, dv);
        values.push(dv);
      }
      return dv.placeholder;
    }
    if (typeof node === 'number') {
      if (Token.isUnresolved(node)) unsupported.push(path);
      return node;
    }
    if (Array.isArray(node)) {
      if (Token.isUnresolved(node)) unsupported.push(path);
      return node.map((v, i) => walk(v, `${path}[${i}]`));
    }
    if (node && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
        if (v === undefined) continue;
        out[k] = walk(v, path ? `${path}.${k}` : k);
      }
      return out;
    }
    return node;
  };
  return { document: walk(doc, '') as T, values, unsupported };
}

/** A stand-in that passes the runtime's validation for the field at `path`. */
function sampleFor(path: string, n: number): string {
  const key = path.replace(/\[\d+\]$/, '').split('.').pop() ?? '';
  if (/^(url|issuer|jwksUri|tokenUrl|endpoint)$/.test(key)) return `https://deploy-time-value-${n}.example.com/path`;
  if (key === 'region') return 'us-east-1';
  if (key === 'logGroupName') return `/deploy-time-value/${n}`;
  return `deploy-time-value-${n}`;
}
