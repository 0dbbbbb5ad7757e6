/**
 * AWS SDK pieces shared by the authenticators: region resolution, the default credential chain (memoized) and the
 * default clients. The SDK modules are loaded on first use, so a proxy whose upstreams need none of them does not pay
 * for them at cold start.
 */
import type { BedrockAgentCoreClient } from '@aws-sdk/client-bedrock-agentcore';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError } from '../../config/load';
import type { AwsCredentialsProvider, UpstreamAuthOptions } from './types';

/** Timeouts of the default AWS SDK clients (the SDK itself retries throttling and 5xx up to 3 attempts). */
const AWS_HTTP = { connectionTimeout: 3_000, requestTimeout: 10_000 } as const;

/** The configured region, else AWS_REGION / AWS_DEFAULT_REGION; a ConfigError naming the upstream if none. */
export function resolveRegion(upstreamName: string, configured: string | undefined, fallback?: string): string {
  const region = configured ?? fallback ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new ConfigError(`upstream "${upstreamName}": auth needs an AWS region: set auth.region or AWS_REGION`);
  }
  return region;
}

let defaultCredentials: AwsCredentialsProvider | undefined;

/**
 * The credentials to use: the injected ones, else the AWS SDK default chain (inside AgentCore Runtime: the execution
 * role). One provider per process, shared by the SigV4 signers and the default AWS SDK clients; the chain memoizes
 * and refreshes before expiry.
 */
export function credentialProvider(options: UpstreamAuthOptions): AwsCredentialsProvider {
  const injected = options.credentials;
  if (injected) return typeof injected === 'function' ? injected : async () => injected;
  defaultCredentials ??= lazyDefaultChain();
  return defaultCredentials;
}

function lazyDefaultChain(): AwsCredentialsProvider {
  let chain: Promise<AwsCredentialsProvider> | undefined;
  return async () => {
    chain ??= import('@aws-sdk/credential-provider-node').then((m) => m.defaultProvider());
    return (await chain)();
  };
}

const agentCoreClients = new Map<string, Promise<BedrockAgentCoreClient>>();
const secretsClients = new Map<string, Promise<SecretsManagerClient>>();

/** The injected AgentCore client, else one default client per region and endpoint. */
export function agentCoreClient(options: UpstreamAuthOptions, region: string): Promise<BedrockAgentCoreClient> {
  if (options.agentCoreClient) return Promise.resolve(options.agentCoreClient);
  const endpoint = options.endpoints?.agentCore;
  const key = `${region}|${endpoint ?? ''}|${options.credentials ? 'injected' : 'default'}`;
  let client = agentCoreClients.get(key);
  if (!client) {
    client = import('@aws-sdk/client-bedrock-agentcore').then(
      (m) => new m.BedrockAgentCoreClient({ region, endpoint, credentials: credentialProvider(options), requestHandler: AWS_HTTP }),
    );
    if (!options.credentials) agentCoreClients.set(key, client);
  }
  return client;
}

/** The injected Secrets Manager client, else one default client per region and endpoint. */
export function secretsManagerClient(options: UpstreamAuthOptions, region: string): Promise<SecretsManagerClient> {
  if (options.secretsManagerClient) return Promise.resolve(options.secretsManagerClient);
  const endpoint = options.endpoints?.secretsManager;
  const key = `${region}|${endpoint ?? ''}|${options.credentials ? 'injected' : 'default'}`;
  let client = secretsClients.get(key);
  if (!client) {
    client = import('@aws-sdk/client-secrets-manager').then(
      (m) => new m.SecretsManagerClient({ region, endpoint, credentials: credentialProvider(options), requestHandler: AWS_HTTP }),
    );
    if (!options.credentials) secretsClients.set(key, client);
  }
  return client;
}

/** The region inside a Secrets Manager ARN (`arn:aws:secretsmanager:<region>:...`), if it is an ARN. */
export function regionOfArn(arn: string): string | undefined {
  const parts = arn.split(':');
  return parts.length >= 7 && parts[0] === 'arn' && parts[3] ? parts[3] : undefined;
}

/** Calls `fn` once, on first use, and keeps its promise. */
export function memo<T>(fn: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= fn());
}
