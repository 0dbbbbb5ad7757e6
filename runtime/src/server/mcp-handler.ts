/**
 * The MCP method dispatcher: one inbound JSON-RPC request in, one result (or GovernanceError) out.
 * Stateless: nothing survives a request except the in-flight table used to honour notifications/cancelled.
 * Every governed method goes through the Pipeline: calls (tools/call, resources/read, prompts/get,
 * completion/complete) with `pipeline.call`, lists with `pipeline.list`.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log';
import type { CatalogEntry, JsonResult, RequestContext, TargetKind } from '../pipeline/context';
import { ErrorCode, GovernanceError, targetNotFound } from '../pipeline/errors';
import type { Pipeline } from '../pipeline/pipeline';
import type { Catalog } from '../upstream/catalog';
import { LATEST_PROTOCOL_VERSION, RpcError, SUPPORTED_PROTOCOL_VERSIONS } from '../protocol';
import type { CallerProtocol, InboundCallScope, UpstreamRequestOptions } from '../upstream/client';
import { forwardedMeta } from '../upstream/meta';
import { CallerRelays, missingCapability, notificationSink } from './caller-streams';
import { InputGovernor } from './input-governor';
import { InputRounds } from './mrtr';
import { StateSealer } from './state-seal';
import type { JsonRpcNotification, JsonRpcRequest, JsonRpcResponse } from './jsonrpc';
import type { ResponseChannel } from './response';

/** The lists whose change a subscription stream can announce. */
export type ChangedList = 'tools' | 'resources' | 'prompts';

/** What the handler needs from the upstream layer (UpstreamManager implements it). */
export interface UpstreamRouter {
  readonly catalog: Catalog;
  forward(target: CatalogEntry, method: string, params: Record<string, unknown>, opts?: UpstreamRequestOptions): Promise<JsonResult>;
  /** The capabilities each reachable upstream declared; what the proxy advertises is derived from them. */
  upstreamCapabilities?(): readonly Record<string, unknown>[];
  /** Registers a listener for catalog changes (after a discovery that changed a list); returns its removal. */
  onCatalogChange?(listener: (lists: readonly ChangedList[]) => void): () => void;
}

export interface InboundRequest {
  readonly message: JsonRpcRequest;
  /** Lower-cased inbound HTTP headers. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** Fires when the caller goes away (connection closed) or cancels (notifications/cancelled). */
  readonly signal: AbortSignal;
  /** Fires `signal`: how a notifications/cancelled from the caller cancels this request. */
  readonly cancel: () => void;
  readonly channel: ResponseChannel;
  /**
   * The caller's era, protocol version and declared client capabilities, as the server leg classified them; for a
   * modern caller also its `io.modelcontextprotocol/logLevel` (the least severe upstream log message relayed to it).
   */
  readonly caller: CallerProtocol;
  /**
   * Checks a call against its target once access control has allowed it (so a refusal reveals nothing about targets
   * the caller may not see), with the arguments as the caller sent them. The modern leg checks `Mcp-Param-*` here.
   */
  readonly verifyCall?: (target: CatalogEntry, args: Record<string, unknown> | undefined) => void;
}

export interface McpHandlerOptions {
  readonly pipeline: Pipeline;
  readonly upstreams: UpstreamRouter;
  readonly log: Logger;
  readonly serverInfo: { name: string; version: string };
  readonly instructions?: string;
  /** Seals MRTR requestState for modern callers. @default StateSealer.fromEnv(process.env) */
  readonly sealer?: StateSealer;
}

/** What a legacy caller is declared to a modern upstream: the input kinds the proxy bridges onto its stream. */
const BRIDGED_CAPABILITIES: Record<string, unknown> = { sampling: {}, elicitation: { form: {}, url: {} } };

type Params = Record<string, unknown>;

const LIST_KEYS = {
  'tools/list': ['tools', 'tools'],
  'resources/list': ['resources', 'resources'],
  'resources/templates/list': ['resourceTemplates', 'resourceTemplates'],
  'prompts/list': ['prompts', 'prompts'],
} as const;
type ListMethod = keyof typeof LIST_KEYS;

function invalidParams(message: string): GovernanceError {
  return new GovernanceError(ErrorCode.InvalidParams, message, 'invalid_params');
}

function requireString(params: Params, key: string): string {
  const v = params[key];
  if (typeof v !== 'string' || v === '') throw invalidParams(`params.${key} must be a non-empty string`);
  return v;
}

/**
 * A requested resource URI resolved through the catalog (which normalizes it, upstream/uri.ts): the target, or the
 * error for a refused URI. A `..` that climbs out of a template answers exactly like an unknown resource (so that a
 * refusal never tells whether a hidden template exists); a URI refused for its text alone says why.
 */
function resolveResource(catalog: Catalog, uri: string): { target?: CatalogEntry; refusal?: GovernanceError } {
  const r = catalog.resolveResource(uri);
  if (r.entry) return { target: r.entry };
  if (!r.refusal) return {};
  if (r.refusal.hidden) return { refusal: targetNotFound('resource', uri) };
  return { refusal: new GovernanceError(ErrorCode.InvalidParams, `Invalid resource URI: ${r.refusal.reason}`, 'invalid_params') };
}

function optionalObject(params: Params, key: string): Record<string, unknown> | undefined {
  const v = params[key];
  if (v === undefined) return undefined;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw invalidParams(`params.${key} must be an object`);
  return v as Record<string, unknown>;
}

/** Key of an in-flight request for notifications/cancelled: the caller's session headers plus the JSON-RPC id. */
function inflightKey(headers: Readonly<Record<string, string | undefined>>, id: unknown): string {
  const session = headers['mcp-session-id'] ?? headers['x-amzn-bedrock-agentcore-runtime-session-id'] ?? '';
  return `${session}\u0000${headers.authorization ?? ''}\u0000${typeof id}:${String(id)}`;
}

interface ParsedCall {
  readonly kind: TargetKind;
  readonly requested: string;
  readonly target?: CatalogEntry;
  /** Why the target was not resolved when the request named it ambiguously (answered after identity). */
  readonly refusal?: GovernanceError;
  readonly args?: Record<string, unknown>;
  /** The upstream's params for the (possibly stage-rewritten) arguments. */
  readonly build: (target: CatalogEntry, args: Record<string, unknown> | undefined) => Params;
}

export class McpHandler {
  /** Requests that notifications/cancelled may cancel, by inflightKey. */
  private readonly inflight = new Map<string, () => void>();
  /** Server->client requests relayed to legacy callers. */
  private readonly relays = new CallerRelays();
  /** Multi round-trip requests, governed (mrtr.ts). */
  private readonly rounds: InputRounds;

  constructor(private readonly opts: McpHandlerOptions) {
    this.rounds = new InputRounds({ pipeline: opts.pipeline, sealer: opts.sealer ?? StateSealer.fromEnv(process.env, opts.log) });
  }

  /** Handles a notification from the caller (no response). */
  handleNotification(message: JsonRpcNotification, headers: Readonly<Record<string, string | undefined>>): void {
    if (message.method === 'notifications/cancelled') {
      const id = message.params?.requestId;
      if (typeof id === 'string' || typeof id === 'number') this.inflight.get(inflightKey(headers, id))?.();
    }
  }

  /** A caller's answer to a relayed server->client request. Unknown ids are ignored. */
  handleResponse(message: JsonRpcResponse): void {
    this.relays.answer(message);
  }

  /** Handles one request; resolves with its result, rejects with GovernanceError (or anything, mapped by the caller). */
  async handle(req: InboundRequest): Promise<unknown> {
    const { message } = req;
    const params: Params = message.params ?? {};
    switch (message.method) {
      case 'initialize':
        return this.initialize(params);
      case 'ping':
      case 'logging/setLevel':
        // Stateless: there is no session to attach a log level to; upstream log messages are relayed as sent.
        return {};
      case 'tools/list':
      case 'resources/list':
      case 'resources/templates/list':
      case 'prompts/list':
        return this.list(req, message.method, params);
      case 'tools/call':
      case 'resources/read':
      case 'prompts/get':
      case 'completion/complete':
        return this.tracked(req, (signal) => this.call(req, params, signal));
      case 'resources/subscribe':
      case 'resources/unsubscribe':
        return this.subscription(req, params);
      default: {
        const shown = message.method.length > 100 ? `${message.method.slice(0, 100)}...` : message.method;
        throw new GovernanceError(ErrorCode.MethodNotFound, `Method not found: ${shown}`, 'method_not_found');
      }
    }
  }

  get serverInfo(): { name: string; version: string } {
    return this.opts.serverInfo;
  }

  get instructions(): string | undefined {
    return this.opts.instructions;
  }

  get upstreams(): UpstreamRouter {
    return this.opts.upstreams;
  }

  /**
   * What the proxy advertises: tools, resources and prompts always (it serves their lists, empty or not);
   * `completions` and `logging` only when some upstream declared them (the proxy has neither of its own). A modern
   * caller is also told `listChanged` (subscriptions/listen announces catalog changes) when the upstream layer can
   * report them.
   */
  capabilities(era: CallerProtocol['era']): Record<string, unknown> {
    const declared = this.opts.upstreams.upstreamCapabilities?.() ?? [];
    const any = (key: string) => declared.some((c) => c[key] !== undefined && c[key] !== null && typeof c[key] === 'object');
    const listChanged = era === 'modern' && typeof this.opts.upstreams.onCatalogChange === 'function' ? { listChanged: true } : {};
    const caps: Record<string, unknown> = { tools: { ...listChanged }, resources: { ...listChanged }, prompts: { ...listChanged } };
    if (any('completions')) caps.completions = {};
    if (any('logging')) caps.logging = {};
    return caps;
  }

  private initialize(params: Params): JsonResult {
    const requested = params.protocolVersion;
    if (typeof requested !== 'string') throw invalidParams('params.protocolVersion must be a string');
    const protocolVersion = SUPPORTED_PROTOCOL_VERSIONS.includes(requested) ? requested : LATEST_PROTOCOL_VERSION;
    const result: JsonResult = {
      protocolVersion,
      capabilities: this.capabilities('legacy'),
      serverInfo: this.opts.serverInfo,
    };
    if (this.opts.instructions) result.instructions = this.opts.instructions;
    return result;
  }

  context(req: Pick<InboundRequest, 'message' | 'headers' | 'caller'>): RequestContext {
    return {
      requestId: randomUUID(),
      rpcId: req.message.id,
      method: req.message.method,
      headers: req.headers,
      protocol: { era: req.caller.era, version: req.caller.protocolVersion },
      startedAt: performance.now(),
      actions: [],
      timings: { policyMs: 0, upstreamMs: 0 },
    };
  }

  private async list(req: InboundRequest, method: ListMethod, params: Params): Promise<JsonResult> {
    const ctx = this.context(req);
    if (params.cursor !== undefined) throw this.opts.pipeline.reject(ctx, invalidParams('Invalid cursor: the proxy returns complete lists'));
    const [catalogKey, resultKey] = LIST_KEYS[method];
    const entries = this.opts.upstreams.catalog[catalogKey];
    const visible = await this.opts.pipeline.list(ctx, entries);
    return { [resultKey]: visible.map((e) => e.definition) };
  }

  /**
   * resources/subscribe and unsubscribe are accepted for a resource the caller may read (same governance as a read),
   * without contacting the upstream: in stateless mode there is no stream to deliver notifications/resources/updated
   * on, so `resources.subscribe` is not advertised and no update is ever sent.
   */
  private async subscription(req: InboundRequest, params: Params): Promise<JsonResult> {
    const ctx = this.context(req);
    let uri: string;
    try {
      uri = requireString(params, 'uri');
    } catch (err) {
      throw this.opts.pipeline.reject(ctx, err);
    }
    const resolved = resolveResource(this.opts.upstreams.catalog, uri);
    ctx.target = resolved.target;
    ctx.refusal = resolved.refusal;
    return this.opts.pipeline.call(ctx, 'resource', uri, async () => ({}));
  }

  /**
   * Governs a modern `subscriptions/listen`: the caller's identity is checked (and the request audited) as for a list,
   * and of the resource URIs it asks updates for, only those of resources it may read are kept.
   */
  async authorizeListen(req: Pick<InboundRequest, 'message' | 'headers' | 'caller'>, uris: readonly string[]): Promise<string[]> {
    const ctx = this.context(req);
    const catalog = this.opts.upstreams.catalog;
    const entries = uris.map((u) => catalog.resource(u)).filter((e): e is CatalogEntry => e !== undefined);
    const visible = await this.opts.pipeline.list(ctx, entries);
    return visible.map((e) => e.exposedName);
  }

  /** Runs `fn` with the request's signal, registered so that the caller's notifications/cancelled fires it too. */
  private async tracked<T>(req: InboundRequest, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const key = inflightKey(req.headers, req.message.id);
    const cancel = req.cancel;
    this.inflight.set(key, cancel);
    try {
      return await fn(req.signal);
    } finally {
      if (this.inflight.get(key) === cancel) this.inflight.delete(key);
    }
  }

  private async call(req: InboundRequest, params: Params, signal: AbortSignal): Promise<JsonResult> {
    const ctx = this.context(req);
    let call: ParsedCall;
    try {
      call = this.parseCall(req.message.method, params);
    } catch (err) {
      throw this.opts.pipeline.reject(ctx, err);
    }
    ctx.target = call.target;
    ctx.refusal = call.refusal;
    ctx.arguments = call.args;
    const method = req.message.method;
    const meta = params._meta as Record<string, unknown> | undefined;
    const progressToken = meta?.progressToken;
    // Only the allowlisted part of `_meta` is forwarded, after the stages sanitized and tokenized it (see upstream/meta.ts);
    // the proxy builds each upstream envelope itself (the upstream client, from `caller`).
    ctx.meta = forwardedMeta(meta);
    const channel = req.channel;
    // Everything the upstream sends the caller during the call is governed (input-governor.ts).
    const missing: Record<string, unknown> = {};
    const governor = new InputGovernor({ pipeline: this.opts.pipeline, log: this.opts.log, ctx, caller: req.caller, channel, relays: this.relays, missing });
    const onprogress =
      progressToken === undefined
        ? undefined
        : governor.progress((p) => channel.notify({ method: 'notifications/progress', params: { ...p, progressToken } }));
    const scope: InboundCallScope = {
      auth: { workloadAccessToken: req.headers.workloadaccesstoken },
      notify: governor.notifications(notificationSink(req.caller, channel)),
      relay: governor.relay,
      unattributed: governor.unattributed,
    };
    const caller = req.caller;
    // A legacy caller's input requests are bridged from a modern upstream's input_required results (mrtr.ts): the
    // upstream is told the kinds the proxy can relay, as a legacy upstream is at initialize.
    const upstreamCaller: CallerProtocol = caller.era === 'legacy' ? { ...caller, clientCapabilities: BRIDGED_CAPABILITIES } : caller;
    return this.opts.pipeline.call(ctx, call.kind, call.requested, async (c) => {
      const t = c.target!;
      req.verifyCall?.(t, call.args);
      const upstreamParams = call.build(t, c.arguments);
      if (c.meta) upstreamParams._meta = c.meta;
      const send = async (round?: Params) => {
        try {
          return await this.opts.upstreams.forward(t, method, round ? { ...upstreamParams, ...round } : upstreamParams, { signal, cancel: req.cancel, onprogress, scope, caller: upstreamCaller });
        } catch (err) {
          throw Object.keys(missing).length > 0 ? missingCapability(missing) : err;
        }
      };
      const answer = await this.rounds.forward({ ctx: c, caller, params, governor, signal, send });
      // A legacy upstream asked this modern caller for something it did not declare: say so even if the upstream coped.
      if (Object.keys(missing).length > 0) throw missingCapability(missing);
      return answer;
    });
  }

  /** Validates the parameters of a governed call and resolves its target (undefined when unknown). Throws InvalidParams. */
  private parseCall(method: string, params: Params): ParsedCall {
    const catalog = this.opts.upstreams.catalog;
    let kind: TargetKind;
    let requested: string;
    let target: CatalogEntry | undefined;
    let refusal: GovernanceError | undefined;
    let args: Record<string, unknown> | undefined;
    let build: (t: CatalogEntry, a: Record<string, unknown> | undefined) => Params;
    switch (method) {
      case 'tools/call':
        kind = 'tool';
        requested = requireString(params, 'name');
        args = optionalObject(params, 'arguments') ?? {};
        target = catalog.tool(requested);
        build = (t, a) => ({ name: t.name, arguments: a });
        break;
      case 'prompts/get':
        kind = 'prompt';
        requested = requireString(params, 'name');
        args = optionalObject(params, 'arguments');
        target = catalog.prompt(requested);
        build = (t, a) => (a === undefined ? { name: t.name } : { name: t.name, arguments: a });
        break;
      case 'resources/read':
        kind = 'resource';
        requested = requireString(params, 'uri');
        ({ target, refusal } = resolveResource(catalog, requested));
        // The normalized upstream URI: the one the catalog matched and Cedar evaluated.
        build = (t) => ({ uri: t.name });
        break;
      default: {
        // completion/complete: routed by its ref (a prompt, or a resource template / resource).
        const ref = optionalObject(params, 'ref');
        const argument = optionalObject(params, 'argument');
        if (!ref || !argument) throw invalidParams('params.ref and params.argument are required');
        const { _meta: _drop, ...completionParams } = params;
        // The argument value as the stages left it (sanitization may strip control characters).
        const withArgument = (a: Record<string, unknown> | undefined) =>
          a && typeof argument.name === 'string' && Object.prototype.hasOwnProperty.call(a, argument.name) ? { argument: { ...argument, value: a[argument.name] } } : {};
        if (ref.type === 'ref/prompt') {
          kind = 'prompt';
          requested = requireString(ref, 'name');
          target = catalog.prompt(requested);
          build = (t, a) => ({ ...completionParams, ref: { ...ref, name: t.name }, ...withArgument(a) });
        } else if (ref.type === 'ref/resource') {
          kind = 'resource';
          requested = requireString(ref, 'uri');
          target = catalog.resourceTemplate(requested);
          if (!target) ({ target, refusal } = resolveResource(catalog, requested));
          build = (t, a) => ({ ...completionParams, ref: { ...ref, uri: t.name }, ...withArgument(a) });
        } else {
          throw invalidParams('params.ref.type must be ref/prompt or ref/resource');
        }
        if (typeof argument.name === 'string') args = { [argument.name]: argument.value };
      }
    }
    optionalObject(params, '_meta');
    return { kind, requested, target, refusal, args, build };
  }
}
