/**
 * The seam between upstream transport and upstream auth. The upstream client calls `authorize` on every outgoing
 * HTTP request (including discovery at start-up) and `invalidate` after a 401 before retrying once.
 * The caller's own token is never forwarded upstream (no token passthrough).
 */
import type { BedrockAgentCoreClient } from '@aws-sdk/client-bedrock-agentcore';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { UpstreamAuthConfig } from '../../config/sections/upstream-auth';
import type { Logger } from '../../log';
import type { HeaderBag } from '../http-exchange';

/** An outgoing request to the upstream, mutable: add headers (and for SigV4, sign the exact body). */
export interface OutgoingRequest {
  readonly url: URL;
  readonly method: string;
  readonly headers: HeaderBag;
  /** The exact body that will be sent (JSON-RPC text), if any. */
  readonly body?: string;
}

/** Per-inbound-request data an authenticator may use (carried with AsyncLocalStorage by the upstream client). */
export interface UpstreamCallContext {
  /** AgentCore's `WorkloadAccessToken` inbound header, if present. Never logged. */
  readonly workloadAccessToken?: string;
}

export interface UpstreamAuthenticator {
  /** A name for logs and audit (`none`, `sigv4`, ...). */
  readonly kind: string;
  /** Adds credentials to the request. Throws GovernanceError(UpstreamAuthFailed) naming the upstream on failure. */
  authorize(req: OutgoingRequest, ctx: UpstreamCallContext): Promise<void>;
  /** Drops cached credentials after the upstream answered 401. Returns true when a single retry may succeed. */
  invalidate(): boolean;
}

/** AWS credentials (the shape the AWS SDK uses). */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}
/** Resolves AWS credentials; called for every signature, so it must cache (the SDK's default chain does). */
export type AwsCredentialsProvider = () => Promise<AwsCredentials>;

/**
 * What production takes from the environment, injectable for tests. Every field is optional: production passes nothing
 * and gets the AWS SDK default credential chain (memoized), default AWS SDK clients for the configured region (or
 * AWS_REGION), the global fetch and the `upstream-auth` logger.
 */
export interface UpstreamAuthOptions {
  /** AWS credentials for SigV4 and for the default AWS SDK clients. @default the AWS SDK default chain, memoized */
  readonly credentials?: AwsCredentials | AwsCredentialsProvider;
  /** Client for AgentCore Identity (GetWorkloadAccessToken, GetResourceOauth2Token, GetResourceApiKey). */
  readonly agentCoreClient?: BedrockAgentCoreClient;
  /** Client for Secrets Manager (GetSecretValue). */
  readonly secretsManagerClient?: SecretsManagerClient;
  /** Endpoints for the default AWS SDK clients (the SDK also honours AWS_ENDPOINT_URL_BEDROCK_AGENTCORE / _SECRETS_MANAGER). */
  readonly endpoints?: { readonly agentCore?: string; readonly secretsManager?: string };
  /** fetch used for OAuth2 token endpoints. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  readonly logger?: Logger;
  /** Clock in epoch milliseconds, for token expiry. @default Date.now */
  readonly now?: () => number;
}

/** Builds the authenticator of one upstream at start-up. Throws (a configuration error) only for settings it cannot use. */
export type UpstreamAuthFactory = (upstreamName: string, cfg: UpstreamAuthConfig, options?: UpstreamAuthOptions) => UpstreamAuthenticator;
