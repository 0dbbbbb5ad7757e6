/**
 * How the benchmark's HTTP upstreams run: listen on 127.0.0.1, print one JSON line
 * `{"ready":true,"url":"http://127.0.0.1:<port>/mcp","tools":N}` on stdout, stop on SIGTERM/SIGINT or by themselves
 * after `maxLifetimeS` (so nothing outlives a crashed run), dropping kept-alive connections.
 */

/** Starts `http` (a node:http server); `onPort` learns the port before the ready line is printed. */
export function serveUntilStopped(http, { port, tools, maxLifetimeS, onPort = () => {} }) {
  http.keepAliveTimeout = 65_000;
  http.listen(Number(port), '127.0.0.1', () => {
    const bound = http.address().port;
    onPort(bound);
    process.stdout.write(JSON.stringify({ ready: true, url: `http://127.0.0.1:${bound}/mcp`, tools }) + '\n');
  });
  const stop = () => {
    http.closeAllConnections?.();
    http.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 1000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  setTimeout(stop, Number(maxLifetimeS) * 1000).unref();
}
