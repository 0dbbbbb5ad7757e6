/**
 * Input requests: what an upstream asks the caller's side for while serving one of its calls (see docs/INPUT-REQUESTS.md).
 * One model whatever the era: a 2025 server->client request on the call's stream (`elicitation/create`,
 * `sampling/createMessage`, `roots/list`) and a 2026-07-28 `inputRequests` entry of an `input_required` result are
 * the same governed event: a kind, the upstream and target of the call, and the request's content.
 */
import type { AccessAction } from '../config/sections/access-control';
import type { CatalogEntry } from './context';

/** The kinds of input request: form and URL elicitation are told apart because a URL sends the user elsewhere. */
export type InputKind = 'elicitation-form' | 'elicitation-url' | 'sampling' | 'roots';

export const INPUT_KINDS: readonly InputKind[] = ['elicitation-form', 'elicitation-url', 'sampling', 'roots'];

/** The Cedar action that decides each kind (schema/mcp.cedarschema). */
export const INPUT_ACTION: Readonly<Record<InputKind, AccessAction>> = {
  'elicitation-form': 'input/elicitation-form',
  'elicitation-url': 'input/elicitation-url',
  sampling: 'input/sampling',
  roots: 'input/roots',
};

/** The client capability (and, for elicitation, its mode) a kind needs the caller to have declared. */
const CAPABILITY: Readonly<Record<InputKind, { readonly key: string; readonly mode?: string }>> = {
  'elicitation-form': { key: 'elicitation', mode: 'form' },
  'elicitation-url': { key: 'elicitation', mode: 'url' },
  sampling: { key: 'sampling' },
  roots: { key: 'roots' },
};

/** One governed input request. `content` is the request's params as the upstream sent them (never logged or audited raw). */
export interface InputRequestEvent {
  readonly kind: InputKind;
  /** The MCP method of the request (`elicitation/create`, `sampling/createMessage`, `roots/list`). */
  readonly method: string;
  /** The call's target (its upstream and tool, resource or prompt). */
  readonly target: CatalogEntry;
  readonly content: Record<string, unknown>;
  /** For URL elicitation: the host of the URL (lower-cased), or undefined when the URL does not parse. */
  readonly urlHost?: string;
}

/** How an input request was decided, for the audit record. */
export interface InputDecision {
  readonly effect: 'allow' | 'deny';
  readonly policyIds: readonly string[];
  /** Why a denial happened: `policy` (Cedar), `capability` (the caller did not declare it), `unattributed`, `invalid`. */
  readonly reason?: 'policy' | 'capability' | 'unattributed' | 'invalid';
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The kind of an input request from its method and params, or undefined for a method that is not one. */
export function inputKindOf(method: string, params: Record<string, unknown> | undefined): InputKind | undefined {
  switch (method) {
    case 'elicitation/create':
      return params?.mode === 'url' ? 'elicitation-url' : 'elicitation-form';
    case 'sampling/createMessage':
      return 'sampling';
    case 'roots/list':
      return 'roots';
    default:
      return undefined;
  }
}

/** The host of a URL elicitation's `url` (lower-cased), or undefined when absent or not an http(s) URL. */
export function urlHostOf(params: Record<string, unknown> | undefined): string | undefined {
  const url = params?.url;
  if (typeof url !== 'string') return undefined;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.hostname.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

/** Builds the event for one input request (undefined when the method is not an input request). */
export function inputEvent(target: CatalogEntry, method: string, params: Record<string, unknown> | undefined): InputRequestEvent | undefined {
  const kind = inputKindOf(method, params);
  if (!kind) return undefined;
  const content = params ?? {};
  return { kind, method, target, content, ...(kind === 'elicitation-url' ? { urlHost: urlHostOf(content) } : {}) };
}

/**
 * Whether the caller declared the capability a kind needs. Elicitation: `{}` (no modes named) means form only, as the
 * 2025-11-25 revision says; URL elicitation needs `url` named.
 */
export function callerDeclared(kind: InputKind, capabilities: Record<string, unknown>): boolean {
  const { key, mode } = CAPABILITY[kind];
  const cap = capabilities[key];
  if (!isObj(cap)) return false;
  if (!mode) return true;
  const named = Object.keys(cap).filter((k) => k === 'form' || k === 'url');
  if (named.length === 0) return mode === 'form';
  return isObj(cap[mode]);
}

/** The capability object a kind needs, as -32021's `requiredCapabilities` names it. */
export function requiredCapability(kind: InputKind): Record<string, unknown> {
  const { key, mode } = CAPABILITY[kind];
  return { [key]: mode ? { [mode]: {} } : {} };
}
