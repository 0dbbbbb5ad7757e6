/**
 * OAuth2 client credentials through an AgentCore Identity OAuth2 credential provider: the workload access token is
 * exchanged with GetResourceOauth2Token (M2M flow) for an access token of the configured provider and scopes, cached
 * until shortly before it expires. The provider's client secret stays in AgentCore Identity's token vault.
 */
import type { BedrockAgentCoreClient } from '@aws-sdk/client-bedrock-agentcore';
import type { UpstreamAuthConfig } from '../../config/sections/upstream-auth';
import { CredentialFailure, guarded, step } from './failure';
import { stripInboundCredentials } from './headers';
import { jwtSecondsLeft, useUntil } from './token-cache';
import type { UpstreamAuthOptions, UpstreamAuthenticator, UpstreamCallContext } from './types';
import { agentCoreExchangeSetup, exchangeWithRetry } from './workload-token';

type AgentCoreOAuth2Config = Extract<UpstreamAuthConfig, { type: 'agentcore-oauth2' }>;

export function agentCoreOAuth2Authenticator(
  upstreamName: string,
  cfg: AgentCoreOAuth2Config,
  options: UpstreamAuthOptions = {},
): UpstreamAuthenticator {
  const { now, log, client, workload, cache } = agentCoreExchangeSetup(upstreamName, cfg, options);

  const fetchToken = async (ctx: UpstreamCallContext) => {
    const token = await exchangeWithRetry(workload, ctx, (wat) => getResourceOauth2Token(client, cfg, wat));
    const t = now();
    const lifetime = jwtSecondsLeft(token, t) ?? cfg.tokenTtlSeconds;
    if (lifetime <= 0) throw new CredentialFailure('GetResourceOauth2Token returned an expired token');
    log.debug('upstream access token obtained', { upstream: upstreamName, auth: 'agentcore-oauth2', lifetimeSeconds: Math.round(lifetime) });
    return { value: token, useUntil: useUntil(t, lifetime, cfg.refreshSkewSeconds) };
  };

  return {
    kind: 'agentcore-oauth2',
    async authorize(req, ctx) {
      stripInboundCredentials(req.headers);
      // Logged once per failed fetch, however many callers shared it.
      const token = await cache.get(() => guarded(upstreamName, 'agentcore-oauth2', log, () => fetchToken(ctx)));
      req.headers.set('authorization', `Bearer ${token}`);
    },
    invalidate: () => {
      cache.invalidate();
      return true;
    },
  };
}

async function getResourceOauth2Token(
  client: () => Promise<BedrockAgentCoreClient>,
  cfg: AgentCoreOAuth2Config,
  workloadIdentityToken: string,
): Promise<string> {
  const { GetResourceOauth2TokenCommand } = await import('@aws-sdk/client-bedrock-agentcore');
  const c = await client();
  const out = await step('GetResourceOauth2Token', () =>
    c.send(
      new GetResourceOauth2TokenCommand({
        workloadIdentityToken,
        resourceCredentialProviderName: cfg.providerName,
        scopes: cfg.scopes,
        oauth2Flow: 'M2M',
      }),
    ),
  );
  if (!out.accessToken) {
    // M2M never needs a user's consent; an authorization URL means the provider is not set up for client credentials.
    throw new CredentialFailure(
      out.authorizationUrl ? 'GetResourceOauth2Token asked for user authorization (provider not usable for M2M)' : 'GetResourceOauth2Token returned no access token',
    );
  }
  return out.accessToken;
}
