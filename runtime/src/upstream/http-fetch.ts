/**
 * A lean `fetch` for upstream calls on node:http/https with keep-alive agents. The SDK transport only needs fetch's
 * calling convention; undici's full WHATWG fetch costs noticeably more CPU and garbage per request, which matters on
 * the proxy's hot path. JSON bodies are buffered; SSE bodies are streamed. Redirects are never followed (the SDK asks
 * for `redirect: 'manual'` and handles same-origin redirects itself). An aborted signal destroys the request, and the
 * listener it adds to the signal is removed when the request closes (no listener build-up on long-lived signals).
 */
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';

const AGENTS = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 256 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 256 }),
} as const;

function toHeaders(raw: string[]): Headers {
  const h = new Headers();
  for (let i = 0; i < raw.length; i += 2) h.append(raw[i], raw[i + 1]);
  return h;
}

export function nodeFetch(input: string | URL, init: RequestInit = {}): Promise<Response> {
  const url = typeof input === 'string' ? new URL(input) : input;
  const protocol = url.protocol as keyof typeof AGENTS;
  if (!(protocol in AGENTS)) return Promise.reject(new TypeError(`unsupported protocol ${url.protocol}`));
  const method = (init.method ?? 'GET').toUpperCase();
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((v, k) => {
    headers[k] = v;
  });
  let body: string | Uint8Array | undefined;
  if (typeof init.body === 'string' || init.body instanceof Uint8Array) body = init.body;
  else if (init.body != null) return Promise.reject(new TypeError('nodeFetch supports string and byte bodies only'));
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  return send(url, protocol, method, headers, body, init.signal ?? undefined, false);
}

/**
 * One HTTP exchange. A keep-alive socket the upstream closed while idle can be picked for reuse at the same moment
 * (the classic keep-alive race): the request then fails with ECONNRESET before any response. That case, and only
 * that one, is retried once on a fresh socket, as Node's http documentation recommends (`req.reusedSocket`).
 */
function send(
  url: URL,
  protocol: keyof typeof AGENTS,
  method: string,
  headers: Record<string, string>,
  body: string | Uint8Array | undefined,
  signal: AbortSignal | undefined,
  retried: boolean,
): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    const mod = protocol === 'https:' ? https : http;
    const req = mod.request(url, { method, headers, agent: AGENTS[protocol], signal }, (res) => {
      const status = res.statusCode ?? 0;
      const responseHeaders = toHeaders(res.rawHeaders);
      if (status === 204 || status === 304 || method === 'HEAD' || status < 200) {
        res.resume();
        resolve(new Response(null, { status: status < 200 ? 502 : status, headers: responseHeaders }));
        return;
      }
      if ((res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
        resolve(new Response(Readable.toWeb(res) as ReadableStream<Uint8Array>, { status, headers: responseHeaders }));
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('end', () => {
        const buf = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
        // A Buffer is a Uint8Array; the DOM typings only want to be sure it is not backed by a SharedArrayBuffer.
        const payload = buf.length === 0 ? null : (buf as unknown as Uint8Array<ArrayBuffer>);
        resolve(new Response(payload, { status, headers: responseHeaders }));
      });
      res.once('error', reject);
    });
    req.once('error', (err: NodeJS.ErrnoException) => {
      if (!retried && req.reusedSocket && err.code === 'ECONNRESET' && !signal?.aborted) {
        resolve(send(url, protocol, method, headers, body, signal, true));
        return;
      }
      reject(err);
    });
    req.end(body);
  });
}
