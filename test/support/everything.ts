/**
 * Runs @modelcontextprotocol/server-everything (the MCP reference "everything" server) in its Streamable HTTP mode as
 * a child process: `node dist/index.js streamableHttp`, port from the PORT environment variable. Traffic is loopback
 * only (the server itself binds every interface; tests only ever connect to 127.0.0.1).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './bundle';
import { freePort, waitFor } from './net';

export interface EverythingServer {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

export const EVERYTHING_ENTRY = join(REPO_ROOT, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');

export async function startServerEverything(): Promise<EverythingServer> {
  const port = await freePort();
  // A minimal environment: the server has a tool that echoes its environment back.
  const env = { PATH: process.env.PATH ?? '', PORT: String(port), NODE_ENV: 'test' };
  const child = spawn(process.execPath, [EVERYTHING_ENTRY, 'streamableHttp'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  await waitFor(() => {
    if (gone) throw new Error(`server-everything exited: ${out.slice(-2000)}`);
    return out.includes(`listening on port ${port}`);
  }, { timeoutMs: 20_000, what: 'server-everything to listen' });
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    port,
    stop: async () => {
      if (gone) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}
