import { DETECTORS } from '../../config/sections/redact';
import { ConfigError } from '../../config/load';
import { createLogger } from '../../log';
import type { RequestContext } from '../../pipeline/context';
import { email } from './detectors/email';
import { createLogScrubber, createRedactStage, createRedactor } from '.';

const ALL = [...DETECTORS];
const silent = createLogger('test', { write: () => {} });

function ctx(): RequestContext {
  return { requestId: 'r1', method: 'tools/call', headers: {}, startedAt: 0, actions: [], timings: { policyMs: 0, upstreamMs: 0 } };
}

describe('createRedactor', () => {
  const label = createRedactor({ detectors: ALL, custom: [], replacement: 'label' });
  const mask = createRedactor({ detectors: ALL, custom: [], replacement: 'mask' });

  it.each([
    ['mail alice@example.com now', 'mail [REDACTED:EMAIL] now', { EMAIL: 1 }],
    ['card 4111 1111 1111 1111, ssn 078-05-1120', 'card [REDACTED:CREDIT_CARD], ssn [REDACTED:US_SSN]', { CREDIT_CARD: 1, US_SSN: 1 }],
    ['Authorization: Bearer 2YotnFZFEjr1zCsicMWpAA', 'Authorization: Bearer [REDACTED:BEARER_TOKEN]', { BEARER_TOKEN: 1 }],
    ['nothing to see', 'nothing to see', {}],
  ])('label: %j', (input, text, counts) => {
    expect(label.redactText(input)).toEqual({ text, counts });
  });

  it.each([
    ['4111111111111111', '************1111'],
    ['alice@example.com', '*************.com'],
    ['ip 192.0.2.1', 'ip *****.2.1'],
    ['AKIAIOSFODNN7EXAMPLE', '****************MPLE'],
  ])('mask keeps the last 4: %j', (input, text) => {
    expect(mask.redactText(input).text).toBe(text);
  });

  it('masks short values entirely', () => {
    expect(mask.redactText('::1').text).toBe('***');
  });

  it('resolves overlapping spans deterministically: the union is redacted, labelled by the longest', () => {
    const jwtValue = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
    // BEARER_TOKEN and JWT find the same span: JWT wins by priority, and the same way every time.
    for (let i = 0; i < 3; i++) expect(label.redactText(`Bearer ${jwtValue}`).text).toBe('Bearer [REDACTED:JWT]');
    const custom = createRedactor({ detectors: ['EMAIL'], custom: [{ name: 'ACCOUNT', pattern: 'acct-[0-9]+@example' }], replacement: 'label' });
    // ACCOUNT (acct-42@example) overlaps EMAIL (acct-42@example.com): one span covering both, labelled EMAIL (longer).
    expect(custom.redactText('id acct-42@example.com.')).toEqual({ text: 'id [REDACTED:EMAIL].', counts: { EMAIL: 1 } });
  });

  it('applies custom RE2 patterns', () => {
    const r = createRedactor({ detectors: [], custom: [{ name: 'EMPLOYEE_ID', pattern: 'EMP-[0-9]{6}' }], replacement: 'label' });
    expect(r.redactText('EMP-123456 and EMP-12').text).toBe('[REDACTED:EMPLOYEE_ID] and EMP-12');
  });

  it.each([
    ['(a)\\1', /backreferences/],
    ['foo(?=bar)', /lookaround/],
    ['(?<!x)y', /custom\[0\]\.pattern/],
  ])('refuses custom pattern %j with a ConfigError naming it', (pattern, msg) => {
    expect(() => createRedactor({ detectors: [], custom: [{ name: 'CUSTOM', pattern }], replacement: 'label' })).toThrow(ConfigError);
    expect(() => createRedactor({ detectors: [], custom: [{ name: 'CUSTOM', pattern }], replacement: 'label' })).toThrow(msg);
  });

  it('refuses a custom detector named like a built-in', () => {
    expect(() => createRedactor({ detectors: [], custom: [{ name: 'EMAIL', pattern: 'x' }], replacement: 'label' })).toThrow(/already a detector name/);
  });

  it('redacts JSON strings, keys and card-number numbers (to a number), leaving binary payloads', () => {
    const blob = Buffer.from('alice@example.com 4111111111111111').toString('base64');
    const { value, counts } = label.redactJson({
      a: 'x alice@example.com',
      'bob@example.com': 1,
      'carol@example.com': 2,
      n: 4111111111111111,
      small: 42,
      list: [{ blob, uri: 'file:///a' }, { type: 'image', data: blob, mimeType: 'image/png' }],
    });
    expect(value).toEqual({
      a: 'x [REDACTED:EMAIL]',
      '[REDACTED:EMAIL]': 1,
      '[REDACTED:EMAIL]#2': 2,
      n: 0,
      small: 42,
      list: [{ blob, uri: 'file:///a' }, { type: 'image', data: blob, mimeType: 'image/png' }],
    });
    expect(counts).toEqual({ EMAIL: 3, CREDIT_CARD: 1 });
  });
});

describe('createRedactStage', () => {
  const cfg = { enabled: true, detectors: ALL, custom: [], replacement: 'label' as const };
  const SECRET = 'alice@example.com';

  it.each([
    ['text content', { content: [{ type: 'text', text: `mail ${SECRET}` }] }],
    ['structuredContent', { content: [], structuredContent: { user: { email: SECRET } } }],
    ['embedded resource text', { content: [{ type: 'resource', resource: { uri: 'mem://a', text: SECRET } }] }],
    ['resource contents', { contents: [{ uri: 'mem://a', mimeType: 'text/plain', text: `x ${SECRET}` }] }],
    ['prompt messages', { messages: [{ role: 'user', content: { type: 'text', text: SECRET } }] }],
    ['_meta', { content: [], _meta: { who: SECRET } }],
  ])('redacts %s and records the action', async (_what, result) => {
    const stage = createRedactStage(cfg, silent);
    const c = ctx();
    const out = await stage.onResult!(c, result);
    expect(JSON.stringify(out)).not.toContain(SECRET);
    expect(JSON.stringify(out)).toContain('[REDACTED:EMAIL]');
    expect(c.actions).toEqual([{ stage: 'redact', action: 'redact.EMAIL', count: 1 }]);
  });

  it('is a pass-through when disabled (neither lists nor results are touched)', async () => {
    const off = createRedactStage({ ...cfg, enabled: false }, silent);
    expect(off.onResult).toBeUndefined();
    expect(off.filterList).toBeUndefined();
  });

  it('fails closed: a detector that throws makes the stage throw, never return the raw result', async () => {
    const stage = createRedactStage(cfg, silent);
    const spy = jest.spyOn(email, 'find').mockImplementation(() => {
      throw new Error('detector bug');
    });
    try {
      let returned: unknown;
      await expect(
        (async () => {
          returned = await stage.onResult!(ctx(), { content: [{ type: 'text', text: SECRET }] });
        })(),
      ).rejects.toThrow('detector bug');
      expect(returned).toBeUndefined();
    } finally {
      spy.mockRestore();
    }
  });

  it('fails closed on values that are not JSON', async () => {
    const stage = createRedactStage(cfg, silent);
    await expect(async () => stage.onResult!(ctx(), { content: [{ type: 'text', text: SECRET, n: 1n }] })).rejects.toThrow();
  });
});

describe('createLogScrubber', () => {
  const scrub = createLogScrubber();

  it('returns PII-free lines unchanged (same string)', () => {
    const line = JSON.stringify({ time: '2026-11-05T10:20:30.123Z', level: 'info', component: 'server', msg: 'listening', port: 8000, durationMs: 12.5 });
    expect(scrub(line)).toBe(line);
  });

  it('redacts every built-in detector and keeps the line valid JSON', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';
    const line = JSON.stringify({
      level: 'warn',
      msg: 'upstream said alice@example.com',
      header: 'Bearer 2YotnFZFEjr1zCsicMWpAA',
      key: pem,
      split: { a: '-----BEGIN RSA PRIVATE KEY-----', b: '-----END RSA PRIVATE KEY-----' },
      ip: '192.0.2.1',
      escaped: 'tab\tthen 4111111111111111',
    });
    const out = scrub(line);
    const doc = JSON.parse(out);
    expect(doc.msg).toBe('upstream said [REDACTED:EMAIL]');
    expect(doc.header).toBe('Bearer [REDACTED:BEARER_TOKEN]');
    expect(doc.key).toBe('[REDACTED:PRIVATE_KEY]');
    expect(doc.ip).toBe('[REDACTED:IP_ADDRESS]');
    expect(doc.escaped).toBe('tab\tthen [REDACTED:CREDIT_CARD]');
    expect(out).not.toMatch(/alice|2YotnFZ|MIIEvQ|4111111111111111/);
  });

  it('finds PII hidden behind JSON escapes', () => {
    const line = JSON.stringify({ msg: 'Bearer\t2YotnFZFEjr1zCsicMWpAA' });
    expect(JSON.parse(scrub(line)).msg).toBe('Bearer\t[REDACTED:BEARER_TOKEN]');
  });

  it('redacts non-JSON lines as text', () => {
    expect(scrub('plain alice@example.com')).toBe('plain [REDACTED:EMAIL]');
  });

  it('is what the logger writes when installed', async () => {
    const { setLogScrubber } = await import('../../log');
    const lines: string[] = [];
    setLogScrubber(scrub);
    try {
      createLogger('t', { write: (l) => lines.push(l) }).info('caller alice@example.com', { ssn: '078-05-1120' });
    } finally {
      setLogScrubber((t) => t);
    }
    expect(JSON.parse(lines[0])).toMatchObject({ msg: 'caller [REDACTED:EMAIL]', ssn: '[REDACTED:US_SSN]' });
  });
});
