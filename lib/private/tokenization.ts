import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { TokenizeConfig } from '../config/contract';
import { checkDetectors, type TokenizationOptions } from '../data-protection';
import type { Problems } from '../errors';
import type { ProxyBindContext } from './bind-context';
import { grantSecretRead } from './grants';

/** The tokenization section, its key secret (created unless given) and the secret's KMS key. */
export interface TokenizationSetup {
  readonly config: TokenizeConfig;
  readonly secret?: secretsmanager.ISecret;
  readonly key?: kms.IKey;
}

/** Validates the tokenization options, creates the key secret unless given, and grants the runtime reading it. */
export function setUpTokenization(scope: Construct, o: TokenizationOptions | undefined, ctx: ProxyBindContext, problems: Problems): TokenizationSetup {
  const enabled = o !== undefined && (o.enabled ?? true);
  if (!enabled) return { config: { enabled: false } };
  checkDetectors('tokenization.detectors', o.detectors, problems);
  (o.argumentPaths ?? []).forEach((p, i) => problems.pattern(`tokenization.argumentPaths[${i}]`, p, /^[^:\s]+:[^\s]+$/, 'Use <exposed tool name or *>:<dot.path>, e.g. "*:customer.email".'));
  if (o.keySecret && o.encryptionKey) problems.add('tokenization.encryptionKey', 'is set together with keySecret', undefined, 'Pass either an existing keySecret, or an encryptionKey for the new secret.');
  let secret = o.keySecret;
  let key: kms.IKey | undefined;
  if (!secret) {
    key = o.encryptionKey ?? new kms.Key(scope, 'TokenizationSecretKey', {
      description: 'Encrypts the MCP governance proxy tokenization key secret',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const created = new secretsmanager.Secret(scope, 'TokenizationSecret', {
      description: 'MCP governance proxy tokenization key: 64 random bytes as 128 hex characters (JSON field "key")',
      encryptionKey: key,
      removalPolicy: RemovalPolicy.RETAIN,
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: 'key',
        passwordLength: 128,
        // Only 0-9 and a-f remain: 128 hex characters are the 64-byte key the runtime expects.
        excludeUppercase: true,
        excludePunctuation: true,
        includeSpace: false,
        excludeCharacters: 'ghijklmnopqrstuvwxyz',
        requireEachIncludedType: false,
      },
    });
    secret = created;
    // Rotating the key would make every token issued so far undecodable: rotation is deliberately manual.
    Validations.of(created).acknowledge({ id: 'AwsSolutions-SMG4', reason: 'The tokenization key must stay stable: rotating it makes every token issued so far impossible to detokenize. Rotate deliberately, together with the data that holds tokens.' });
  }
  grantSecretRead(ctx, 'TokenizationKeyRead', secret);
  return {
    secret,
    key,
    config: {
      enabled: true,
      ...(o.detectors ? { detectors: o.detectors.map((d) => d.toString()) } : {}),
      ...(o.argumentPaths?.length ? { argumentPaths: [...o.argumentPaths] } : {}),
      key: { source: 'secretsManager', secretArn: secret.secretArn },
      detokenizeResults: o.detokenizeResults ?? true,
    },
  };
}
