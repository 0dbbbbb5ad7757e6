/** Small loopback networking helpers for tests. */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** A port that was free on 127.0.0.1 a moment ago (for servers that cannot report an ephemeral port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `check` every `intervalMs` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor<T>(check: () => T | Promise<T>, { timeoutMs = 10_000, intervalMs = 25, what = 'condition' } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The connections of each server started by listenOnLoopback that are still open (for closeServer). */
const connections = new WeakMap<Server, Set<Socket>>();

/**
 * Starts `server` on an ephemeral port of 127.0.0.1 (loopback only); rejects if it cannot listen. Its connections are
 * tracked from here on, so closeServer can drop them.
 */
export function listenOnLoopback(server: Server): Promise<AddressInfo> {
  if (!connections.has(server)) {
    const open = new Set<Socket>();
    connections.set(server, open);
    server.on('connection', (s: Socket) => {
      open.add(s);
      s.once('close', () => open.delete(s));
    });
  }
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * Stops `server` listening and destroys every connection it still holds; resolves once it is closed. A bare
 * `server.close()` leaves open connections open: a busy or half-closed one (a raw socket nobody reads never sees the
 * peer's FIN) then stays for good and keeps the jest worker from exiting ("A worker process has failed to exit
 * gracefully"). http(s) servers drop theirs with closeAllConnections(); a plain net server's are those listenOnLoopback
 * tracked, so start such a server with listenOnLoopback.
 */
export async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const http = server as Server & { closeAllConnections?: () => void };
  if (typeof http.closeAllConnections === 'function') http.closeAllConnections();
  for (const s of connections.get(server) ?? []) s.destroy();
  await closed;
}
