/**
 * How the proxy authenticates to one upstream. Owned by runtime/src/upstream/auth (see docs/UPSTREAM-AUTH.md).
 * The caller's own token is never forwarded upstream: every variant replaces any inbound credential.
 */
import { z } from 'zod';

/** AWS region names (`us-east-1`, `eu-central-2`, `us-gov-west-1`, ...). */
const region = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, 'must be an AWS region name such as us-east-1');

/**
 * The AgentCore Identity workload to get a workload access token for when no inbound request carries one
 * (discovery at start-up, background refresh). AgentCore Runtime's own (runtime-managed) workload identity cannot
 * call GetWorkloadAccessToken itself, so name a workload identity the execution role may use.
 */
const workloadName = z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, 'must be 3-255 characters of letters, digits, _ . -');

/** Seconds before expiry at which a cached token is no longer used (capped at half the token's lifetime). */
const refreshSkewSeconds = z.number().int().min(0).max(3600).default(60);

/** A token endpoint: https, or http only on a loopback host (tests, local development). */
const tokenEndpoint = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).refine((u) => {
  const url = new URL(u);
  return url.protocol === 'https:' || ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}, 'must use https (http is accepted only for a loopback host): the client secret is sent to it');

/** An HTTP header name (RFC 9110 token), not one that fetch manages itself. */
const headerName = z
  .string()
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/, 'must be a valid HTTP header name')
  .refine((h) => !['host', 'content-length', 'content-type', 'transfer-encoding', 'connection'].includes(h.toLowerCase()), 'cannot be a header the transport manages');

export const upstreamAuthSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }).strict(),
  z
    .object({
      /** AWS SigV4 over the exact body, with the runtime's credentials (the AWS SDK default chain: the execution role). */
      type: z.literal('sigv4'),
      /** Signing name. @default bedrock-agentcore (AgentCore Gateway with IAM auth, or AgentCore Runtime) */
      service: z.string().regex(/^[a-z0-9-]{1,64}$/, 'must be an AWS signing name such as bedrock-agentcore').default('bedrock-agentcore'),
      /** @default AWS_REGION */
      region: region.optional(),
    })
    .strict(),
  z
    .object({
      /** OAuth2 client credentials through an AgentCore Identity credential provider (GetResourceOauth2Token, M2M flow). */
      type: z.literal('agentcore-oauth2'),
      providerName: z.string().min(1).max(128),
      scopes: z.array(z.string().min(1)).default([]),
      /** For GetWorkloadAccessToken when no inbound request carries a workload access token. @default - none: such calls fail */
      workloadName: workloadName.optional(),
      /** Region of the AgentCore Identity endpoint. @default AWS_REGION */
      region: region.optional(),
      /** Lifetime assumed for an access token that is not a JWT with `exp` (the API returns no expiry). @default 300 */
      tokenTtlSeconds: z.number().int().min(1).max(86_400).default(300),
      refreshSkewSeconds,
    })
    .strict(),
  z
    .object({
      /** Plain OAuth2 client credentials against a token endpoint; the client secret is read from Secrets Manager. */
      type: z.literal('oauth2-client-credentials'),
      tokenUrl: tokenEndpoint,
      clientId: z.string().min(1),
      /** Secret ARN (or name). Read once, at the first token request. */
      clientSecretArn: z.string().min(1),
      /** JSON key inside the secret, if the secret is a JSON object. @default - the whole secret string */
      clientSecretJsonKey: z.string().min(1).optional(),
      scopes: z.array(z.string().min(1)).default([]),
      /** Sent as the `audience` form parameter (Auth0, Okta and others). @default - not sent */
      audience: z.string().min(1).optional(),
      /** How the client authenticates to the token endpoint (RFC 6749 section 2.3.1). @default client_secret_basic */
      clientAuthMethod: z.enum(['client_secret_basic', 'client_secret_post']).default('client_secret_basic'),
      /** Region of Secrets Manager. @default the region in clientSecretArn, else AWS_REGION */
      region: region.optional(),
      /** Lifetime assumed when the token response has no `expires_in` and the token is not a JWT with `exp`. @default 300 */
      tokenTtlSeconds: z.number().int().min(1).max(86_400).default(300),
      refreshSkewSeconds,
      /** Timeout of one token request, in ms. @default 10000 */
      timeoutMs: z.number().int().positive().max(120_000).default(10_000),
    })
    .strict(),
  z
    .object({
      /** API key through an AgentCore Identity credential provider (GetResourceApiKey). */
      type: z.literal('agentcore-api-key'),
      providerName: z.string().min(1).max(128),
      headerName: headerName.default('x-api-key'),
      /** e.g. `Bearer ` */
      valuePrefix: z.string().regex(/^[\x20-\x7e]*$/, 'must be printable ASCII').max(64).default(''),
      /** For GetWorkloadAccessToken when no inbound request carries a workload access token. @default - none: such calls fail */
      workloadName: workloadName.optional(),
      /** Region of the AgentCore Identity endpoint. @default AWS_REGION */
      region: region.optional(),
      /** How long a fetched key is reused before it is fetched again (picks up rotation); a 401 drops it at once. @default 900 */
      cacheTtlSeconds: z.number().int().min(1).max(86_400).default(900),
    })
    .strict(),
]);
export type UpstreamAuthConfig = z.output<typeof upstreamAuthSchema>;
