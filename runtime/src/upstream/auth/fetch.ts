/**
 * A fetch that authorizes every request with an upstream's authenticator, for the MCP SDK's
 * StreamableHTTPClientTransport (`new StreamableHTTPClientTransport(url, { fetch: authorizedFetch(auth, ctx) })`).
 * It passes the exact body to `authorize` (SigV4 signs it) and, after a 401, calls `invalidate()` and retries once
 * with fresh credentials when the authenticator says a retry may succeed.
 */
import type { UpstreamAuthenticator, UpstreamCallContext } from './types';

/** The fetch signature the MCP SDK transports take. */
export type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * @param ctx the per-inbound-request context, or a function returning it at call time (e.g. from AsyncLocalStorage)
 * @param baseFetch the fetch that sends the request @default globalThis.fetch
 */
export function authorizedFetch(
  authenticator: UpstreamAuthenticator,
  ctx: UpstreamCallContext | (() => UpstreamCallContext) = {},
  baseFetch: FetchLike = (url, init) => globalThis.fetch(url, init),
): FetchLike {
  const context = typeof ctx === 'function' ? ctx : () => ctx;
  return async (input, init = {}) => {
    const url = new URL(input);
    const body = init.body;
    if (body !== undefined && body !== null && typeof body !== 'string') {
      // SigV4 signs the exact bytes; the MCP transports always send JSON text.
      throw new TypeError('authorizedFetch: only string bodies are supported');
    }
    const send = async () => {
      // Fresh headers per attempt, so no credential of a previous attempt lingers.
      const headers = new Headers(init.headers);
      await authenticator.authorize({ url, method: init.method ?? 'GET', headers, body: body ?? undefined }, context());
      // Credentials are never replayed to another location: a redirect is handed back to the caller.
      return baseFetch(url, { ...init, headers, redirect: init.redirect ?? 'manual' });
    };
    const first = await send();
    if (first.status !== 401 || !authenticator.invalidate()) return first;
    await first.body?.cancel().catch(() => {});
    return send();
  };
}
