/**
 * The tokenization key: 64 bytes, from an environment variable or an AWS Secrets Manager secret (fetched once, when
 * the stage is built). Accepted encodings: 128 hex characters, or base64/base64url of 64 bytes. A secret may also hold
 * JSON `{"key": "<hex or base64>"}` or 64 raw bytes in SecretBinary. Errors name the source, never the material.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ProxyConfig } from '../../config/schema';
import { ConfigError } from '../../config/load';

export type KeySource = ProxyConfig['tokenize']['key'];

/** Decodes key text; throws ConfigError (naming `source`) unless it is exactly 64 bytes of reasonable entropy. */
export function parseKeyMaterial(text: string, source: string): Buffer {
  const t = text.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{128}$/.test(t)) key = Buffer.from(t, 'hex');
  else if (/^[A-Za-z0-9+/_-]{85,86}={0,2}$/.test(t)) key = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (!key || key.length !== 64) {
    throw new ConfigError(`tokenize.key: ${source} must hold a 64-byte key as 128 hex characters or base64 (got ${t.length} characters)`);
  }
  return checkKey(key, source);
}

function checkKey(key: Buffer, source: string): Buffer {
  if (new Set(key).size < 16) throw new ConfigError(`tokenize.key: ${source} holds a key with too little entropy (generate it with a CSPRNG, e.g. openssl rand -hex 64)`);
  return key;
}

function regionOfArn(arn: string): string | undefined {
  const parts = arn.split(':');
  return parts[0] === 'arn' && parts[2] === 'secretsmanager' && parts[3] ? parts[3] : undefined;
}

/** Loads the key once. `secretsManagerClient` lets tests (and the lead) supply a configured client. */
export async function loadTokenizationKey(
  source: KeySource,
  opts: { secretsManagerClient?: SecretsManagerClient; env?: NodeJS.ProcessEnv } = {},
): Promise<Buffer> {
  if (source.source === 'env') {
    const env = opts.env ?? process.env;
    const text = env[source.variable];
    if (!text) throw new ConfigError(`tokenize.key: environment variable ${source.variable} is not set (64-byte key, hex or base64)`);
    return parseKeyMaterial(text, `environment variable ${source.variable}`);
  }
  const where = `secret ${source.secretArn}`;
  // Loaded only for this key source (the AWS SDK client is a large part of the bundle's start-up cost).
  const sdk = await import('@aws-sdk/client-secrets-manager');
  const { GetSecretValueCommand } = sdk;
  const client = opts.secretsManagerClient ?? new sdk.SecretsManagerClient({ region: regionOfArn(source.secretArn) });
  let out;
  try {
    out = await client.send(new GetSecretValueCommand({ SecretId: source.secretArn }));
  } catch (e) {
    const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
    throw new ConfigError(`tokenize.key: cannot read ${where}: ${err.name ?? 'Error'}${err.$metadata?.httpStatusCode ? ` (HTTP ${err.$metadata.httpStatusCode})` : ''}`);
  }
  if (out.SecretBinary && out.SecretBinary.length > 0) {
    const bin = Buffer.from(out.SecretBinary);
    if (bin.length === 64) return checkKey(bin, where);
    return parseKeyMaterial(bin.toString('utf8'), where);
  }
  if (!out.SecretString) throw new ConfigError(`tokenize.key: ${where} has no value`);
  let text = out.SecretString;
  if (text.trim().startsWith('{')) {
    try {
      const doc = JSON.parse(text) as { key?: unknown };
      if (typeof doc.key !== 'string') throw new Error();
      text = doc.key;
    } catch {
      throw new ConfigError(`tokenize.key: ${where} is JSON but has no string field "key"`);
    }
  }
  return parseKeyMaterial(text, where);
}
