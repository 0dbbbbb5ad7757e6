/**
 * One HTTP exchange with an upstream on node:http/https with keep-alive agents: the request goes out with its exact
 * body, the response comes back as Node's IncomingMessage (status, lower-cased headers, body stream), so the caller
 * reads a JSON body whole or parses an SSE stream as it arrives, without WHATWG Request/Response/Headers objects on the
 * hot path. Redirects are never followed (an upstream that redirects is misconfigured, and credentials must not follow
 * a redirect). An aborted signal destroys the request; Node removes the listener it adds to the signal when the request
 * closes, so long-lived signals do not collect listeners.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';

const AGENTS = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 256 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 256 }),
} as const;

export interface HttpRequest {
  readonly url: URL;
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly signal?: AbortSignal;
}

/** Sends the request; resolves with the response as soon as its headers arrived. */
export function exchange(req: HttpRequest): Promise<IncomingMessage> {
  const protocol = req.url.protocol;
  if (protocol !== 'http:' && protocol !== 'https:') return Promise.reject(new TypeError(`unsupported protocol ${protocol}`));
  const headers = req.body === undefined ? req.headers : { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) };
  return send(req, protocol, headers, false);
}

/**
 * A keep-alive socket the upstream closed while idle can be picked for reuse at the same moment (the classic keep-alive
 * race): the request then fails with ECONNRESET before any response. That case, and only that one, is retried once on
 * a fresh socket, as Node's http documentation recommends (`req.reusedSocket`).
 */
function send(req: HttpRequest, protocol: 'http:' | 'https:', headers: Record<string, string>, retried: boolean): Promise<IncomingMessage> {
  return new Promise<IncomingMessage>((resolve, reject) => {
    const mod = protocol === 'https:' ? https : http;
    const out = mod.request(req.url, { method: req.method, headers, agent: AGENTS[protocol], signal: req.signal }, resolve);
    out.once('error', (err: NodeJS.ErrnoException) => {
      if (!retried && out.reusedSocket && err.code === 'ECONNRESET' && !req.signal?.aborted) {
        resolve(send(req, protocol, headers, true));
        return;
      }
      reject(err);
    });
    out.end(req.body);
  });
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
