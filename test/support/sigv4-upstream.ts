/**
 * Upstream MCP servers for tests of upstream auth, on 127.0.0.1:
 *
 * - `verifySigV4` checks an AWS SigV4 request signature the way AWS does: it recomputes the signature with
 *   @smithy/signature-v4 from what was received (method, raw path, query, the signed headers, the body's own hash)
 *   and the secret key it knows for the access key id, and compares. A wrong secret, a tampered body, path, query or
 *   signed header, a stale date, a wrong scope or a missing signature is refused.
 * - `startGuardedMcpUpstream` is a real MCP server (SDK McpServer, Streamable HTTP, stateless) behind a node:http front
 *   that runs a guard on every request first and answers the guard's refusal (403, 401, ...) without reaching MCP.
 * - `startSigV4Upstream` is that server with a SigV4 guard: an AgentCore Gateway / Runtime stand-in with IAM auth.
 * - `jwtBearerGuard` makes it an OAuth2-protected resource server that verifies Bearer JWTs against an issuer's JWKS.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import { listenOnLoopback } from './net';

export interface SigV4Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** Static credentials for loopback tests (not real keys). */
export const TEST_CREDENTIALS: SigV4Credentials = {
  accessKeyId: 'AKIDLOOPBACKTEST0001',
  secretAccessKey: 'loopback-test-secret-key-0000000000000001',
};

export interface SigV4VerifyOptions {
  readonly service: string;
  readonly region: string;
  /** The principals the verifier knows, by access key id. */
  readonly credentials: readonly SigV4Credentials[];
  /** Largest accepted difference between x-amz-date and now. @default 5 minutes */
  readonly maxSkewMs?: number;
}

export type SigV4Verdict = { readonly ok: true; readonly accessKeyId: string } | { readonly ok: false; readonly reason: string };

const AUTH_RE =
  /^AWS4-HMAC-SHA256 Credential=([^/\s]+)\/(\d{8})\/([^/\s]+)\/([^/\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;._-]+),\s*Signature=([0-9a-f]{64})$/;

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

function parseAmzDate(v: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(v);
  return m ? new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`) : undefined;
}

/** Verifies the SigV4 signature of a received request over its exact body. */
export async function verifySigV4(req: IncomingMessage, body: Buffer, opts: SigV4VerifyOptions): Promise<SigV4Verdict> {
  const fail = (reason: string): SigV4Verdict => ({ ok: false, reason });
  const auth = header(req, 'authorization');
  if (!auth) return fail('missing Authorization');
  const m = AUTH_RE.exec(auth);
  if (!m) return fail('malformed Authorization');
  const [, accessKeyId, scopeDate, region, service, signedHeaderList, signature] = m;
  const creds = opts.credentials.find((c) => c.accessKeyId === accessKeyId);
  if (!creds) return fail('unknown access key');
  if (region !== opts.region) return fail('wrong region in credential scope');
  if (service !== opts.service) return fail('wrong service in credential scope');
  const amzDate = header(req, 'x-amz-date');
  const signingDate = amzDate ? parseAmzDate(amzDate) : undefined;
  if (!amzDate || !signingDate) return fail('missing or malformed x-amz-date');
  if (amzDate.slice(0, 8) !== scopeDate) return fail('credential scope date differs from x-amz-date');
  if (Math.abs(Date.now() - signingDate.getTime()) > (opts.maxSkewMs ?? 5 * 60_000)) return fail('signature expired');
  const signed = signedHeaderList.split(';');
  if (!signed.includes('host') || !signed.includes('x-amz-date')) return fail('host and x-amz-date must be signed');
  const token = header(req, 'x-amz-security-token');
  if ((creds.sessionToken ?? undefined) !== token) return fail('session token mismatch');
  const payloadHash = createHash('sha256').update(body).digest('hex');
  const claimedHash = header(req, 'x-amz-content-sha256');
  if (claimedHash !== undefined && claimedHash !== payloadHash) return fail('payload hash mismatch');

  const headers: Record<string, string> = {};
  for (const name of signed) {
    const v = header(req, name);
    if (v === undefined) return fail(`signed header ${name} missing`);
    headers[name] = v;
  }
  const url = new URL(req.url ?? '/', 'http://placeholder');
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const rawPath = (req.url ?? '/').split('?')[0];
  const signer = new SignatureV4({ service, region, credentials: creds, sha256: Sha256, applyChecksum: false, uriEscapePath: true });
  const expected = await signer.sign(
    new HttpRequest({ method: req.method ?? 'GET', protocol: 'http:', hostname: headers.host ?? '', path: rawPath, query, headers, body }),
    { signingDate, signableHeaders: new Set(signed) },
  );
  const em = AUTH_RE.exec(expected.headers.authorization ?? '');
  if (!em || em[5] !== signedHeaderList) return fail('signed header list mismatch');
  const a = Buffer.from(em[6], 'hex');
  const b = Buffer.from(signature, 'hex');
  if (a.length !== b.length || !timingSafeEqual(a, b)) return fail('signature mismatch');
  return { ok: true, accessKeyId };
}

/** What a guard decides for one request: let it through to MCP, or answer `status` with `reason`. */
export type GuardVerdict = { readonly ok: true } | { readonly ok: false; readonly status: number; readonly reason: string };
export type Guard = (req: IncomingMessage, body: Buffer) => Promise<GuardVerdict> | GuardVerdict;

/** One request the upstream received, for assertions. */
export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly status: 'forwarded' | number;
  readonly reason?: string;
}

export interface GuardedMcpUpstream {
  /** The MCP endpoint URL. */
  readonly url: string;
  readonly received: ReceivedRequest[];
  close(): Promise<void>;
}

export interface GuardedMcpUpstreamOptions {
  readonly guard: Guard;
  /** Path of the MCP endpoint (raw, may hold percent-encoded characters and a query is allowed on requests). @default '/mcp' */
  readonly path?: string;
  /** Adds tools etc. to each server instance. @default an `echo` tool ({ text }) => text */
  readonly register?: (server: McpServer) => void;
}

function registerEcho(server: McpServer): void {
  server.registerTool('echo', { description: 'Echoes text', inputSchema: { text: z.string() } }, async ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
}

/** Starts a stateless MCP server on 127.0.0.1 behind `guard`. */
export async function startGuardedMcpUpstream(opts: GuardedMcpUpstreamOptions): Promise<GuardedMcpUpstream> {
  const path = opts.path ?? '/mcp';
  const received: ReceivedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const reqPath = (req.url ?? '/').split('?')[0];
        const record = (status: ReceivedRequest['status'], reason?: string) =>
          received.push({ method: req.method ?? '', path: reqPath, headers: { ...req.headers }, status, reason });
        if (reqPath !== path) {
          record(404);
          res.writeHead(404).end();
          return;
        }
        const verdict = await opts.guard(req, body);
        if (!verdict.ok) {
          record(verdict.status, verdict.reason);
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (verdict.status === 401) headers['www-authenticate'] = 'Bearer error="invalid_token"';
          res.writeHead(verdict.status, headers).end(JSON.stringify({ message: verdict.reason }));
          return;
        }
        record('forwarded');
        const mcp = new McpServer({ name: 'guarded-upstream', version: '1.0.0' });
        (opts.register ?? registerEcho)(mcp);
        const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
        res.on('close', () => {
          void transport.close();
          void mcp.close();
        });
        await mcp.connect(transport);
        await transport.handleRequest(req, res, body.length ? JSON.parse(body.toString('utf8')) : undefined);
      })().catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
  });
  const { port } = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface SigV4UpstreamOptions extends Partial<Omit<SigV4VerifyOptions, 'credentials'>> {
  /** @default [TEST_CREDENTIALS] */
  readonly credentials?: readonly SigV4Credentials[];
  readonly path?: string;
  readonly register?: (server: McpServer) => void;
}

/** A SigV4 guard: 403 for a missing or bad signature, as AWS answers. */
export function sigv4Guard(opts: SigV4VerifyOptions): Guard {
  return async (req, body) => {
    const v = await verifySigV4(req, body, opts);
    return v.ok ? { ok: true } : { ok: false, status: 403, reason: v.reason };
  };
}

/** An MCP upstream that requires SigV4 (service default `bedrock-agentcore`, region default `us-east-1`). */
export function startSigV4Upstream(opts: SigV4UpstreamOptions = {}): Promise<GuardedMcpUpstream> {
  return startGuardedMcpUpstream({
    path: opts.path,
    register: opts.register,
    guard: sigv4Guard({
      service: opts.service ?? 'bedrock-agentcore',
      region: opts.region ?? 'us-east-1',
      credentials: opts.credentials ?? [TEST_CREDENTIALS],
      maxSkewMs: opts.maxSkewMs,
    }),
  });
}

export interface JwtBearerGuardOptions {
  /** The issuer's JWKS URL. */
  readonly jwksUrl: string;
  readonly issuer: string;
  /** Required `aud`, if any. */
  readonly audience?: string;
  /** Refuse a token that verifies but was revoked (e.g. by `jti`). */
  readonly isRevoked?: (payload: JWTPayload) => boolean;
}

/**
 * A Bearer JWT guard, as an OAuth2-protected MCP server answers (RFC 6750): 401 with `WWW-Authenticate: Bearer` when
 * the token is missing, badly signed (checked against the issuer's JWKS), expired, for another audience, or revoked.
 */
export function jwtBearerGuard(opts: JwtBearerGuardOptions): Guard {
  const jwks = createRemoteJWKSet(new URL(opts.jwksUrl));
  return async (req) => {
    const auth = header(req, 'authorization');
    const m = auth ? /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(auth) : null;
    if (!m) return { ok: false, status: 401, reason: 'missing bearer token' };
    try {
      const { payload } = await jwtVerify(m[1], jwks, { issuer: opts.issuer, audience: opts.audience, clockTolerance: 0 });
      if (opts.isRevoked?.(payload)) return { ok: false, status: 401, reason: 'token revoked' };
      return { ok: true };
    } catch (err) {
      return { ok: false, status: 401, reason: `invalid token: ${(err as { code?: string }).code ?? 'unknown'}` };
    }
  };
}
