import type { AuditSink, BatchLimits } from './types';

const UNBOUNDED: BatchLimits = { maxEvents: 1_000, maxBytes: Number.MAX_SAFE_INTEGER, overheadBytes: 0, maxSpanMs: Number.MAX_SAFE_INTEGER };

/** One JSON line per record on stdout (local runs). Writes synchronously as records are accepted. */
export function stdoutSink(write: (line: string) => void): AuditSink {
  return {
    name: 'stdout',
    limits: UNBOUNDED,
    synchronous: true,
    destination: 'stdout',
    send(batch) {
      for (const e of batch) write(e.line);
    },
  };
}

/** Discards records (tests only): the chain, health and metrics still work. */
export function noneSink(): AuditSink {
  return { name: 'none', limits: UNBOUNDED, synchronous: true, destination: 'none', send() {} };
}
