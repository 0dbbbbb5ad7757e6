import { stripInboundCredentials } from './headers';
import type { UpstreamAuthenticator } from './types';

/** No credentials: the upstream is open (or protected by the network). Inbound credentials are still removed. */
export function noneAuthenticator(): UpstreamAuthenticator {
  return {
    kind: 'none',
    authorize: async (req) => stripInboundCredentials(req.headers),
    invalidate: () => false,
  };
}
