import type { HeaderBag } from '../http-exchange';

/**
 * Inbound credentials that must never reach an upstream (no token passthrough, MCP authorization spec).
 * Every authenticator removes them before it adds its own.
 */
const INBOUND_CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'workloadaccesstoken', 'cookie'] as const;

/** Removes any credential of the caller that might have leaked into the outgoing headers. */
export function stripInboundCredentials(headers: HeaderBag): void {
  for (const name of INBOUND_CREDENTIAL_HEADERS) headers.delete(name);
}
