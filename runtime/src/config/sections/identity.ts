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
        /** Accepted `aud` values (OIDC access tokens). When `allowedClients` is set too, a token must satisfy both. */
        audiences: z.array(z.string().min(1)).default([]),
        /**
         * Accepted `client_id` claims (Cognito and RFC 9068 access tokens carry `client_id`). When `audiences` is set
         * too, a token must satisfy both.
         */
        allowedClients: z.array(z.string().min(1)).default([]),
        /**
         * Which tokens are accepted. `access` (default): access tokens only; a token that says it is something else is
         * refused (Cognito `token_use` other than `access`, and `token_use` missing from a Cognito issuer's token; a
         * `typ` header other than `JWT` or `at+jwt`; a `typ` claim other than `Bearer`; the ID-token claims `nonce`,
         * `at_hash`, `c_hash`). `at+jwt`: as `access`, and the `typ` header must be `at+jwt` (RFC 9068; for issuers
         * that set it). `any`: a relaxation that also accepts ID tokens; use only when callers cannot obtain access tokens.
         */
        tokenType: z.enum(['access', 'at+jwt', 'any']).default('access'),
        groupsClaim: z.string().min(1).default('cognito:groups'),
        /**
         * How a groups claim that is a string (not an array) is split into groups, e.g. `" "` or `","`.
         * @default none: a string groups claim is one group (`"CN=readers,admins"` is one group, not two)
         */
        groupsSeparator: z.string().min(1).max(8).optional(),
        algorithms: z.array(z.enum(JWT_ALGORITHMS)).min(1).default(['RS256']),
        scopesClaim: z.string().min(1).default('scope'),
        /** Further claims copied onto the principal (for Cedar conditions): strings, numbers, booleans, string arrays. */
        claims: z.array(z.string().min(1)).default([]),
        /** Clock skew allowed on `exp`, `nbf` and `iat` (a token issued further in the future is refused). */
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
