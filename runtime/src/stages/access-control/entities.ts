/**
 * Requests as Cedar entities (schema/mcp.cedarschema). Built with plain objects: the caller once per request, each
 * catalog entry once (cached), the arguments only when some policy reads them.
 */
import type { EntityJson, EntityUidJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { AccessAction } from '../../config/sections/access-control';
import type { CatalogEntry, Principal, TargetKind } from '../../pipeline/context';
import { isPinned } from '../pinning/status';
import { CEDAR_NAMESPACE as NS } from './cedar-schema';
import { callerId } from './principal-id';

export const ACTION_FOR_KIND: Readonly<Record<TargetKind, AccessAction>> = { tool: 'tools/call', resource: 'resources/read', prompt: 'prompts/get' };
const TYPE_FOR_KIND: Readonly<Record<TargetKind, string>> = { tool: `${NS}::Tool`, resource: `${NS}::Resource`, prompt: `${NS}::Prompt` };

export function actionUid(action: AccessAction): EntityUidJson {
  return { type: `${NS}::Action`, id: action };
}

/**
 * The caller entity, id typed by what identified the caller (principal-id.ts: `subject:<sub>`, `client:<client_id>`,
 * `iam`, `anonymous`). Claims become tags, each a set of strings (numbers and booleans as their text).
 */
export function callerEntity(p: Principal): EntityJson {
  const attrs: Record<string, string | string[]> = { kind: p.kind, groups: [...p.groups], scopes: [...p.scopes] };
  if (p.sub !== undefined) attrs.sub = p.sub;
  if (p.clientId !== undefined) attrs.clientId = p.clientId;
  if (p.username !== undefined) attrs.username = p.username;
  if (p.issuer !== undefined) attrs.issuer = p.issuer;
  const tags: Record<string, string[]> = {};
  for (const [name, v] of Object.entries(p.claims)) tags[name] = Array.isArray(v) ? [...(v as readonly string[])] : [String(v)];
  return { uid: { type: `${NS}::Caller`, id: callerId(p) }, attrs, parents: [], tags };
}

const targetCache = new WeakMap<CatalogEntry, EntityJson>();

/**
 * The target entity (Tool, Resource or Prompt), id = exposed name, parent = its Upstream. Tool booleans come from the
 * upstream's annotations with the MCP defaults for missing hints; `pinned` from the pinning stage. Cached per catalog
 * entry object.
 */
export function targetEntity(entry: CatalogEntry): EntityJson {
  let e = targetCache.get(entry);
  if (e) return e;
  // pinned: the definition is exactly the one the tool lock approved (false when pinning is off).
  const attrs: Record<string, string | boolean> = { name: entry.name, exposedName: entry.exposedName, upstream: entry.upstream, pinned: isPinned(entry) };
  if (entry.kind === 'tool') {
    const a = entry.annotations ?? {};
    const readOnly = a.readOnlyHint === true;
    attrs.readOnly = readOnly;
    attrs.destructive = readOnly ? false : a.destructiveHint !== false;
    attrs.idempotent = readOnly ? true : a.idempotentHint === true;
    attrs.openWorld = a.openWorldHint !== false;
  }
  e = { uid: { type: TYPE_FOR_KIND[entry.kind], id: entry.exposedName }, attrs, parents: [{ type: `${NS}::Upstream`, id: entry.upstream }] };
  targetCache.set(entry, e);
  return e;
}

export const ARGUMENTS_UID: { type: string; id: string } = { type: `${NS}::Arguments`, id: 'call' };

/** Limits on how much of the arguments become tags; beyond them the call is refused (fail closed), see argumentsEntity. */
export const ARGUMENT_LIMITS = { maxDepth: 4, maxTags: 512 } as const;

export class ArgumentsTooComplex extends Error {
  constructor(why = 'too many values') {
    super(`arguments cannot be evaluated by policy: ${why}`);
    this.name = 'ArgumentsTooComplex';
  }
}

interface ArgumentValue {
  json: string;
  string?: string;
  long?: number;
  boolean?: boolean;
  strings?: string[];
}

function argumentValue(v: unknown): ArgumentValue {
  const out: ArgumentValue = { json: JSON.stringify(v) ?? 'null' };
  if (typeof v === 'string') out.string = v;
  else if (typeof v === 'number' && Number.isSafeInteger(v)) out.long = v;
  else if (typeof v === 'boolean') out.boolean = v;
  else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out.strings = v as string[];
  return out;
}

/**
 * The Arguments entity: one tag per argument, and per nested object member under its dotted path (`options.force`),
 * down to ARGUMENT_LIMITS.maxDepth (deeper values remain visible in their ancestor's `json`). More than
 * ARGUMENT_LIMITS.maxTags tags, or two values for one path, throws ArgumentsTooComplex: policies must never see a
 * truncated or ambiguous view.
 */
export function argumentsEntity(args: Record<string, unknown> | undefined): EntityJson {
  const tags: Record<string, ArgumentValue> = Object.create(null); // an argument may be named "__proto__"
  let count = 0;
  const walk = (obj: Record<string, unknown>, prefix: string, depth: number) => {
    for (const [k, v] of Object.entries(obj)) {
      if (++count > ARGUMENT_LIMITS.maxTags) throw new ArgumentsTooComplex();
      const path = prefix ? `${prefix}.${k}` : k;
      // {"a": {"b": 1}, "a.b": 2} would give two values for one path: refuse rather than let one hide the other.
      if (Object.prototype.hasOwnProperty.call(tags, path)) throw new ArgumentsTooComplex(`ambiguous path ${JSON.stringify(path.slice(0, 100))}`);
      tags[path] = argumentValue(v);
      if (v && typeof v === 'object' && !Array.isArray(v) && depth < ARGUMENT_LIMITS.maxDepth) walk(v as Record<string, unknown>, path, depth + 1);
    }
  };
  if (args) walk(args, '', 1);
  return { uid: ARGUMENTS_UID, attrs: {}, parents: [], tags: tags as unknown as EntityJson['tags'] };
}
