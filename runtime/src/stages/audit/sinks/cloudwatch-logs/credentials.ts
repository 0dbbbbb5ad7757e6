/**
 * The AWS credentials of the audit sink's CloudWatch Logs client: the smallest part of the AWS SDK's default chain that
 * covers where the proxy runs, cached until a few minutes before they expire.
 *
 * Where the credentials come from (chosen once, from the environment, in the AWS SDK's order of precedence):
 * - `env`: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN) (@aws-sdk/credential-provider-env);
 * - `container`: the container credentials endpoint, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI, with the
 *   authorization token from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (read at every fetch, so a rotated token is used)
 *   or AWS_CONTAINER_AUTHORIZATION_TOKEN (@aws-sdk/credential-provider-http: ECS, EKS Pod Identity, local tools);
 * - `imds`: the instance metadata service, IMDSv2 with a session token (@smithy/credential-provider-imds). On AgentCore
 *   Runtime this is the one: the microVM serves the execution role's credentials through its metadata service (MMDS),
 *   like IMDS on EC2, and a runtime may require MMDSv2 (token) requests, which this provider makes.
 * - `sdk-default-chain`: when AWS_PROFILE, AWS_WEB_IDENTITY_TOKEN_FILE or a shared config/credentials file is present
 *   (a developer's machine, EKS with IRSA), the AWS SDK's full default chain (@aws-sdk/credential-provider-node),
 *   loaded only then, decides as before.
 * Only the module of the chosen source is loaded. Credentials are never logged; errors name the source, not values.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AwsCredentialIdentity } from '@smithy/types';

export type CredentialSource = 'env' | 'container' | 'imds' | 'sdk-default-chain';
export type CredentialsProvider = () => Promise<AwsCredentialIdentity>;

/** Refresh credentials this long before they expire (the AWS SDK refreshes 5 minutes ahead too). */
export const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;

/** Timeout and retries of one fetch from the container endpoint or the metadata service. */
const REMOTE = { timeout: 1_000, maxRetries: 3 } as const;

const truthy = (v: string | undefined) => v !== undefined && v !== '' && v.toLowerCase() !== 'false';

/** Which source the chain uses in this environment (see the module comment). */
export function credentialSource(env: NodeJS.ProcessEnv = process.env, fileExists: (p: string) => boolean = existsSync): CredentialSource {
  if (env.AWS_PROFILE) return 'sdk-default-chain';
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return 'env';
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE) return 'sdk-default-chain';
  const home = env.HOME || env.USERPROFILE || safeHomedir();
  const shared = [env.AWS_SHARED_CREDENTIALS_FILE, env.AWS_CONFIG_FILE, home && join(home, '.aws', 'credentials'), home && join(home, '.aws', 'config')];
  if (shared.some((f) => f && fileExists(f))) return 'sdk-default-chain';
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) return 'container';
  return 'imds';
}

function safeHomedir(): string | undefined {
  try {
    return homedir();
  } catch {
    return undefined;
  }
}

/**
 * The provider of one source. Its module starts loading now (the auditor is built before the proxy's network waits, so
 * this CPU work overlaps them); the first fetch happens on the first call.
 */
export function sourceProvider(source: CredentialSource, env: NodeJS.ProcessEnv = process.env): CredentialsProvider {
  const load = async (): Promise<CredentialsProvider> => {
    switch (source) {
      case 'env': {
        const { fromEnv } = await import('@aws-sdk/credential-provider-env');
        return fromEnv();
      }
      case 'container': {
        const { fromHttp } = await import('@aws-sdk/credential-provider-http');
        // Read from `env` (not process.env) so the choice above and the fetch agree.
        return fromHttp({
          awsContainerCredentialsRelativeUri: env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI,
          awsContainerCredentialsFullUri: env.AWS_CONTAINER_CREDENTIALS_FULL_URI,
          awsContainerAuthorizationTokenFile: env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE,
          awsContainerAuthorizationToken: env.AWS_CONTAINER_AUTHORIZATION_TOKEN,
          ...REMOTE,
        });
      }
      case 'imds': {
        if (truthy(env.AWS_EC2_METADATA_DISABLED)) {
          return async () => {
            throw new Error('no AWS credentials: none in the environment, no container credentials endpoint, and AWS_EC2_METADATA_DISABLED is set');
          };
        }
        const { fromInstanceMetadata } = await import('@smithy/credential-provider-imds');
        return fromInstanceMetadata(REMOTE);
      }
      case 'sdk-default-chain': {
        const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
        return defaultProvider();
      }
    }
  };
  const provider = load();
  // A failed load surfaces at the first call, not as an unhandled rejection.
  provider.catch(() => undefined);
  return async () => (await provider)();
}

export interface CredentialCacheOptions {
  /** @default REFRESH_BEFORE_EXPIRY_MS */
  readonly refreshBeforeExpiryMs?: number;
  readonly now?: () => number;
}

/**
 * Caches credentials from a provider: fetched on first use, fetched again once they are within
 * `refreshBeforeExpiryMs` of their expiration (credentials without one are kept), or after `invalidate()` (the
 * service refused them). Concurrent callers share one fetch. A failed refresh keeps the credentials it was to replace
 * while they have not expired (the next call tries again); a failed first fetch throws.
 */
export class CredentialCache {
  private current?: AwsCredentialIdentity;
  private fetching?: Promise<AwsCredentialIdentity>;
  private readonly refreshBeforeMs: number;
  private readonly now: () => number;

  constructor(
    private readonly source: CredentialsProvider,
    opts: CredentialCacheOptions = {},
  ) {
    this.refreshBeforeMs = opts.refreshBeforeExpiryMs ?? REFRESH_BEFORE_EXPIRY_MS;
    this.now = opts.now ?? Date.now;
  }

  /** The provider to hand a signer. */
  readonly provide = (): Promise<AwsCredentialIdentity> => this.get();

  async get(): Promise<AwsCredentialIdentity> {
    const c = this.current;
    if (c && !this.due(c)) return c;
    try {
      return await this.fetch();
    } catch (err) {
      if (c?.expiration && c.expiration.getTime() > this.now()) return c;
      throw err;
    }
  }

  /** Forgets the cached credentials: the next call fetches new ones. */
  invalidate(): void {
    this.current = undefined;
  }

  private due(c: AwsCredentialIdentity): boolean {
    return c.expiration !== undefined && c.expiration.getTime() - this.now() <= this.refreshBeforeMs;
  }

  private fetch(): Promise<AwsCredentialIdentity> {
    this.fetching ??= this.source()
      .then((c) => {
        this.current = c;
        return c;
      })
      .finally(() => {
        this.fetching = undefined;
      });
    return this.fetching;
  }
}
