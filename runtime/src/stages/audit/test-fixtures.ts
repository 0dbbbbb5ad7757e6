/** Test helpers for the audit stage (imported by its tests only; never by the proxy). */
import { randomUUID } from 'node:crypto';
import { auditSchema, type AuditConfig } from '../../config/sections/audit';
import { createLogger, type Logger } from '../../log';
import type { CatalogEntry, RequestContext } from '../../pipeline/context';

export function auditConfig(input: Record<string, unknown> = {}): AuditConfig {
  return auditSchema.parse(input);
}

export interface CapturedLog {
  readonly log: Logger;
  readonly lines: string[];
  entries(): { level: string; msg: string; [k: string]: unknown }[];
}

export function captureLog(): CapturedLog {
  const lines: string[] = [];
  return {
    log: createLogger('audit', { level: 'debug', write: (l) => lines.push(l) }),
    lines,
    entries: () => lines.map((l) => JSON.parse(l) as { level: string; msg: string }),
  };
}

export const TOOL: CatalogEntry = {
  kind: 'tool',
  upstream: 'crm',
  name: 'lookup_customer',
  exposedName: 'crm__lookup_customer',
  definition: { name: 'lookup_customer' },
};

export function requestContext(over: Partial<RequestContext> = {}): RequestContext {
  return {
    requestId: randomUUID(),
    rpcId: 1,
    method: 'tools/call',
    headers: {},
    startedAt: performance.now(),
    principal: { kind: 'jwt', sub: 'user-123', clientId: 'agent-app', groups: ['support'], scopes: ['mcp'], claims: {} },
    target: TOOL,
    arguments: { customerId: 'C-1' },
    decision: { effect: 'allow', policyIds: ['support-can-lookup'], dryRunDenials: [], durationMs: 0.2 },
    actions: [],
    timings: { policyMs: 0.5, upstreamMs: 0 },
    ...over,
  };
}

/** Parses JSON lines, keeping only audit records (not EMF metric lines). */
export function auditRecords(lines: readonly string[]): Record<string, unknown>[] {
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => 'hash' in r && 'seq' in r);
}

export function emfLines(lines: readonly string[]): Record<string, unknown>[] {
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => '_aws' in r);
}

/** Waits until `cond` holds, polling every 5 ms, at most `timeoutMs`. */
export async function waitFor(cond: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
