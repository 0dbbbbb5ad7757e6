/**
 * The HTTP front's own bounds, in-process with a stub handler (no upstream, no pipeline): how long a client may take to
 * send a request (headers, then body) before Node answers 408 and closes, which must not limit how long a response may
 * take; and how requests still running when the shutdown grace period ends are answered (a JSON-RPC error with their
 * id, as a JSON response or as the last event of an SSE stream) and aborted before the connections close.
 */
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { createLogger } from '../log';
import { ProxyHttpServer, type HttpServerOptions } from './http';
import type { InboundRequest, McpHandler } from './mcp-handler';

type Handle = (req: InboundRequest) => Promise<unknown>;

async function start(handle: Handle, bounds: Pick<HttpServerOptions, 'headersTimeoutMs' | 'requestTimeoutMs'> = {}): Promise<{ http: ProxyHttpServer; url: string }> {
  const handler = { handle, handleNotification: () => undefined, handleResponse: () => undefined } as unknown as McpHandler;
  const http = new ProxyHttpServer({
    host: '127.0.0.1',
    port: 0,
    path: '/mcp',
    healthPath: '/ping',
    maxBodyBytes: 64 * 1024,
    handler,
    health: { status: () => [], collisions: () => [] },
    log: createLogger('test', { level: 'error' }),
    ready: Promise.resolve(),
    ...bounds,
  });
  const addr = await http.listen();
  return { http, url: `http://127.0.0.1:${addr.port}/mcp` };
}

function call(url: string, id: string | number, accept = 'application/json'): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept },
    body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 't' } }),
    signal: AbortSignal.timeout(10_000),
  });
}

/** Sends `raw` on a new connection and then nothing; resolves with what came back and when the server closed it. */
function sendThenStall(url: string, raw: string): Promise<{ text: string; ms: number }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    let text = '';
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(raw));
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (text += d));
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? undefined : reject(err)));
    socket.on('close', () => resolve({ text, ms: Date.now() - t0 }));
    socket.setTimeout(10_000, () => socket.destroy(new Error('the server kept the stalled request open')));
  });
}

const echo: Handle = async (req) => ({ content: [{ type: 'text', text: String(req.message.id) }] });

describe('request timeouts: a client that stalls while sending a request', () => {
  let http: ProxyHttpServer;
  let url: string;
  let delayMs = 0;

  beforeAll(async () => {
    ({ http, url } = await start(
      async (req) => {
        await new Promise((r) => setTimeout(r, delayMs));
        return echo(req);
      },
      { headersTimeoutMs: 300, requestTimeoutMs: 500 },
    ));
  });
  afterAll(() => http?.shutdown(1000));

  test('the defaults: 10 s for headers, 30 s for the whole request, 65 s keep-alive', async () => {
    const { http: plain } = await start(echo);
    try {
      expect(plain.server.headersTimeout).toBe(10_000);
      expect(plain.server.requestTimeout).toBe(30_000);
      expect(plain.server.keepAliveTimeout).toBe(65_000);
    } finally {
      await plain.shutdown(0);
    }
  });

  test('headers, part of the body, then nothing: 408 and the connection closed soon after requestTimeout; the next request is served', async () => {
    const head = `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n`;
    const r = await sendThenStall(url, `${head}{"jsonrpc":"2.0","id":"stalled",`);
    expect(r.text).toMatch(/^HTTP\/1\.1 408 /);
    expect(r.ms).toBeGreaterThanOrEqual(400);
    expect(r.ms).toBeLessThan(3_000);
    expect(http.inFlight).toBe(0);
    const next = await call(url, 'next');
    expect(await next.json()).toEqual({ jsonrpc: '2.0', id: 'next', result: { content: [{ type: 'text', text: 'next' }] } });
  });

  test('part of the headers, then nothing: 408 and the connection closed soon after headersTimeout', async () => {
    const r = await sendThenStall(url, 'POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appl');
    expect(r.text).toMatch(/^HTTP\/1\.1 408 /);
    expect(r.ms).toBeLessThan(3_000);
  });

  test('the bounds cover receiving the request only: a response slower than requestTimeout is not cut', async () => {
    delayMs = 1_500;
    try {
      const res = await call(url, 'slow');
      expect(await res.json()).toEqual({ jsonrpc: '2.0', id: 'slow', result: { content: [{ type: 'text', text: 'slow' }] } });
    } finally {
      delayMs = 0;
    }
  });
});

describe('shutdown: requests still running when the grace period ends', () => {
  /** A handler that never finishes on its own: it settles only when its signal aborts, and records that. */
  function hanging(before?: (req: InboundRequest) => void) {
    const seen = { aborted: 0, settled: 0 };
    const handle: Handle = (req) => {
      before?.(req);
      return new Promise((_, reject) => {
        req.signal.addEventListener('abort', () => {
          seen.aborted++;
          // Settles a little later, like an upstream call winding down: shutdown() must wait for it.
          setTimeout(() => {
            seen.settled++;
            reject(new Error('cancelled'));
          }, 50);
        });
      });
    };
    return { seen, handle };
  }

  test('a JSON response: the error with the request id and Connection: close; the call is aborted and settled before shutdown() returns', async () => {
    const { seen, handle } = hanging();
    const { http, url } = await start(handle);
    const replies = Promise.all([call(url, 'a'), call(url, 7)]);
    while (http.inFlight < 2) await new Promise((r) => setTimeout(r, 10));
    expect(await http.shutdown(200)).toBe(false);
    expect(seen).toEqual({ aborted: 2, settled: 2 });
    const [a, b] = await replies;
    expect(a.status).toBe(200);
    expect(a.headers.get('connection')).toBe('close');
    const message = 'Server is shutting down: the request was cut off';
    expect(await a.json()).toEqual({ jsonrpc: '2.0', id: 'a', error: { code: -32000, message } });
    expect(await b.json()).toEqual({ jsonrpc: '2.0', id: 7, error: { code: -32000, message } });
  });

  test('an SSE stream already started: the error is its last message event, then the stream ends', async () => {
    const { seen, handle } = hanging((req) => req.channel.notify({ method: 'notifications/message', params: { level: 'info', data: 'working' } }));
    const { http, url } = await start(handle);
    const res = await call(url, 'streamed', 'application/json, text/event-stream');
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const [text, drained] = await Promise.all([res.text(), http.shutdown(200)]);
    expect(drained).toBe(false);
    expect(seen).toEqual({ aborted: 1, settled: 1 });
    const events = text.split('\n\n').filter((e) => e !== '');
    expect(events.map((e) => JSON.parse(e.replace(/^event: message\ndata: /, '')))).toEqual([
      { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'working' } },
      { jsonrpc: '2.0', id: 'streamed', error: { code: -32000, message: 'Server is shutting down: the request was cut off' } },
    ]);
  });

  test('requests that finish within the grace period are answered normally; nothing is cut off', async () => {
    const { http, url } = await start(async (req) => {
      await new Promise((r) => setTimeout(r, 100));
      return echo(req);
    });
    const reply = call(url, 'quick');
    while (http.inFlight < 1) await new Promise((r) => setTimeout(r, 10));
    expect(await http.shutdown(5_000)).toBe(true);
    expect(await (await reply).json()).toEqual({ jsonrpc: '2.0', id: 'quick', result: { content: [{ type: 'text', text: 'quick' }] } });
  });
});

describe('DNS-rebinding protection on a loopback bind: each request judged by its own Host and Origin', () => {
  let http: ProxyHttpServer;
  let url: string;
  beforeAll(async () => ({ http, url } = await start(echo)));
  afterAll(() => http.shutdown(1_000));

  /** A POST with the given Host (and Origin); resolves with the HTTP status. */
  function post(host: string, origin?: string): Promise<number> {
    const { port } = new URL(url);
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 't' } });
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port: Number(port), path: '/mcp', method: 'POST', headers: { host, ...(origin ? { origin } : {}), 'content-type': 'application/json', accept: 'application/json' } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  test('the same answers on every repetition, and after more distinct Host values than are remembered', async () => {
    const { port } = new URL(url);
    for (let round = 0; round < 2; round++) {
      expect(await post(`localhost:${port}`)).toBe(200);
      expect(await post(`127.0.0.1:${port}`)).toBe(200);
      expect(await post('evil.example')).toBe(403);
      expect(await post(`evil.example:${port}`)).toBe(403);
      expect(await post(`localhost:${port}`, 'http://evil.example')).toBe(403);
      expect(await post(`localhost:${port}`, `http://localhost:${port}`)).toBe(200);
      expect(await post('[bad')).toBe(403);
      // More distinct values than the remembered answers hold: the next round starts with none remembered.
      for (let i = 0; i < 70; i++) expect(await post(`host-${round}-${i}.example`)).toBe(403);
    }
  });
});
