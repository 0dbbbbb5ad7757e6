import { createLogger, setLogScrubber, setting } from './log';
import { createLogScrubber } from './stages/redact';

describe('operational log: data is scrubbed, the proxy own settings are not', () => {
  const lines: string[] = [];
  const log = createLogger('test', { write: (l) => lines.push(l) });
  beforeAll(() => setLogScrubber(createLogScrubber()));
  afterAll(() => setLogScrubber((t) => t));
  beforeEach(() => (lines.length = 0));

  it('shows the listening host marked as a setting, and scrubs an unmarked IP on the same line', () => {
    log.info('listening', { host: setting('127.0.0.1'), port: 8000, path: setting('/mcp'), peer: '192.0.2.7' });
    const doc = JSON.parse(lines[0]);
    expect(doc).toMatchObject({ msg: 'listening', host: '127.0.0.1', port: 8000, path: '/mcp', peer: '[REDACTED:IP_ADDRESS]' });
  });

  it.each([
    ['an upstream error message with a bearer token', { error: 'upstream said: Authorization: Bearer 2YotnFZFEjr1zCsicMWpAA' }, /2YotnFZ/],
    ['caller input with an e-mail address', { input: 'write to alice@example.com' }, /alice@example/],
    ['a token in the message itself', { x: 1 }, /AKIAIOSFODNN7EXAMPLE/],
  ])('still scrubs %s next to a setting', (_what, fields, secret) => {
    log.warn('call failed AKIAIOSFODNN7EXAMPLE', { host: setting('127.0.0.1'), ...fields });
    expect(lines[0]).not.toMatch(secret);
    expect(lines[0]).toContain('[REDACTED:');
    expect(JSON.parse(lines[0]).host).toBe('127.0.0.1');
  });

  it('an IP address in an unmarked field is still redacted (the scrubber, not the field name, decides)', () => {
    log.info('listening', { host: '127.0.0.1' });
    expect(JSON.parse(lines[0]).host).toBe('[REDACTED:IP_ADDRESS]');
  });
});
