/**
 * The governance test environment: a real OIDC server, the two recording upstreams, and the BUILT proxy bundle in
 * front of them, configured with the document from gov-config.ts (identity jwt, Cedar access control, sanitize,
 * tokenize, redact, audit). One per describe block:
 *
 *   const env = await startGovEnv();            // or startGovEnv({ audit: ..., extraEnv: ... })
 *   const alice = await env.client('alice');    // SDK client with alice's bearer token
 *   await env.call('alice', 'crm__get_customer', { customerId: 'C-1' });   // raw JSON-RPC, error or result
 *   await env.close();
 */
import { randomBytes } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { connectClient, rawPost, rpc } from './client';
import { governanceConfig, type GovEnvironment } from './gov-config';
import { startGovIdp, STATUS_BOT_CLIENT_ID, USERS, type GovIdp, type UserName } from './gov-idp';
import { startCrmUpstream, startOpsUpstream, type RecordingUpstream } from './gov-upstreams';
import { spawnProxy, type SpawnedProxy } from './proxy';
import type { ProxyConfigInput } from '../../runtime/src/config/schema';

/** Every caller the tests use: the users of the directory, and the status-bot machine client. */
export type Caller = UserName | 'status-bot';
export const CALLERS: readonly Caller[] = [...(Object.keys(USERS) as UserName[]), 'status-bot'];

export interface JsonRpcReply {
  readonly status: number;
  readonly result?: Record<string, unknown>;
  readonly error?: { code: number; message: string; data?: unknown };
  /** The whole response body (JSON text). */
  readonly text: string;
}

export interface GovEnv {
  readonly idp: GovIdp;
  readonly crm: RecordingUpstream;
  readonly ops: RecordingUpstream;
  readonly proxy: SpawnedProxy;
  /** The tokenization key (hex) handed to the proxy in MCP_PROXY_TOKENIZATION_KEY. */
  readonly tokenizationKey: string;
  /** A current access token of each caller. */
  readonly tokens: Readonly<Record<Caller, string>>;
  /** An SDK client connected through the proxy with the caller's token (closed by `close`). */
  client(caller: Caller): Promise<Client>;
  /** One raw JSON-RPC request with the given Authorization header value (undefined = none). */
  post(authorization: string | undefined, method: string, params: Record<string, unknown>, id?: number | string): Promise<JsonRpcReply>;
  /** tools/call as the caller (raw JSON-RPC). */
  call(caller: Caller, tool: string, args: Record<string, unknown>, id?: number | string): Promise<JsonRpcReply>;
  close(): Promise<void>;
}

export interface StartGovEnvOptions {
  readonly audit?: GovEnvironment['audit'];
  readonly opsAuth?: (idp: GovIdp) => GovEnvironment['opsAuth'];
  readonly digestSaltEnv?: string;
  /** Extra environment variables for the proxy process (AWS endpoints and credentials, salts). */
  readonly extraEnv?: NodeJS.ProcessEnv;
  /** Run a copy of the bundle folder outside the repository (see SpawnProxyOptions.standalone). */
  readonly standalone?: boolean;
  /** Changes the generated configuration before the proxy starts (e.g. adds a shadow policy). */
  readonly configure?: (config: ProxyConfigInput) => ProxyConfigInput;
  /** The protocol era of each upstream (modern: a 2026-07-28-only SDK v2 server with the same tools). @default legacy */
  readonly eras?: { readonly crm?: 'legacy' | 'modern'; readonly ops?: 'legacy' | 'modern' };
}

let nextId = 1;

export async function startGovEnv(opts: StartGovEnvOptions = {}): Promise<GovEnv> {
  const opened: { close(): Promise<unknown> }[] = [];
  const clients: Client[] = [];
  try {
    const idp = await startGovIdp();
    opened.push({ close: () => idp.stop() });
    const crm = await startCrmUpstream(opts.eras?.crm);
    opened.push(crm);
    const ops = await startOpsUpstream(opts.eras?.ops);
    opened.push(ops);
    const tokenizationKey = randomBytes(64).toString('hex');
    const generated = governanceConfig({
      crmUrl: crm.url,
      opsUrl: ops.url,
      issuer: idp.issuer,
      audit: opts.audit,
      opsAuth: opts.opsAuth?.(idp),
      digestSaltEnv: opts.digestSaltEnv,
    });
    const config = opts.configure ? opts.configure(generated) : generated;
    const proxy = await spawnProxy(config, {
      env: { MCP_PROXY_TOKENIZATION_KEY: tokenizationKey, MCP_PROXY_LOG_LEVEL: 'info', ...opts.extraEnv },
      timeoutMs: 30_000,
      standalone: opts.standalone,
    });
    opened.push({ close: () => proxy.stop() });

    const tokens = {} as Record<Caller, string>;
    await Promise.all([
      ...(Object.keys(USERS) as UserName[]).map(async (user) => (tokens[user] = await idp.userToken(user))),
      (async () => (tokens['status-bot'] = await idp.clientToken(STATUS_BOT_CLIENT_ID, 'ops/status.read')))(),
    ]);

    const post = async (authorization: string | undefined, method: string, params: Record<string, unknown>, id: number | string = nextId++): Promise<JsonRpcReply> => {
      const res = await rawPost(proxy.url, rpc(method, params, id), authorization === undefined ? {} : { authorization });
      const body = res.json as { result?: Record<string, unknown>; error?: JsonRpcReply['error'] } | undefined;
      if (!body) throw new Error(`the proxy answered HTTP ${res.status} with a body that is not JSON: ${res.text.slice(0, 200)}`);
      return { status: res.status, result: body.result, error: body.error, text: res.text };
    };

    return {
      idp,
      crm,
      ops,
      proxy,
      tokenizationKey,
      tokens,
      async client(caller) {
        const c = await connectClient(proxy.url, { headers: { authorization: `Bearer ${tokens[caller]}` }, name: `e2e-${caller}` });
        clients.push(c);
        return c;
      },
      post,
      call: (caller, tool, args, id) => post(`Bearer ${tokens[caller]}`, 'tools/call', { name: tool, arguments: args }, id),
      async close() {
        await Promise.all(clients.map((c) => c.close().catch(() => {})));
        for (const o of opened.reverse()) await o.close().catch(() => {});
      },
    };
  } catch (err) {
    for (const o of opened.reverse()) await o.close().catch(() => {});
    throw err;
  }
}
