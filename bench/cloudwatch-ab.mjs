#!/usr/bin/env node
/**
 * `node bench/cloudwatch-ab.mjs [--runs N] [--puts N]`: the A/B behind the decision on the audit sink's CloudWatch
 * Logs client (bench/README.md). Bundles bench/micro/cloudwatch-ab.ts twice with esbuild (minified,
 * node target, as the runtime), once with the sink as it was on the AWS SDK's CloudWatchLogsClient
 * (bench/micro/cloudwatch-sdk-baseline.ts) and once with the sink as built, on its own client, then starts each N times, interleaved, against the loopback CloudWatch Logs endpoint (real awsJson1_1 protocol,
 * SigV4 verified): time to load the client code, time to the stream created (the sink's part of "ready"), RSS then,
 * and CPU per PutLogEvents of 50 records. Prints medians.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { killAll } from './lib/proc.mjs';
import { median } from './lib/stats.mjs';
import { ROOT, startCloudWatch } from './lib/targets.mjs';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' }, puts: { type: 'string', default: '200' } } });
const tmp = mkdtempSync(join(tmpdir(), 'cw-ab-'));
const cw = await startCloudWatch();
try {
  const bundles = {};
  for (const v of ['sdk', 'own']) {
    bundles[v] = join(tmp, `${v}.cjs`);
    await build({ entryPoints: [`${ROOT}bench/micro/cloudwatch-ab.ts`], bundle: true, platform: 'node', target: 'node22', format: 'cjs', minify: true, outfile: bundles[v], define: { __VARIANT__: JSON.stringify(v) }, logLevel: 'error' });
  }
  const env = { ...process.env, AWS_ACCESS_KEY_ID: cw.accessKeyId, AWS_SECRET_ACCESS_KEY: cw.secretAccessKey, AWS_REGION: cw.region, AWS_EC2_METADATA_DISABLED: 'true' };
  const runs = { sdk: [], own: [] };
  for (let i = 0; i < Number(values.runs); i++) {
    for (const v of ['sdk', 'own']) {
      const t = performance.now();
      const out = execFileSync(process.execPath, [bundles[v], '--endpoint', cw.endpoint, '--region', cw.region, '--log-group', cw.logGroup, '--puts', values.puts], { env, encoding: 'utf8', timeout: 120_000 });
      runs[v].push({ ...JSON.parse(out.trim().split('\n').pop()), wallMs: performance.now() - t });
    }
  }
  const MiB = 2 ** 20;
  for (const v of ['sdk', 'own']) {
    const m = (k) => median(runs[v].map((r) => r[k]));
    console.log(`${v}: bundle ${(statSync(bundles[v]).size / 1024).toFixed(0)} KiB; load ${m('loadMs').toFixed(1)} ms; stream created at ${m('readyMs').toFixed(1)} ms; RSS then ${(m('rssReady') / MiB).toFixed(1)} MiB; CPU per PutLogEvents (50 records) ${m('cpuUsPerPut').toFixed(0)} µs; RSS after ${values.puts} puts ${(m('rssEnd') / MiB).toFixed(1)} MiB (median of ${runs[v].length})`);
  }
} finally {
  await cw.stop();
  rmSync(tmp, { recursive: true, force: true });
  killAll();
}
