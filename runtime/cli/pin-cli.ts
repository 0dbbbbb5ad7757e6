/**
 * `pin`: discovers the live upstreams with the proxy's own configuration (the runtime's UpstreamManager: same URLs,
 * authentication, timeouts, naming) and writes or updates the tool lock, printing the diff against the current lock.
 * Exit 0 when written (or, with --check, when nothing changed), 1 when --check found changes or an upstream could not
 * be discovered, 2 on a usage or configuration error.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ConfigError, readConfigDocument, resolveConfig } from '../src/config/load';
import { toolLockSchema, type ToolLock } from '../src/config/sections/pinning';
import { createLogger } from '../src/log';
import { diffLocks, formatChanges, lockOf } from '../src/stages/pinning/lock';
import { UpstreamManager } from '../src/upstream/manager';
import { Naming } from '../src/upstream/naming';
import { PROXY_VERSION } from '../src/version';

export const USAGE = `usage: pin --config FILE [--lock FILE] [--upstream NAME ...] [--check]
  Discovers every configured upstream (or only those named with --upstream) and pins what each lists now.
  --lock FILE   read and write the lock in FILE (mcp-tool-lock.json) instead of the config's pinning.lock
  --check       write nothing; exit 1 when the live upstreams differ from the lock (for CI)
Prints added, removed and changed entries (with a unified diff of each changed definition).
Exit status: 0 lock written or unchanged, 1 changes found with --check or an upstream could not be discovered, 2 usage or configuration error.`;

export interface PinIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

function argValues(argv: readonly string[], flag: string): string[] {
  const out: string[] = [];
  argv.forEach((a, i) => {
    if (a === flag && argv[i + 1] !== undefined) out.push(argv[i + 1]);
  });
  return out;
}

function readLock(file: string): ToolLock | undefined {
  if (!existsSync(file)) return undefined;
  const parsed = toolLockSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new ConfigError(`${file}: not a tool lock: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export async function runPin(argv: readonly string[], io: PinIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(USAGE + '\n');
    return 0;
  }
  const configAt = argv.indexOf('--config');
  if (configAt < 0 || !argv[configAt + 1]) {
    io.stderr(`pin: --config FILE is required\n${USAGE}\n`);
    return 2;
  }
  const lockFile = argValues(argv, '--lock')[0];
  const only = argValues(argv, '--upstream');
  const check = argv.includes('--check');
  let document;
  let config;
  let current: ToolLock | undefined;
  try {
    document = readConfigDocument({ argv, env });
    config = resolveConfig(document, env);
    current = lockFile ? readLock(lockFile) : config.pinning.lock;
  } catch (err) {
    io.stderr(`pin: ${(err as Error).message}\n`);
    return 2;
  }
  const unknown = only.filter((u) => !config.upstreams.some((x) => x.name === u));
  if (unknown.length > 0) {
    io.stderr(`pin: --upstream names no configured upstream: ${unknown.join(', ')}\n`);
    return 2;
  }
  const names = only.length > 0 ? only : config.upstreams.map((u) => u.name);
  // Operational logs go to stderr (warnings only); stdout carries the diff.
  const log = createLogger('pin', { level: 'warn', write: (line) => io.stderr(line + '\n') });
  const upstreams = new UpstreamManager({ ...config, discovery: { ...config.discovery, refreshIntervalMs: 0 } }, log, { clientInfo: { name: 'mcp-governance-proxy-pin', version: PROXY_VERSION } });
  let live: ToolLock;
  try {
    await upstreams.start();
    const failed = upstreams.status().filter((s) => names.includes(s.name) && s.state !== 'healthy');
    if (failed.length > 0) {
      for (const f of failed) io.stderr(`pin: upstream ${f.name} could not be discovered: ${f.lastError ?? f.state}\n`);
      io.stderr('pin: nothing written (a lock must cover what each upstream lists)\n');
      return 1;
    }
    const c = upstreams.catalog;
    const entries = [...c.tools, ...c.prompts, ...c.resourceTemplates, ...c.resources].filter((e) => names.includes(e.upstream));
    const naming = new Naming(config);
    live = lockOf(entries, names, (u, exposed) => naming.strip(u, exposed));
    const collisions = c.collisions.filter((x) => x.upstreams.some((u) => names.includes(u)));
    for (const x of collisions) io.stderr(`pin: warning: ${x.list} ${JSON.stringify(x.exposedName)} collides between ${x.upstreams.join(', ')} and is not exposed (not pinned)\n`);
  } finally {
    await upstreams.close();
  }
  const changes = diffLocks(current, live);
  io.stdout(formatChanges(changes));
  if (check) return changes.length > 0 ? 1 : 0;
  // Upstreams not discovered this time keep their pins.
  const next: ToolLock = { lockVersion: 1, upstreams: { ...(current?.upstreams ?? {}), ...live.upstreams } };
  const text = JSON.stringify(next, null, 2) + '\n';
  if (lockFile) {
    writeFileSync(lockFile, text);
    io.stdout(`lock written: ${lockFile}\n`);
  } else {
    if (document.source === 'MCP_PROXY_CONFIG') {
      io.stderr('pin: the configuration came from MCP_PROXY_CONFIG: pass --lock FILE to write the lock\n');
      return 2;
    }
    const doc = document.doc as Record<string, unknown>;
    const pinning = (doc.pinning && typeof doc.pinning === 'object' ? doc.pinning : {}) as Record<string, unknown>;
    doc.pinning = { ...pinning, lock: next };
    writeFileSync(document.source, JSON.stringify(doc, null, 2) + '\n');
    io.stdout(`lock written into ${document.source} (pinning.lock)\n`);
  }
  return 0;
}
