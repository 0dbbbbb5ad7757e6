/**
 * The HTTP side both protocol legs share: every request to one upstream goes out here with the static headers, the
 * leg's protocol headers and the authenticator's credentials (it signs the exact body); a 401 is retried once when the
 * authenticator says fresh credentials may help. A response that is not 2xx is read (bounded), never discarded unread:
 * its body may carry the JSON-RPC error that tells the protocol era apart (-32022 and friends).
 */
import type { IncomingMessage } from 'node:http';
import type { UpstreamConfig } from '../config/sections/proxy';
import { classifyMessage, RpcError } from '../protocol';
import type { UpstreamAuthenticator, UpstreamCallContext } from './auth/types';
import { UpstreamHttpError } from './errors';
import { discard, exchange, PlainHeaders, targetOf, type Target } from './http-exchange';

/** Error bodies longer than this are not JSON-RPC errors worth reading: they are cut off and treated as opaque. */
const MAX_ERROR_BODY = 64 * 1024;

export interface UpstreamHttpRequest {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly body?: string;
  /** Protocol headers of the leg (session, version, Mcp-Method...), lower-case names. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly auth: UpstreamCallContext;
  readonly signal: AbortSignal;
}

export class UpstreamHttp {
  readonly url: URL;
  private readonly target: Target;
  /**
   * The configured static headers, checked once (as PlainHeaders.set checks them), then copied into every request's
   * headers; or why they were refused (thrown by every request, as when each request checked them).
   */
  private readonly staticHeaders: Readonly<Record<string, string>> | Error;

  constructor(
    config: UpstreamConfig,
    private readonly auth: UpstreamAuthenticator,
  ) {
    this.url = new URL(config.url);
    this.target = targetOf(this.url);
    this.staticHeaders = checkedHeaders(config.headers);
  }

  /** One HTTP request; resolves as soon as the response headers arrived. */
  async send(req: UpstreamHttpRequest): Promise<IncomingMessage> {
    const attempt = async () => {
      if (this.staticHeaders instanceof Error) throw this.staticHeaders;
      const headers = new PlainHeaders(this.staticHeaders);
      // Constant values: written as set() would leave them.
      headers.record.accept = req.method === 'POST' ? 'application/json, text/event-stream' : 'text/event-stream';
      if (req.body !== undefined) headers.record['content-type'] = 'application/json';
      if (req.headers) for (const [k, v] of Object.entries(req.headers)) headers.set(k, v);
      await this.auth.authorize({ url: this.url, method: req.method, headers, body: req.body }, req.auth);
      return exchange({ url: this.target, method: req.method, headers: headers.record, body: req.body, signal: req.signal });
    };
    const res = await attempt();
    if (res.statusCode !== 401 || !this.auth.invalidate()) return res;
    discard(res);
    return attempt();
  }
}

/** The configured static headers as PlainHeaders.set leaves them, or the error set throws for the first bad one. */
function checkedHeaders(configured: Readonly<Record<string, string>>): Readonly<Record<string, string>> | Error {
  const headers = new PlainHeaders();
  try {
    for (const [k, v] of Object.entries(configured)) headers.set(k, v);
  } catch (err) {
    return err as Error;
  }
  return headers.record;
}

/** True for a 2xx status. */
export function isSuccess(res: IncomingMessage): boolean {
  const status = res.statusCode ?? 0;
  return status >= 200 && status < 300;
}

/**
 * Reads a response that is not 2xx into the error it stands for, with the JSON-RPC error its body carries (if any) and
 * that error's id (undefined when the body carried none).
 */
export async function readFailure(res: IncomingMessage): Promise<{ error: UpstreamHttpError; id?: string | number | null }> {
  const status = res.statusCode ?? 0;
  const text = await readBounded(res, MAX_ERROR_BODY).catch(() => undefined);
  let rpc: RpcError | undefined;
  let id: string | number | null | undefined;
  if (text) {
    try {
      const msg = classifyMessage(JSON.parse(text));
      if (msg?.kind === 'error') {
        rpc = msg.error;
        id = msg.id;
      }
    } catch {
      // Not JSON: an opaque error page.
    }
  }
  return { error: new UpstreamHttpError(status, res.statusMessage ?? '', false, rpc), id };
}

/** Reads at most `max` bytes of a body as UTF-8; undefined (and the rest discarded) when it is longer. */
function readBounded(res: IncomingMessage, max: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    res.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > max) over = true;
      else chunks.push(c);
    });
    res.once('end', () => resolve(over ? undefined : Buffer.concat(chunks).toString('utf8')));
    res.once('error', reject);
    res.once('aborted', () => reject(new Error('upstream response aborted')));
  });
}
