import { auditSchema } from '../../config/sections/audit';
import { parseConfig } from '../../config/load';

describe('audit config section', () => {
  it('defaults to stdout, fail-closed, digests only, EMF metrics per minute', () => {
    expect(auditSchema.parse({})).toMatchObject({
      sink: 'stdout',
      failMode: 'closed',
      maxBufferedRecords: 10_000,
      flushIntervalMs: 1_000,
      closeTimeoutMs: 5_000,
      includeRedactedContent: false,
      metrics: { enabled: true, namespace: 'McpGovernanceProxy', intervalMs: 60_000 },
    });
    expect(auditSchema.parse({ sink: 'cloudwatch', cloudwatch: { logGroupName: '/audit' } }).cloudwatch).toEqual({
      logGroupName: '/audit', requestTimeoutMs: 10_000, retry: { baseDelayMs: 200, maxDelayMs: 2_000 },
    });
  });

  it.each([
    ['cloudwatch sink without a log group', { sink: 'cloudwatch' }, /cloudwatch: required when sink is "cloudwatch"/],
    ['a fail-closed threshold above the buffer', { maxBufferedRecords: 10, unhealthyPendingRecords: 11 }, /unhealthyPendingRecords: must not exceed maxBufferedRecords \(10\)/],
    ['a retry base above the maximum', { sink: 'cloudwatch', cloudwatch: { logGroupName: 'g', retry: { baseDelayMs: 10, maxDelayMs: 5 } } }, /baseDelayMs: must not exceed maxDelayMs/],
    ['a bad log group name', { sink: 'cloudwatch', cloudwatch: { logGroupName: 'a b' } }, /logGroupName/],
    ['a salt variable that is not a variable name', { digestSaltEnv: '1-bad' }, /digestSaltEnv: must be an environment variable name/],
    ['an unknown member', { sinks: 'stdout' }, /audit/],
  ])('rejects %s, naming the field', (_name, audit, message) => {
    expect(() => parseConfig({ version: 1, upstreams: [{ name: 'a', url: 'http://127.0.0.1:1/mcp' }], audit })).toThrow(message);
  });
});
