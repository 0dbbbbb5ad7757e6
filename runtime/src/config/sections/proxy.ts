/** Server, naming, discovery and upstream sections. Owned by runtime/src/server and runtime/src/upstream. */
import { z } from 'zod';
import { upstreamAuthSchema } from './upstream-auth';

export const serverSchema = z
  .object({
    host: z.string().min(1).default('0.0.0.0'),
    port: z.number().int().min(0).max(65535).default(8000),
    /** MCP Streamable HTTP endpoint path. */
    path: z.string().startsWith('/').default('/mcp'),
    /** Health endpoint path (AgentCore probes GET /ping). */
    healthPath: z.string().startsWith('/').default('/ping'),
    /** Largest accepted request body, in bytes; larger bodies are refused before they are read whole. */
    maxBodyBytes: z.number().int().positive().default(1_048_576),
    /** On SIGTERM/SIGINT, how long in-flight requests may take to finish before connections are closed, in ms. */
    shutdownGraceMs: z.number().int().min(0).max(120_000).default(10_000),
  })
  .strict();

export const namingSchema = z
  .object({
    /**
     * `auto` (default): namespace names only when there is more than one upstream; `always`; `never`.
     * Exposed names are `<prefix><separator><name>`; resource URIs and URI templates likewise `<prefix><separator><uri>`.
     * A name two upstreams would expose identically (possible with `never` or equal prefixes) is a collision: it is
     * excluded from the catalog for both upstreams, logged as an error naming both, and listed on /ping.
     */
    mode: z.enum(['auto', 'always', 'never']).default('auto'),
    /** Between the upstream prefix and the tool name. AgentCore Gateway names already contain `___`. */
    separator: z.string().min(1).max(8).regex(/^[A-Za-z0-9_.\-]+$/, 'use only letters, digits, _ . -').default('__'),
  })
  .strict();

export const discoverySchema = z
  .object({
    /** How often the catalog is refreshed in the background, in ms (0 disables). */
    refreshIntervalMs: z.number().int().min(0).default(300_000),
    /** First retry delay for an upstream that failed discovery, doubling up to maxRetryDelayMs. */
    initialRetryDelayMs: z.number().int().positive().default(1_000),
    maxRetryDelayMs: z.number().int().positive().default(60_000),
  })
  .strict();

export const upstreamSchema = z
  .object({
    /** Unique; used as the namespace prefix and in audit records. */
    name: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,47}$/, 'must start with a letter and use only letters, digits, _ and - (max 48 chars)'),
    /** Streamable HTTP MCP endpoint. */
    url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
    /** Namespace prefix for this upstream's names. @default the upstream name */
    prefix: z.string().regex(/^[A-Za-z0-9_-]*$/).optional(),
    /** Per-request timeout, in ms (explicit: the SDK's 60 s default surprises users). */
    timeoutMs: z.number().int().positive().max(900_000).default(30_000),
    /** Static headers sent to the upstream (never secrets: use auth for those). */
    headers: z.record(z.string(), z.string()).default({}),
    auth: upstreamAuthSchema.default({ type: 'none' }),
    /**
     * The MCP protocol era this upstream speaks. `auto` (default): probe with `server/discover` and fall back to
     * `initialize` when the upstream refuses it without a modern error (the MCP versioning rules), remember the
     * answer and probe again when it stops holding. `legacy`: the initialize-era revisions (2024-11-05 to
     * 2025-11-25: initialize, Mcp-Session-Id) without a probe. `modern`: revision 2026-07-28 (stateless) only; an
     * upstream that does not speak it is reported unavailable.
     */
    protocol: z.enum(['auto', 'legacy', 'modern']).default('auto'),
  })
  .strict();

export type UpstreamConfig = z.output<typeof upstreamSchema>;
