/** How the trail cuts its buffer into batches, and how it names runs of sequence numbers. */
import type { AuditEntry, BatchLimits } from './sinks/types';

/**
 * How many entries from the head make one batch within the sink's limits. A batch also ends where the clock went
 * backwards (CloudWatch refuses batches that are not in chronological order); seq, not time, orders the chain.
 */
export function batchLength(buffer: readonly AuditEntry[], limits: BatchLimits): number {
  const { maxEvents, maxBytes, overheadBytes, maxSpanMs } = limits;
  let bytes = 0;
  let n = 0;
  const first = buffer[0]?.timestamp ?? 0;
  let prev = first;
  for (const e of buffer) {
    if (n >= maxEvents) break;
    if (n > 0 && (bytes + e.bytes + overheadBytes > maxBytes || e.timestamp < prev || e.timestamp - first > maxSpanMs)) break;
    bytes += e.bytes + overheadBytes;
    prev = e.timestamp;
    n++;
  }
  return n;
}

/** Consecutive sequence numbers as [first, last] ranges. */
export function seqRanges(entries: readonly AuditEntry[]): [number, number][] {
  const ranges: [number, number][] = [];
  for (const e of entries) {
    const last = ranges[ranges.length - 1];
    if (last && last[1] === e.seq - 1) last[1] = e.seq;
    else ranges.push([e.seq, e.seq]);
  }
  return ranges;
}
