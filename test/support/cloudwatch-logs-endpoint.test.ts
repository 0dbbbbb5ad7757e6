import {
  CreateLogStreamCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { LoopbackCloudWatchLogs, MAX_BATCH_BYTES, EVENT_OVERHEAD_BYTES } from './cloudwatch-logs-endpoint';

describe('loopback CloudWatch Logs endpoint (real CloudWatchLogsClient, awsJson1_1 wire protocol)', () => {
  let ep: LoopbackCloudWatchLogs;
  const group = '/test/endpoint';
  const stream = 's1';
  beforeAll(async () => {
    ep = await LoopbackCloudWatchLogs.start({ logGroups: [group] });
    await ep.client().send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
  });
  afterAll(async () => {
    await ep.close();
  });
  afterEach(() => ep.clearFaults());

  const put = (logEvents: { timestamp: number; message: string }[], logStreamName = stream) =>
    ep.client().send(new PutLogEventsCommand({ logGroupName: group, logStreamName, logEvents }));

  it('stores events and serves them back (GetLogEvents, FilterLogEvents, DescribeLogStreams)', async () => {
    const now = Date.now();
    await put([{ timestamp: now, message: 'a' }, { timestamp: now + 1, message: 'b' }]);
    const got = await ep.client().send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true }));
    expect(got.events?.map((e) => e.message)).toEqual(['a', 'b']);
    const filtered = await ep.client().send(new FilterLogEventsCommand({ logGroupName: group }));
    expect(filtered.events?.map((e) => [e.logStreamName, e.message])).toEqual([[stream, 'a'], [stream, 'b']]);
    const described = await ep.client().send(new DescribeLogStreamsCommand({ logGroupName: group, logStreamNamePrefix: 's' }));
    expect(described.logStreams?.[0]).toMatchObject({ logStreamName: stream, firstEventTimestamp: now, lastEventTimestamp: now + 1 });
  });

  it('countOnly: accepts, counts and rejects like the service but keeps no events (benchmark runs)', async () => {
    const counting = await LoopbackCloudWatchLogs.start({ logGroups: [group], countOnly: true });
    try {
      await counting.client().send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
      const now = Date.now();
      const res = await counting.client().send(new PutLogEventsCommand({
        logGroupName: group, logStreamName: stream,
        logEvents: [{ timestamp: now, message: 'a' }, { timestamp: now + 1, message: 'b' }, { timestamp: now + 3 * 3600 * 1000, message: 'too new' }],
      }));
      expect(res.rejectedLogEventsInfo).toBeDefined();
      expect(counting.eventCount(group)).toBe(2);
      expect(counting.events(group)).toEqual([]);
      expect(ep.eventCount(group)).toBe(ep.events(group).length);
    } finally {
      await counting.close();
    }
  });

  it.each([
    ['more than 10,000 events', () => Array.from({ length: 10_001 }, () => ({ timestamp: Date.now(), message: 'x' })), /less than or equal to 10000/],
    ['more than 1,048,576 bytes counting 26 per event', () => {
      const n = 2;
      const size = Math.floor(MAX_BATCH_BYTES / n) - EVENT_OVERHEAD_BYTES + 1;
      return Array.from({ length: n }, () => ({ timestamp: Date.now(), message: 'x'.repeat(size) }));
    }, /Upload too large/],
    ['events out of chronological order', () => [{ timestamp: Date.now(), message: 'b' }, { timestamp: Date.now() - 1000, message: 'a' }], /chronological order/],
    ['a span of more than 24 hours', () => [{ timestamp: Date.now() - 25 * 3_600_000, message: 'a' }, { timestamp: Date.now(), message: 'b' }], /24 hours/],
    ['an empty batch', () => [], /greater than or equal to 1/],
  ])('rejects a batch with %s (InvalidParameterException)', async (_name, events, message) => {
    await expect(put(events())).rejects.toMatchObject({ name: 'InvalidParameterException', message: expect.stringMatching(message), $metadata: { httpStatusCode: 400 } });
  });

  it('accepts a batch of exactly 1,048,576 bytes', async () => {
    const n = 4;
    const size = MAX_BATCH_BYTES / n - EVENT_OVERHEAD_BYTES;
    await expect(put(Array.from({ length: n }, () => ({ timestamp: Date.now(), message: 'y'.repeat(size) })))).resolves.toBeDefined();
  });

  it('rejects too-old and too-new events individually (rejectedLogEventsInfo)', async () => {
    const now = Date.now();
    const stored = ep.events(group, stream).length;
    const out = await put([
      { timestamp: now - 15 * 86_400_000, message: 'old' },
      { timestamp: now, message: 'ok' },
      { timestamp: now + 3 * 3_600_000, message: 'future' },
    ]);
    expect(out.rejectedLogEventsInfo).toEqual({ tooOldLogEventEndIndex: 1, tooNewLogEventStartIndex: 2 });
    expect(ep.events(group, stream).slice(stored).map((e) => e.message)).toEqual(['ok']);
  });

  it('answers unknown streams and groups with ResourceNotFoundException', async () => {
    await expect(put([{ timestamp: Date.now(), message: 'x' }], 'nope')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(ep.client().send(new CreateLogStreamCommand({ logGroupName: '/missing', logStreamName: 'x' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(ep.client().send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }))).rejects.toMatchObject({ name: 'ResourceAlreadyExistsException' });
  });

  it('verifies SigV4: a wrong secret is refused', async () => {
    const bad = ep.client({ credentials: { accessKeyId: 'AKIDLOOPBACKTEST0001', secretAccessKey: 'wrong' } });
    await expect(bad.send(new DescribeLogStreamsCommand({ logGroupName: group }))).rejects.toMatchObject({ name: 'InvalidSignatureException' });
    const unknown = ep.client({ credentials: { accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'x' } });
    await expect(unknown.send(new DescribeLogStreamsCommand({ logGroupName: group }))).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
  });

  it('fault knobs: throttle the next N, 500s for a period, dropped connections', async () => {
    ep.throttleNext(2);
    const one = () => put([{ timestamp: Date.now(), message: 'k' }]);
    await expect(one()).rejects.toMatchObject({ name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    await expect(one()).rejects.toMatchObject({ name: 'ThrottlingException' });
    await expect(one()).resolves.toBeDefined();
    ep.failFor(60_000);
    await expect(one()).rejects.toMatchObject({ name: 'ServiceUnavailableException', $metadata: { httpStatusCode: 500 } });
    ep.recover();
    const stored = ep.events(group, stream).length;
    ep.dropNext(1, 'after');
    await expect(one()).rejects.toThrow();
    expect(ep.events(group, stream).length).toBe(stored + 1); // stored although the client saw a failure
    ep.dropNext(1, 'before');
    await expect(one()).rejects.toThrow();
    expect(ep.events(group, stream).length).toBe(stored + 1);
  });
});
