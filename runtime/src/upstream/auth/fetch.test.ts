import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { authorizedFetch } from './fetch';
import type { UpstreamAuthenticator } from './types';

/** An authenticator that records what it saw and sets a numbered credential. */
function recording(retry: boolean) {
  const seen: { body?: string; method: string; ctx: unknown; hadInbound: boolean }[] = [];
  let n = 0;
  let invalidated = 0;
  const auth: UpstreamAuthenticator = {
    kind: 'test',
    async authorize(req, ctx) {
      seen.push({ body: req.body, method: req.method, ctx, hadInbound: req.headers.has('authorization') });
      req.headers.set('authorization', `Bearer credential-${++n}`);
    },
    invalidate: () => {
      invalidated++;
      return retry;
    },
  };
  return { auth, seen, invalidations: () => invalidated };
}

describe('authorizedFetch (real node:http servers on 127.0.0.1)', () => {
  let target: Server;
  let redirector: Server;
  const got: IncomingHttpHeaders[] = [];
  let answer401 = 0;
  const url = (s: Server, p = '/mcp') => `http://127.0.0.1:${(s.address() as AddressInfo).port}${p}`;

  beforeAll(async () => {
    target = createServer((req, res) => {
      req.resume();
      got.push(req.headers);
      if (answer401 > 0) {
        answer401--;
        res.writeHead(401).end();
      } else res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    redirector = createServer((req, res) => {
      req.resume();
      res.writeHead(307, { location: url(target, '/elsewhere') }).end();
    });
    await Promise.all([target, redirector].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
  });
  afterAll(async () => {
    for (const s of [target, redirector]) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });
  beforeEach(() => {
    got.length = 0;
    answer401 = 0;
  });

  it('passes the exact body, the method and the per-call context (a function is read at call time)', async () => {
    const { auth, seen } = recording(true);
    let current = { workloadAccessToken: 'wat-1' };
    const f = authorizedFetch(auth, () => current);
    await f(url(target), { method: 'POST', body: '{"a":1}' });
    current = { workloadAccessToken: 'wat-2' };
    await f(url(target), { method: 'POST', body: '{"a":2}' });
    expect(seen.map((s) => [s.method, s.body, s.ctx])).toEqual([
      ['POST', '{"a":1}', { workloadAccessToken: 'wat-1' }],
      ['POST', '{"a":2}', { workloadAccessToken: 'wat-2' }],
    ]);
    expect(got.map((h) => h.authorization)).toEqual(['Bearer credential-1', 'Bearer credential-2']);
  });

  it('on 401: invalidate, authorize afresh (no stale credential header) and retry exactly once', async () => {
    const { auth, seen, invalidations } = recording(true);
    answer401 = 5;
    const res = await authorizedFetch(auth)(url(target), { method: 'POST', body: '{}', headers: { authorization: 'Bearer inbound' } });
    expect(res.status).toBe(401);
    expect(got).toHaveLength(2);
    expect(invalidations()).toBe(1);
    // Each attempt starts from the caller's headers, never from the previous attempt's credential.
    expect(seen.every((s) => s.hadInbound)).toBe(true);
    expect(got.map((h) => h.authorization)).toEqual(['Bearer credential-1', 'Bearer credential-2']);
  });

  it('does not retry when the authenticator says a retry cannot help', async () => {
    const { auth } = recording(false);
    answer401 = 1;
    expect((await authorizedFetch(auth)(url(target), { method: 'POST', body: '{}' })).status).toBe(401);
    expect(got).toHaveLength(1);
  });

  it('never replays credentials to a redirect location: the 3xx is handed back', async () => {
    const { auth } = recording(true);
    const res = await authorizedFetch(auth)(url(redirector), { method: 'POST', body: '{}' });
    expect(res.status).toBe(307);
    expect(got).toHaveLength(0);
  });

  it('refuses bodies it cannot pass on exactly', async () => {
    const { auth } = recording(true);
    await expect(authorizedFetch(auth)(url(target), { method: 'POST', body: new Uint8Array([1]) })).rejects.toThrow(/only string bodies/);
  });
});
