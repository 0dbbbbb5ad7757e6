/**
 * Audit record shapes (schema/audit-record.schema.json, version 1) and how they are built from a request context.
 * Records hold identifiers, names, counts, timings and salted digests: never tokens, headers, raw claims, raw
 * arguments or raw results. Contents appear only when configured, and only after the redaction scrubber.
 */
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import type { CatalogEntry, InputRound, Outcome, Principal, RequestContext, StageAction } from '../../pipeline/context';
import { canonicalJson } from './chain';

export const AUDIT_SCHEMA_VERSION = 1 as const;

/** Members every record carries (the hash chain). */
export interface ChainFields {
  readonly v: typeof AUDIT_SCHEMA_VERSION;
  readonly type: string;
  /** ISO 8601, UTC, milliseconds: when sealed (also the CloudWatch event timestamp); never decreases unless the clock steps back over a minute. */
  readonly time: string;
  readonly instanceId: string;
  /** 0, 1, 2, ... per instance, without gaps. */
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
}

export interface CallerInfo {
  readonly kind: Principal['kind'];
  readonly sub?: string;
  readonly clientId?: string;
  readonly groups: readonly string[];
  readonly groupsTruncated?: true;
}

export interface TargetInfo {
  readonly kind: CatalogEntry['kind'];
  readonly upstream: string;
  readonly name: string;
  readonly exposedName: string;
}

export interface DecisionInfo {
  readonly effect: 'allow' | 'deny';
  readonly policyIds: readonly string[];
  readonly dryRunDenials: readonly { readonly ruleSet: string; readonly policyIds: readonly string[] }[];
}

export interface Digests {
  readonly alg: 'hmac-sha256';
  /** Identifies the salt (not derived reversibly from it): digests compare only under the same keyId. */
  readonly keyId: string;
  readonly arguments?: string;
  readonly argumentsBytes?: number;
  readonly result?: string;
  readonly resultBytes?: number;
}

export interface ContentInfo {
  readonly arguments?: string;
  readonly result?: string;
  /** Fields cut at maxContentBytes. */
  readonly truncated?: readonly ('arguments' | 'result')[];
  /** Why contents are missing although configured. */
  readonly omitted?: 'scrub_failed' | 'too_large';
}

export interface RequestFields {
  readonly requestId: string;
  /** `era` and `protocolVersion`: the protocol the caller spoke (legacy 2025 revisions or modern 2026-07-28). */
  readonly rpc: { readonly id?: string | number; readonly method: string; readonly era?: 'legacy' | 'modern'; readonly protocolVersion?: string };
  readonly caller?: CallerInfo;
  readonly target?: TargetInfo;
  readonly decision?: DecisionInfo;
  readonly actions: readonly StageAction[];
  readonly digests: Digests;
  readonly content?: ContentInfo;
  readonly latency: { readonly policyMs: number; readonly upstreamMs: number; readonly totalMs: number };
  readonly outcome?: {
    readonly status: Outcome['status'];
    readonly errorCode?: number;
    readonly errorClass?: string;
    readonly toolError?: boolean;
  };
}

/** A record body before the chain members are added. */
export type RecordBody = { readonly type: string } & Record<string, unknown>;

const MAX_STRING = 256;
const MAX_LIST = 100;

/** Caps a string at MAX_STRING characters (identifiers and names are never legitimately longer). */
function cap(s: string): string {
  return s.length > MAX_STRING ? `${s.slice(0, MAX_STRING)}...` : s;
}

function capList<T>(list: readonly T[]): { items: T[]; truncated: boolean } {
  return list.length > MAX_LIST ? { items: list.slice(0, MAX_LIST), truncated: true } : { items: [...list], truncated: false };
}

/** Cuts UTF-8 text at `maxBytes` without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): { text: string; truncated: boolean } {
  if (text.length <= maxBytes / 3 || Buffer.byteLength(text, 'utf8') <= maxBytes) return { text, truncated: false };
  const buf = Buffer.from(text, 'utf8').subarray(0, maxBytes);
  let end = buf.length;
  // Step back over a partial multi-byte sequence.
  let i = end - 1;
  while (i >= 0 && (buf[i] & 0xc0) === 0x80) i--;
  if (i >= 0) {
    const lead = buf[i];
    const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    if (end - i < need) end = i;
  }
  return { text: buf.subarray(0, end).toString('utf8'), truncated: true };
}

export interface RecordBuilderOptions {
  readonly salt: Buffer;
  readonly includeContent: boolean;
  readonly maxContentBytes: number;
  /** The redaction scrubber; applied to included contents and to caller-controlled strings (rpc ids, resource URIs). */
  readonly scrub?: (s: string) => string;
}

/** Builds record bodies from request contexts. Holds the digest key; computes digests once per request. */
export class RecordBuilder {
  readonly keyId: string;
  private readonly argDigests = new WeakMap<RequestContext, { digest?: string; bytes?: number }>();

  /** The digest key imported once (an HMAC keyed with a raw Buffer imports the key again on every digest). */
  private readonly key: KeyObject;

  constructor(private readonly opts: RecordBuilderOptions) {
    this.key = createSecretKey(opts.salt);
    this.keyId = createHmac('sha256', opts.salt).update('mcp-governance-proxy/audit/digest-key-id').digest('hex').slice(0, 16);
  }

  private digest(value: unknown): { digest?: string; bytes?: number } {
    if (value === undefined) return {};
    try {
      const text = canonicalJson(value);
      return { digest: createHmac('sha256', this.key).update(text, 'utf8').digest('hex'), bytes: Buffer.byteLength(text, 'utf8') };
    } catch {
      return {};
    }
  }

  private argumentsDigest(ctx: RequestContext): { digest?: string; bytes?: number } {
    let d = this.argDigests.get(ctx);
    if (!d) {
      d = this.digest(ctx.arguments);
      this.argDigests.set(ctx, d);
    }
    return d;
  }

  /** Scrubs a caller-controlled string; when no scrubber is installed the string is kept (it is capped either way). */
  private scrubbed(s: string): string {
    if (!this.opts.scrub) return cap(s);
    try {
      return cap(this.opts.scrub(s));
    } catch {
      return '[unavailable]';
    }
  }

  private content(ctx: RequestContext, result: unknown): ContentInfo | undefined {
    if (!this.opts.includeContent || !this.opts.scrub) return undefined;
    const out: { arguments?: string; result?: string } = {};
    const truncated: ('arguments' | 'result')[] = [];
    try {
      for (const [field, value] of [['arguments', ctx.arguments], ['result', result]] as const) {
        if (value === undefined) continue;
        const scrubbed = this.opts.scrub(JSON.stringify(value));
        const cut = truncateUtf8(scrubbed, this.opts.maxContentBytes);
        out[field] = cut.text;
        if (cut.truncated) truncated.push(field);
      }
    } catch {
      return { omitted: 'scrub_failed' };
    }
    return truncated.length ? { ...out, truncated } : out;
  }

  /** The caller as records name it (kind, sub, clientId, groups; capped), or undefined before identity. */
  caller(ctx: RequestContext): CallerInfo | undefined {
    const p = ctx.principal;
    if (!p) return undefined;
    const g = capList(p.groups.map(cap));
    return {
      kind: p.kind,
      ...(p.sub !== undefined ? { sub: cap(p.sub) } : {}),
      ...(p.clientId !== undefined ? { clientId: cap(p.clientId) } : {}),
      groups: g.items,
      ...(g.truncated ? { groupsTruncated: true as const } : {}),
    };
  }

  private common(ctx: RequestContext): Omit<RequestFields, 'digests' | 'latency' | 'outcome' | 'content'> {
    const caller = this.caller(ctx);
    const t = ctx.target;
    // Resource URIs may be caller-chosen (templates), so they pass through the scrubber like other caller input.
    const targetName = (s: string) => (t?.kind === 'resource' ? this.scrubbed(s) : cap(s));
    const target: TargetInfo | undefined = t
      ? { kind: t.kind, upstream: cap(t.upstream), name: targetName(t.name), exposedName: targetName(t.exposedName) }
      : undefined;
    const d = ctx.decision;
    const decision: DecisionInfo | undefined = d
      ? {
          effect: d.effect,
          policyIds: capList(d.policyIds.map(cap)).items,
          dryRunDenials: capList(d.dryRunDenials).items.map((x) => ({ ruleSet: cap(x.ruleSet), policyIds: capList(x.policyIds.map(cap)).items })),
        }
      : undefined;
    const rpcId = ctx.rpcId === undefined ? undefined : typeof ctx.rpcId === 'string' ? this.scrubbed(ctx.rpcId) : ctx.rpcId;
    return {
      requestId: cap(ctx.requestId),
      rpc: {
        ...(rpcId !== undefined ? { id: rpcId } : {}),
        method: cap(ctx.method),
        ...(ctx.protocol ? { era: ctx.protocol.era, protocolVersion: cap(ctx.protocol.version) } : {}),
      },
      ...(caller ? { caller } : {}),
      ...(target ? { target } : {}),
      ...(decision ? { decision } : {}),
      actions: capList(ctx.actions).items.map((a) => ({ stage: cap(a.stage), action: cap(a.action), count: a.count })),
    };
  }

  /** The members that name a request (for records about it: input rounds). */
  requestFields(ctx: RequestContext): Pick<RequestFields, 'requestId' | 'rpc' | 'caller' | 'target'> {
    const { requestId, rpc, caller, target } = this.common(ctx);
    return { requestId, rpc, caller, target };
  }

  /** Salted digest of a value's canonical JSON and its size (nothing for undefined). */
  digestOf(value: unknown): { digest?: string; bytes?: number } {
    return this.digest(value);
  }

  /** A string from outside the proxy, scrubbed and capped. */
  scrubbedText(s: string): string {
    return this.scrubbed(s);
  }

  /** The record written by `beforeForward`: the call was allowed and is about to be forwarded. */
  decision(ctx: RequestContext, now: number): RecordBody {
    const args = this.argumentsDigest(ctx);
    const content = this.content(ctx, undefined);
    return {
      type: 'decision',
      ...this.common(ctx),
      digests: { alg: 'hmac-sha256', keyId: this.keyId, ...(args.digest ? { arguments: args.digest, argumentsBytes: args.bytes } : {}) },
      ...(content ? { content } : {}),
      latency: { policyMs: ms(ctx.timings.policyMs), upstreamMs: 0, totalMs: ms(now - ctx.startedAt) },
    };
  }

  /**
   * The `shadow_disagreement` record of a request whose shadow (candidate) policy decided differently from the enforced
   * one (ctx.shadowDisagreement): the caller, the target (calls) or the entries shown differently (lists), and both
   * decisions with their deciding policies. Undefined when they agreed.
   */
  shadowDisagreement(ctx: RequestContext): RecordBody | undefined {
    const d = ctx.shadowDisagreement;
    if (!d) return undefined;
    const { requestId, rpc, caller, target } = this.common(ctx);
    const decision = (x: { effect: 'allow' | 'deny'; policyIds: readonly string[] }) => ({ effect: x.effect, policyIds: capList(x.policyIds.map(cap)).items });
    const entries = (x: { count: number; names: readonly string[] }) => ({ count: x.count, names: capList(x.names.map((n) => this.scrubbed(n))).items });
    return {
      type: 'shadow_disagreement',
      requestId,
      rpc,
      ...(caller ? { caller } : {}),
      ...(d.kind === 'call'
        ? { ...(target ? { target } : {}), current: decision(d.current), candidate: decision(d.candidate) }
        : { list: { hiddenByCandidate: entries(d.hiddenByCandidate), shownByCandidate: entries(d.shownByCandidate) } }),
    };
  }

  /** The final record of every request (allowed, denied, errored, lists). */
  outcome(ctx: RequestContext, outcome: Outcome, now: number): RecordBody {
    const args = this.argumentsDigest(ctx);
    const res = this.digest(outcome.result);
    const content = this.content(ctx, outcome.result);
    return {
      type: 'outcome',
      ...this.common(ctx),
      digests: {
        alg: 'hmac-sha256',
        keyId: this.keyId,
        ...(args.digest ? { arguments: args.digest, argumentsBytes: args.bytes } : {}),
        ...(res.digest ? { result: res.digest, resultBytes: res.bytes } : {}),
      },
      ...(content ? { content } : {}),
      latency: { policyMs: ms(ctx.timings.policyMs), upstreamMs: ms(ctx.timings.upstreamMs), totalMs: ms(now - ctx.startedAt) },
      outcome: {
        status: outcome.status,
        ...(outcome.errorCode !== undefined ? { errorCode: outcome.errorCode } : {}),
        ...(outcome.errorClass !== undefined ? { errorClass: outcome.errorClass } : {}),
        ...(outcome.toolError !== undefined ? { toolError: outcome.toolError } : {}),
      },
    };
  }
}

/**
 * The record of one input round (`input_request`): the call's request id, caller and target, the input request's kind
 * and how it was decided and delivered, digests of the request as the caller got it and of the answer as the upstream
 * got it. The URL host of a URL elicitation is upstream-chosen text: it passes the scrubber.
 */
export function inputRecord(builder: RecordBuilder, ctx: RequestContext, round: InputRound): RecordBody {
  const { requestId, rpc, caller, target } = builder.requestFields(ctx);
  const req = builder.digestOf(round.request);
  const ans = builder.digestOf(round.answer);
  const d = round.decision;
  return {
    type: 'input_request',
    requestId,
    rpc,
    ...(caller ? { caller } : {}),
    target,
    input: {
      kind: round.event.kind,
      method: cap(round.event.method),
      ...(round.event.urlHost !== undefined ? { urlHost: builder.scrubbedText(round.event.urlHost) } : {}),
      delivery: round.delivery,
      status: round.status,
    },
    decision: { effect: d.effect, policyIds: capList(d.policyIds.map(cap)).items, ...(d.reason ? { reason: d.reason } : {}) },
    digests: {
      alg: 'hmac-sha256',
      keyId: builder.keyId,
      ...(req.digest ? { request: req.digest, requestBytes: req.bytes } : {}),
      ...(ans.digest ? { answer: ans.digest, answerBytes: ans.bytes } : {}),
    },
  };
}

/** Milliseconds rounded to microseconds, never negative. */
function ms(v: number): number {
  return Number.isFinite(v) && v > 0 ? Math.round(v * 1000) / 1000 : 0;
}
