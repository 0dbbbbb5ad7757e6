import { Stack } from 'aws-cdk-lib';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as perms from '../perms';
import type { ProxyBindContext } from './bind-context';

/**
 * Grants reading one secret's value: `GetSecretValue` on that secret only, and `kms:Decrypt` on its customer-managed
 * key (if any) only through Secrets Manager. Narrower than `ISecret.grantRead` (no DescribeSecret).
 */
export function grantSecretRead(ctx: ProxyBindContext, statementId: string, secret: secretsmanager.ISecret): void {
  // A secret imported by name has a partial ARN: Secrets Manager appends "-" and six characters.
  const arn = secret.secretFullArn ?? `${secret.secretArn}-??????`;
  ctx.addStatement(statementId, { actions: perms.SECRET_READ_ACTIONS, resources: [arn] });
  if (secret.encryptionKey) {
    ctx.addStatement(`${statementId}Key`, {
      actions: perms.SECRET_KEY_DECRYPT_ACTIONS,
      resources: [secret.encryptionKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(ctx.scope).region}.${Stack.of(ctx.scope).urlSuffix}` } },
    });
  }
}
