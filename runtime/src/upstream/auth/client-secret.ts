/**
 * The OAuth2 client secret, read from Secrets Manager once (at the first token request) and kept in memory.
 * A failed read is not remembered: the next token request reads again.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CredentialFailure, step } from './failure';

export interface SecretRef {
  readonly secretId: string;
  /** JSON key inside the secret string. */
  readonly jsonKey?: string;
}

export class ClientSecret {
  private value?: Promise<string>;

  constructor(
    private readonly client: () => Promise<SecretsManagerClient>,
    private readonly ref: SecretRef,
  ) {}

  get(): Promise<string> {
    if (!this.value) {
      this.value = this.read();
      this.value.catch(() => {
        this.value = undefined;
      });
    }
    return this.value;
  }

  private async read(): Promise<string> {
    const { GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    const client = await this.client();
    const out = await step('Secrets Manager GetSecretValue', () => client.send(new GetSecretValueCommand({ SecretId: this.ref.secretId })));
    const text = out.SecretString;
    if (!text) throw new CredentialFailure('client secret has no string value');
    if (this.ref.jsonKey === undefined) return text;
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new CredentialFailure('client secret is not JSON (clientSecretJsonKey is set)');
    }
    const v = doc && typeof doc === 'object' ? (doc as Record<string, unknown>)[this.ref.jsonKey] : undefined;
    if (typeof v !== 'string' || !v) throw new CredentialFailure(`client secret JSON has no string "${this.ref.jsonKey}"`);
    return v;
  }
}
