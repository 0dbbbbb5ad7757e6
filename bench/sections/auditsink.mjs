/**
 * Audit sink capacity: records per second the audit trail ships to CloudWatch Logs at a given PutLogEvents latency
 * (bench/micro/audit-sink.ts, run under tsx against the loopback CloudWatch Logs endpoint with delayed answers).
 * About 20 s: 3 s at 50 ms, 4 s at 500 ms, 10 s at 3 s per answer.
 */
import { existsSync } from 'node:fs';
import { jsonLine, startNode } from '../lib/proc.mjs';
import { ROOT } from '../lib/targets.mjs';

export async function measureAuditSink(ctx, log) {
  if (!existsSync(`${ROOT}bench/micro/audit-sink.ts`)) return { notes: ['bench/micro/audit-sink.ts is missing'] };
  const quick = ctx.opts.quick;
  const h = await startNode({
    name: 'audit-sink',
    args: ['--import', 'tsx', `${ROOT}bench/micro/audit-sink.ts`, '--latencies', '50,500,3000', '--seconds', quick ? '2,3,7' : '3,4,10'],
    isReady: (line, stream) => {
      const j = stream === 'stdout' ? jsonLine(line) : undefined;
      if (j?.auditSink) return j.auditSink;
      if (stream === 'stdout' && line.trim()) log(`  ${line}`);
      return undefined;
    },
    timeoutMs: 90_000,
  });
  await h.stop();
  return {
    capacity: h.ready,
    notes: ['One PutLogEvents in flight at a time, each at most 1 MB; the buffer is kept full, so this is what the sink can ship, not what arrives.'],
  };
}
