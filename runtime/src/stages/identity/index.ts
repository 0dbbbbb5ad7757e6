/**
 * Identity stage: establishes who is calling, for every method that reaches the pipeline (calls and lists).
 * - `jwt`: verifies the inbound `Authorization: Bearer` token (see jwt.ts); missing or invalid -> Unauthenticated.
 * - `iam`: AgentCore authorized the SigV4 caller, but the container is not told who it is: principal `{kind: 'iam'}`.
 * - `none`: principal `{kind: 'anonymous'}` (local use only).
 * See docs/IDENTITY.md.
 */
import { ConfigError } from '../../config/load';
import type { ProxyConfig } from '../../config/schema';
import type { Logger } from '../../log';
import type { Principal, RequestContext, Stage } from '../../pipeline/context';
import type { GetJson } from './jwks';
import { createJwtAuthenticator } from './jwt';

export { authenticationRequired, invalidToken, type TokenProblem } from './jwt';

/** The principal of every request under IAM inbound auth: nothing about the caller reaches the container. */
export const IAM_PRINCIPAL: Principal = Object.freeze({ kind: 'iam', groups: Object.freeze([]), scopes: Object.freeze([]), claims: Object.freeze({}) });
/** The principal of every request when identity is off (local use). */
export const ANONYMOUS_PRINCIPAL: Principal = Object.freeze({ kind: 'anonymous', groups: Object.freeze([]), scopes: Object.freeze([]), claims: Object.freeze({}) });

/**
 * Builds the identity stage. In `jwt` mode this resolves the issuer's JWKS location (OIDC discovery) and warms the key
 * cache: the only network I/O it does outside a key rotation. `opts.getJson` replaces the HTTP GET (tests).
 */
export async function createIdentityStage(cfg: ProxyConfig['identity'], log: Logger, opts: { getJson?: GetJson } = {}): Promise<Stage> {
  switch (cfg.mode) {
    case 'jwt': {
      if (!cfg.jwt) throw new ConfigError('identity.jwt: required when mode is "jwt"');
      if (cfg.jwt.audiences.length === 0 && cfg.jwt.allowedClients.length === 0) {
        throw new ConfigError('identity.jwt.audiences: configure audiences or allowedClients');
      }
      const authenticator = await createJwtAuthenticator(cfg.jwt, log, opts.getJson);
      return {
        name: 'identity',
        onRequest(ctx: RequestContext) {
          // A token verified before is answered without a promise (an agent sends the same token with every call).
          const known = authenticator.remembered(ctx.headers);
          if (known) {
            ctx.principal = known;
            return;
          }
          return authenticator.authenticate(ctx.headers).then((principal) => {
            ctx.principal = principal;
          });
        },
      };
    }
    case 'iam':
      log.info('identity mode iam: AgentCore verifies the SigV4 caller; the proxy does not see who it is (group and scope rules cannot match)');
      return { name: 'identity', onRequest: (ctx: RequestContext) => void (ctx.principal = IAM_PRINCIPAL) };
    case 'none':
      log.warn('identity mode none: every caller is anonymous; use for local development only');
      return { name: 'identity', onRequest: (ctx: RequestContext) => void (ctx.principal = ANONYMOUS_PRINCIPAL) };
  }
}
