import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoopbackCloudWatchLogs, TEST_CREDENTIALS } from '../../../../../../test/support/cloudwatch-logs-endpoint';
import { LoopbackCredentialsEndpoint } from '../../../../../../test/support/credentials-endpoint';
import { waitFor } from '../../../../../../test/support/net';
import { CloudWatchLogsWireClient, logsEndpoint, type LogsClientSettings } from './client';
import { REFRESH_BEFORE_EXPIRY_MS } from './credentials';

const GROUP = '/test/wire';
let ep: LoopbackCloudWatchLogs;
let streamNo = 0;
const clients: CloudWatchLogsWireClient[] = [];

beforeAll(async () => {
  ep = await LoopbackCloudWatchLogs.start({ logGroups: [GROUP] });
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  await ep.close();
});
afterEach(() => ep.clearFaults());

/** A client for the loopback endpoint; no credentials in its environment unless given. */
function client(over: Partial<LogsClientSettings> = {}): CloudWatchLogsWireClient {
  const c = new CloudWatchLogsWireClient({ region: ep.region, endpoint: ep.endpoint, requestTimeoutMs: 5_000, env: { AWS_EC2_METADATA_DISABLED: 'true' }, ...over });
  clients.push(c);
  return c;
}

async function freshStream(c: CloudWatchLogsWireClient): Promise<string> {
  const stream = `wire/${++streamNo}`;
  await c.createLogStream({ logGroupName: GROUP, logStreamName: stream });
  return stream;
}

const put = (c: CloudWatchLogsWireClient, stream: string, message = 'record') =>
  c.putLogEvents({ logGroupName: GROUP, logStreamName: stream, logEvents: [{ timestamp: Date.now(), message }] });

describe('audit CloudWatch Logs client (loopback CloudWatch Logs endpoint, SigV4 verified)', () => {
  it('creates a stream and puts events the endpoint verifies and stores, over one kept-alive connection', async () => {
    const c = client({ credentials: TEST_CREDENTIALS });
    const stream = await freshStream(c);
    const out = await c.putLogEvents({
      logGroupName: GROUP,
      logStreamName: stream,
      logEvents: [{ timestamp: Date.now(), message: 'ünïcode "quoted" \\ line' }, { timestamp: Date.now(), message: 'two' }],
    });
    expect(out.nextSequenceToken).toEqual(expect.any(String));
    expect(ep.events(GROUP, stream).map((e) => e.message)).toEqual(['ünïcode "quoted" \\ line', 'two']);
    expect(c.credentialSource).toBe('static');
  });

  it('names the operation and the AWS error code, with the HTTP status, and no credential in the message', async () => {
    const c = client({ credentials: TEST_CREDENTIALS });
    const stream = await freshStream(c);
    const err = await c.createLogStream({ logGroupName: GROUP, logStreamName: stream }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ResourceAlreadyExistsException', operation: 'CreateLogStream', $metadata: { httpStatusCode: 400 } });
    expect((err as Error).message).toMatch(/^CloudWatch Logs CreateLogStream failed: ResourceAlreadyExistsException \(HTTP 400\): The specified log stream already exists$/);
    const missing = await put(c, 'no-such-stream').catch((e: unknown) => e);
    expect(missing).toMatchObject({ name: 'ResourceNotFoundException', operation: 'PutLogEvents' });
    ep.failNext(1, { type: 'InvalidSequenceTokenException', message: 'bad token', extra: { expectedSequenceToken: '49' } });
    expect(await put(c, stream).catch((e: unknown) => e)).toMatchObject({ name: 'InvalidSequenceTokenException', expectedSequenceToken: '49' });
    for (const e of [err, missing]) expect(JSON.stringify({ m: (e as Error).message, ...(e as object) })).not.toContain(TEST_CREDENTIALS.secretAccessKey);
  });

  it('is refused with a wrong secret (InvalidSignatureException), an unknown key and expired credentials', async () => {
    const good = client({ credentials: TEST_CREDENTIALS });
    const stream = await freshStream(good);
    const wrongSecret = client({ credentials: { ...TEST_CREDENTIALS, secretAccessKey: 'not-the-secret-the-endpoint-knows' } });
    const e1 = await put(wrongSecret, stream).catch((e: unknown) => e);
    expect(e1).toMatchObject({ name: 'InvalidSignatureException', operation: 'PutLogEvents', $metadata: { httpStatusCode: 400 } });
    expect((e1 as Error).message).not.toContain('not-the-secret');
    const unknown = client({ credentials: { accessKeyId: 'AKIDNOBODYKNOWS00001', secretAccessKey: 'whatever-secret-value' } });
    expect(await put(unknown, stream).catch((e: unknown) => e)).toMatchObject({ name: 'UnrecognizedClientException' });
    const temp = { accessKeyId: 'ASIAEXPIREDLOOPBACK1', secretAccessKey: 'expired-temp-secret', sessionToken: 'expired-session-token' };
    ep.allowCredentials({ ...temp, expiresAt: Date.now() - 1_000 });
    const e3 = await put(client({ credentials: temp }), stream).catch((e: unknown) => e);
    expect(e3).toMatchObject({ name: 'ExpiredTokenException', operation: 'PutLogEvents' });
    expect((e3 as Error).message).not.toMatch(/expired-temp-secret|expired-session-token/);
    expect(ep.events(GROUP, stream)).toEqual([]);
  });

  it('throttling (400) and 5xx surface as errors for the trail to retry, and the next call succeeds', async () => {
    const c = client({ credentials: TEST_CREDENTIALS });
    const stream = await freshStream(c);
    ep.throttleNext(1);
    expect(await put(c, stream, 'a').catch((e: unknown) => e)).toMatchObject({ name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 } });
    ep.failNext(1, { type: 'ServiceUnavailableException', status: 503, message: 'try later' });
    expect(await put(c, stream, 'b').catch((e: unknown) => e)).toMatchObject({ name: 'ServiceUnavailableException', $fault: 'server', $metadata: { httpStatusCode: 503 } });
    await put(c, stream, 'c');
    expect(ep.events(GROUP, stream).map((e) => e.message)).toEqual(['c']);
  });

  it('a connection refused and a missing answer fail with the operation named (no retries of its own)', async () => {
    const c = client({ credentials: TEST_CREDENTIALS, requestTimeoutMs: 300 });
    const stream = await freshStream(c);
    ep.delayResponses(1_000);
    const answered = ep.requests.length;
    const timedOut = await put(c, stream).catch((e: unknown) => e);
    expect(timedOut).toMatchObject({ name: 'TimeoutError', operation: 'PutLogEvents' });
    ep.delayResponses(0);
    // The endpoint's delayed answer (to a connection the client closed) is done before the file ends: no timer outlives it.
    await waitFor(() => ep.requests.length > answered, { timeoutMs: 10_000, what: 'the delayed answer' });
    const down = await LoopbackCloudWatchLogs.start();
    const endpoint = down.endpoint;
    await down.close();
    const refused = await client({ credentials: TEST_CREDENTIALS, endpoint }).createLogStream({ logGroupName: GROUP, logStreamName: 'x' }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ operation: 'CreateLogStream', code: 'ECONNREFUSED' });
    expect((refused as Error).message).toMatch(/^CloudWatch Logs CreateLogStream failed: .*ECONNREFUSED/);
  });

  it('follows the service clock after a skew of 5 minutes or more (Signature expired, then signed on the server\'s time)', async () => {
    const c = client({ credentials: TEST_CREDENTIALS });
    const stream = await freshStream(c);
    ep.setClockOffset(20 * 60_000);
    const skewed = await put(c, stream, 'refused').catch((e: unknown) => e);
    expect(skewed).toMatchObject({ name: 'InvalidSignatureException', operation: 'PutLogEvents' });
    expect((skewed as Error).message).toMatch(/Signature expired/);
    await put(c, stream, 'accepted');
    expect(ep.events(GROUP, stream).map((e) => e.message)).toEqual(['accepted']);
  });

  it('without a region it fails every call with a message that names the setting', async () => {
    const c = new CloudWatchLogsWireClient({ requestTimeoutMs: 1_000, credentials: TEST_CREDENTIALS, env: {} });
    clients.push(c);
    await expect(c.createLogStream({ logGroupName: GROUP, logStreamName: 'x' })).rejects.toThrow(/CreateLogStream failed: no AWS region: set audit\.cloudwatch\.region or AWS_REGION/);
  });

  describe('credentials from the container credentials endpoint (loopback, rotating, authorization token file)', () => {
    let creds: LoopbackCredentialsEndpoint;
    let dir: string;
    let env: NodeJS.ProcessEnv;
    beforeAll(async () => {
      creds = await LoopbackCredentialsEndpoint.start({ onIssue: (c) => ep.allowCredentials(c) });
      dir = mkdtempSync(join(tmpdir(), 'cw-token-'));
      writeFileSync(join(dir, 'token'), creds.authorizationToken);
      env = { AWS_CONTAINER_CREDENTIALS_FULL_URI: creds.containerUri, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: join(dir, 'token'), HOME: dir };
    });
    afterAll(async () => {
      await creds.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('fetches once, signs with the issued session credentials, and fetches again a few minutes before they expire', async () => {
      // Valid for 1.5 s longer than the refresh margin: fresh now, due for refresh 1.5 s from now.
      creds.lifetimeMs = REFRESH_BEFORE_EXPIRY_MS + 1_500;
      const before = creds.issued.length;
      const c = client({ env });
      expect(c.credentialSource).toBe('container');
      const stream = await freshStream(c);
      await put(c, stream, '1');
      await put(c, stream, '2');
      expect(creds.issued.length).toBe(before + 1);
      const first = creds.issued[before];
      expect(ep.signedBy.slice(-3)).toEqual([first.accessKeyId, first.accessKeyId, first.accessKeyId]);
      await waitFor(() => Date.now() >= first.expiresAt - REFRESH_BEFORE_EXPIRY_MS, { timeoutMs: 10_000, what: 'the refresh margin' });
      await put(c, stream, '3');
      expect(creds.issued.length).toBe(before + 2);
      expect(ep.signedBy.at(-1)).toBe(creds.issued[before + 1].accessKeyId);
      expect(ep.events(GROUP, stream).map((e) => e.message)).toEqual(['1', '2', '3']);
    });

    it('drops credentials the service calls expired, so the retry fetches new ones', async () => {
      creds.lifetimeMs = 3_600_000;
      const c = client({ env });
      const stream = await freshStream(c);
      const used = ep.signedBy.at(-1)!;
      ep.expireCredentials(used);
      expect(await put(c, stream, 'x').catch((e: unknown) => e)).toMatchObject({ name: 'ExpiredTokenException' });
      await put(c, stream, 'y');
      expect(ep.signedBy.at(-1)).not.toBe(used);
      expect(ep.events(GROUP, stream).map((e) => e.message)).toEqual(['y']);
    });

    it('a wrong authorization token fails with the source named and no token or key in the message', async () => {
      const bad = join(dir, 'bad-token');
      writeFileSync(bad, 'not-the-right-token-value');
      const c = client({ env: { ...env, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: bad } });
      const refusedBefore = creds.refused;
      const err = await c.createLogStream({ logGroupName: GROUP, logStreamName: 'never' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'CredentialsProviderError', operation: 'CreateLogStream' });
      expect((err as Error).message).toMatch(/no AWS credentials \(container\)/);
      expect((err as Error).message).not.toMatch(/not-the-right-token-value|loopback-container-token/);
      expect(creds.refused).toBeGreaterThan(refusedBefore);
    }, 20_000);
  });

  it('credentials from the instance metadata service (IMDSv2, as AgentCore Runtime serves them through MMDS)', async () => {
    const imds = await LoopbackCredentialsEndpoint.start({ onIssue: (c) => ep.allowCredentials(c) });
    const saved = process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT;
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = imds.imdsEndpoint;
    try {
      const c = client({ env: { HOME: tmpdir() + '/no-such-home' } });
      expect(c.credentialSource).toBe('imds');
      const stream = await freshStream(c);
      await put(c, stream, 'from imds');
      expect(imds.issued).toHaveLength(1);
      expect(ep.signedBy.at(-1)).toBe(imds.issued[0].accessKeyId);
      expect(imds.refused).toBe(0); // every metadata read carried the IMDSv2 session token
    } finally {
      if (saved === undefined) delete process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT;
      else process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = saved;
      await imds.close();
    }
  });
});

describe('logsEndpoint', () => {
  it.each([
    ['us-east-1', undefined, {}, 'https://logs.us-east-1.amazonaws.com/'],
    ['cn-north-1', undefined, {}, 'https://logs.cn-north-1.amazonaws.com.cn/'],
    ['us-gov-west-1', undefined, { AWS_USE_FIPS_ENDPOINT: 'true' }, 'https://logs-fips.us-gov-west-1.amazonaws.com/'],
    ['eu-west-1', 'https://vpce.example:8443', { AWS_ENDPOINT_URL: 'https://ignored' }, 'https://vpce.example:8443/'],
    ['eu-west-1', undefined, { AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: 'http://127.0.0.1:4566', AWS_ENDPOINT_URL: 'https://ignored' }, 'http://127.0.0.1:4566/'],
    ['eu-west-1', undefined, { AWS_ENDPOINT_URL: 'https://all.example' }, 'https://all.example/'],
  ])('%s, configured %s, env %j -> %s', (region, configured, env, expected) => {
    expect(logsEndpoint(region, configured, env).href).toBe(expected);
  });
});
