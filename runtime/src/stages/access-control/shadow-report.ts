/**
 * `shadow-report <file>`: reads an audit export (any format the verifier reads: JSON lines, or the output of
 * `aws logs filter-log-events` / `get-log-events`) and summarizes the `shadow_disagreement` records, by target and by
 * caller group, so a reviewer can decide whether to promote the shadow policy. The chain is verified on the way
 * (time windows and unordered exports accepted): the summary says whether the records it counts are authentic.
 */
import { extractMessages, verifyAuditLog } from '../audit/verify';

/** Counts of one row: calls the candidate would deny (the enforced policy allowed), or allow (it denied); list entries. */
export interface DisagreementCounts {
  /** Calls allowed now that the candidate would deny. */
  wouldDeny: number;
  /** Calls denied now that the candidate would allow. */
  wouldAllow: number;
  /** List entries shown now that the candidate would hide. */
  wouldHide: number;
  /** List entries hidden now that the candidate would show. */
  wouldShow: number;
}

export interface ShadowSummary {
  /** shadow_disagreement records read. */
  readonly records: number;
  /** Whether every instance's hash chain in the input verified. */
  readonly chainVerified: boolean;
  readonly totals: DisagreementCounts;
  /** By target (`<upstream>/<the upstream's own name>`), calls and list entries together, most disagreements first. */
  readonly byTarget: { readonly target: string; readonly counts: DisagreementCounts }[];
  /** By caller group (`(no group)` for callers without one), most disagreements first. */
  readonly byCallerGroup: { readonly group: string; readonly counts: DisagreementCounts }[];
  /** The deciding policies of the candidate's different decisions, with how often each decided. */
  readonly candidatePolicies: { readonly policyId: string; readonly count: number }[];
}

const zero = (): DisagreementCounts => ({ wouldDeny: 0, wouldAllow: 0, wouldHide: 0, wouldShow: 0 });
const sum = (c: DisagreementCounts) => c.wouldDeny + c.wouldAllow + c.wouldHide + c.wouldShow;

interface Rec {
  type?: unknown;
  caller?: { groups?: unknown };
  target?: { upstream?: unknown; name?: unknown };
  current?: { effect?: unknown };
  candidate?: { effect?: unknown; policyIds?: unknown };
  list?: { hiddenByCandidate?: { count?: unknown; names?: unknown }; shownByCandidate?: { count?: unknown; names?: unknown } };
}

/** Summarizes the shadow_disagreement records of an audit export. */
export function summarizeShadow(input: string): ShadowSummary {
  const recs = extractMessages(input).filter((m): m is Rec => typeof m === 'object' && m !== null && (m as Rec).type === 'shadow_disagreement');
  const targets = new Map<string, DisagreementCounts>();
  const groups = new Map<string, DisagreementCounts>();
  const policies = new Map<string, number>();
  const totals = zero();
  const row = (m: Map<string, DisagreementCounts>, k: string) => {
    let c = m.get(k);
    if (!c) m.set(k, (c = zero()));
    return c;
  };
  for (const r of recs) {
    const g = Array.isArray(r.caller?.groups) && r.caller.groups.length > 0 ? r.caller.groups.map(String) : ['(no group)'];
    const add = (target: string, field: keyof DisagreementCounts, n: number) => {
      row(targets, target)[field] += n;
    };
    const byGroup = (field: keyof DisagreementCounts, n: number) => {
      totals[field] += n;
      for (const group of g) row(groups, group)[field] += n;
    };
    if (r.current && r.candidate && r.target) {
      const field = r.candidate.effect === 'deny' ? 'wouldDeny' : 'wouldAllow';
      add(`${String(r.target.upstream)}/${String(r.target.name)}`, field, 1);
      byGroup(field, 1);
      for (const id of Array.isArray(r.candidate.policyIds) ? r.candidate.policyIds : []) policies.set(String(id), (policies.get(String(id)) ?? 0) + 1);
    } else if (r.list) {
      for (const [side, field] of [['hiddenByCandidate', 'wouldHide'], ['shownByCandidate', 'wouldShow']] as const) {
        const e = r.list[side];
        const count = typeof e?.count === 'number' ? e.count : 0;
        const names = Array.isArray(e?.names) ? e.names.map(String) : [];
        for (const n of names) add(n, field, 1);
        if (count > names.length) add('(more entries, unnamed)', field, count - names.length);
        byGroup(field, count);
      }
    }
  }
  const sorted = <K extends string>(m: Map<string, DisagreementCounts>, key: K) =>
    [...m.entries()].sort((a, b) => sum(b[1]) - sum(a[1]) || a[0].localeCompare(b[0])).map(([k, counts]) => ({ [key]: k, counts }) as Record<K, string> & { counts: DisagreementCounts });
  return {
    records: recs.length,
    chainVerified: verifyAuditLog(input, { ignoreOrder: true, allowPartial: true }).ok,
    totals,
    byTarget: sorted(targets, 'target'),
    byCallerGroup: sorted(groups, 'group'),
    candidatePolicies: [...policies.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([policyId, count]) => ({ policyId, count })),
  };
}

/** The summary as text: one table by target, one by caller group. */
export function renderShadowSummary(s: ShadowSummary): string {
  const lines: string[] = [];
  const head = 'would deny  would allow  would hide  would show';
  const cells = (c: DisagreementCounts) => `${pad(c.wouldDeny, 10)}  ${pad(c.wouldAllow, 11)}  ${pad(c.wouldHide, 10)}  ${pad(c.wouldShow, 10)}`;
  lines.push(`shadow_disagreement records: ${s.records} (audit chain ${s.chainVerified ? 'verified' : 'NOT verified: run the verifier'})`);
  lines.push(`totals: ${cells(s.totals)}   (${head})`);
  for (const [title, rows] of [['by target', s.byTarget.map((r) => [r.target, r.counts] as const)], ['by caller group', s.byCallerGroup.map((r) => [r.group, r.counts] as const)]] as const) {
    lines.push('', `${title}:`);
    const width = Math.max(10, ...rows.map(([k]) => k.length));
    lines.push(`  ${''.padEnd(width)}  ${head}`);
    for (const [k, c] of rows) lines.push(`  ${k.padEnd(width)}  ${cells(c)}`);
  }
  if (s.candidatePolicies.length > 0) {
    lines.push('', "candidate's deciding policies:");
    for (const p of s.candidatePolicies) lines.push(`  ${p.policyId}: ${p.count}`);
  }
  return `${lines.join('\n')}\n`;
}

function pad(n: number, w: number): string {
  return String(n).padStart(w);
}
