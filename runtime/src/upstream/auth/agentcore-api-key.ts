/**
 * An API key through an AgentCore Identity API key credential provider (GetResourceApiKey), sent in the configured
 * header. The key is cached for cacheTtlSeconds (to pick up rotation) and dropped at once when the upstream answers 401.
 */
import type { UpstreamAuthConfig } from '../../config/sections/upstream-auth';
import { CredentialFailure, guarded, reportFailure, step } from './failure';
import { stripInboundCredentials } from './headers';
import type { UpstreamAuthOptions, UpstreamAuthenticator, UpstreamCallContext } from './types';
import { agentCoreExchangeSetup, exchangeWithRetry } from './workload-token';

type AgentCoreApiKeyConfig = Extract<UpstreamAuthConfig, { type: 'agentcore-api-key' }>;

export function agentCoreApiKeyAuthenticator(
  upstreamName: string,
  cfg: AgentCoreApiKeyConfig,
  options: UpstreamAuthOptions = {},
): UpstreamAuthenticator {
  const { now, log, client, workload, cache } = agentCoreExchangeSetup(upstreamName, cfg, options);

  const fetchKey = (ctx: UpstreamCallContext) =>
    exchangeWithRetry(workload, ctx, async (workloadIdentityToken) => {
      const { GetResourceApiKeyCommand } = await import('@aws-sdk/client-bedrock-agentcore');
      const c = await client();
      const out = await step('GetResourceApiKey', () =>
        c.send(new GetResourceApiKeyCommand({ workloadIdentityToken, resourceCredentialProviderName: cfg.providerName })),
      );
      if (!out.apiKey) throw new CredentialFailure('GetResourceApiKey returned no key');
      log.debug('upstream API key obtained', { upstream: upstreamName, auth: 'agentcore-api-key' });
      return { value: out.apiKey, useUntil: now() + cfg.cacheTtlSeconds * 1000 };
    });

  return {
    kind: 'agentcore-api-key',
    async authorize(req, ctx) {
      stripInboundCredentials(req.headers);
      const key = await cache.get(() => guarded(upstreamName, 'agentcore-api-key', log, () => fetchKey(ctx)));
      try {
        req.headers.set(cfg.headerName, `${cfg.valuePrefix}${key}`);
      } catch {
        // Headers.set refuses control characters; its message would quote the value.
        throw reportFailure(upstreamName, 'agentcore-api-key', log, new CredentialFailure('API key is not a valid header value'));
      }
    },
    invalidate: () => {
      cache.invalidate();
      return true;
    },
  };
}
