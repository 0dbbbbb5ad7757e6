/**
 * Open-loop load at an evenly paced rate, for the added-latency runs: one request every 1/rate seconds on a pool of
 * at most `connections` keep-alive sockets, whatever the answers do. autocannon's rate mode (`overallRate`) is not
 * used for these runs: it lets each connection send its per-second quota back to back at the start of every second
 * and then idle, so its "fixed rate" latencies measure a burst of queueing, not the cost of one call.
 *
 * Latency is measured from the time a request was due (not when a socket became free), so a target that falls behind
 * is charged for the wait (no coordinated omission). Every answer is checked with `verify`.
 */
import http from 'node:http';
import { MCP_HEADERS, isOkResult } from './load.mjs';
import { summarize } from './stats.mjs';

export async function runPaced({ url, body, headers = {}, rate, durationS, connections = 16, verify = isOkResult, timeoutMs = 30_000 }) {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const payload = Buffer.from(body);
  const reqHeaders = { ...MCP_HEADERS, ...headers, 'content-length': String(payload.length) };
  const samples = [];
  let failures = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const total = Math.max(1, Math.round(rate * durationS));
  const intervalMs = 1000 / rate;
  const start = performance.now();

  const one = (dueAt) =>
    new Promise((resolve) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const done = (ok) => {
        inFlight--;
        if (ok) samples.push(performance.now() - dueAt);
        else failures++;
        resolve();
      };
      const req = http.request(
        { hostname: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: reqHeaders, agent, timeout: timeoutMs },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => done(res.statusCode === 200 && verify(Buffer.concat(chunks).toString('utf8'))));
          res.on('error', () => done(false));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => done(false));
      req.end(payload);
    });

  const pending = [];
  for (let i = 0; i < total; i++) {
    const dueAt = start + i * intervalMs;
    const wait = dueAt - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(one(dueAt));
  }
  await Promise.all(pending);
  const elapsedS = (performance.now() - start) / 1000;
  agent.destroy();
  return {
    connections,
    offeredRate: rate,
    requests: samples.length,
    elapsedS,
    rps: samples.length / elapsedS,
    latencyMs: summarize(samples),
    maxInFlight,
    failures,
    errors: failures,
    timeouts: 0,
    non2xx: 0,
    mismatches: 0,
  };
}
