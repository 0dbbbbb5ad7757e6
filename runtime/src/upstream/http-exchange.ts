/**
 * One HTTP exchange with an upstream on node:http/https with keep-alive agents: the request goes out with its exact
 * body, the response comes back as Node's IncomingMessage (status, lower-cased headers, body stream), so the caller
 * reads a JSON body whole or parses an SSE stream as it arrives, without WHATWG Request/Response/Headers objects on the
 * hot path. Redirects are never followed (an upstream that redirects is misconfigured, and credentials must not follow
 * a redirect). An aborted signal destroys the request; its listener is removed when the request closes, so long-lived
 * signals do not collect listeners.
 */
import http, { type IncomingMessage } from 'node:http';
import { lazyHttps } from '../lazy-https';

const HTTP_AGENT = new http.Agent({ keepAlive: true, maxSockets: 256 });
/** Built on the first https exchange (node:https is loaded only then: see lazy-https.ts). */
let httpsAgent: http.Agent | undefined;

/** How many stale pooled sockets one request may meet before its failure counts (see send). */
const MAX_STALE_RETRIES = 8;

/** What an outgoing request's headers offer the authenticators: the part of WHATWG Headers they use. */
export interface HeaderBag {
  get(name: string): string | null;
  has(name: string): boolean;
  set(name: string, value: string): void;
  delete(name: string): void;
  forEach(fn: (value: string, name: string) => void): void;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[\r\n\0]/;

/**
 * Headers as a plain object with lower-cased names: the cheap stand-in for WHATWG Headers on the hot path. Like
 * Headers.set, `set` trims the value and refuses names that are not tokens and values with CR, LF or NUL (without
 * quoting the value: it may be a credential).
 */
export class PlainHeaders implements HeaderBag {
  /** @param record headers already checked as `set` checks them (lower-cased names); copied, not kept. */
  constructor(record?: Readonly<Record<string, string>>) {
    this.record = record ? { ...record } : {};
  }

  readonly record: Record<string, string>;

  get(name: string): string | null {
    return this.record[name.toLowerCase()] ?? null;
  }

  has(name: string): boolean {
    return name.toLowerCase() in this.record;
  }

  set(name: string, value: string): void {
    const v = value.trim();
    if (!TOKEN.test(name)) throw new TypeError('invalid header name');
    if (BAD_VALUE.test(v)) throw new TypeError(`invalid value for header ${name}`);
    this.record[name.toLowerCase()] = v;
  }

  delete(name: string): void {
    delete this.record[name.toLowerCase()];
  }

  forEach(fn: (value: string, name: string) => void): void {
    for (const name of Object.keys(this.record).sort()) fn(this.record[name], name);
  }
}

/** Where requests go: the parts of the upstream URL node:http needs, computed once per upstream. */
export interface Target {
  readonly protocol: 'http:' | 'https:';
  readonly hostname: string;
  readonly port?: number;
  readonly path: string;
}

export function targetOf(url: URL): Target {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`unsupported protocol ${url.protocol}`);
  // URL keeps IPv6 literals in brackets; node:http wants them bare.
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { protocol: url.protocol, hostname, port: url.port ? Number(url.port) : undefined, path: `${url.pathname}${url.search}` };
}

export interface HttpRequest {
  readonly url: Target;
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly signal?: AbortSignal;
}

/** Sends the request; resolves with the response as soon as its headers arrived. */
export function exchange(req: HttpRequest): Promise<IncomingMessage> {
  const headers = req.body === undefined ? req.headers : { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) };
  return send(req, headers, 0);
}

/**
 * A keep-alive socket the upstream closed while idle can be picked for reuse at the same moment (the classic keep-alive
 * race): the request then fails with ECONNRESET before any response. That case, and only that one, is retried on
 * another socket, as Node's http documentation recommends (`req.reusedSocket`). An upstream that restarted leaves
 * every pooled socket stale, so the retry repeats while the failing socket was a reused one (a fresh socket that fails
 * is an answer), at most MAX_STALE_RETRIES times.
 */
function send(req: HttpRequest, headers: Record<string, string>, retries: number): Promise<IncomingMessage> {
  return new Promise<IncomingMessage>((resolve, reject) => {
    const target = req.url;
    const mod = target.protocol === 'https:' ? lazyHttps() : http;
    const agent = target.protocol === 'https:' ? (httpsAgent ??= new (lazyHttps().Agent)({ keepAlive: true, maxSockets: 256 })) : HTTP_AGENT;
    const signal = req.signal;
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const out = mod.request(
      { protocol: target.protocol, hostname: target.hostname, port: target.port, path: target.path, method: req.method, headers, agent },
      resolve,
    );
    // What node:http's `signal` option does, without the end-of-stream watchers it attaches to every request (a few
    // µs per call on the hot path): abort destroys the request; the listener goes when the request closes.
    if (signal) {
      const onAbort = () => out.destroy(abortError(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      out.once('close', () => signal.removeEventListener('abort', onAbort));
    }
    out.once('error', (err: NodeJS.ErrnoException) => {
      if (retries < MAX_STALE_RETRIES && out.reusedSocket && err.code === 'ECONNRESET' && !req.signal?.aborted) {
        resolve(send(req, headers, retries + 1));
        return;
      }
      reject(err);
    });
    out.end(req.body);
  });
}

/** The error node:http gives an aborted request (name AbortError, code ABORT_ERR, the signal's reason as cause). */
function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('The operation was aborted', { cause: signal.reason }), { name: 'AbortError', code: 'ABORT_ERR' });
}

/** Reads a response body whole as UTF-8 text; rejects when the exchange fails or is aborted before the end. */
export function readText(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.once('end', () => resolve(chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    res.once('error', reject);
    res.once('aborted', () => reject(Object.assign(new Error('upstream response aborted'), { code: 'ECONNRESET' })));
  });
}

/** Consumes and discards a response body (so the socket can go back to the pool). */
export function discard(res: IncomingMessage): void {
  res.on('error', () => {});
  res.resume();
}

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaType(contentType: string | undefined): string {
  if (!contentType) return '';
  const semi = contentType.indexOf(';');
  return (semi >= 0 ? contentType.slice(0, semi) : contentType).trim().toLowerCase();
}
