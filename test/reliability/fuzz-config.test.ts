/**
 * Reliability: property-based fuzzing of configuration documents (a valid base mutated at random paths, plus arbitrary
 * JSON), in process through parseConfig and the start-up validators (Cedar compilation, RE2 pattern compilation), and
 * through the BUILT bundle's `check` command. Every document is either accepted or refused with ConfigError lines
 * naming a field; nothing else is ever thrown, printed or exited with. Configured patterns that are not linear-time
 * (backreferences, lookaround) are refused at load.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ConfigError, parseConfig } from '../../runtime/src/config/load';
import { createLogger } from '../../runtime/src/log';
import { compileAccessControl } from '../../runtime/src/stages/access-control';
import { createRedactor } from '../../runtime/src/stages/redact';
import { createSanitizeStage } from '../../runtime/src/stages/sanitize';
import { requireBundle, REPO_ROOT } from '../support/bundle';
import { BASE_CONFIG, configDocument, fuzzParameters } from '../support/fuzz-arbitraries';
import { spawnProxy } from '../support/proxy';

jest.setTimeout(120_000);

const quiet = createLogger('fuzz-config', { write: () => {} });
const dir = mkdtempSync(join(tmpdir(), 'rel-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface CheckRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

/** Runs `index.js check --config <file>` on the bundle (bounded: killed after 30 s). */
function check(doc: unknown): Promise<CheckRun> {
  const file = join(dir, `c-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, typeof doc === 'string' ? doc : JSON.stringify(doc));
  return new Promise((resolve) => {
    execFile(process.execPath, [requireBundle(), 'check', '--config', file], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH ?? '' } }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: number | string; killed?: boolean }) | null;
      resolve({ status: e ? (typeof e.code === 'number' ? e.code : null) : 0, stdout, stderr, timedOut: Boolean(e?.killed) });
    });
  });
}

/** Runs several checks two at a time (the machine has two cores). */
async function checkAll(docs: readonly unknown[]): Promise<CheckRun[]> {
  const out: CheckRun[] = [];
  for (let i = 0; i < docs.length; i += 2) out.push(...(await Promise.all(docs.slice(i, i + 2).map(check))));
  return out;
}

/** The start-up validations of the sections that compile something (what `check` should also run). */
function buildValidators(cfg: ReturnType<typeof parseConfig>): void {
  compileAccessControl(cfg.accessControl);
  if (cfg.sanitize.enabled) createSanitizeStage(cfg.sanitize, quiet);
  createRedactor(cfg.redact);
}

/** `<path>: <problem>`, the path starting at a top-level member (or `(root)`). */
const ISSUE_LINE = /^(\(root\)|[A-Za-z_$][\w$]*)[\s\S]*: \S/;

describe('configuration fuzzing', () => {
  test('parseConfig: accepts, or throws ConfigError naming each bad field; start-up validators throw only ConfigError (300 runs)', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(configDocument, (doc) => {
        let cfg: ReturnType<typeof parseConfig>;
        try {
          cfg = parseConfig(doc, 'fuzz');
        } catch (err) {
          if (!(err instanceof ConfigError)) throw new Error(`parseConfig threw ${String(err)} for ${JSON.stringify(doc)?.slice(0, 300)}`);
          expect(err.issues.length).toBeGreaterThan(0);
          for (const line of err.issues) expect(line).toMatch(ISSUE_LINE);
          refused++;
          return;
        }
        accepted++;
        expect(cfg.version).toBe(1);
        try {
          buildValidators(cfg);
        } catch (err) {
          if (!(err instanceof ConfigError)) throw new Error(`a start-up validator threw ${String(err)} for ${JSON.stringify(doc)?.slice(0, 300)}`);
        }
      }),
      fuzzParameters(300),
    );
    // The generator exercised both outcomes.
    expect(accepted).toBeGreaterThan(10);
    expect(refused).toBeGreaterThan(10);
  });

  test('the bundle\'s check command: one JSON line, exit 0 or 1, the same verdict as parseConfig, no stack trace (6 runs)', async () => {
    const { seed, numRuns } = fuzzParameters(6);
    const docs = fc.sample(configDocument, { seed, numRuns });
    const runs = await checkAll(docs);
    runs.forEach((r, i) => {
      const doc = docs[i];
      expect(r.timedOut).toBe(false);
      expect([0, 1]).toContain(r.status);
      const lines = r.stdout.trim().split('\n');
      expect(lines).toHaveLength(1);
      const out = JSON.parse(lines[0]) as { ok: boolean; errors?: string[]; digest?: string };
      let parsedOk = true;
      try {
        parseConfig(doc);
      } catch {
        parsedOk = false;
      }
      expect(out.ok).toBe(parsedOk);
      expect(r.status).toBe(out.ok ? 0 : 1);
      if (!out.ok) {
        expect(out.errors?.length).toBeGreaterThan(0);
        for (const e of out.errors!) expect(typeof e).toBe('string');
      }
      expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    });
  });

  test('check on text that is not a configuration (not JSON, truncated, empty, a string, 100,000-deep arrays): ok false, exit 1', async () => {
    const texts = ['version: 1\nupstreams: []', JSON.stringify(BASE_CONFIG).slice(0, 40), '', '"hello"', `${'['.repeat(100_000)}${']'.repeat(100_000)}`];
    for (const r of await checkAll(texts)) {
      expect(r.status).toBe(1);
      const out = JSON.parse(r.stdout.trim()) as { ok: boolean; errors: string[] };
      expect(out.ok).toBe(false);
      expect(out.errors.length).toBeGreaterThan(0);
    }
  });
});

describe('ReDoS: configured patterns that are not linear-time are refused at load', () => {
  const base = { version: 1, upstreams: [{ name: 'a', url: 'http://127.0.0.1:9/mcp', timeoutMs: 500 }] };
  const nonLinear: [string, Record<string, unknown>][] = [
    ['a deny pattern with a backreference', { sanitize: { enabled: true, denyPatterns: [{ name: 'backref', pattern: '(a+)\\1' }] } }],
    ['a deny pattern with a lookahead', { sanitize: { enabled: true, denyPatterns: [{ name: 'lookahead', pattern: '(?=.*secret).*' }] } }],
    ['a deny pattern with a lookbehind', { sanitize: { enabled: true, denyPatterns: [{ name: 'lookbehind', pattern: '(?<=a)b' }] } }],
    ['a custom redaction detector with a backreference', { redact: { enabled: true, custom: [{ name: 'DUP', pattern: '(\\w+)\\s\\1' }] } }],
  ];

  test.each([nonLinear[0], nonLinear[3]])('start-up refuses %s: exit 2, the field and the pattern named, never listening, nothing audited', async (_label, section) => {
    const p = await spawnProxy({ ...base, ...section }, { waitFor: 'none', env: { MCP_PROXY_LOG_LEVEL: 'info' } });
    const code = await p.exited;
    expect(code).toBe(2);
    expect(p.stderr()).toMatch(/(sanitize\.denyPatterns|redact\.custom)\[0\].*is not supported \(RE2 syntax, linear time/);
    expect(p.logs().some((l) => l.msg === 'listening')).toBe(false);
    // The configuration was refused before the audit trail started: no audit_start record for a proxy that never ran.
    expect(p.stdout()).not.toContain('audit_start');
  });

  test.each(nonLinear)('the start-up validators refuse %s with a ConfigError (in process)', (_label, section) => {
    const cfg = parseConfig({ ...base, ...section });
    expect(() => buildValidators(cfg)).toThrow(ConfigError);
  });

  // Regression (found by this suite, fixed in runtime/src/cli.ts): `check` used to validate the document against the zod
  // schema only, answering {"ok":true} for deny patterns, custom detectors or Cedar policies the proxy then refused at
  // start-up.
  test('check refuses a non-linear deny pattern (ok false, exit 1), naming the field', async () => {
    const r = await check({ ...base, ...nonLinear[0][1] });
    const out = JSON.parse(r.stdout.trim()) as { ok: boolean; errors: string[] };
    expect(out.ok).toBe(false);
    expect(out.errors.join('\n')).toMatch(/sanitize\.denyPatterns\[0\]/);
    expect(r.status).toBe(1);
  });

  test('check refuses a non-linear custom redaction detector (ok false, exit 1)', async () => {
    const r = await check({ ...base, ...nonLinear[3][1] });
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ ok: false });
    expect(r.status).toBe(1);
  });

  test('check refuses a Cedar policy that does not parse (ok false, exit 1)', async () => {
    const r = await check({ ...base, accessControl: { enabled: true, ruleSets: [{ name: 'raw', cedar: 'permit(principal, action, resource) when { this is not cedar' }] } });
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ ok: false });
    expect(r.status).toBe(1);
  });

  test('catastrophic-looking patterns RE2 can run in linear time are accepted (and are exercised end to end in redos.test.ts)', () => {
    const cfg = parseConfig({ ...base, sanitize: { enabled: true, denyPatterns: [{ name: 'nested', pattern: '(a+)+$' }, { name: 'alt', pattern: '(a|aa)+b' }] }, redact: { enabled: true, custom: [{ name: 'EVIL', pattern: '(x+x+)+y' }] } });
    expect(() => buildValidators(cfg)).not.toThrow();
  });
});
