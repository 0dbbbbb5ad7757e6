/**
 * A/B of the audit sink's CloudWatch Logs client (issue 21): (a) the sink as it was, on the AWS SDK's
 * CloudWatchLogsClient with its default credential chain (cloudwatch-sdk-baseline.ts), against (b) the sink as built,
 * on its own client (runtime/src/stages/audit/sinks/cloudwatch-logs/: awsJson1_1 over node:http(s), signed with
 * @smithy/signature-v4, credentials from the environment, the container endpoint or the metadata service).
 * Each variant is bundled by esbuild as the runtime is (bench/cloudwatch-ab.mjs), then run in a fresh process:
 * prints {variant, loadMs, readyMs, rssReady, cpuUsPerPut} after CreateLogStream and N PutLogEvents of 50 records.
 *
 *   node bundle-<sdk|own>.js --endpoint URL --region R --log-group G --puts N
 */
import { parseArgs } from 'node:util';

const t0 = performance.now();
const { values } = parseArgs({ options: { endpoint: { type: 'string' }, region: { type: 'string' }, 'log-group': { type: 'string' }, puts: { type: 'string', default: '200' } } });
const group = values['log-group']!;
const stream = `ab/${process.pid}`;
const line = JSON.stringify({ kind: 'tools/call', caller: 'bench-user', tool: 'bench__echo', decision: 'permit', args: { text: 'x'.repeat(300) }, hash: 'f'.repeat(64) });

type AuditEntryLike = { seq: number; timestamp: number; line: string; bytes: number };

/** What main drives, the same for both variants: CreateLogStream, then batches as the trail hands them to the sink. */
function driver(loadMs: number, sink: { start(): Promise<void>; send(batch: AuditEntryLike[]): Promise<unknown> }) {
  let seq = 0;
  return { loadMs, create: () => sink.start(), put: (events: { timestamp: number; message: string }[]) => sink.send(events.map((e) => ({ seq: seq++, timestamp: e.timestamp, line: e.message, bytes: e.message.length }))) };
}

const settings = () => ({ region: values.region, endpoint: values.endpoint, requestTimeoutMs: 10_000 });

async function own() {
  const { CloudWatchSink, createCloudWatchLogsClient } = await import('../../runtime/src/stages/audit/sinks/cloudwatch');
  const loadMs = performance.now() - t0;
  return driver(loadMs, new CloudWatchSink({ client: createCloudWatchLogsClient(settings()), logGroupName: group, logStreamName: stream }));
}

async function sdk() {
  const { CloudWatchSink, createCloudWatchLogsClient } = await import('./cloudwatch-sdk-baseline');
  const loadMs = performance.now() - t0;
  return driver(loadMs, new CloudWatchSink({ client: createCloudWatchLogsClient(settings()), logGroupName: group, logStreamName: stream }));
}

// Fixed at bundle time (esbuild --define), so each bundle holds one variant only, as the runtime would.
declare const __VARIANT__: string;

async function main() {
  const client = __VARIANT__ === 'own' ? await own() : await sdk();
  await client.create();
  const readyMs = performance.now() - t0;
  const rssReady = process.memoryUsage().rss;
  const puts = Number(values.puts);
  const c0 = process.cpuUsage();
  for (let i = 0; i < puts; i++) await client.put(Array.from({ length: 50 }, () => ({ timestamp: Date.now(), message: line })));
  const c = process.cpuUsage(c0);
  process.stdout.write(JSON.stringify({ variant: __VARIANT__, loadMs: client.loadMs, readyMs, rssReady, rssEnd: process.memoryUsage().rss, cpuUsPerPut: (c.user + c.system) / puts }) + '\n');
  process.exit(0);
}
void main();
