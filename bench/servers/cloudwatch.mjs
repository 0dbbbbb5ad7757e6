#!/usr/bin/env node
/**
 * The loopback CloudWatch Logs endpoint (test/support/cloudwatch-logs-endpoint.ts: real awsJson1_1 wire protocol,
 * SigV4-verified) as a child process, so the audit sink of the full-pipeline proxy ships to something real.
 *
 *   node --import tsx bench/servers/cloudwatch.mjs --log-group /bench/audit
 * Prints `{"ready":true,"endpoint":...,"region":...,"accessKeyId":...,"secretAccessKey":...}` (static test-only
 * credentials the endpoint accepts). On SIGTERM it prints `{"events":N}` (records accepted; counted, not kept) and exits.
 */
import { parseArgs } from 'node:util';
import { LoopbackCloudWatchLogs, TEST_CREDENTIALS } from '../../test/support/cloudwatch-logs-endpoint.ts';

const { values } = parseArgs({
  options: { 'log-group': { type: 'string', default: '/bench/audit' }, 'max-lifetime-s': { type: 'string', default: '1800' } },
});
const logGroup = values['log-group'];
// Count-only: the events are decoded, checked and acknowledged as the service does, but not kept (a bench run ships
// ~300,000 records; keeping them made this process's GC pauses show in the proxy's tail latency on the shared cores).
const ep = await LoopbackCloudWatchLogs.start({ logGroups: [logGroup], countOnly: true });
process.stdout.write(JSON.stringify({ ready: true, endpoint: ep.endpoint, region: ep.region, logGroup, ...TEST_CREDENTIALS }) + '\n');

const stop = async () => {
  setTimeout(() => process.exit(0), 1000).unref();
  process.stdout.write(JSON.stringify({ events: ep.eventCount(logGroup) }) + '\n');
  await ep.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setTimeout(stop, Number(values['max-lifetime-s']) * 1000).unref();
