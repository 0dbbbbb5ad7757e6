/**
 * Command line: `index.js` (serve) or `index.js check [--config <file>]` (validate only: no server, no upstream contact).
 * `check` prints one JSON line: `{"ok":true,"digest":"sha256:<hex>",...}` (exit 0) or `{"ok":false,"errors":[...]}` (exit 1).
 * `check` compiles everything start-up compiles without I/O (Cedar policies against the Cedar schema, RE2 deny and
 * custom redaction patterns), so a configuration `check` accepts does not fail at start-up for those reasons.
 * The digest is that of the document as written (see configDigest), the same the proxy logs when ready.
 * `policiesChecked` is the stamp that, set as MCP_PROXY_CONFIG_CHECKED, lets start-up skip the Cedar schema validation
 * done here (see policiesCheckedStamp).
 * `check --policy-tests <file>` (a JSON array, see policy-tests.ts) also evaluates the policy tests against the
 * enforced policies: `policyTests` lists every result, and a failed test makes the answer `{"ok":false}` (exit 1)
 * with one error per failure, naming the test, the decision and the deciding policies.
 */
import { ConfigError, configDigest, readConfigDocument, resolveConfig } from './config/load';
import type { ProxyConfig } from './config/schema';
import { createLogger } from './log';
import * as fs from 'node:fs';
import { compileAccessControl, policiesCheckedStamp } from './stages/access-control';
import { compileShadow } from './stages/access-control/shadow';
import { diffAccess, previousSection } from './stages/access-control/access-diff';
import { accessControlSchema } from './config/sections/access-control';
import { renderShadowSummary, summarizeShadow } from './stages/access-control/shadow-report';
import { describeFailure, policyTestsSchema, runPolicyTests, type PolicyTestResult } from './stages/access-control/policy-tests';
import { createRedactor } from './stages/redact';
import { createSanitizeStage } from './stages/sanitize';

export { parseCommand, type Command } from './command';

/**
 * `shadow-report <audit export> [--json]`: the shadow policy's disagreements by target and by caller group (see
 * shadow-report.ts). `-` reads standard input. Exit 1 when the file cannot be read or the chain does not verify.
 */
export function runShadowReport(argv: readonly string[], readStdin: () => string): { exitCode: 0 | 1; text: string } {
  const file = argv.find((a) => !a.startsWith('--'));
  if (!file) return { exitCode: 1, text: 'usage: index.js shadow-report <audit export file, or - for stdin> [--json]\n' };
  let input: string;
  try {
    input = file === '-' ? readStdin() : fs.readFileSync(file, 'utf8');
  } catch (err) {
    return { exitCode: 1, text: `cannot read ${file}: ${(err as Error).message}\n` };
  }
  const summary = summarizeShadow(input);
  const text = argv.includes('--json') ? `${JSON.stringify(summary)}\n` : renderShadowSummary(summary);
  return { exitCode: summary.chainVerified ? 0 : 1, text };
}

export interface CheckOutcome {
  readonly exitCode: 0 | 1;
  readonly output: Record<string, unknown>;
}

/** Compiles what start-up compiles (no I/O); returns every problem as `<path>: <message>` lines. */
function compileOffline(config: ProxyConfig): { problems: string[]; ruleSets: { name: string; dryRun: boolean; policies: number }[] } {
  const problems: string[] = [];
  const silent = createLogger('check', { write: () => {} });
  const attempt = <T>(what: string, fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof ConfigError) problems.push(...err.issues);
      else problems.push(`${what}: ${(err as Error).message}`);
      return undefined;
    }
  };
  const compiled = attempt('accessControl', () => compileAccessControl(config.accessControl));
  attempt('accessControl.shadow', () => compileShadow(config.accessControl));
  attempt('sanitize', () => createSanitizeStage(config.sanitize, silent));
  if (config.redact.enabled) attempt('redact', () => createRedactor(config.redact));
  const ruleSets = (compiled?.ruleSets ?? []).map((r) => ({ name: r.name, dryRun: r.dryRun, policies: r.policyIds.length }));
  return { problems, ruleSets };
}

/** `check`: validates the configuration; never starts a server or contacts an upstream. */
export function runCheck(opts: { argv: readonly string[]; env: NodeJS.ProcessEnv; defaultFile?: string }): CheckOutcome {
  let config: ProxyConfig;
  let digest: string;
  try {
    const document = readConfigDocument({ argv: opts.argv, env: opts.env, defaultFile: opts.defaultFile });
    digest = configDigest(document);
    config = resolveConfig(document, opts.env);
  } catch (err) {
    const errors = err instanceof ConfigError ? [...err.issues] : [`(root): ${(err as Error).message}`];
    return { exitCode: 1, output: { ok: false, errors } };
  }
  const { problems, ruleSets } = compileOffline(config);
  if (problems.length > 0) return { exitCode: 1, output: { ok: false, errors: problems } };
  return {
    exitCode: 0,
    output: {
      ok: true,
      digest,
      policiesChecked: policiesCheckedStamp(config.accessControl),
      version: config.version,
      upstreams: config.upstreams.map((u) => u.name),
      accessControl: { enabled: config.accessControl.enabled, ruleSets },
    },
  };
}

/**
 * `check`, plus the policy tests named by `--policy-tests <file>` when the configuration is valid, plus, with
 * `--previous-access-control <file>` (an accessControl section, e.g. from the previous compliance report), who gained
 * or lost access (`accessChanges`, see access-diff.ts).
 */
export async function runCheckWithTests(opts: { argv: readonly string[]; env: NodeJS.ProcessEnv; defaultFile?: string }): Promise<CheckOutcome> {
  const outcome = runCheck(opts);
  const flag = (name: string) => {
    const i = opts.argv.indexOf(name);
    return i < 0 ? undefined : (opts.argv[i + 1] ?? '');
  };
  const testsFile = flag('--policy-tests');
  const previousFile = flag('--previous-access-control');
  if ((testsFile === undefined && previousFile === undefined) || outcome.exitCode !== 0) return outcome;
  let results: PolicyTestResult[] = [];
  let accessChanges: Awaited<ReturnType<typeof diffAccess>> | undefined;
  try {
    const tests = testsFile === undefined ? [] : policyTestsSchema.safeParse(JSON.parse(fs.readFileSync(testsFile || '(missing: --policy-tests needs a file)', 'utf8')));
    if (!Array.isArray(tests) && !tests.success) {
      return { exitCode: 1, output: { ok: false, errors: tests.error.issues.map((i) => `policyTests[${i.path.join('.')}]: ${i.message}`) } };
    }
    const specs = Array.isArray(tests) ? tests : tests.data;
    const config = resolveConfig(readConfigDocument({ argv: opts.argv, env: opts.env, defaultFile: opts.defaultFile }), opts.env);
    const upstreams = new Set(config.upstreams.map((u) => u.name));
    const unknown = specs.flatMap((t, i) => (t.upstreams ?? []).filter((u) => !upstreams.has(u)).map((u) => `policyTests[${i}].upstreams: "${u}" names no configured upstream`));
    if (unknown.length > 0) return { exitCode: 1, output: { ok: false, errors: unknown } };
    results = await runPolicyTests(config, config.accessControl, specs);
    // With a shadow policy: how each test would fare if the candidate were promoted (reported, never failing).
    const shadow = config.accessControl.shadow;
    if (shadow && specs.length > 0) {
      const theirs = await runPolicyTests(config, { enabled: shadow.enabled, ruleSets: shadow.ruleSets }, specs);
      results = results.map((r, i) => ({ ...r, shadow: { passed: theirs[i].passed, decision: theirs[i].decision, policyIds: theirs[i].policyIds, target: theirs[i].target, upstream: theirs[i].upstream } }));
    }
    if (previousFile !== undefined) {
      const previous = accessControlSchema.safeParse(previousSection(JSON.parse(fs.readFileSync(previousFile || '(missing: --previous-access-control needs a file)', 'utf8'))));
      // A previous section this bundle cannot read (another contract version) gives no diff rather than a wrong one.
      if (previous.success) {
        const { shadow: _omit, ...current } = config.accessControl;
        accessChanges = await diffAccess(config, previous.data, current, specs);
      }
    }
  } catch (err) {
    return { exitCode: 1, output: { ok: false, errors: [`policyTests: ${(err as Error).message}`] } };
  }
  const failures = results.filter((r) => !r.passed).map(describeFailure);
  if (failures.length > 0) return { exitCode: 1, output: { ok: false, errors: failures, policyTests: results } };
  return { exitCode: 0, output: { ...outcome.output, ...(testsFile !== undefined ? { policyTests: results } : {}), ...(accessChanges ? { accessChanges } : {}) } };
}
