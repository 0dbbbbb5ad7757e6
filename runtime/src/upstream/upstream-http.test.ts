/**
 * UpstreamHttp: what every upstream request carries. The configured static headers are checked once but apply to every
 * request exactly as if each request set them (trimmed, lower-cased names, overridden by the protocol's own headers);
 * a configured header that PlainHeaders refuses fails every request, never one silently sent without it.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { upstreamSchema } from '../config/sections/proxy';
import { noneAuthenticator } from './auth/none';
import { readText } from './http-exchange';
import { UpstreamHttp } from './upstream-http';

describe('UpstreamHttp: headers of every request', () => {
  let server: Server;
  let url: string;
  const seen: IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers);
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const http = (headers: Record<string, string>) => new UpstreamHttp(upstreamSchema.parse({ name: 'u', url, headers }), noneAuthenticator());

  test('static headers on every request, as set: trimmed, lower-cased; the protocol headers win; an Authorization is stripped (auth none sends no credentials)', async () => {
    const h = http({ 'X-Team': '  blue  ', Accept: 'text/plain', 'Content-Type': 'text/plain', Authorization: 'Bearer static' });
    seen.length = 0;
    for (let i = 0; i < 2; i++) {
      await readText(await h.send({ method: 'POST', body: '{}', headers: { 'mcp-protocol-version': '2025-11-25' }, auth: {}, signal: new AbortController().signal }));
    }
    await readText(await h.send({ method: 'GET', auth: {}, signal: new AbortController().signal }));
    expect(seen).toHaveLength(3);
    for (const got of seen.slice(0, 2)) {
      expect(got['x-team']).toBe('blue');
      expect(got.accept).toBe('application/json, text/event-stream');
      expect(got['content-type']).toBe('application/json');
      expect(got['mcp-protocol-version']).toBe('2025-11-25');
      expect(got.authorization).toBeUndefined();
    }
    expect(seen[2].accept).toBe('text/event-stream');
    expect(seen[2]['content-type']).toBe('text/plain');
    expect(seen[2]['x-team']).toBe('blue');
  });

  test('a configured header PlainHeaders refuses fails every request, before anything is sent', async () => {
    seen.length = 0;
    const bad = http({ 'bad name': 'v' });
    for (let i = 0; i < 2; i++) {
      await expect(bad.send({ method: 'POST', body: '{}', auth: {}, signal: new AbortController().signal })).rejects.toThrow('invalid header name');
    }
    const badValue = http({ 'x-ok': 'line\r\nbreak' });
    await expect(badValue.send({ method: 'POST', body: '{}', auth: {}, signal: new AbortController().signal })).rejects.toThrow('invalid value for header x-ok');
    expect(seen).toHaveLength(0);
  });
});
