/** SDK client helpers for driving the proxy (or any MCP server) in tests. */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';

/** What the proxy declares to its upstreams (it relays sampling and elicitation to the caller of the current call). */
export const PROXY_UPSTREAM_CAPABILITIES: ClientCapabilities = { sampling: {}, elicitation: { form: {}, url: {} } };

export async function connectClient(
  url: string,
  opts: { headers?: Record<string, string>; name?: string; capabilities?: ClientCapabilities } = {},
): Promise<Client> {
  const client = new Client({ name: opts.name ?? 'e2e-test-client', version: '1.0.0' }, { capabilities: opts.capabilities ?? {} });
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: opts.headers ? { headers: opts.headers } : undefined });
  await client.connect(transport);
  return client;
}

/** POSTs a raw body to an MCP endpoint (for malformed-input tests); returns status, headers and the parsed body. */
export async function rawPost(
  url: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; text: string; json?: unknown }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** A JSON-RPC request body. */
export function rpc(method: string, params?: Record<string, unknown>, id: number | string = 1): string {
  return JSON.stringify(params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params });
}
