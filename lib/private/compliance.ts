import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AccessRuleConfig, ProxyConfigDocument } from '../config/contract';
import type { PolicyTestConfig } from '../policy-test';
import type { PolicyTestResult } from './check';
import { renderChanges, type ChangeSection } from './change-report';

/** One step of "How to verify the running runtime". */
export interface VerificationStep {
  readonly title: string;
  /** Runs against `cdk.out` without AWS credentials (a test runs these). */
  readonly offline: boolean;
  /** Shell commands (POSIX sh), run from the directory that holds the cloud assembly. */
  readonly commands: string[];
  /** What the output contains when the runtime is the one this report describes. */
  readonly expect: string;
}

/** Everything the compliance report states. Plain data; rendered as JSON and Markdown. */
export interface ComplianceModel {
  readonly reportVersion: 2;
  /** When the report was written (ISO 8601, UTC) and by which version of the library. */
  readonly generatedAt: string;
  readonly libraryVersion: string;
  readonly construct: { readonly path: string; readonly stack: string; readonly runtimeName: string; readonly templateFile: string; readonly runtimeLogicalId: string };
  /** The digest the runtime's `check` printed for the shipped configuration (the runtime logs the same when ready). */
  readonly configDigest: string;
  /** The checked-policies stamp, the template's `MCP_PROXY_CONFIG_CHECKED`. */
  readonly policiesChecked: string;
  /** The code asset's hash: the template's `MCP_PROXY_CODE_ASSET_HASH`, and `<hash>.zip` is the S3 key of the code. */
  readonly codeAssetHash: string;
  readonly inboundAuth: {
    readonly mode: string;
    readonly description: string;
    readonly audiences: string[];
    readonly allowedClients: string[];
    readonly clients: { readonly name: string; readonly kind: string; readonly scopes: string[]; readonly clientId: string }[];
  };
  readonly upstreams: { readonly name: string; readonly kind: string; readonly url: string; readonly auth: string; readonly timeoutMs: number }[];
  readonly accessControl: {
    readonly enabled: boolean;
    readonly ruleSets: { readonly name: string; readonly dryRun: boolean; readonly rules: AccessRuleConfig[]; readonly cedar?: string }[];
    /** The candidate policy evaluated beside the enforced one, never enforced. */
    readonly shadow?: { readonly enabled: boolean; readonly ruleSets: { readonly name: string; readonly dryRun: boolean; readonly rules: AccessRuleConfig[]; readonly cedar?: string }[] };
  };
  readonly sanitize: ProxyConfigDocument['sanitize'];
  readonly redact: ProxyConfigDocument['redact'];
  /** The detectors in force, spelled out (the configuration leaves the defaults implicit). */
  readonly detectors: { readonly redaction: string[]; readonly tokenization: string[] };
  readonly tokenize: { readonly enabled: boolean; readonly detectors?: string[]; readonly argumentPaths?: string[]; readonly detokenizeResults?: boolean; readonly key?: string };
  readonly audit: {
    readonly sink: string;
    readonly logGroupName: string;
    /** "365 days", "never expires", or "as configured on the existing log group". */
    readonly retention: string;
    readonly encryption: string;
    readonly failMode: string;
    readonly includeRedactedContent: boolean;
    readonly metricsNamespace: string;
    /** The runtime's own log group (operational logs, the `ready` line with the digest, EMF metrics). */
    readonly runtimeLogGroup: string;
    readonly alarms: { readonly name: string; readonly actions: string[] }[];
  };
  /** What happens to stateful resources when they leave the stack. */
  readonly removalPolicies: { readonly resource: string; readonly type: string; readonly policy: string }[];
  /** Values CloudFormation supplies at deploy time (environment variables the configuration refers to). */
  readonly deployTimeValues: { readonly variable: string; readonly path: string; readonly value: string; readonly standIn: string }[];
  readonly verification: VerificationStep[];
  /** The policy tests (`accessControl.tests`), each with its result (absent when there are none). */
  readonly policyTests?: (PolicyTestConfig & { readonly result: PolicyTestResult })[];
  /** What changed since the previous report (absent when there was none). */
  readonly changes?: ChangeSection;
  /** Tool pinning (absent when off): the mode and every pinned entry with its digest. */
  readonly pinning?: { readonly mode: string; readonly pinned: { readonly upstream: string; readonly list: string; readonly name: string; readonly digest: string }[] };
}

/** Writes `<base>.json` and `<base>.md` into `dir`; returns their paths. */
export function writeComplianceReport(dir: string, base: string, model: ComplianceModel): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const json = path.join(dir, `${base}.json`);
  const md = path.join(dir, `${base}.md`);
  fs.writeFileSync(json, `${JSON.stringify(model, null, 2)}\n`);
  fs.writeFileSync(md, renderMarkdown(model));
  return [json, md];
}

/** The report as Markdown. */
export function renderMarkdown(m: ComplianceModel): string {
  const lines: string[] = [];
  const p = (s = '') => lines.push(s);
  p(`# MCP governance proxy compliance report: ${m.construct.path}`);
  p();
  p(`- Stack: \`${m.construct.stack}\``);
  p(`- Runtime: \`${m.construct.runtimeName}\` (AgentCore Runtime, MCP protocol)`);
  p(`- Configuration digest: \`${m.configDigest}\` (the runtime's \`check\` command prints the same for the shipped proxy-config.json; the runtime logs it when ready)`);
  p(`- Checked-policies stamp: \`${m.policiesChecked}\` (the template's \`MCP_PROXY_CONFIG_CHECKED\`)`);
  p(`- Code asset hash: \`${m.codeAssetHash}\` (the template's \`MCP_PROXY_CODE_ASSET_HASH\`; the code is \`${m.codeAssetHash}.zip\`)`);
  p(`- Generated ${m.generatedAt} by cdk-mcp-governance-proxy ${m.libraryVersion}`);
  p();
  if (m.changes) renderChanges(p, m.changes);
  p('## Who may call the proxy');
  p();
  p(`${m.inboundAuth.description}.`);
  p();
  if (m.inboundAuth.clients.length) {
    p('| App client | Used by | Scopes | Client id |');
    p('|---|---|---|---|');
    for (const c of m.inboundAuth.clients) p(`| \`${c.name}\` | ${c.kind === 'human' ? 'people (authorization code + PKCE; tokens carry their groups)' : 'machines (client credentials; no groups)'} | ${list(c.scopes, 'none')} | ${code(c.clientId)} |`);
    p();
  }
  if (m.inboundAuth.mode === 'jwt') {
    p(`- Accepted audiences (\`aud\`): ${list(m.inboundAuth.audiences, 'none')}`);
    p(`- Accepted clients (\`client_id\`): ${list(m.inboundAuth.allowedClients, 'none')}`);
    p();
  }
  p('## Upstreams');
  p();
  p('| Upstream | Kind | URL | Authentication | Timeout |');
  p('|---|---|---|---|---|');
  for (const u of m.upstreams) p(`| \`${u.name}\` | ${u.kind} | ${code(u.url)} | ${esc(u.auth)} | ${u.timeoutMs / 1000} s |`);
  p();
  p('## Who may call which tool on which upstream');
  p();
  if (!m.accessControl.enabled) {
    p('Access control is **off**: every authenticated caller may call every tool, read every resource and get every prompt of every upstream.');
  } else {
    p('Access control is **on**: a call is denied unless a rule permits it; a matching forbid rule always wins. `tools/list` (and the other lists) show each caller exactly what it may call.');
    p();
    ruleTable(p, m.accessControl.ruleSets, 'enforced');
    // Who may ask callers for input (docs/INPUT-REQUESTS.md): only rules that name an input/* action.
    const asking = m.accessControl.ruleSets.flatMap((set) => set.rules.map((r, i) => ({ set, r, i }))).filter(({ r }) => r.actions?.some((a) => a.startsWith('input/')));
    p();
    p('### Which upstream may ask which caller for input (elicitation, sampling, roots)');
    p();
    p('Denied unless a rule names the `input/*` action (a rule without actions covers calls only); URL elicitation is `input/elicitation-url`.');
    p();
    if (asking.length === 0) p('No typed rule permits or forbids an input request' + (m.accessControl.ruleSets.some((s) => s.cedar) ? ' (raw Cedar above may).' : ': every input request is refused.'));
    for (const { set, r, i } of asking) {
      const kinds = r.actions!.filter((a) => a.startsWith('input/')).map((a) => code(a)).join(', ');
      p(`- \`${set.name}.${r.id ?? String(i)}\`: ${r.effect} ${kinds} from ${list(r.upstreams, 'any upstream')} to ${callers(r)}${r.when ? ` when ${code(r.when)}` : ''}`);
    }
  }
  const shadow = m.accessControl.shadow;
  if (shadow) {
    p();
    p('### Shadow policy (candidate, not enforced)');
    p();
    p(`Evaluated beside the enforced policy on every call and list${shadow.enabled ? '' : ' (the candidate has access control off: it allows everything)'}; every request it would decide differently is audited as a \`shadow_disagreement\` record and counted in the ShadowDisagreements metric. \`node index.js shadow-report <audit export>\` summarizes them.`);
    p();
    ruleTable(p, shadow.ruleSets, 'shadow');
  }
  if (m.policyTests) renderPolicyTests(p, m.policyTests);
  p();
  p('## Data protection');
  p();
  const s = m.sanitize;
  p(`- Input sanitization: ${s.enabled ? `on (schema validation ${s.validateSchema === false ? 'off' : 'on'}; control characters ${s.controlCharacters ?? 'strip'}; prompt-injection heuristics ${s.injectionHeuristics ?? 'reject'}; deny patterns ${s.denyPatterns?.length ? s.denyPatterns.map((d) => `\`${d.name}\``).join(', ') : 'none'})` : 'off'}`);
  const r = m.redact;
  p(`- Redaction of results and logs: ${r.enabled ? `on (${m.detectors.redaction.join(', ')}${r.custom?.length ? `; custom ${r.custom.map((c) => c.name).join(', ')}` : ''}; replacement ${r.replacement ?? 'label'})` : 'off'}`);
  const t = m.tokenize;
  p(`- Tokenization of arguments: ${t.enabled ? `on (${m.detectors.tokenization.join(', ')}${t.argumentPaths?.length ? `; always tokenized: ${t.argumentPaths.map(code).join(', ')}` : ''}; detokenized results ${t.detokenizeResults === false ? 'never' : 'for callers permitted `detokenize`'}; key in ${t.key ?? 'n/a'})` : 'off'}`);
  p();
  p('## Tool pinning');
  p();
  if (!m.pinning) {
    p('Off: upstream tools are served as they are listed (a changed or new tool is not held back).');
  } else {
    const mode = m.pinning.mode === 'enforce' ? 'a tool whose definition differs from the lock, or that the lock does not name, is hidden and refused' : m.pinning.mode === 'warn' ? 'a drifted or new tool is served, audited and alarmed on' : 'not checked';
    p(`Mode \`${m.pinning.mode}\`: ${mode}. ${m.pinning.pinned.length} pinned definition(s):`);
    p();
    p('| Upstream | List | Name | Digest |');
    p('|---|---|---|---|');
    for (const e of m.pinning.pinned) p(`| \`${e.upstream}\` | ${e.list} | ${code(e.name)} | \`${e.digest}\` |`);
  }
  p();
  p('## Audit');
  p();
  const a = m.audit;
  p(`- Sink: CloudWatch Logs group ${code(a.logGroupName)} (${a.encryption}; retention: ${a.retention})`);
  p(`- While the sink is unavailable: ${a.failMode === 'closed' ? 'calls are refused (fail closed), also at start-up until CloudWatch Logs has accepted the first record; every forwarded call keeps room for its decision and outcome records' : 'calls are forwarded (fail open), also at start-up before CloudWatch Logs has accepted a record; undelivered records are lost if the buffer fills or the process stops'}`);
  p(`- Records hold ${a.includeRedactedContent ? 'redacted argument and result contents and salted digests' : 'salted digests of arguments and results, never their contents'}`);
  p(`- The runtime's own log group: ${code(a.runtimeLogGroup)} (created by AgentCore; its retention is not managed by CloudFormation)`);
  p(`- Metrics namespace: ${code(a.metricsNamespace)}`);
  if (!a.alarms.length) p('- Alarms: none');
  for (const al of a.alarms) p(`- Alarm ${al.name}: ${al.actions.length ? `notifies ${al.actions.map(code).join(', ')}` : '**no actions** (it changes state but notifies nobody: set audit.alarmActions)'}`);
  p();
  p('## When resources leave the stack');
  p();
  p('| Resource | Type | Removal policy |');
  p('|---|---|---|');
  for (const r of m.removalPolicies) p(`| ${code(r.resource)} | ${r.type} | ${r.policy} |`);
  if (m.deployTimeValues.length) {
    p();
    p('## Values resolved at deploy time');
    p();
    p('The configuration refers to these environment variables of the runtime; CloudFormation supplies their values. The synth-time check used the stand-ins.');
    p();
    p('| Variable | Configuration path | Value | Stand-in for `check` |');
    p('|---|---|---|---|');
    for (const d of m.deployTimeValues) p(`| \`${d.variable}\` | \`${d.path}\` | ${code(d.value)} | ${code(d.standIn)} |`);
  }
  p();
  p('## How to verify the running runtime');
  p();
  p('Run from the directory that holds the cloud assembly. Steps marked offline need no AWS access.');
  m.verification.forEach((v, i) => {
    p();
    p(`${i + 1}. **${v.title}**${v.offline ? ' (offline)' : ''}. Expect: ${v.expect}`);
    p();
    p('   ```sh');
    for (const c of v.commands) p(`   ${c}`);
    p('   ```');
  });
  p();
  return lines.join('\n');
}

function ruleTable(p: (s?: string) => void, ruleSets: NonNullable<ComplianceModel['accessControl']['ruleSets']>, kind: 'enforced' | 'shadow'): void {
  p('| Rule set | Mode | Rule | Effect | Callers | Actions | Upstreams | Targets | Conditions |');
  p('|---|---|---|---|---|---|---|---|---|');
  for (const set of ruleSets) {
    const mode = kind === 'shadow' ? 'shadow (audited, not enforced)' : set.dryRun ? 'dry run (audited, not enforced)' : 'enforced';
    set.rules.forEach((r, i) => {
      p(`| \`${set.name}\` | ${mode} | \`${set.name}.${r.id ?? String(i)}\` | ${r.effect} | ${callers(r)} | ${list(r.actions, 'calls, detokenize')} | ${list(r.upstreams, 'all')} | ${list(r.tools, 'all')} | ${conditions(r)} |`);
    });
    if (set.cedar) p(`| \`${set.name}\` | ${mode} | raw Cedar | see below | | | | | |`);
  }
  for (const set of ruleSets.filter((s) => s.cedar)) {
    p();
    p(`### Raw Cedar of ${kind === 'shadow' ? 'shadow ' : ''}rule set \`${set.name}\``);
    p();
    p('```cedar');
    p(set.cedar!.trimEnd());
    p('```');
  }
}

function renderPolicyTests(p: (s?: string) => void, tests: NonNullable<ComplianceModel['policyTests']>): void {
  p();
  p('### Policy tests');
  p();
  p('Checked at synth by the runtime\'s own `check` against the enforced policies (a failing test fails the synth).');
  p();
  p('| Test | Expected | Caller | Action | Target | Upstreams | Result | Deciding policies |');
  p('|---|---|---|---|---|---|---|---|');
  for (const t of tests) {
    const c = t.principal;
    const caller = c.kind === 'anonymous' ? 'anonymous' : [c.sub && `sub ${code(c.sub)}`, c.clientId && `client ${code(c.clientId)}`, c.groups?.length && `groups ${c.groups.map(code).join(', ')}`, c.scopes?.length && `scopes ${c.scopes.map(code).join(', ')}`].filter(Boolean).join('; ');
    const r = t.result;
    const outcome = `${r.passed ? 'passed' : '**failed**'}: ${r.decision} (${r.evaluated} target${r.evaluated === 1 ? '' : 's'} evaluated)`;
    p(`| ${esc(t.name)} | ${t.expect} | ${caller} | ${t.action} | ${code(t.target)} | ${list(t.upstreams, 'all')} | ${outcome} | ${list(r.policyIds, r.decision === 'deny' ? 'none (deny by default)' : 'none (access control off)')} |`);
  }
  const shadowed = tests.filter((t) => t.result.shadow);
  if (shadowed.length > 0) {
    p();
    p('Under the shadow policy (if it were promoted):');
    p();
    for (const t of shadowed) {
      const sh = t.result.shadow!;
      p(`- ${esc(t.name)}: ${sh.passed ? 'would pass' : `**would fail**: ${sh.decision} for ${code(sh.target)} on \`${sh.upstream}\``} (${list(sh.policyIds, 'no deciding policy')})`);
    }
  }
}

function callers(r: AccessRuleConfig): string {
  const parts: string[] = [];
  if (r.groups) parts.push(`groups ${r.groups.map(code).join(' or ')}`);
  if (r.scopes) parts.push(`scopes ${r.scopes.map(code).join(' or ')}`);
  if (r.clientIds) parts.push(`clients ${r.clientIds.map(code).join(' or ')}`);
  if (r.subjects) parts.push(`subjects ${r.subjects.map(code).join(' or ')}`);
  let s = parts.length ? parts.join(' and ') : 'any authenticated caller';
  if (r.exceptGroups) s += `, except groups ${r.exceptGroups.map(code).join(', ')}`;
  return s;
}

function conditions(r: AccessRuleConfig): string {
  const parts: string[] = [];
  if (r.annotations) parts.push(Object.entries(r.annotations).map(([k, v]) => `${k}=${v}`).join(', '));
  if (r.when) parts.push(`when ${code(r.when)}`);
  return parts.join('; ');
}

function list(values: readonly string[] | undefined, none: string): string {
  return values?.length ? values.map(code).join(', ') : none;
}

function code(s: string): string {
  return `\`${s.replace(/`/g, "'").replace(/\|/g, '\\|')}\``;
}

function esc(s: string): string {
  return s.replace(/\|/g, '\\|');
}
