/**
 * Shared pieces of the reliability suite (test/reliability): audit records read back from the proxy's stdout,
 * JSON-RPC calls with a hard client-side deadline (a hang fails the test instead of stalling it), the proxy's RSS
 * from /proc, a request body sent slowly in chunks, and a scan for planted canary secrets.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';

/** One audit record (schema v1) as the proxy wrote it. */
export interface AuditRecord {
  readonly v: number;
  readonly type: string;
  readonly instanceId: string;
  readonly seq: number;
  readonly hash: string;
  readonly prevHash: string;
  readonly requestId?: string;
  readonly rpc?: { readonly id?: string | number; readonly method: string };
  readonly caller?: { readonly kind: string; readonly sub?: string; readonly groups: readonly string[] };
  readonly target?: { readonly kind: string; readonly upstream: string; readonly name: string; readonly exposedName: string };
  readonly decision?: { readonly effect: 'allow' | 'deny'; readonly policyIds: readonly string[] };
  readonly outcome?: { readonly status: 'ok' | 'denied' | 'error'; readonly errorCode?: number; readonly errorClass?: string; readonly toolError?: boolean };
  readonly [k: string]: unknown;
}

/** Audit records among JSON lines (stdout sink output, or CloudWatch event messages); other lines are skipped. */
export function auditRecords(text: string | readonly string[]): AuditRecord[] {
  const lines = typeof text === 'string' ? text.split('\n') : text;
  const out: AuditRecord[] = [];
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    try {
      const r = JSON.parse(line) as Partial<AuditRecord>;
      if (r && r.v === 1 && typeof r.hash === 'string' && typeof r.seq === 'number' && typeof r.type === 'string') out.push(r as AuditRecord);
    } catch {
      // a partial line, or not JSON
    }
  }
  return out;
}

/** The final (outcome) record of the request with this JSON-RPC id. */
export function outcomeFor(records: readonly AuditRecord[], rpcId: string | number): AuditRecord | undefined {
  return records.find((r) => r.type === 'outcome' && r.rpc?.id === rpcId);
}

export interface RpcReply {
  readonly status: number;
  readonly text: string;
  /** The parsed JSON-RPC response (the last `data:` event when the answer was an SSE stream). */
  readonly json?: { jsonrpc?: string; id?: unknown; result?: Record<string, unknown>; error?: { code: number; message: string; data?: unknown } };
  readonly ms: number;
}

/** Parses a response body: plain JSON, or an SSE stream whose last message event is the response. */
export function parseReply(text: string): RpcReply['json'] {
  try {
    return JSON.parse(text) as RpcReply['json'];
  } catch {
    const events = text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
    for (let i = events.length - 1; i >= 0; i--) {
      try {
        const v = JSON.parse(events[i]) as RpcReply['json'];
        if (v && ('result' in v || 'error' in v)) return v;
      } catch {
        // keep looking
      }
    }
    return undefined;
  }
}

/**
 * POSTs one body to the proxy and waits at most `deadlineMs` for the whole answer: exceeding it throws (a hang is a
 * failure, never a stalled test). Headers default to what an MCP client sends.
 */
export async function post(url: string, body: string | Uint8Array, opts: { headers?: Record<string, string>; deadlineMs?: number } = {}): Promise<RpcReply> {
  const t0 = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...opts.headers },
    body: body as BodyInit,
    signal: AbortSignal.timeout(opts.deadlineMs ?? 15_000),
  });
  const text = await res.text();
  return { status: res.status, text, json: parseReply(text), ms: performance.now() - t0 };
}

/** A tools/call body. */
export function toolCall(name: string, args: Record<string, unknown> | undefined, id: string | number): string {
  return JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: args === undefined ? { name } : { name, arguments: args } });
}

/** Resident set size of a process, in KiB (Linux /proc). */
export function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}

export interface SlowBodyResult {
  /** HTTP status of the answer (0 when the connection closed without one). */
  readonly status: number;
  readonly body: string;
  /** Bytes written to the socket before the answer arrived. */
  readonly bytesSentBeforeAnswer: number;
  /** Whether the sender had finished sending everything when the answer arrived. */
  readonly finishedSendingFirst: boolean;
}

/**
 * Sends a chunked (no Content-Length) body of `totalBytes` slowly: `chunkBytes` every `intervalMs`. Resolves as soon
 * as an answer arrives (or the connection is closed), reporting how much had been sent by then. Gives up after
 * `deadlineMs`.
 */
export function sendSlowChunkedBody(
  url: string,
  opts: { totalBytes: number; chunkBytes: number; intervalMs: number; deadlineMs?: number; headers?: Record<string, string> },
): Promise<SlowBodyResult> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    let sent = 0;
    let finished = false;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const settle = (r: SlowBodyResult | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(deadline);
      req.destroy();
      if (r instanceof Error) reject(r);
      else resolve(r);
    };
    const deadline = setTimeout(() => settle(new Error(`no answer within ${opts.deadlineMs ?? 30_000} ms (sent ${sent} bytes)`)), opts.deadlineMs ?? 30_000);
    const req = request(
      { host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', ...opts.headers } },
      (res) => {
        const at = sent;
        const wasFinished = finished;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => settle({ status: res.statusCode ?? 0, body, bytesSentBeforeAnswer: at, finishedSendingFirst: wasFinished }));
        res.on('error', () => settle({ status: res.statusCode ?? 0, body, bytesSentBeforeAnswer: at, finishedSendingFirst: wasFinished }));
      },
    );
    req.on('error', (e) => {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EPIPE' || code === 'ECONNRESET') settle({ status: 0, body: '', bytesSentBeforeAnswer: sent, finishedSendingFirst: finished });
      else settle(e);
    });
    // A JSON prefix, then filler: the body is a syntactically plausible (huge) JSON-RPC request.
    const prefix = Buffer.from('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"ok","arguments":{"text":"');
    const pump = () => {
      if (settled) return;
      if (sent >= opts.totalBytes) {
        finished = true;
        req.end('"}}}');
        return;
      }
      const n = Math.min(opts.chunkBytes, opts.totalBytes - sent);
      const chunk = sent === 0 ? Buffer.concat([prefix, Buffer.alloc(Math.max(0, n - prefix.length), 0x61)]) : Buffer.alloc(n, 0x61);
      sent += chunk.length;
      req.write(chunk);
      timer = setTimeout(pump, opts.intervalMs);
    };
    pump();
  });
}

/** Every canary (or any of its `fragments`) found in `haystacks`, as `<where>: <canary label>`. */
export function findCanaries(canaries: Readonly<Record<string, string>>, haystacks: Readonly<Record<string, string>>): string[] {
  const hits: string[] = [];
  for (const [where, text] of Object.entries(haystacks)) {
    for (const [label, value] of Object.entries(canaries)) {
      if (value && text.includes(value)) hits.push(`${where}: ${label}`);
    }
  }
  return hits;
}

/** Resolves after `ms`. */
export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until the proxy's tools/list shows every name in `names` (initial discovery may need a retry on a busy machine). */
export async function waitForTools(url: string, names: readonly string[], opts: { headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<string[]> {
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  let shown: string[] = [];
  for (;;) {
    try {
      const r = await post(url, JSON.stringify({ jsonrpc: '2.0', id: 'wait-tools', method: 'tools/list' }), { headers: opts.headers, deadlineMs: 10_000 });
      shown = ((r.json?.result?.tools ?? []) as { name: string }[]).map((t) => t.name);
      if (names.every((n) => shown.includes(n))) return shown;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`tools/list never showed ${names.filter((n) => !shown.includes(n)).join(', ')} (shown: ${shown.join(', ')})`);
    await delay(100);
  }
}

/** Waits until /ping reports none of `upstreams` degraded (a failed upstream is rediscovered in the background). */
export async function waitForUpstreamsHealthy(baseUrl: string, upstreams: readonly string[], timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ping = (await (await fetch(`${baseUrl}/ping`)).json()) as { degraded: string[] };
    if (!upstreams.some((u) => ping.degraded.includes(u))) return;
    if (Date.now() > deadline) throw new Error(`upstreams still degraded after ${timeoutMs} ms: ${ping.degraded.join(', ')}`);
    await delay(50);
  }
}

/** A settled promise as a value: `{ ok: true, value }` or `{ ok: false, error }` (no cross-realm `instanceof` checks needed). */
export function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  return p.then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error }));
}
