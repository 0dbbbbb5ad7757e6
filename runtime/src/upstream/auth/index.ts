/**
 * How the proxy authenticates to each upstream. `createUpstreamAuthenticator` is called once per upstream at start-up;
 * the returned authenticator's `authorize` runs on every outgoing request. See docs/UPSTREAM-AUTH.md.
 */
import { agentCoreApiKeyAuthenticator } from './agentcore-api-key';
import { agentCoreOAuth2Authenticator } from './agentcore-oauth2';
import { clientCredentialsAuthenticator } from './client-credentials';
import { noneAuthenticator } from './none';
import { sigv4Authenticator } from './sigv4';
import type { UpstreamAuthFactory } from './types';

/**
 * Builds the authenticator of one upstream. Throws a ConfigError when a setting cannot be used (e.g. no AWS region);
 * credentials themselves are obtained lazily, on the first request.
 */
export const createUpstreamAuthenticator: UpstreamAuthFactory = (upstreamName, cfg, options = {}) => {
  switch (cfg.type) {
    case 'none':
      return noneAuthenticator();
    case 'sigv4':
      return sigv4Authenticator(upstreamName, cfg, options);
    case 'agentcore-oauth2':
      return agentCoreOAuth2Authenticator(upstreamName, cfg, options);
    case 'oauth2-client-credentials':
      return clientCredentialsAuthenticator(upstreamName, cfg, options);
    case 'agentcore-api-key':
      return agentCoreApiKeyAuthenticator(upstreamName, cfg, options);
  }
};

export { authorizedFetch, type FetchLike } from './fetch';
export * from './types';
