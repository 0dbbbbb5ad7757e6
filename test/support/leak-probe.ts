/**
 * Open-handle probe for the jest workers (a `setupFilesAfterEnv` file; does nothing unless LEAK_PROBE_DIR is set).
 *
 * `LEAK_PROBE_DIR=/tmp/probe npx jest` appends one JSON line per test file to `<dir>/<worker pid>.jsonl`, written as
 * the NEXT file of the worker starts: what keeps the worker's event loop alive after the previous file finished (`process.getActiveResourcesInfo()`, each ref'd handle with its
 * socket addresses, server port or child pid, and each timer the file's code started and left running, with the stack
 * that started it). When jest ends the worker it writes a last line, `"file": "<worker end>"`, with what is still alive
 * 300 ms later (and a `"<worker end requested>"` line just before): anything listed in the last is what makes jest print "A worker process has failed to exit gracefully".
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { runInThisContext } from 'node:vm';

const dir = process.env.LEAK_PROBE_DIR;

type Tracked = { kind: string; stack: string; ms: number; timer: { hasRef?: () => boolean; _destroyed?: boolean } };

interface ProbeState {
  timers: Set<Tracked>;
  endHooked: boolean;
  lastFile?: string;
}

if (dir) install(dir);

function install(outDir: string): void {
  // jest gives each test file a copy of `process`; the worker's real one lives in the main context.
  const real = runInThisContext('process') as NodeJS.Process & { _getActiveHandles(): unknown[] };
  const key = Symbol.for('leak-probe.state');
  const holder = real as unknown as Record<symbol, ProbeState>;
  const state = (holder[key] ??= { timers: new Set(), endHooked: false });
  mkdirSync(outDir, { recursive: true });
  const out = `${outDir}/${real.pid}.jsonl`;
  const write = (file: string): void => {
    appendFileSync(out, JSON.stringify({ file, at: new Date().toISOString(), ...snapshot(real, state) }) + '\n');
  };

  // Track the timers this file's code starts (its modules run with this environment's globals).
  const g = globalThis as unknown as Record<string, (...a: unknown[]) => unknown>;
  for (const kind of ['setTimeout', 'setInterval'] as const) {
    const orig = g[kind];
    g[kind] = function (this: unknown, ...args: unknown[]) {
      const timer = orig.apply(this, args) as Tracked['timer'];
      const stack = (new Error().stack ?? '').split('\n').slice(2, 9).join('\n');
      state.timers.add({ kind, stack, ms: Number(args[1] ?? 0), timer });
      return timer;
    };
  }

  if (!state.endHooked) {
    state.endHooked = true;
    // jest-worker ends a worker by removing its 'message' listener and waiting 500 ms for the process to exit.
    real.on('removeListener', (event: string) => {
      if (event !== 'message') return;
      write('<worker end requested>');
      setTimeoutReal(real, () => write('<worker end>'), 300);
    });
    real.once('exit', () => {
      const mb = Math.round(real.memoryUsage().rss / 2 ** 20);
      appendFileSync(out, JSON.stringify({ file: '<worker exit event>', at: new Date().toISOString(), rssMiB: mb }) + '\n');
    });
  }

  // What the previous file of this worker left behind, seen once this file's environment is up (the previous file's
  // own afterAll hooks may run after any hook registered here, so its end is not the moment to look).
  write(`after ${state.lastFile ?? '<none>'}`);
  state.lastFile = expect.getState().testPath ?? '?';
}

function setTimeoutReal(real: NodeJS.Process, fn: () => void, ms: number): void {
  const t = (runInThisContext('setTimeout') as typeof setTimeout)(fn, ms);
  t.unref();
  void real;
}

function snapshot(real: NodeJS.Process & { _getActiveHandles(): unknown[] }, state: ProbeState): Record<string, unknown> {
  const handles = real
    ._getActiveHandles()
    .filter((h) => (h as { hasRef?: () => boolean }).hasRef?.() ?? true)
    .map(describeHandle);
  for (const t of [...state.timers]) {
    if (t.timer._destroyed || !(t.timer.hasRef?.() ?? true)) state.timers.delete(t);
  }
  const timers = [...state.timers].map((t) => ({ kind: t.kind, ms: t.ms, stack: t.stack }));
  return { resources: real.getActiveResourcesInfo(), handles, timers };
}

function describeHandle(h: unknown): string {
  const o = h as Record<string, unknown> & { constructor: { name: string } };
  const name = o.constructor?.name ?? typeof h;
  try {
    if (name === 'ChildProcess') return `ChildProcess pid=${String(o.pid)} ${JSON.stringify((o.spawnargs as string[]).slice(0, 4))}`;
    if (name === 'Server' || typeof (o as { listening?: unknown }).listening === 'boolean') {
      return `${name} ${JSON.stringify((o as unknown as { address(): unknown }).address())}`;
    }
    if ('remotePort' in o || 'localPort' in o) {
      const fd = (o._handle as { fd?: number } | undefined)?.fd;
      return `${name} ${String(o.localAddress)}:${String(o.localPort)} -> ${String(o.remoteAddress)}:${String(o.remotePort)} fd=${String(fd)} destroyed=${String(o.destroyed)}`;
    }
  } catch (err) {
    return `${name} (${String(err)})`;
  }
  return name;
}
