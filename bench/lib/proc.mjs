/**
 * Child processes for the benchmark: start, wait for a readiness signal (bounded), read RSS and CPU time from /proc,
 * and stop (SIGTERM, then SIGKILL after a grace period). Every child is registered so an aborted run still ends them.
 */
import { spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';

const live = new Set();

/** Ends every child this run started (used on abort and at exit). */
export function killAll(signal = 'SIGKILL') {
  for (const p of live) {
    try {
      p.kill(signal);
    } catch {
      /* already gone */
    }
  }
  live.clear();
}
process.on('exit', () => killAll());

/** A free loopback TCP port (bind to 0, read it, release it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

let devNull;
function devNullFd() {
  devNull ??= openSync('/dev/null', 'w');
  return devNull;
}

/**
 * Starts `node <args>` and waits until `isReady(line, stream)` returns a value for a line of its stdout or stderr.
 * @param {object} o
 * @param {string} o.name        label for errors
 * @param {string[]} o.args      node arguments (script and flags)
 * @param {Record<string,string>} [o.env]
 * @param {(line: string, stream: 'stdout'|'stderr') => any} o.isReady
 * @param {'pipe'|'null'} [o.stdout='pipe']  'null' sends stdout to /dev/null (audit to stdout costs a real write, not our parsing)
 * @param {number} [o.timeoutMs=20000]
 * @param {(line: string, stream: 'stdout'|'stderr') => void} [o.onLine]  sees every line, also after ready
 * @param {string} [o.node=process.execPath]  the node binary
 * @returns {Promise<{child, pid:number, ready:any, spawnedAt:number, readyAt:number, stderrTail:string[], stop:()=>Promise<void>}>}
 */
export function startNode(o) {
  const { name, args, env = {}, isReady, stdout = 'pipe', timeoutMs = 20_000, onLine, node = process.execPath } = o;
  const spawnedAt = performance.now();
  const spawnedWall = Date.now();
  const child = spawn(node, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', stdout === 'null' ? devNullFd() : 'pipe', 'pipe'],
  });
  live.add(child);
  const stderrTail = [];
  const handle = {
    child,
    pid: child.pid,
    ready: undefined,
    spawnedAt,
    spawnedWall,
    readyAt: NaN,
    stderrTail,
    exited: false,
    stop: () => stopChild(child),
  };
  child.on('exit', (code, signal) => {
    handle.exited = true;
    handle.exitCode = code;
    handle.exitSignal = signal;
    live.delete(child);
  });
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (err, value) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) {
        stopChild(child);
        reject(err);
      } else {
        handle.ready = value;
        handle.readyAt = performance.now();
        resolve(handle);
      }
    };
    const timer = setTimeout(() => finish(new Error(`${name}: not ready after ${timeoutMs} ms; stderr tail:\n${stderrTail.join('\n')}`)), timeoutMs);
    const watch = (stream, label) => {
      if (!stream) return;
      createInterface({ input: stream }).on('line', (line) => {
        if (label === 'stderr') {
          stderrTail.push(line.length > 500 ? line.slice(0, 500) + '...' : line);
          if (stderrTail.length > 20) stderrTail.shift();
        }
        onLine?.(line, label);
        if (done) return;
        let value;
        try {
          value = isReady(line, label);
        } catch {
          value = undefined;
        }
        if (value !== undefined && value !== false) finish(null, value);
      });
    };
    watch(child.stdout, 'stdout');
    watch(child.stderr, 'stderr');
    child.on('error', (e) => finish(new Error(`${name}: ${e.message}`)));
    // 'close' (not 'exit'): fires after stdout/stderr are drained, so the tail holds the child's last words.
    child.on('close', (code, sig) => finish(new Error(`${name}: exited (${code ?? sig}) before ready; stderr tail: ${stderrTail.slice(-8).join(' | ')}`)));
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the child has exited. */
export function stopChild(child, graceMs = 3000) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Resident set size of a process, in bytes (VmRSS from /proc/<pid>/status), or NaN. */
export function rssBytes(pid) {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

const CLK_TCK = 100; // USER_HZ on Linux (getconf CLK_TCK); /proc/<pid>/stat counts in these ticks.
/** User + system CPU time of a process so far, in milliseconds (from /proc/<pid>/stat), or NaN. */
export function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime is field 14, stime field 15.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/** Machine-wide CPU counters from /proc/stat, in ms: { busy, idle, steal, total }, or undefined. */
export function machineCpuMs() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, idle, iowait, irq, softirq, steal = 0] = f;
    const k = 1000 / CLK_TCK;
    return { busy: (user + nice + system + irq + softirq) * k, idle: (idle + iowait) * k, steal: steal * k, total: (user + nice + system + idle + iowait + irq + softirq + steal) * k };
  } catch {
    return undefined;
  }
}

/** CPU ms of this process plus its reaped children (utime, stime, cutime, cstime of /proc/self/stat). */
export function selfAndChildrenCpuMs() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 1000) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/** Parses a JSON line, or returns undefined. */
export function jsonLine(line) {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

