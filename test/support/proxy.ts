/**
 * Runs the BUILT proxy bundle (assets/runtime/index.js) as a child process on 127.0.0.1, configured through the
 * MCP_PROXY_CONFIG environment variable, and captures its output. Reusable by every end-to-end test.
 *
 *   const proxy = await spawnProxy({ version: 1, upstreams: [{ name: 'a', url }] });
 *   ... new StreamableHTTPClientTransport(new URL(proxy.url)) ...
 *   await proxy.stop();
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ProxyConfigInput } from '../../runtime/src/config/schema';
import { requireBundle, REPO_ROOT } from './bundle';
import { waitFor } from './net';

export interface SpawnProxyOptions {
  /** Resolve once this log line (`msg`) appeared: `ready` (default: discovery done) or `listening`. */
  readonly waitFor?: 'ready' | 'listening' | 'none';
  /** Extra environment. MCP_PROXY_LOG_LEVEL must stay at info or below (the helper waits for info lines). */
  readonly env?: NodeJS.ProcessEnv;
  /** Node options before the bundle path (e.g. ['--cpu-prof']). */
  readonly nodeArgs?: readonly string[];
  /** Extra CLI arguments (e.g. ['check', '--config', f]). */
  readonly args?: readonly string[];
  readonly timeoutMs?: number;
  /** Pass the config some other way (e.g. a file via args) instead of MCP_PROXY_CONFIG. */
  readonly rawConfigEnv?: boolean;
  /**
   * Run a copy of the bundle folder (assets/runtime) from a temporary directory outside the repository, as the code
   * zip runs on AgentCore: no node_modules anywhere above it, so a module the bundle failed to include (or a file
   * missing from the folder, such as aws-sdk.js) fails here instead of resolving from the repository's node_modules.
   * The copy is removed when the proxy stops.
   */
  readonly standalone?: boolean;
}

export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly [k: string]: unknown;
}

export interface SpawnedProxy {
  /** http://127.0.0.1:<port>/mcp */
  readonly url: string;
  /** http://127.0.0.1:<port> */
  readonly baseUrl: string;
  readonly port: number;
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** stderr parsed as JSON log lines (non-JSON lines skipped). */
  logs(): LogLine[];
  /** Waits for a log line matching `pred`. */
  waitForLog(pred: (l: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Resolves with the exit code (or signal name). */
  readonly exited: Promise<number | string>;
  /** Sends SIGTERM (default) and waits for exit (SIGKILL after `timeoutMs`). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | string>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

function parseLogs(text: string): LogLine[] {
  const out: LogLine[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as LogLine);
    } catch {
      // partial line
    }
  }
  return out;
}

/** Starts the proxy; `config` is the configuration document (serialized into MCP_PROXY_CONFIG). */
export async function spawnProxy(config: ProxyConfigInput | Record<string, unknown> | undefined, opts: SpawnProxyOptions = {}): Promise<SpawnedProxy> {
  let bundle = requireBundle();
  let cwd = REPO_ROOT;
  let copy: string | undefined;
  if (opts.standalone) {
    copy = mkdtempSync(join(tmpdir(), 'proxy-standalone-'));
    cpSync(dirname(bundle), copy, { recursive: true });
    bundle = join(copy, 'index.js');
    cwd = copy;
  }
  const env: NodeJS.ProcessEnv = { ...process.env, HOST: '127.0.0.1', PORT: '0', MCP_PROXY_LOG_LEVEL: 'debug', ...opts.env };
  delete env.MCP_PROXY_CONFIG_FILE;
  if (config !== undefined) env.MCP_PROXY_CONFIG = JSON.stringify(config);
  else delete env.MCP_PROXY_CONFIG;
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), bundle, ...(opts.args ?? [])], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  if (copy) child.once('exit', () => rmSync(copy, { recursive: true, force: true }));
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve(code ?? signal ?? -1);
    }),
  );
  let exitedYet = false;
  void exited.then(() => (exitedYet = true));
  const logs = () => parseLogs(err);
  const waitForLog = (pred: (l: LogLine) => boolean, timeoutMs = opts.timeoutMs ?? 20_000) =>
    waitFor(
      () => {
        const hit = logs().find(pred);
        if (!hit && exitedYet) throw new Error(`proxy exited; stderr:\n${err.slice(-4000)}`);
        return hit;
      },
      { timeoutMs, what: 'proxy log line' },
    );

  let port = 0;
  const mode = opts.waitFor ?? 'ready';
  if (mode !== 'none') {
    const listening = await waitForLog((l) => l.msg === 'listening');
    port = Number(listening.port);
    if (mode === 'ready') await waitForLog((l) => l.msg === 'ready');
  }
  const stop = async (signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000) => {
    if (exitedYet) return exited;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    child,
    stdout: () => out,
    stderr: () => err,
    logs,
    waitForLog,
    exited,
    stop,
  };
}
