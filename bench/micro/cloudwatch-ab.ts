/**
 * A/B of the audit sink's CloudWatch Logs client (issue 21): (a) the AWS SDK client the sink uses
 * (runtime/src/stages/audit/sinks/cloudwatch.ts: CloudWatchLogsClient, default credential chain), against (b) a
 * prototype of a client of its own: CreateLogStream and PutLogEvents as awsJson1_1 POSTs over node:http(s), signed
 * with @smithy/signature-v4, credentials from @aws-sdk/credential-provider-env, then -http (container endpoint), then
 * @smithy/credential-provider-imds (instance metadata), as the SDK's default chain tries them on AgentCore.
 * Each variant is bundled by esbuild as the runtime is (bench/cloudwatch-ab.mjs), then run in a fresh process:
 * prints {variant, loadMs, readyMs, rssReady, cpuUsPerPut} after CreateLogStream and N PutLogEvents of 50 records.
 *
 *   node bundle-<sdk|own>.js --endpoint URL --region R --log-group G --puts N
 */
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { parseArgs } from 'node:util';

const t0 = performance.now();
const { values } = parseArgs({ options: { endpoint: { type: 'string' }, region: { type: 'string' }, 'log-group': { type: 'string' }, puts: { type: 'string', default: '200' } } });
const group = values['log-group']!;
const stream = `ab/${process.pid}`;
const line = JSON.stringify({ kind: 'tools/call', caller: 'bench-user', tool: 'bench__echo', decision: 'permit', args: { text: 'x'.repeat(300) }, hash: 'f'.repeat(64) });

class Sha256 {
  private h;
  constructor(private readonly secret?: Uint8Array | string) {
    this.h = secret ? createHmac('sha256', secret) : createHash('sha256');
  }
  update(d: Uint8Array | string) {
    this.h.update(d);
  }
  async digest() {
    return new Uint8Array(this.h.digest());
  }
  reset() {
    this.h = this.secret ? createHmac('sha256', this.secret) : createHash('sha256');
  }
}

async function own() {
  const { SignatureV4 } = await import('@smithy/signature-v4');
  const { fromEnv } = await import('@aws-sdk/credential-provider-env');
  const loadMs = performance.now() - t0;
  const credentials = async () => {
    if (process.env.AWS_ACCESS_KEY_ID) return fromEnv()();
    if (process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI || process.env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) return (await import('@aws-sdk/credential-provider-http')).fromHttp({})();
    return (await import('@smithy/credential-provider-imds')).fromInstanceMetadata()();
  };
  const url = new URL(values.endpoint!);
  const signer = new SignatureV4({ service: 'logs', region: values.region!, credentials, sha256: Sha256 as never });
  const agent = new (url.protocol === 'https:' ? https : http).Agent({ keepAlive: true });
  const call = async (target: string, body: object) => {
    const text = JSON.stringify(body);
    const req = await signer.sign({
      method: 'POST', protocol: url.protocol, hostname: url.hostname, port: Number(url.port) || undefined, path: '/', query: {},
      headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `Logs_20140328.${target}`, 'content-length': String(Buffer.byteLength(text)) },
      body: text,
    });
    return new Promise<string>((resolve, reject) => {
      const r = (url.protocol === 'https:' ? https : http).request({ method: 'POST', host: url.hostname, port: url.port, path: '/', headers: req.headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks).toString()) : reject(new Error(`${res.statusCode} ${Buffer.concat(chunks)}`))));
      });
      r.on('error', reject);
      r.end(text);
    });
  };
  return { loadMs, create: () => call('CreateLogStream', { logGroupName: group, logStreamName: stream }), put: (events: object[]) => call('PutLogEvents', { logGroupName: group, logStreamName: stream, logEvents: events }) };
}

async function sdk() {
  const { CloudWatchSink, createCloudWatchLogsClient } = await import('../../runtime/src/stages/audit/sinks/cloudwatch');
  const loadMs = performance.now() - t0;
  const sink = new CloudWatchSink({ client: createCloudWatchLogsClient({ region: values.region, endpoint: values.endpoint, requestTimeoutMs: 10_000 }), logGroupName: group, logStreamName: stream });
  let seq = 0;
  return { loadMs, create: () => sink.start(), put: (events: { timestamp: number; message: string }[]) => sink.send(events.map((e) => ({ seq: seq++, timestamp: e.timestamp, line: e.message, bytes: e.message.length }))) };
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
