/** Caller identity. Owned by runtime/src/stages/identity (see docs/IDENTITY.md). */
import { z } from 'zod';

/** Asymmetric JWS algorithms only: never `none`, never HS* (a shared secret would let any holder mint tokens). */
export const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

export const identitySchema = z
  .object({
    /** `jwt`: verify the inbound Bearer token; `iam`: AgentCore IAM auth (the container does not see the caller); `none`: local use only. */
    mode: z.enum(['jwt', 'iam', 'none']).default('none'),
    jwt: z
      .object({
        /** The token issuer (`iss`), e.g. `https://cognito-idp.<region>.amazonaws.com/<userPoolId>`. */
        issuer: z.url(),
        /** @default discovered from `${issuer}/.well-known/openid-configuration`, else `${issuer}/.well-known/jwks.json` (Cognito) */
        jwksUri: z.url().optional(),
        /** Accepted `aud` values (ID tokens / OIDC access tokens). */
        audiences: z.array(z.string().min(1)).default([]),
        /** Accepted `client_id` claims (Cognito access tokens carry `client_id`, not `aud`). */
        allowedClients: z.array(z.string().min(1)).default([]),
        algorithms: z.array(z.enum(JWT_ALGORITHMS)).min(1).default(['RS256']),
        groupsClaim: z.string().min(1).default('cognito:groups'),
        scopesClaim: z.string().min(1).default('scope'),
        /** Further claims copied onto the principal (for Cedar conditions): strings, numbers, booleans, string arrays. */
        claims: z.array(z.string().min(1)).default([]),
        clockToleranceSeconds: z.number().int().min(0).max(300).default(30),
        maxTokenBytes: z.number().int().positive().max(65_536).default(16_384),
        /** How long fetched signing keys are trusted before they are fetched again. */
        jwksCacheSeconds: z.number().int().min(60).max(86_400).default(600),
        /**
         * Verify the token signature in the proxy. On by default even behind AgentCore's JWT authorizer (defence in depth);
         * turning it off keeps every claim check but trusts the platform's signature check.
         */
        verifySignature: z.boolean().default(true),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.mode === 'jwt' && !v.jwt) {
      ctx.addIssue({ code: 'custom', path: ['jwt'], message: 'required when mode is "jwt" (issuer, and audiences or allowedClients)' });
    }
    if (v.mode === 'jwt' && v.jwt && v.jwt.audiences.length === 0 && v.jwt.allowedClients.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['jwt', 'audiences'],
        message: 'configure audiences (accepted "aud" values) or allowedClients (accepted "client_id" values): a token for any client would be accepted otherwise',
      });
    }
  });

export type IdentityConfig = z.output<typeof identitySchema>;
export type JwtIdentityConfig = NonNullable<IdentityConfig['jwt']>;
