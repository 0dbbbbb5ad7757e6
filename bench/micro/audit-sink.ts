/**
 * Audit sink capacity: records per second the audit trail ships to CloudWatch Logs when every PutLogEvents answer
 * takes a given time. The trail (runtime/src/stages/audit/trail.ts) and the CloudWatch sink run as in the proxy, with
 * the sink's own CloudWatch Logs client, against the loopback CloudWatch Logs endpoint (test/support, awsJson1_1 + SigV4;
 * answers delayed by the latency under test, events counted, not kept). The buffer is kept full, so the figure is
 * what the sink can ship, not what arrives. Records are real outcome records (RecordBuilder) of a typical call.
 *
 *   tsx bench/micro/audit-sink.ts --latencies 50,500,3000 --seconds 3,4,10
 * Prints one JSON line: {"auditSink":[{latencyMs, seconds, records, recordsPerSec, batches, avgBatch, recordBytes}]}
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { LoopbackCloudWatchLogs, TEST_CREDENTIALS } from '../../test/support/cloudwatch-logs-endpoint';
import type { Logger } from '../../runtime/src/log';
import { RecordBuilder } from '../../runtime/src/stages/audit/record';
import { CloudWatchSink, createCloudWatchLogsClient } from '../../runtime/src/stages/audit/sinks/cloudwatch';
import { requestContext } from '../../runtime/src/stages/audit/test-fixtures';
import { AuditTrail } from '../../runtime/src/stages/audit/trail';

const { values } = parseArgs({ options: { latencies: { type: 'string', default: '50,500,3000' }, seconds: { type: 'string', default: '3,4,10' } } });
const latencies = values.latencies.split(',').map(Number);
const seconds = values.seconds.split(',').map(Number);

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet } as unknown as Logger;
const GROUP = '/bench/audit-sink';

async function measure(latencyMs: number, runS: number) {
  const ep = await LoopbackCloudWatchLogs.start({ logGroups: [GROUP], countOnly: true, verifySignatures: false });
  try {
    const builder = new RecordBuilder({ salt: randomBytes(32), includeContent: false, maxContentBytes: 8192 });
    const ctx = requestContext({ rpcId: 42 });
    const body = builder.outcome(ctx, { status: 'ok', toolError: false, result: { content: [{ type: 'text', text: 'x'.repeat(200) }] } }, performance.now());
    const sink = new CloudWatchSink({ client: createCloudWatchLogsClient({ region: ep.region, endpoint: ep.endpoint, requestTimeoutMs: 30_000, credentials: TEST_CREDENTIALS }), logGroupName: GROUP, logStreamName: `bench/${latencyMs}` });
    const trail = new AuditTrail({
      instanceId: `bench-${latencyMs}`,
      sink,
      log: quiet,
      maxBufferedRecords: 200_000,
      unhealthyPendingRecords: 200_000,
      unhealthyPendingAgeMs: 3_600_000,
      flushIntervalMs: 1_000,
      retry: { baseDelayMs: 50, maxDelayMs: 200 },
    });
    await trail.start({ type: 'audit_start' });
    await trail.whenProven;
    ep.delayResponses(latencyMs);
    const before = ep.eventCount(GROUP);
    const putsBefore = ep.requests.length;
    // Keep at least ~4 full batches waiting, so the sink is never starved.
    const fill = () => {
      for (let n = 6_000 - trail.stats().buffered; n > 0; n--) trail.append(body);
    };
    fill();
    const timer = setInterval(fill, 5);
    // The rate is taken up to the last completed PutLogEvents (a window ending mid-send would understate it).
    const t0 = performance.now();
    let last = { at: t0, count: before };
    const watch = setInterval(() => {
      const c = ep.eventCount(GROUP);
      if (c !== last.count) last = { at: performance.now(), count: c };
    }, 5);
    await new Promise((r) => setTimeout(r, runS * 1000));
    clearInterval(watch);
    clearInterval(timer);
    const elapsed = (last.at - t0) / 1000;
    const records = last.count - before;
    const batches = ep.requests.slice(putsBefore).filter((r) => r.operation === 'PutLogEvents' && r.status === 200).length;
    const perBatch = batches ? Math.round(records / batches) : 0;
    ep.delayResponses(0);
    await trail.close(() => ({ type: 'audit_stop' }), 1_000);
    const recordBytes = Buffer.byteLength(JSON.stringify({ ...body, v: 1, time: new Date().toISOString(), instanceId: `bench-${latencyMs}`, seq: 123456, prevHash: '0'.repeat(64), hash: '0'.repeat(64) }));
    return { latencyMs, seconds: Math.round(elapsed * 10) / 10, records, recordsPerSec: elapsed > 0 ? Math.round(records / elapsed) : 0, batches, avgBatch: perBatch, recordBytes };
  } finally {
    await ep.close();
  }
}

async function main() {
  const out = [];
  for (let i = 0; i < latencies.length; i++) out.push(await measure(latencies[i], seconds[i] ?? seconds[seconds.length - 1]));
  process.stdout.write(`${JSON.stringify({ auditSink: out })}\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
