/** How the proxy authenticates to one upstream. Owned by runtime/src/upstream/auth. */
import { z } from 'zod';

export const upstreamAuthSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }).strict(),
  z
    .object({
      type: z.literal('sigv4'),
      /** @default bedrock-agentcore */
      service: z.string().min(1).default('bedrock-agentcore'),
      /** @default AWS_REGION */
      region: z.string().min(1).optional(),
    })
    .strict(),
  z
    .object({
      /** OAuth2 client credentials through an AgentCore Identity credential provider (GetResourceOauth2Token). */
      type: z.literal('agentcore-oauth2'),
      providerName: z.string().min(1),
      scopes: z.array(z.string()).default([]),
    })
    .strict(),
  z
    .object({
      /** Plain OAuth2 client credentials against a token endpoint; the client secret is read from Secrets Manager. */
      type: z.literal('oauth2-client-credentials'),
      tokenUrl: z.url(),
      clientId: z.string().min(1),
      clientSecretArn: z.string().min(1),
      /** JSON key inside the secret, if the secret is a JSON object. */
      clientSecretJsonKey: z.string().optional(),
      scopes: z.array(z.string()).default([]),
      audience: z.string().optional(),
    })
    .strict(),
  z
    .object({
      /** API key through an AgentCore Identity credential provider (GetResourceApiKey). */
      type: z.literal('agentcore-api-key'),
      providerName: z.string().min(1),
      headerName: z.string().min(1).default('x-api-key'),
      /** e.g. `Bearer ` */
      valuePrefix: z.string().default(''),
    })
    .strict(),
]);
export type UpstreamAuthConfig = z.output<typeof upstreamAuthSchema>;
