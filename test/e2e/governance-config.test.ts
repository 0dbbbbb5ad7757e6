/**
 * The construct/runtime agreement hook: the governance configuration document of test/support/gov-config.ts (the
 * shape the construct emits) satisfies the published contract (schema/config.schema.json), the runtime's own parser,
 * and the BUILT bundle's `check` command; and `check` refuses what start-up refuses (a Cedar policy that does not
 * match the proxy's Cedar schema), so a configuration that passes `check` at synth time also starts.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parseConfig } from '../../runtime/src/config/load';
import { REPO_ROOT, requireBundle } from '../support/bundle';
import { GOVERNANCE_POLICY, governanceConfig, governanceConfigExample } from '../support/gov-config';

const run = promisify(execFile);

async function check(doc: unknown, dir: string, name: string): Promise<{ code: number; out: Record<string, unknown> }> {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(doc));
  try {
    const { stdout } = await run(process.execPath, [requireBundle(), 'check', '--config', file], { cwd: REPO_ROOT, timeout: 30_000 });
    return { code: 0, out: JSON.parse(stdout) as Record<string, unknown> };
  } catch (err) {
    const e = err as { code?: number; stdout?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, out: JSON.parse(e.stdout ?? '{}') as Record<string, unknown> };
  }
}

describe('governance config document: construct/runtime agreement', () => {
  let dir: string;
  const loopbackDoc = governanceConfig({
    crmUrl: 'http://127.0.0.1:1/mcp',
    opsUrl: 'http://127.0.0.1:2/mcp',
    issuer: 'http://127.0.0.1:3',
    audit: { sink: 'cloudwatch', logGroupName: '/mcp-governance-proxy/e2e/audit', endpoint: 'http://127.0.0.1:4', region: 'us-east-1', flushIntervalMs: 600_000 },
    opsAuth: { tokenUrl: 'http://127.0.0.1:3/token', clientId: 'proxy-ops', clientSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:ops-AbCdEf' },
    digestSaltEnv: 'MCP_PROXY_AUDIT_DIGEST_SALT',
  });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gov-config-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('satisfies the published JSON Schema (schema/config.schema.json) and the runtime parser', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addFormat('starts_with', true); // zod writes startsWith as a pattern plus this format name
    const validate = ajv.compile(JSON.parse(readFileSync(join(REPO_ROOT, 'schema', 'config.schema.json'), 'utf8')));
    for (const doc of [governanceConfigExample(), loopbackDoc]) {
      const ok = validate(doc);
      expect({ ok, errors: validate.errors }).toEqual({ ok: true, errors: null });
      const parsed = parseConfig(doc);
      expect(parsed.accessControl.ruleSets.map((s) => s.name)).toEqual(GOVERNANCE_POLICY.ruleSets.map((s) => s.name));
      expect([parsed.sanitize.enabled, parsed.redact.enabled, parsed.tokenize.enabled]).toEqual([true, true, true]);
    }
  });

  test("the built bundle's check accepts the document", async () => {
    const res = await check(governanceConfigExample(), dir, 'example');
    expect(res).toEqual({ code: 0, out: expect.objectContaining({ ok: true, upstreams: ['crm', 'ops'] }) });
    expect((await check(loopbackDoc, dir, 'loopback')).code).toBe(0);
  });

  test('check refuses a Cedar policy that start-up refuses (does not match the Cedar schema)', async () => {
    const broken = {
      ...governanceConfigExample(),
      accessControl: {
        enabled: true,
        ruleSets: [{ name: 'broken', rules: [], cedar: 'permit (principal, action, resource) when { principal.department == "finance" };' }],
      },
    };
    const res = await check(broken, dir, 'broken-cedar');
    expect(res.code).toBe(1);
    expect(res.out.ok).toBe(false);
    expect(JSON.stringify(res.out.errors)).toMatch(/department/);
  });
});
