/** Caller identity. Owned by runtime/src/stages/identity. */
import { z } from 'zod';

export const identitySchema = z
  .object({
    /** `jwt`: verify the inbound Bearer token; `iam`: AgentCore IAM auth (the container does not see the caller); `none`: local use only. */
    mode: z.enum(['jwt', 'iam', 'none']).default('none'),
    jwt: z
      .object({
        issuer: z.url(),
        /** @default `${issuer}/.well-known/jwks.json` (Cognito) — or discovered from the OIDC metadata */
        jwksUri: z.url().optional(),
        /** Accepted `aud` values (ID tokens / OIDC access tokens). */
        audiences: z.array(z.string()).default([]),
        /** Accepted `client_id` claims (Cognito access tokens). */
        allowedClients: z.array(z.string()).default([]),
        algorithms: z.array(z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'])).default(['RS256']),
        groupsClaim: z.string().default('cognito:groups'),
        scopesClaim: z.string().default('scope'),
        /** Further claims copied onto the principal (for Cedar conditions). */
        claims: z.array(z.string()).default([]),
        clockToleranceSeconds: z.number().int().min(0).max(300).default(30),
        maxTokenBytes: z.number().int().positive().default(16_384),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.mode === 'jwt' && !v.jwt) ctx.addIssue({ code: 'custom', path: ['jwt'], message: 'required when mode is "jwt" (issuer, and audiences or allowedClients)' });
  });
