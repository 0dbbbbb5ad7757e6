/**
 * Load generation with autocannon driving raw JSON-RPC POSTs (stateless Streamable HTTP: each POST is a complete
 * request, Accept: application/json, text/event-stream). Latency percentiles are computed from every request's own
 * duration (autocannon's 'response' event, sub-millisecond), not from its integer-millisecond histogram.
 */
import autocannon from 'autocannon';
import { summarize } from './stats.mjs';

export const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/** The JSON-RPC body of one tools/call. */
export function toolsCallBody(name, args, id = 1) {
  return JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });
}

/**
 * One tools/call as a 2026-07-28 (modern) caller sends it: the per-request envelope in `_meta`, and the headers the
 * Streamable HTTP binding requires (MCP-Protocol-Version, Mcp-Method, Mcp-Name) in `modernHeaders`.
 */
const MODERN_META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };

export function modernToolsCallBody(name, args, id = 1) {
  return JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, _meta: MODERN_META } });
}

export function modernToolsListBody(id = 1) {
  return JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/list', params: { _meta: MODERN_META } });
}

/** The modern request headers of a tools/call of `toolName`, or of a request without a target (`toolName` undefined). */
export function modernHeaders(toolName, method = 'tools/call') {
  return { 'mcp-protocol-version': '2026-07-28', 'mcp-method': method, ...(toolName === undefined ? {} : { 'mcp-name': toolName }) };
}

export function toolsListBody(id = 1) {
  return JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/list', params: {} });
}

/** True when a response body (JSON or one SSE event) carries a JSON-RPC result that is not a tool error. */
export function isOkResult(body) {
  return typeof body === 'string' && body.includes('"result"') && !body.includes('"isError":true') && !body.includes('"error":{');
}

/**
 * Runs one autocannon load and returns throughput and per-request latency figures.
 * Bounded: by `durationS`, or by `amount` with a hard stop after `maxS` seconds.
 * @param {object} o
 * @param {string} o.url
 * @param {string} o.body
 * @param {Record<string,string>} [o.headers]
 * @param {number} o.connections
 * @param {number} [o.durationS]
 * @param {number} [o.amount]
 * @param {number} [o.overallRate]  offered load in requests/s across all connections (fixed-rate latency runs)
 * @param {number} [o.maxS=120]     hard stop for amount-bounded runs
 * @param {(body:string)=>boolean} [o.verify=isOkResult]
 * @param {number} [o.bailout=500]  stop the run after this many errors (a dead target must not spin the run)
 */
export async function runLoad(o) {
  const { url, body, headers = {}, connections, durationS, amount, overallRate, maxS = 120, verify = isOkResult, bailout = 500 } = o;
  const samples = [];
  const instance = autocannon({
    url,
    method: 'POST',
    headers: { ...MCP_HEADERS, ...headers },
    body,
    connections,
    ...(amount ? { amount } : { duration: durationS }),
    ...(overallRate ? { overallRate } : {}),
    timeout: 30,
    bailout,
    verifyBody: verify,
    excludeErrorStats: true,
  });
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (statusCode >= 200 && statusCode < 300) samples.push(responseTime);
  });
  const guard = setTimeout(() => instance.stop(), (amount ? maxS : durationS + 30) * 1000);
  let result;
  try {
    result = await instance;
  } finally {
    clearTimeout(guard);
  }
  const lat = summarize(samples);
  const elapsedS = result.duration; // seconds, as measured by autocannon
  const failures = result.errors + result.timeouts + result.non2xx + result.mismatches;
  return {
    connections,
    overallRate: overallRate ?? null,
    requests: samples.length,
    elapsedS,
    rps: samples.length / elapsedS,
    bytesPerS: result.throughput?.average ?? NaN,
    latencyMs: lat,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    mismatches: result.mismatches,
    failures,
  };
}

/** One POST with fetch (for probes and single large-payload timings). Returns { status, text, ms }. */
export async function post(url, body, headers = {}, timeoutMs = 30_000) {
  const t0 = performance.now();
  const res = await fetch(url, { method: 'POST', headers: { ...MCP_HEADERS, ...headers }, body, signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  return { status: res.status, text, ms: performance.now() - t0 };
}
