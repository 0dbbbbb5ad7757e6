/**
 * The modern leg (protocol revision 2026-07-28): stateless. Every request is one POST carrying the envelope the proxy
 * builds for this upstream (`_meta` protocol version, client info, the caller's declared client capabilities), the
 * standard headers (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`) and the `Mcp-Param-*` mirrors of the tool
 * parameters the tool's inputSchema annotates with `x-mcp-header`. No session, no GET stream, no resumption; closing
 * the response stream is the cancellation. Results come back as they are (`resultType`, `ttlMs`, `cacheScope`, and an
 * MRTR `input_required` result with its `inputRequests` and `requestState`); a retry's `inputResponses` and
 * `requestState` go out as the caller sent them.
 *
 * `connect()` is `server/discover` (the upstream's capabilities); list changes arrive on a `subscriptions/listen`
 * stream (modern-listen.ts) for the lists the upstream announces changes of. Tools listed with invalid `x-mcp-header`
 * annotations are left out of the list (logged). A `tools/call` refused with -32020 (HeaderMismatch) re-lists the
 * tools (their annotations may have changed) and is retried once. A refusal that says the upstream is not modern (a
 * 4xx without a modern error, -32022 naming only legacy versions) is an EraMismatchError: the client probes again.
 */
import type { IncomingMessage } from 'node:http';
import type { UpstreamConfig } from '../config/sections/proxy';
import type { JsonResult } from '../pipeline/context';
import { ModernErrorCode, RpcError, SUPPORTED_PROTOCOL_VERSIONS, type UpstreamMessage } from '../protocol';
import type { InboundCallScope, ListKind, UpstreamClientOptions, UpstreamLeg, UpstreamRequestOptions } from './client';
import { isModernErrorCode, MODERN_PROTOCOL_VERSION, modernParams } from './envelope';
import { ConnectionClosedError, EraMismatchError, NoCommonVersionError, UpstreamHttpError } from './errors';
import { discard, mediaType, readText } from './http-exchange';
import { paramHeadersOf, paramHeaderValues, standardHeaders, type ParamHeader } from './mcp-headers';
import { answerFromJson, deliverNotification, readEventStream, withDeadline, type Pending } from './messages';
import { announcedLists, ListenStream } from './modern-listen';
import { isSuccess, readFailure, type UpstreamHttp } from './upstream-http';

const NO_CALLER: InboundCallScope = { auth: {} };

/** Upper bound on pages when tools are re-listed after a HeaderMismatch. */
const MAX_RELIST_PAGES = 100;

/** What `server/discover` said. */
interface Discovered {
  readonly capabilities: Record<string, unknown>;
  readonly supportedVersions: readonly string[];
  /** Set by the probe, cleared by the first connect(): that connect need not ask again. */
  fresh: boolean;
}

type Params = Record<string, unknown>;
const isObj = (v: unknown): v is Params => v !== null && typeof v === 'object' && !Array.isArray(v);

export class ModernLeg implements UpstreamLeg {
  readonly era = 'modern' as const;
  readonly protocolVersion = MODERN_PROTOCOL_VERSION;
  private discovered?: Discovered;
  private listener?: ListenStream;
  private closed = false;
  /** The `Mcp-Param-*` mirrors of every tool seen in a tools/list answer, by upstream tool name. */
  private readonly paramHeaders = new Map<string, readonly ParamHeader[]>();

  constructor(
    private readonly config: UpstreamConfig,
    private readonly http: UpstreamHttp,
    private readonly opts: UpstreamClientOptions,
    private readonly nextId: () => number,
  ) {}

  get capabilities(): Record<string, unknown> | undefined {
    return this.discovered?.capabilities;
  }

  /** `server/discover`, unless the probe just asked. */
  async connect(): Promise<void> {
    if (this.discovered?.fresh) {
      this.discovered.fresh = false;
      return;
    }
    await this.discover(false);
  }

  /**
   * Asks `server/discover`. Any error answer that is not a modern error means the upstream is not modern (a legacy
   * server has no such method): EraMismatchError('legacy'), which the probe reads as "fall back to initialize".
   */
  async discover(fresh: boolean): Promise<void> {
    let result: JsonResult;
    try {
      result = await this.exchange('server/discover', undefined, {});
    } catch (err) {
      if (err instanceof RpcError && !isModernErrorCode(err.code)) throw new EraMismatchError('legacy', `server/discover answered MCP error ${err.code}`);
      throw err;
    }
    const versions = Array.isArray(result.supportedVersions) ? result.supportedVersions.filter((v): v is string => typeof v === 'string') : [];
    this.checkVersions(versions);
    const capabilities = isObj(result.capabilities) ? result.capabilities : {};
    this.discovered = { capabilities, supportedVersions: versions, fresh };
    this.listen(announcedLists(capabilities));
  }

  close(): void {
    this.closed = true;
    this.discovered = undefined;
    this.listener?.close();
    this.listener = undefined;
  }

  /** Keeps one subscriptions/listen stream open for the lists the upstream announces changes of. */
  private listen(lists: ListKind[]): void {
    if (this.closed || !this.opts.onListChanged) return;
    if (this.listener && this.listener.lists.join() === lists.join()) return;
    this.listener?.close();
    this.listener = lists.length > 0 ? new ListenStream(this.config, this.http, this.opts, this.nextId, lists) : undefined;
    void this.listener?.run();
  }

  async request(method: string, params: Params | undefined, opts: UpstreamRequestOptions): Promise<JsonResult> {
    let result: JsonResult;
    try {
      result = await this.exchange(method, params, opts);
    } catch (err) {
      if (!(method === 'tools/call' && err instanceof RpcError && err.code === ModernErrorCode.HeaderMismatch) || opts.signal?.aborted) throw err;
      // The tool's x-mcp-header annotations may have changed: list the tools again, then retry once.
      this.opts.log.info('upstream refused a call with HeaderMismatch (-32020); re-listing tools and retrying once', { upstream: this.config.name });
      await this.relistTools();
      result = await this.exchange(method, params, opts);
    }
    return method === 'tools/list' ? this.admitTools(result) : result;
  }

  /** Leaves out tools whose `x-mcp-header` annotations are invalid (logged), and records the mirrors of the others. */
  private admitTools(result: JsonResult): JsonResult {
    if (!Array.isArray(result.tools)) return result;
    let dropped = false;
    const tools = result.tools.filter((tool) => {
      if (!isObj(tool) || typeof tool.name !== 'string') return true;
      const spec = paramHeadersOf(tool.inputSchema);
      if ('invalid' in spec) {
        dropped = true;
        this.paramHeaders.delete(tool.name);
        this.opts.log.warn('upstream tool left out: invalid x-mcp-header annotation', { upstream: this.config.name, tool: tool.name.slice(0, 128), reason: spec.invalid });
        return false;
      }
      if (spec.headers.length > 0) this.paramHeaders.set(tool.name, spec.headers);
      else this.paramHeaders.delete(tool.name);
      return true;
    });
    return dropped ? { ...result, tools } : result;
  }

  private async relistTools(): Promise<void> {
    let cursor: string | undefined;
    for (let page = 0; page < MAX_RELIST_PAGES; page++) {
      const result = this.admitTools(await this.exchange('tools/list', cursor === undefined ? undefined : { cursor }, {}));
      const next = result.nextCursor;
      if (typeof next !== 'string' || next === '' || next === cursor) return;
      cursor = next;
    }
  }

  /** -32022 or a discover answer: the upstream must accept our modern version, else it speaks another era (or none we know). */
  private checkVersions(supported: readonly string[]): void {
    if (supported.includes(MODERN_PROTOCOL_VERSION)) return;
    if (supported.some((v) => SUPPORTED_PROTOCOL_VERSIONS.includes(v))) {
      throw new EraMismatchError('legacy', `the upstream supports ${supported.slice(0, 5).join(', ')}, not ${MODERN_PROTOCOL_VERSION}`);
    }
    throw new NoCommonVersionError(supported);
  }

  /** One request under the deadline. Cancellation closes the exchange, which the modern protocol reads as cancel. */
  private exchange(method: string, params: Params | undefined, opts: UpstreamRequestOptions): Promise<JsonResult> {
    const id = this.nextId();
    const scope = opts.scope ?? NO_CALLER;
    let sendParams = modernParams(params, opts.caller, this.opts.clientInfo);
    if (opts.onprogress) sendParams = { ...sendParams, _meta: { ...(sendParams._meta as Params), progressToken: id } };
    const headers: Record<string, string> = { 'mcp-protocol-version': MODERN_PROTOCOL_VERSION, ...standardHeaders(method, params) };
    if (method === 'tools/call' && typeof params?.name === 'string') {
      const spec = this.paramHeaders.get(params.name);
      if (spec) Object.assign(headers, paramHeaderValues(spec, params.arguments));
    }
    const body = JSON.stringify({ jsonrpc: '2.0', id, method, params: sendParams });
    return withDeadline(
      this.config.timeoutMs,
      opts.signal,
      (signal) => this.post(body, headers, { id, scope, signal, onprogress: opts.onprogress, progressToken: opts.onprogress ? id : undefined }),
      undefined,
      opts.cancel,
    );
  }

  private async post(body: string, headers: Record<string, string>, pending: Pending): Promise<JsonResult> {
    const res = await this.http.send({ method: 'POST', body, headers, auth: pending.scope.auth, signal: pending.signal });
    if (!isSuccess(res)) throw await this.refusal(res, pending);
    const type = mediaType(res.headers['content-type']);
    if (type === 'application/json') return answerFromJson(await readText(res), (m) => this.route(m, pending));
    if (type === 'text/event-stream') {
      const outcome = await readEventStream(res, (m) => this.route(m, pending), () => {}, this.opts.log, this.config.name);
      if (outcome.answer) return outcome.answer;
      throw outcome.rejection ?? outcome.error ?? new ConnectionClosedError('the upstream ended the event stream before answering');
    }
    discard(res);
    throw new UpstreamHttpError(-1, `unexpected content type ${type.slice(0, 60) || '(none)'}`);
  }

  /**
   * What a non-2xx answer means. A JSON-RPC error answering our request (or a modern error) is the upstream's answer
   * and passes through; -32022 naming only legacy versions, and a 4xx without such a body, mean the upstream is not
   * modern; 401/403, 408, 429 and 5xx are transport failures.
   */
  private async refusal(res: IncomingMessage, pending: Pending): Promise<Error> {
    const { error, id } = await readFailure(res);
    const status = error.status;
    const rpc = error.rpc;
    if (rpc && rpc.code === ModernErrorCode.UnsupportedProtocolVersion) return this.unsupportedVersion(rpc);
    if (status === 401 || status === 403 || status === 408 || status === 429 || status >= 500) return error;
    if (rpc && (isModernErrorCode(rpc.code) || id === pending.id)) return rpc;
    if (status >= 400 && status < 500) return new EraMismatchError('legacy', `HTTP ${status} without a modern error`);
    return error;
  }

  private unsupportedVersion(rpc: RpcError): Error {
    const data = isObj(rpc.data) ? rpc.data : {};
    const supported = Array.isArray(data.supported) ? data.supported.filter((v): v is string => typeof v === 'string') : [];
    try {
      this.checkVersions(supported);
    } catch (err) {
      return err as Error;
    }
    return rpc;
  }

  private route(msg: UpstreamMessage, pending: Pending): { result: JsonResult } | undefined {
    switch (msg.kind) {
      case 'result':
        return msg.id === pending.id ? { result: msg.result as JsonResult } : undefined;
      case 'error':
        if (msg.id !== pending.id) return undefined;
        if (msg.error.code === ModernErrorCode.UnsupportedProtocolVersion) throw this.unsupportedVersion(msg.error);
        throw msg.error;
      case 'notification':
        deliverNotification(msg, pending, this.opts.onListChanged);
        return undefined;
      case 'request':
        // Not part of this revision (input requests travel in results, MRTR): nothing can answer it.
        this.opts.log.debug('modern upstream sent a request on a response stream; ignored', { upstream: this.config.name, method: msg.method.slice(0, 100) });
        return undefined;
    }
  }
}
