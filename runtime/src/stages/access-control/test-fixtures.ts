/** Test fixtures shared by the access-control tests (catalog entries, principals, request contexts). */
import { accessControlSchema } from '../../config/sections/access-control';
import type { ProxyConfig } from '../../config/schema';
import { createLogger } from '../../log';
import type { CatalogEntry, Principal, RequestContext, ToolAnnotations } from '../../pipeline/context';

export function tool(upstream: string, name: string, annotations?: ToolAnnotations): CatalogEntry {
  return { kind: 'tool', upstream, name, exposedName: `${upstream}__${name}`, annotations, inputSchema: { type: 'object' }, definition: { name: `${upstream}__${name}` } };
}

export function resource(upstream: string, uri: string): CatalogEntry {
  return { kind: 'resource', upstream, name: uri, exposedName: uri, definition: { uri } };
}

export function prompt(upstream: string, name: string): CatalogEntry {
  return { kind: 'prompt', upstream, name, exposedName: `${upstream}__${name}`, definition: { name: `${upstream}__${name}` } };
}

export function jwtCaller(sub: string, groups: string[] = [], scopes: string[] = [], claims: Principal['claims'] = {}): Principal {
  return { kind: 'jwt', sub, clientId: 'client-1', issuer: 'https://idp.example.com', groups, scopes, claims };
}

export const IAM: Principal = { kind: 'iam', groups: [], scopes: [], claims: {} };
export const ANONYMOUS: Principal = { kind: 'anonymous', groups: [], scopes: [], claims: {} };

export function ctxFor(principal: Principal | undefined, target?: CatalogEntry, args?: Record<string, unknown>, method = 'tools/call'): RequestContext {
  return { requestId: 'req-1', method, headers: {}, startedAt: performance.now(), principal, target, arguments: args, actions: [], timings: { policyMs: 0, upstreamMs: 0 } };
}

export function acl(doc: unknown): ProxyConfig['accessControl'] {
  return accessControlSchema.parse(doc);
}

/** A logger that keeps its lines for assertions. */
export function memoryLog() {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger('access-control-test', { level: 'debug', write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
  return { log, lines };
}
