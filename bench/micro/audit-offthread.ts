/**
 * Would sealing audit records on a worker thread lower the proxy's CPU? (issue 21's "work that can leave the request
 * path"). Sealing is what a worker could take over: the event loop would still build each record body (it reads the
 * request context) and would then hand it over by structured clone instead of sealing it. This measures, for the two
 * records of a typical call (decision + outcome, built by the real RecordBuilder) and the real ChainSealer:
 *   inline:   seal on the event loop (what the proxy does);
 *   post:     postMessage(body) per record to a worker that seals it;
 *   batched:  the bodies of --batch records in one postMessage (the trail's flush size, fewer wake-ups).
 * Figures per record, medians of --rounds interleaved rounds: main-thread CPU (time spent on the event loop sealing or
 * posting; the worker's share is not in it) and process CPU (all threads, process.cpuUsage, until the worker has
 * sealed everything), which is what AgentCore bills and what the bench's CPU targets count.
 *
 * Main-thread CPU comes from process.threadCpuUsage (Node >= 22.19); on older Node it is wall time, an upper bound.
 *
 *   tsx bench/micro/audit-offthread.ts [--records 20000] [--rounds 7] [--batch 50]
 * Prints a table and one JSON line.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import type { Logger } from '../../runtime/src/log';
import { RecordBuilder, type RecordBody } from '../../runtime/src/stages/audit/record';
import { ChainSealer } from '../../runtime/src/stages/audit/sealer';
import { requestContext } from '../../runtime/src/stages/audit/test-fixtures';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet } as unknown as Logger;

if (!isMainThread) {
  // The worker: seals whatever arrives (one body or an array of bodies); answers 'done' after `expect` records.
  const sealer = new ChainSealer('bench', quiet, Date.now);
  let sealed = 0;
  let expect = Infinity;
  let bytes = 0;
  const check = () => {
    if (sealed >= expect) {
      parentPort!.postMessage({ done: sealed, bytes });
      sealed = 0;
      bytes = 0;
      expect = Infinity;
    }
  };
  parentPort!.on('message', (m: { expect?: number } | RecordBody | RecordBody[]) => {
    if ('expect' in m && typeof m.expect === 'number') expect = m.expect;
    else for (const body of Array.isArray(m) ? m : [m as RecordBody]) bytes += sealer.seal(body).bytes, sealed++;
    check();
  });
}

function bodies(n: number): RecordBody[] {
  const builder = new RecordBuilder({ salt: randomBytes(32), includeContent: false, maxContentBytes: 8192 });
  const out: RecordBody[] = [];
  for (let i = 0; i < n / 2; i++) {
    const ctx = requestContext({ rpcId: i, arguments: { customerId: `C-${i}`, email: 'tok_v1_0123456789abcdef' } });
    out.push(builder.decision(ctx, performance.now()));
    out.push(builder.outcome(ctx, { status: 'ok', toolError: false, result: { content: [{ type: 'text', text: `sent ${i}` }] } }, performance.now()));
  }
  return out;
}

/** The event loop's own CPU (Node >= 22.19: process.threadCpuUsage), else its wall time (an upper bound on a busy host). */
const mainThreadUs: () => number =
  typeof (process as { threadCpuUsage?: () => NodeJS.CpuUsage }).threadCpuUsage === 'function'
    ? () => {
        const u = (process as unknown as { threadCpuUsage: () => NodeJS.CpuUsage }).threadCpuUsage();
        return u.user + u.system;
      }
    : () => performance.now() * 1000;

function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { records: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '7' }, batch: { type: 'string', default: '50' } } });
  const n = Number(values.records);
  const rounds = Number(values.rounds);
  const batch = Number(values.batch);
  // The worker loads this file through tsx's CommonJS hook (workers do not inherit the parent's loader).
  const worker = new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(__filename)});`, { eval: true });
  const done = () => new Promise<void>((resolve) => worker.once('message', () => resolve()));
  const sealer = new ChainSealer('bench', quiet, Date.now);

  /** Hands `b` to the worker with `send`; main-thread CPU of sending, process CPU until the worker has sealed all. */
  const viaWorker = async (b: RecordBody[], send: () => void) => {
    worker.postMessage({ expect: b.length });
    const finished = done();
    const c0 = cpuUs();
    const t0 = mainThreadUs();
    send();
    const mainUs = mainThreadUs() - t0;
    await finished;
    return { mainUs, processUs: cpuUs() - c0 };
  };

  const variants: Record<string, (b: RecordBody[]) => Promise<{ mainUs: number; processUs: number }>> = {
    inline: async (b) => {
      const c0 = cpuUs();
      const t0 = mainThreadUs();
      for (const body of b) sealer.seal(body);
      const mainUs = mainThreadUs() - t0;
      return { mainUs, processUs: cpuUs() - c0 };
    },
    post: (b) => viaWorker(b, () => {
      for (const body of b) worker.postMessage(body);
    }),
    batched: (b) => viaWorker(b, () => {
      for (let i = 0; i < b.length; i += batch) worker.postMessage(b.slice(i, i + batch));
    }),
  };

  // Warm-up: every variant once on a small set, so that the figures are of optimized code.
  const warm = bodies(2_000);
  for (const run of Object.values(variants)) await run(warm);

  const per: Record<string, { main: number[]; proc: number[] }> = {};
  for (let r = 0; r < rounds; r++) {
    const order = Object.keys(variants);
    if (r % 2) order.reverse();
    for (const name of order) {
      const b = bodies(n);
      const { mainUs, processUs } = await variants[name](b);
      (per[name] ??= { main: [], proc: [] }).main.push(mainUs / n);
      per[name].proc.push(processUs / n);
    }
  }
  await worker.terminate();

  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const out = Object.fromEntries(Object.entries(per).map(([k, v]) => [k, { mainUsPerRecord: +med(v.main).toFixed(2), processUsPerRecord: +med(v.proc).toFixed(2), processRange: [+Math.min(...v.proc).toFixed(2), +Math.max(...v.proc).toFixed(2)] }]));
  process.stdout.write(`records ${n} per round, ${rounds} rounds, batch ${batch}, ${process.version}, main thread: ${'threadCpuUsage' in process ? 'thread CPU' : 'wall time'}\n`);
  process.stdout.write('variant   main-thread µs/record   process µs/record (range)\n');
  for (const [k, v] of Object.entries(out)) process.stdout.write(`${k.padEnd(9)} ${String(v.mainUsPerRecord).padStart(10)}              ${v.processUsPerRecord} (${v.processRange.join('-')})\n`);
  process.stdout.write(`${JSON.stringify({ auditOffThread: out })}\n`);
}

if (isMainThread) void main();
