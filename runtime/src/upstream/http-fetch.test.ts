/** nodeFetch: the fetch the upstream client uses on the hot path (JSON buffered, SSE streamed, aborts, no listener build-up). */
import { getEventListeners } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { nodeFetch } from './http-fetch';

describe('nodeFetch', () => {
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
        } else if (req.url === '/hang') {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write('data: first\n\n');
        } else if (req.url === '/202') {
          res.writeHead(202).end();
        } else {
          res.writeHead(201, { 'content-type': 'application/json', 'x-echo-method': req.method ?? '', 'x-auth': req.headers.authorization ?? '' });
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

  test('sends method, headers and the exact body; returns status, headers and a JSON body', async () => {
    const res = await nodeFetch(new URL(`${base}/json`), { method: 'POST', headers: { authorization: 'Bearer x' }, body: '{"a":"é"}' });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-echo-method')).toBe('POST');
    expect(res.headers.get('x-auth')).toBe('Bearer x');
    expect(await res.json()).toEqual({ got: '{"a":"é"}' });
  });

  test('streams SSE bodies as they arrive; 202 has no body', async () => {
    const res = await nodeFetch(`${base}/sse`);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(await res.text()).toBe('data: one\n\ndata: two\n\n');
    const accepted = await nodeFetch(`${base}/202`, { method: 'POST', body: '{}' });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toBeNull();
  });

  test('an abort ends a streaming response; a long-lived signal keeps no listeners after requests end', async () => {
    const shared = new AbortController();
    for (let i = 0; i < 50; i++) await (await nodeFetch(`${base}/json`, { method: 'POST', body: '{}', signal: shared.signal })).text();
    await new Promise((r) => setImmediate(r));
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
    const ac = new AbortController();
    const res = await nodeFetch(`${base}/hang`, { signal: ac.signal });
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: first\n\n');
    ac.abort();
    await expect(reader.read()).rejects.toThrow();
  });

  test('connection refused rejects', async () => {
    await expect(nodeFetch('http://127.0.0.1:1/mcp', { method: 'POST', body: '{}' })).rejects.toThrow();
  });
});
