/**
 * The request context: the one object that flows through the pipeline
 * (transport -> identity -> policy stages -> upstream -> policy stages -> audit).
 * Stages read and annotate it; they never hold per-request state of their own.
 */
import type { GovernanceError } from './errors';
import type { InputDecision, InputRequestEvent } from './input-request';

/** Who is calling. Built by the identity stage; never holds the raw token. */
export interface Principal {
  /** How the caller was identified. `anonymous` only when identity is not required. */
  readonly kind: 'jwt' | 'iam' | 'anonymous';
  readonly sub?: string;
  readonly clientId?: string;
  readonly username?: string;
  readonly issuer?: string;
  readonly groups: readonly string[];
  readonly scopes: readonly string[];
  /** Only the claims the configuration names (strings, numbers, booleans, string arrays). */
  readonly claims: Readonly<Record<string, string | number | boolean | readonly string[]>>;
}

/** MCP tool annotations as the upstream declared them (trusted from the upstream only, never from the caller). */
export interface ToolAnnotations {
  readonly title?: string;
  readonly readOnlyHint?: boolean;
  readonly destructiveHint?: boolean;
  readonly idempotentHint?: boolean;
  readonly openWorldHint?: boolean;
}

export type TargetKind = 'tool' | 'resource' | 'prompt';

/** One thing the proxy exposes: a tool, resource (or resource template) or prompt of one upstream. */
export interface CatalogEntry {
  readonly kind: TargetKind;
  /** The upstream's configured name. */
  readonly upstream: string;
  /** The upstream's own name (tool name, prompt name, or resource URI). */
  readonly name: string;
  /** The name (or URI) under which the proxy exposes it. */
  readonly exposedName: string;
  readonly annotations?: ToolAnnotations;
  /** Tools only: the upstream's inputSchema (JSON Schema). */
  readonly inputSchema?: Record<string, unknown>;
  /** The full definition as the upstream returned it, re-exposed with the proxy's name. */
  readonly definition: Record<string, unknown>;
}

/** A named action a stage took, recorded in the audit trail. Names and counts only: never values. */
export interface StageAction {
  readonly stage: string;
  /** e.g. `redact.EMAIL`, `tokenize.SSN`, `sanitize.control_chars_stripped`, `sanitize.deny_pattern.sql` */
  readonly action: string;
  readonly count: number;
}

export interface PolicyDecision {
  readonly effect: 'allow' | 'deny';
  /** Cedar policy ids that determined the decision (empty for deny-by-default). */
  readonly policyIds: readonly string[];
  /** Rule sets evaluated in dry-run mode that would have denied, with the deciding policy ids. */
  readonly dryRunDenials: readonly { readonly ruleSet: string; readonly policyIds: readonly string[] }[];
  /** Time spent deciding, in milliseconds. */
  readonly durationMs: number;
}

/** Where the shadow (candidate) access-control policy decides differently from the enforced one (see access-control/shadow.ts). */
export type ShadowDisagreement =
  | {
      readonly kind: 'call';
      readonly current: { readonly effect: 'allow' | 'deny'; readonly policyIds: readonly string[] };
      readonly candidate: { readonly effect: 'allow' | 'deny'; readonly policyIds: readonly string[] };
    }
  | {
      readonly kind: 'list';
      /** Entries the enforced policy shows and the candidate would hide (count, and the first names). */
      readonly hiddenByCandidate: { readonly count: number; readonly names: readonly string[] };
      /** Entries the candidate would show that the enforced policy hides. */
      readonly shownByCandidate: { readonly count: number; readonly names: readonly string[] };
    };

export interface RequestContext {
  /** Proxy-generated id, unique per inbound JSON-RPC request. */
  readonly requestId: string;
  readonly rpcId?: string | number;
  /** JSON-RPC method, e.g. `tools/call`, `tools/list`. */
  readonly method: string;
  /** Inbound HTTP headers, lower-cased names. Stages must never log these. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The protocol era and revision the caller spoke (audited). */
  readonly protocol?: { readonly era: 'legacy' | 'modern'; readonly version: string };
  /** performance.now() when the request arrived. */
  readonly startedAt: number;
  /** Set by the identity stage. */
  principal?: Principal;
  /** For calls (tools/call, resources/read, prompts/get): what is being called. */
  target?: CatalogEntry;
  /**
   * For calls whose target the server refused to resolve (an ambiguous resource URI, see upstream/uri.ts): the error
   * to answer once identity has been checked, instead of "unknown target".
   */
  refusal?: GovernanceError;
  /** For calls: the arguments, as the upstream will receive them (stages may rewrite them, e.g. tokenization). */
  arguments?: Record<string, unknown>;
  /**
   * For calls: the part of the request's `_meta` that will be forwarded to the upstream (the allowlist of
   * upstream/meta.ts), as the upstream will receive it: sanitization and tokenization treat it like the arguments.
   */
  meta?: Record<string, unknown>;
  /** Set by the access-control stage. */
  decision?: PolicyDecision;
  /** Set by access control when a shadow policy is configured and decides differently; written by the auditor. */
  shadowDisagreement?: ShadowDisagreement;
  /** Whether the caller may see detokenized results (set by access control, read by tokenization). */
  detokenizeAllowed?: boolean;
  /** Accumulated by stages; copied into the audit record. */
  readonly actions: StageAction[];
  /** Milliseconds spent in stages (policy) and in the upstream call. */
  readonly timings: { policyMs: number; upstreamMs: number };
}

/** A JSON result flowing back to the caller (CallToolResult, ReadResourceResult, GetPromptResult, ...). */
export type JsonResult = Record<string, unknown>;

/**
 * A governance stage. Built once from its config section at start-up (compile patterns and policies then);
 * no I/O on the hot path that could have been done at start-up.
 */
export interface Stage {
  readonly name: string;
  /** Runs for every inbound request, in pipeline order, before anything is forwarded. Throw a GovernanceError to stop. */
  onRequest?(ctx: RequestContext): void | Promise<void>;
  /** Runs on the result flowing back, in reverse pipeline order. Must fail closed: throw rather than return unprocessed data. */
  onResult?(ctx: RequestContext, result: JsonResult): JsonResult | Promise<JsonResult>;
  /**
   * For list methods: returns the entries this caller may see, as it may see them (a stage may return entries with a
   * rewritten `definition`, e.g. redacted). Must fail closed (an error hides everything).
   */
  filterList?(ctx: RequestContext, entries: readonly CatalogEntry[]): readonly CatalogEntry[] | Promise<readonly CatalogEntry[]>;
  /**
   * Decides an input request the upstream makes while serving this call (see input-request.ts): access control
   * answers; other stages leave it undefined. Never throws: a failure is a deny.
   */
  onInputRequest?(ctx: RequestContext, event: InputRequestEvent): InputDecision | undefined;
  /**
   * The caller's answer to an allowed input request, on its way to the upstream (sanitization, tokenization), in
   * pipeline order. Returns the answer as the upstream will receive it; throws to refuse it.
   */
  onInputAnswer?(ctx: RequestContext, event: InputRequestEvent, answer: JsonResult): JsonResult;
  /** Called on shutdown. */
  close?(): Promise<void>;
}

/** How a request ended, for the audit record. */
export interface Outcome {
  readonly status: 'ok' | 'denied' | 'error';
  /** For errors: the JSON-RPC code and stable class. */
  readonly errorCode?: number;
  readonly errorClass?: string;
  /** tools/call results with isError: true. */
  readonly toolError?: boolean;
  /** The result flowing back, after output stages (for digests; the auditor never stores it raw). */
  readonly result?: JsonResult;
}

/**
 * The audit trail as the pipeline sees it. `beforeForward` is awaited before anything reaches the upstream:
 * it resolves once the decision record is accepted by the sink's buffer, and throws
 * GovernanceError(AuditUnavailable) when fail-closed and the sink is unhealthy.
 */
export interface Auditor {
  beforeForward(ctx: RequestContext): Promise<void>;
  /** Records the end of a request (every request, allowed or not). Never throws. */
  complete(ctx: RequestContext, outcome: Outcome): void;
  /**
   * Records one input round of a call (an input request, its decision, digests of what went each way), in the same
   * chain. Never throws. @default not recorded (auditors without an input trail)
   */
  inputRound?(ctx: RequestContext, round: InputRound): void;
  /** Flushes buffered records; called on SIGTERM/SIGINT. */
  close(): Promise<void>;
}

/** One input round, as the audit trail records it (digests only, never contents). */
export interface InputRound {
  readonly event: InputRequestEvent;
  readonly decision: InputDecision;
  /** The caller's era and how the request reached it: relayed on its stream, or refused. */
  readonly delivery: 'relayed' | 'refused';
  /** The request as the caller received it (after redaction), when it was delivered. */
  readonly request?: unknown;
  /** The answer as the upstream received it (after sanitization and tokenization). */
  readonly answer?: unknown;
  /**
   * How the round ended: answered, declined by the proxy, or failed (caller error, cancellation); `asked`: put to a
   * modern caller in an input_required result (its answer, on the retry, is a record of its own).
   */
  readonly status: 'asked' | 'answered' | 'declined' | 'error';
}
