import * as fs from 'node:fs';
import * as path from 'node:path';
import { Stack, Stage } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { AccessRuleConfig } from '../config/contract';
import type { ComplianceModel } from './compliance';

/** Context key: the path of a previous compliance report (`.json`) to compare with. */
export const PREVIOUS_REPORT_CONTEXT_KEY = 'cdk-mcp-governance-proxy:previousComplianceReport';

/** What the runtime's `check --previous-access-control` answered (runtime/src/stages/access-control/access-diff.ts). */
export interface AccessChanges {
  readonly changes: {
    readonly caller: { readonly kind: string; readonly sub?: string; readonly clientId?: string; readonly groups?: string[]; readonly scopes?: string[] };
    readonly action: string;
    readonly upstream: string;
    readonly target: string;
    readonly before: 'allow' | 'deny';
    readonly after: 'allow' | 'deny';
    readonly beforePolicies: string[];
    readonly afterPolicies: string[];
  }[];
  readonly probes: number;
  readonly truncated: boolean;
}

/** The "changes" section of a compliance report. */
export interface ChangeSection {
  /** The report compared with, and when it was written. */
  readonly previousReport: string;
  readonly previousGeneratedAt: string;
  readonly previousConfigDigest: string;
  readonly rules: { readonly added: string[]; readonly removed: string[]; readonly changed: string[] };
  /** Who gained (`after: allow`) or lost (`after: deny`) access, from both policies evaluated over the same probes. */
  readonly access?: AccessChanges;
  /** Data protection and audit settings that differ: `<path>: <before> -> <after>`. */
  readonly settings: string[];
}

/** The compliance report's file name without extension (`<stack artifact>-<construct path>-compliance`). */
export function reportBaseOf(scope: IConstruct): string {
  const stack = Stack.of(scope);
  return `${stack.artifactId}-${scope.node.path.slice(stack.node.path.length).replace(/^\//, '').replace(/[^A-Za-z0-9_-]+/g, '-')}-compliance`;
}

const previousReports = new WeakMap<IConstruct, { value: ReturnType<typeof readPreviousReport> }>();

/**
 * The previous report of a proxy: the one the context key names, else the one the last synth wrote into this assembly
 * directory, read once per construct (before this synth replaces it).
 */
export function previousReportOf(scope: IConstruct): ReturnType<typeof readPreviousReport> {
  const stage = Stage.of(scope);
  if (!stage) return undefined;
  let cached = previousReports.get(scope);
  if (!cached) {
    const explicit = scope.node.tryGetContext(PREVIOUS_REPORT_CONTEXT_KEY) as string | undefined;
    previousReports.set(scope, (cached = { value: readPreviousReport(path.join(stage.outdir, `${reportBaseOf(scope)}.json`), explicit) }));
  }
  return cached.value;
}

/** A previous report, when one is there (the one this synth is about to replace, or the one the context names). */
export function readPreviousReport(defaultFile: string, explicit: string | undefined): { file: string; model: ComplianceModel } | undefined {
  const file = explicit ?? defaultFile;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    if (explicit !== undefined) throw new Error(`${PREVIOUS_REPORT_CONTEXT_KEY}: cannot read ${explicit}`);
    return undefined;
  }
  try {
    const model = JSON.parse(text) as ComplianceModel;
    return model && typeof model === 'object' && model.accessControl ? { file, model } : undefined;
  } catch {
    return undefined;
  }
}

type RuleSets = ComplianceModel['accessControl']['ruleSets'];

function rulesById(sets: RuleSets | undefined, prefix: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const set of sets ?? []) {
    set.rules.forEach((r: AccessRuleConfig, i) => out.set(`${prefix}${set.name}.${r.id ?? String(i)}`, JSON.stringify({ ...r, dryRun: set.dryRun })));
    if (set.cedar) out.set(`${prefix}${set.name} (raw Cedar)`, set.cedar);
  }
  return out;
}

/** Leaf differences of two JSON values, as `<path>: <before> -> <after>`. */
function leafDiff(before: unknown, after: unknown, at: string, out: string[]): void {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObj(before) && isObj(after)) {
    for (const k of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) leafDiff(before[k], after[k], at ? `${at}.${k}` : k, out);
    return;
  }
  if (JSON.stringify(before) !== JSON.stringify(after)) out.push(`${at}: ${JSON.stringify(before) ?? 'unset'} -> ${JSON.stringify(after) ?? 'unset'}`);
}

/** The changes between the previous report and this one. */
export function changeSection(previous: { file: string; model: ComplianceModel }, current: ComplianceModel, access: AccessChanges | undefined): ChangeSection {
  const p = previous.model;
  const before = new Map([...rulesById(p.accessControl.ruleSets, ''), ...rulesById(p.accessControl.shadow?.ruleSets, 'shadow: ')]);
  const after = new Map([...rulesById(current.accessControl.ruleSets, ''), ...rulesById(current.accessControl.shadow?.ruleSets, 'shadow: ')]);
  const added = [...after.keys()].filter((k) => !before.has(k));
  const removed = [...before.keys()].filter((k) => !after.has(k));
  const changed = [...after.keys()].filter((k) => before.has(k) && before.get(k) !== after.get(k));
  const settings: string[] = [];
  if (p.accessControl.enabled !== current.accessControl.enabled) settings.push(`accessControl.enabled: ${p.accessControl.enabled} -> ${current.accessControl.enabled}`);
  const strip = (a: ComplianceModel['audit'] | undefined) => (a ? { ...a, alarms: undefined } : undefined);
  leafDiff(
    { sanitize: p.sanitize, redact: p.redact, detectors: p.detectors, tokenize: p.tokenize, audit: strip(p.audit) },
    { sanitize: current.sanitize, redact: current.redact, detectors: current.detectors, tokenize: current.tokenize, audit: strip(current.audit) },
    '',
    settings,
  );
  return {
    previousReport: path.basename(previous.file),
    previousGeneratedAt: String(p.generatedAt),
    previousConfigDigest: String(p.configDigest),
    rules: { added, removed, changed },
    ...(access ? { access } : {}),
    settings,
  };
}

/** The section as Markdown lines. */
export function renderChanges(p: (s?: string) => void, c: ChangeSection): void {
  p('## Changes since the previous report');
  p();
  p(`Compared with \`${c.previousReport}\` (generated ${c.previousGeneratedAt}, configuration \`${c.previousConfigDigest}\`).`);
  p();
  const rules = c.rules;
  if (rules.added.length + rules.removed.length + rules.changed.length === 0) p('- Rules: unchanged');
  for (const [label, ids] of [['added', rules.added], ['removed', rules.removed], ['changed', rules.changed]] as const) {
    if (ids.length > 0) p(`- Rules ${label}: ${ids.map((i) => `\`${i}\``).join(', ')}`);
  }
  if (c.access) {
    p();
    const gained = c.access.changes.filter((x) => x.after === 'allow');
    const lost = c.access.changes.filter((x) => x.after === 'deny');
    p(`Access, both policies evaluated by the runtime over ${c.access.probes} (caller, action, target) probes drawn from the rules and policy tests: ${gained.length} gained, ${lost.length} lost${c.access.truncated ? ' (list truncated)' : ''}.`);
    if (c.access.changes.length > 0) {
      p();
      p('| Caller | Action | Target | Before | After | Now decided by |');
      p('|---|---|---|---|---|---|');
      for (const x of c.access.changes) {
        p(`| ${callerText(x.caller)} | ${x.action} | \`${x.upstream}/${x.target.replace(/\|/g, '\\|')}\` | ${x.before} | **${x.after}** | ${x.afterPolicies.length ? x.afterPolicies.map((id) => `\`${id}\``).join(', ') : 'no policy (deny by default)'} |`);
      }
    }
  }
  p();
  if (c.settings.length === 0) p('- Data protection and audit settings: unchanged');
  else for (const s of c.settings) p(`- ${s.replace(/\|/g, '\\|')}`);
  p();
}

function callerText(c: AccessChanges['changes'][number]['caller']): string {
  if (c.kind === 'anonymous') return 'anonymous';
  const parts = [c.sub && c.sub !== 'probe' && c.sub !== 'policy-test' ? `sub ${c.sub}` : '', c.groups?.length ? `groups ${c.groups.join(', ')}` : '', c.scopes?.length ? `scopes ${c.scopes.join(', ')}` : '', c.clientId ? `client ${c.clientId}` : ''].filter(Boolean);
  return parts.length ? parts.join('; ') : 'any authenticated caller';
}
