/** The toolPinning prop: the lock is validated at synth (naming the prop), shipped in the configuration, reported and alarmed on. */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PinningMode, Upstream } from '../../lib';
import { build, configOf } from './helpers';

// The digest the pin command writes: SHA-256 of the definition's canonical JSON (members sorted).
const DIGEST = `sha256:${createHash('sha256').update('{"description":"Search the docs.","name":"search"}').digest('hex')}`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tool-lock-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function lockFile(name: string, upstreams: Record<string, unknown>): string {
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify({ lockVersion: 1, upstreams }));
  return file;
}
const docsLock = { docs: { tools: { search: { digest: DIGEST, definition: { name: 'search', description: 'Search the docs.' } } }, prompts: {}, resourceTemplates: {}, resources: {} } };

describe('toolPinning', () => {
  test('the lock ships in the configuration, the compliance report lists the pinned set and the mode, and an alarm watches PinningDrifts', () => {
    const { app, proxy, template } = build({ toolPinning: { lockFile: lockFile('ok', docsLock), mode: PinningMode.WARN } });
    expect(configOf(proxy).pinning).toEqual({ mode: 'warn', lock: { lockVersion: 1, upstreams: docsLock } });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'PinningDrifts', Threshold: 1 });
    const assembly = app.synth();
    const report = fs.readdirSync(assembly.directory).find((f) => f.endsWith('-compliance.md'))!;
    const md = fs.readFileSync(path.join(assembly.directory, report), 'utf8');
    expect(md).toContain('## Tool pinning');
    expect(md).toContain('Mode `warn`');
    expect(md).toContain(`| \`docs\` | tools | \`search\` | \`${DIGEST}\` |`);
    const json = JSON.parse(fs.readFileSync(path.join(assembly.directory, report.replace(/\.md$/, '.json')), 'utf8'));
    expect(json.pinning).toEqual({ mode: 'warn', pinned: [{ upstream: 'docs', list: 'tools', name: 'search', digest: DIGEST }] });
  });

  test('enforce is the default mode; without the prop there is no pinning section and no alarm', () => {
    expect(configOf(build({ toolPinning: { lockFile: lockFile('default', docsLock) } }).proxy).pinning.mode).toBe('enforce');
    const { proxy, template } = build();
    expect(configOf(proxy).pinning).toBeUndefined();
    expect(JSON.stringify(template.findResources('AWS::CloudWatch::Alarm'))).not.toContain('PinningDrifts');
  });

  test('a lock whose definition was edited after pinning is refused at synth by the runtime check, naming the prop', () => {
    const edited = { docs: { ...docsLock.docs, tools: { search: { digest: DIGEST, definition: { name: 'search', description: 'Edited by hand.' } } } } };
    expect(() => build({ toolPinning: { lockFile: lockFile('edited', edited) } }).app.synth()).toThrow(/props\.toolPinning.*does not match the definition/s);
  });

  test.each([
    ['an unknown upstream', () => lockFile('unknown', { ...docsLock, jira: docsLock.docs }), /toolPinning\.lockFile: names upstream "jira", which is not configured/],
    ['a configured upstream it does not cover', () => lockFile('partial', docsLock), /toolPinning\.lockFile: does not cover upstream "wiki"/],
    ['a malformed digest', () => lockFile('bad', { docs: { tools: { search: { digest: 'md5:x', definition: {} } } }, wiki: {} }), /toolPinning\.lockFile: upstreams\.docs\.tools\.search needs a "digest"/],
    ['a file that is not JSON', () => { const f = path.join(dir, 'x.json'); fs.writeFileSync(f, 'nope'); return f; }, /toolPinning\.lockFile: cannot be read as JSON/],
  ])('a lock with %s fails at synth naming the prop and the fix', (_, file, message) => {
    const lock = file();
    expect(() => build({ upstreams: [Upstream.url('docs', 'https://docs.example.com/mcp'), Upstream.url('wiki', 'https://wiki.example.com/mcp')], toolPinning: { lockFile: lock } })).toThrow(message);
    expect(() => build({ upstreams: [Upstream.url('docs', 'https://docs.example.com/mcp'), Upstream.url('wiki', 'https://wiki.example.com/mcp')], toolPinning: { lockFile: lock } })).toThrow(/Run `node assets\/runtime\/pin\.js|Re-run pin/);
  });
});
