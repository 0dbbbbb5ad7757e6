/** exchange: the HTTP layer of the upstream client (exact body out, IncomingMessage back, aborts, no listener build-up). */
import { getEventListeners } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { discard, exchange, mediaType, PlainHeaders, readText, targetOf } from './http-exchange';

describe('exchange', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d)).on('end', () => {
        if (req.url === '/sse') {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write('data: one\n\n');
          setTimeout(() => res.end('data: two\n\n'), 20);
        } else if (req.url === '/slow-headers') {
          // The caller aborts first: the answer's timer goes with the connection (no timer outlives the file).
          const answer = setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'), 500);
          res.once('close', () => clearTimeout(answer));
        } else if (req.url === '/hang') {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write('data: first\n\n');
        } else {
          res.writeHead(201, {
            'content-type': 'application/json; charset=utf-8',
            'x-echo-method': req.method ?? '',
            'x-auth': req.headers.authorization ?? '',
            'x-length': req.headers['content-length'] ?? '',
          });
          res.end(JSON.stringify({ got: body }));
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  test('sends method, headers and the exact body with its byte length; returns status, headers and the body', async () => {
    const res = await exchange({ url: targetOf(new URL(`${base}/json`)), method: 'POST', headers: { authorization: 'Bearer x' }, body: '{"a":"é"}' });
    expect(res.statusCode).toBe(201);
    expect(res.headers['x-echo-method']).toBe('POST');
    expect(res.headers['x-auth']).toBe('Bearer x');
    expect(res.headers['x-length']).toBe('10');
    expect(mediaType(res.headers['content-type'])).toBe('application/json');
    expect(JSON.parse(await readText(res))).toEqual({ got: '{"a":"é"}' });
  });

  test('streams SSE bodies as they arrive', async () => {
    const res = await exchange({ url: targetOf(new URL(`${base}/sse`)), method: 'GET', headers: {} });
    expect(mediaType(res.headers['content-type'])).toBe('text/event-stream');
    expect(await readText(res)).toBe('data: one\n\ndata: two\n\n');
  });

  test('an abort ends a streaming response; a long-lived signal keeps no listeners after requests end', async () => {
    const shared = new AbortController();
    for (let i = 0; i < 50; i++) await readText(await exchange({ url: targetOf(new URL(`${base}/json`)), method: 'POST', headers: {}, body: '{}', signal: shared.signal }));
    await new Promise((r) => setImmediate(r));
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
    const ac = new AbortController();
    const res = await exchange({ url: targetOf(new URL(`${base}/hang`)), method: 'GET', headers: {}, signal: ac.signal });
    const text = readText(res);
    ac.abort();
    await expect(text).rejects.toThrow();
  });

  test('an abort before the answer rejects with AbortError (code ABORT_ERR, the reason as cause); an aborted signal sends nothing', async () => {
    let connections = 0;
    const count = () => connections++;
    server.on('connection', count);
    try {
      const reason = new Error('caller went away');
      const ac = new AbortController();
      const pending = exchange({ url: targetOf(new URL(`${base}/slow-headers`)), method: 'POST', headers: {}, body: '{}', signal: ac.signal });
      setTimeout(() => ac.abort(reason), 20);
      await expect(pending).rejects.toMatchObject({ name: 'AbortError', code: 'ABORT_ERR', cause: reason });
      expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
      const before = connections;
      await expect(exchange({ url: targetOf(new URL(`${base}/json`)), method: 'POST', headers: {}, body: '{}', signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError', cause: reason });
      expect(connections).toBe(before);
    } finally {
      server.off('connection', count);
    }
  });

  test('connection refused rejects; unsupported protocols are refused before any I/O', async () => {
    await expect(exchange({ url: targetOf(new URL('http://127.0.0.1:1/mcp')), method: 'POST', headers: {}, body: '{}' })).rejects.toThrow();
    expect(() => targetOf(new URL('ftp://127.0.0.1/mcp'))).toThrow(/unsupported protocol/);
  });

  test('discard drains a body so the keep-alive socket is reused', async () => {
    let connections = 0;
    const count = () => connections++;
    server.on('connection', count);
    const first = await exchange({ url: targetOf(new URL(`${base}/json`)), method: 'POST', headers: {}, body: '{}' });
    discard(first);
    await new Promise((r) => first.once('end', r));
    const second = await exchange({ url: targetOf(new URL(`${base}/json`)), method: 'POST', headers: {}, body: '{}' });
    await readText(second);
    server.off('connection', count);
    expect(connections).toBeLessThanOrEqual(1);
  });
});

describe('PlainHeaders (what authenticators see instead of WHATWG Headers)', () => {
  test('behaves like Headers for the methods authenticators use', () => {
    const mine = new PlainHeaders();
    const theirs = new Headers();
    for (const h of [mine, theirs]) {
      h.set('X-Api-Key', '  secret ');
      h.set('accept', 'application/json');
      h.set('Authorization', 'Bearer t');
      h.delete('AUTHORIZATION');
    }
    expect(mine.get('x-api-key')).toBe(theirs.get('x-api-key'));
    expect(mine.has('Authorization')).toBe(theirs.has('Authorization'));
    const seen = (h: { forEach(fn: (v: string, k: string) => void): void }) => {
      const out: string[] = [];
      h.forEach((v, k) => out.push(`${k}=${v}`));
      return out;
    };
    expect(seen(mine)).toEqual(seen(theirs));
    expect(mine.record).toEqual({ 'x-api-key': 'secret', accept: 'application/json' });
  });

  test('refuses header injection without quoting the value', () => {
    const h = new PlainHeaders();
    expect(() => h.set('x-api-key', 'abc\r\nx-evil: 1')).toThrow('invalid value for header x-api-key');
    expect(() => h.set('bad name', 'v')).toThrow('invalid header name');
    let message = '';
    try {
      h.set('x-api-key', 'sk-secret\0tail');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe('invalid value for header x-api-key');
    expect(h.has('x-api-key')).toBe(false);
  });
});
