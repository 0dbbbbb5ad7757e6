/** The `check` command: digest of the document as written, `${env:...}` placeholders, offline compilation. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCheck, runCheckWithTests } from './cli';

const run = (doc: unknown, env: Record<string, string> = {}) => runCheck({ argv: [], env: { ...env, MCP_PROXY_CONFIG: JSON.stringify(doc) } });
const base = { version: 1, upstreams: [{ name: 'x', url: 'http://127.0.0.1:1/mcp' }] };

describe('check', () => {
  test('the digest covers the document as written: key order does not matter, content does', () => {
    const a = run(base);
    const b = run({ upstreams: [{ url: 'http://127.0.0.1:1/mcp', name: 'x' }], version: 1 });
    const c = run({ version: 1, upstreams: [{ name: 'x', url: 'http://127.0.0.1:1/mcp', timeoutMs: 1000 }] });
    expect(a.exitCode).toBe(0);
    expect(a.output.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(a.output.digest).toBe(b.output.digest);
    expect(a.output.digest).not.toBe(c.output.digest);
  });

  test('every problem as "<path>: <message>", exit 1', () => {
    const r = run({ version: 2, upstreams: [{ name: 'x', url: 'nope' }] });
    expect(r.exitCode).toBe(1);
    expect(r.output).toEqual({ ok: false, errors: expect.arrayContaining([expect.stringMatching(/^version: /), expect.stringMatching(/^upstreams\[0\]\.url: /)]) });
  });

  test('${env:NAME} placeholders are substituted before validation; the digest does not depend on their values', () => {
    const doc = { version: 1, upstreams: [{ name: 'x', url: '${env:MCP_PROXY_CFG_1}' }] };
    const a = run(doc, { MCP_PROXY_CFG_1: 'http://127.0.0.1:1/mcp' });
    const b = run(doc, { MCP_PROXY_CFG_1: 'https://gateway.example.com/mcp' });
    expect(a.exitCode).toBe(0);
    expect(b.exitCode).toBe(0);
    expect(a.output.digest).toBe(b.output.digest);
    // The substituted value is validated like any other.
    expect(run(doc, { MCP_PROXY_CFG_1: 'ftp://x' }).output).toEqual({ ok: false, errors: [expect.stringMatching(/^upstreams\[0\]\.url: /)] });
  });

  test('an unset placeholder variable names the field and the variable', () => {
    const r = run({ version: 1, upstreams: [{ name: 'x', url: '${env:MCP_PROXY_CFG_9}' }] });
    expect(r.output).toEqual({ ok: false, errors: [expect.stringMatching(/^upstreams\[0\]\.url: environment variable MCP_PROXY_CFG_9 is not set/)] });
  });

  test('Cedar that fails schema validation is refused, as start-up refuses it', () => {
    const r = run({
      ...base,
      accessControl: { enabled: true, ruleSets: [{ name: 'raw', cedar: 'permit (principal, action, resource) when { principal.nosuchattr == "1" };' }] },
    });
    expect(r.exitCode).toBe(1);
    expect(JSON.stringify(r.output.errors)).toMatch(/raw/);
  });

  test('a deny pattern RE2 cannot run in linear time is refused', () => {
    const r = run({ ...base, sanitize: { enabled: true, denyPatterns: [{ name: 'backref', pattern: '(a+)\\1' }] } });
    expect(r.exitCode).toBe(1);
    expect(JSON.stringify(r.output.errors)).toMatch(/backref/);
  });

  test('a valid policy reports its rule sets', () => {
    const r = run({ ...base, accessControl: { enabled: true, ruleSets: [{ name: 'base', rules: [{ effect: 'permit', groups: ['admins'] }] }] } });
    expect(r.exitCode).toBe(0);
    expect(r.output.accessControl).toEqual({ enabled: true, ruleSets: [{ name: 'base', dryRun: false, policies: 1 }] });
  });
});

describe('check: the policies stamp (MCP_PROXY_CONFIG_CHECKED)', () => {
  const policies = { enabled: true, ruleSets: [{ name: 'base', rules: [{ effect: 'permit', groups: ['admins'] }] }] };
  test('is printed for an accepted configuration and follows the access-control section as resolved', () => {
    const a = run({ ...base, accessControl: policies });
    const otherUpstream = run({ version: 1, upstreams: [{ name: 'y', url: 'http://127.0.0.1:2/mcp' }], accessControl: policies });
    const otherRule = run({ ...base, accessControl: { ...policies, ruleSets: [{ name: 'base', rules: [{ effect: 'permit', groups: ['ops'] }] }] } });
    expect(a.output.policiesChecked).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(otherUpstream.output.policiesChecked).toBe(a.output.policiesChecked);
    expect(otherRule.output.policiesChecked).not.toBe(a.output.policiesChecked);
  });

  test('a deploy-time value inside the section changes it (the stand-in validated at synth is not the deployed value)', () => {
    const doc = { ...base, accessControl: { enabled: true, ruleSets: [{ name: 'base', rules: [{ effect: 'permit', groups: ['${env:MCP_PROXY_CFG_1}'] }] }] } };
    const synth = run(doc, { MCP_PROXY_CFG_1: 'sample' });
    const deployed = run(doc, { MCP_PROXY_CFG_1: 'admins' });
    expect(synth.output.digest).toBe(deployed.output.digest);
    expect(synth.output.policiesChecked).not.toBe(deployed.output.policiesChecked);
  });

  test('is not printed when the configuration is refused', () => {
    const r = run({ ...base, accessControl: { enabled: true, ruleSets: [{ name: 'raw', cedar: 'permit (principal, action, resource) when { principal.nosuchattr == "1" };' }] } });
    expect(r.output.policiesChecked).toBeUndefined();
  });
});

describe('check --policy-tests', () => {
  const doc = { ...base, accessControl: { enabled: true, ruleSets: [{ name: 'base', rules: [{ id: 'admins', effect: 'permit', groups: ['admins'] }] }] } };
  const withTests = (tests: unknown) => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'policy-tests-')), 'tests.json');
    fs.writeFileSync(file, JSON.stringify(tests));
    return runCheckWithTests({ argv: ['--policy-tests', file], env: { MCP_PROXY_CONFIG: JSON.stringify(doc) } });
  };
  const admins = { name: 'admins call anything', expect: 'allow', principal: { sub: 'a', groups: ['admins'] }, action: 'tools/call', target: '*' };

  test('passing tests are listed with the digest', async () => {
    const r = await withTests([admins]);
    expect(r.exitCode).toBe(0);
    expect(r.output.digest).toMatch(/^sha256:/);
    expect(r.output.policyTests).toEqual([expect.objectContaining({ name: 'admins call anything', passed: true, decision: 'allow', policyIds: ['base.admins'] })]);
  });

  test('a failing test fails the check, naming the test, the decision and the policies', async () => {
    const r = await withTests([admins, { ...admins, name: 'users call nothing', expect: 'allow', principal: { sub: 'u' } }]);
    expect(r.exitCode).toBe(1);
    expect(r.output.errors).toEqual(['policy test "users call nothing" failed: expected allow, got deny for "x" on upstream "x" (no policy permits it (deny by default))']);
  });

  test('a malformed test file or an unknown upstream is a clear error', async () => {
    expect((await withTests([{ name: 'x' }])).output).toEqual({ ok: false, errors: expect.arrayContaining([expect.stringMatching(/^policyTests\[0\.expect\]|^policyTests\[0\.(principal|action|target|expect)\]/)]) });
    expect((await withTests([{ ...admins, upstreams: ['nope'] }])).output).toEqual({ ok: false, errors: ['policyTests[0].upstreams: "nope" names no configured upstream'] });
  });
});
