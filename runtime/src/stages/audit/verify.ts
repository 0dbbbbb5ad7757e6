/**
 * Verifies a downloaded audit log: JSON lines (stdout sink, or one record per line), or the JSON output of
 * `aws logs filter-log-events` / `aws logs get-log-events` (also several such documents, one per line, e.g. from
 * `jq -c`). Records of several instances may be interleaved; each instance's chain is checked on its own:
 * sequence numbers without gaps starting at 0, every hash correct, every prevHash equal to the previous hash,
 * records in sequence order (unless `ignoreOrder`). Lines that are not audit records (EMF metrics, operational
 * logs) are skipped. Identical duplicates (at-least-once delivery after a retried PutLogEvents) are tolerated.
 */
import { GENESIS_HASH, recordHash } from './chain';
import { AUDIT_SCHEMA_VERSION } from './record';

export type ProblemKind =
  | 'missing_start' | 'gap' | 'hash_mismatch' | 'chain_break' | 'out_of_order' | 'conflict' | 'after_stop' | 'malformed';

export interface VerifyProblem {
  readonly instanceId: string;
  /** The first sequence number affected. */
  readonly seq: number;
  readonly kind: ProblemKind;
  readonly message: string;
}

export interface InstanceSummary {
  readonly instanceId: string;
  readonly ok: boolean;
  /** Distinct records found. */
  readonly records: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  /** The chain starts with the instance's audit_start record (seq 0). */
  readonly started: boolean;
  /** The chain ends with an audit_stop record (clean shutdown); false for a running or crashed instance. */
  readonly stopped: boolean;
  /** Records the instance itself reported as lost (audit_overflow records). */
  readonly reportedDropped: number;
  /** Calls the instance reported as refused because of the audit trail (sum of its audit_refusals records). */
  readonly reportedRefused: number;
  /** Identical copies of a record that were ignored. */
  readonly duplicates: number;
  readonly firstBadSeq?: number;
}

export interface VerifyResult {
  readonly ok: boolean;
  readonly instances: readonly InstanceSummary[];
  /** Sorted by instance, then sequence number. */
  readonly problems: readonly VerifyProblem[];
  /** Things worth knowing that are not tampering (e.g. a gap the instance itself reported). */
  readonly warnings: readonly string[];
  /** Input lines or events that are not audit records. */
  readonly skipped: number;
}

export interface VerifyOptions {
  /** Do not require records to appear in sequence order (e.g. Logs Insights exports sorted newest first). */
  readonly ignoreOrder?: boolean;
  /** Accept a log that starts mid-chain (a time window): the first record's prevHash cannot be checked then. */
  readonly allowPartial?: boolean;
}

type Rec = Record<string, unknown> & { instanceId: string; seq: number; hash: string; prevHash: string; type: string };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The messages (record candidates) in a downloaded log, whatever its format. */
export function extractMessages(input: string | readonly string[]): unknown[] {
  const text = typeof input === 'string' ? input : input.join('\n');
  const out: unknown[] = [];
  const fromValue = (v: unknown): void => {
    if (Array.isArray(v)) {
      v.forEach(fromValue);
    } else if (isObject(v) && Array.isArray(v.events)) {
      // filter-log-events / get-log-events output: the record is the event's message.
      for (const e of v.events) out.push(isObject(e) && typeof e.message === 'string' ? parse(e.message) : e);
    } else if (isObject(v) && typeof v.message === 'string' && !('hash' in v)) {
      out.push(parse(v.message));
    } else {
      out.push(v);
    }
  };
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      fromValue(JSON.parse(trimmed));
      return out;
    } catch {
      // Not one document: JSON lines.
    }
  }
  for (const line of text.split(/\r?\n/)) {
    const l = line.trim();
    if (l) fromValue(parse(l));
  }
  return out;
}

const UNPARSEABLE = Symbol('unparseable');
function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return UNPARSEABLE;
  }
}

function looksLikeRecord(v: unknown): v is Record<string, unknown> {
  return isObject(v) && 'hash' in v && 'seq' in v && 'instanceId' in v;
}

function wellFormed(v: Record<string, unknown>): v is Rec {
  return (
    v.v === AUDIT_SCHEMA_VERSION &&
    typeof v.instanceId === 'string' &&
    typeof v.seq === 'number' && Number.isSafeInteger(v.seq) && v.seq >= 0 &&
    typeof v.hash === 'string' && /^[0-9a-f]{64}$/.test(v.hash) &&
    typeof v.prevHash === 'string' && /^[0-9a-f]{64}$/.test(v.prevHash) &&
    typeof v.type === 'string'
  );
}

/** Verifies an audit log; see the module comment for the accepted formats. */
export function verifyAuditLog(input: string | readonly string[], opts: VerifyOptions = {}): VerifyResult {
  return verifyMessages(extractMessages(input), opts);
}

/** Verifies messages already extracted (e.g. from several files) with `extractMessages`. */
export function verifyMessages(messages: readonly unknown[], opts: VerifyOptions = {}): VerifyResult {
  const problems: VerifyProblem[] = [];
  const warnings: string[] = [];
  let skipped = 0;
  const byInstance = new Map<string, Rec[]>();
  for (const m of messages) {
    if (!looksLikeRecord(m)) {
      skipped++;
      continue;
    }
    const id = typeof m.instanceId === 'string' ? m.instanceId : '(unknown)';
    if (!wellFormed(m)) {
      problems.push({ instanceId: id, seq: typeof m.seq === 'number' ? m.seq : -1, kind: 'malformed', message: 'record is malformed (missing or invalid chain fields, or unknown schema version)' });
      continue;
    }
    let list = byInstance.get(id);
    if (!list) byInstance.set(id, (list = []));
    list.push(m);
  }

  const instances: InstanceSummary[] = [];
  for (const [instanceId, inOrder] of byInstance) {
    const mine: VerifyProblem[] = [];
    const problem = (seq: number, kind: ProblemKind, message: string) => mine.push({ instanceId, seq, kind, message });

    // Duplicates: identical copies are delivery artefacts; different records claiming one seq are not.
    const bySeq = new Map<number, Rec>();
    const distinctInOrder: Rec[] = [];
    let duplicates = 0;
    for (const r of inOrder) {
      const seen = bySeq.get(r.seq);
      if (!seen) {
        bySeq.set(r.seq, r);
        distinctInOrder.push(r);
      } else if (seen.hash === r.hash && recordHash(seen) === recordHash(r)) {
        duplicates++;
      } else {
        problem(r.seq, 'conflict', `two different records claim seq ${r.seq}`);
      }
    }
    if (!opts.ignoreOrder) {
      let maxSeen = -1;
      for (const r of distinctInOrder) {
        if (r.seq < maxSeen) {
          problem(r.seq, 'out_of_order', `seq ${r.seq} appears after seq ${maxSeen} (records were reordered)`);
          break;
        }
        maxSeen = r.seq;
      }
    }

    const sorted = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
    // Gaps the instance itself reported (destination rejections), with the records that report them.
    const reportedSeqs = new Set<number>();
    let reportedDropped = 0;
    let reportedRefused = 0;
    let stopSeq: number | undefined;
    for (const r of sorted) {
      if (r.type === 'audit_overflow') {
        reportedDropped += typeof r.dropped === 'number' ? r.dropped : 0;
        if (Array.isArray(r.seqRanges)) {
          for (const range of r.seqRanges as unknown[]) {
            if (Array.isArray(range) && typeof range[0] === 'number' && typeof range[1] === 'number') {
              for (let s = range[0]; s <= range[1] && s - range[0] < 100_000; s++) reportedSeqs.add(s);
            }
          }
        }
      }
      if (r.type === 'audit_refusals' && typeof r.refused === 'number') reportedRefused += r.refused;
      if (r.type === 'audit_stop' && stopSeq === undefined) stopSeq = r.seq;
    }

    const first = sorted[0];
    if (first.seq !== 0 && !opts.allowPartial) {
      problem(0, 'missing_start', `records seq 0..${first.seq - 1} are missing (the log starts at seq ${first.seq})`);
    }
    if (first.seq === 0) {
      if (first.prevHash !== GENESIS_HASH) problem(0, 'chain_break', 'seq 0 does not start the chain (prevHash is not the genesis value)');
      if (first.type !== 'audit_start') problem(0, 'malformed', `seq 0 is a ${first.type} record, not audit_start`);
    }
    let prev: Rec | undefined;
    for (const r of sorted) {
      if (recordHash(r) !== r.hash) problem(r.seq, 'hash_mismatch', `seq ${r.seq}: the record's content does not match its hash (the record was altered)`);
      if (prev) {
        if (r.seq !== prev.seq + 1) {
          const missing: number[] = [];
          for (let s = prev.seq + 1; s < r.seq; s++) missing.push(s);
          if (missing.every((s) => reportedSeqs.has(s))) {
            warnings.push(`${instanceId}: seq ${prev.seq + 1}..${r.seq - 1} missing, reported by the instance as rejected by the destination`);
          } else {
            const range = r.seq - prev.seq === 2 ? `${prev.seq + 1}` : `${prev.seq + 1}..${r.seq - 1}`;
            problem(prev.seq + 1, 'gap', `seq ${range} missing (records were deleted or never delivered)`);
          }
        } else if (r.prevHash !== prev.hash) {
          problem(r.seq, 'chain_break', `seq ${r.seq}: prevHash does not match the hash of seq ${prev.seq} (a record was replaced or the chain re-hashed)`);
        }
      }
      if (stopSeq !== undefined && r.seq > stopSeq) {
        problem(r.seq, 'after_stop', `seq ${r.seq} follows the audit_stop record (seq ${stopSeq})`);
      }
      prev = r;
    }

    mine.sort((a, b) => a.seq - b.seq);
    problems.push(...mine);
    const last = sorted[sorted.length - 1];
    if (stopSeq === undefined) warnings.push(`${instanceId}: no audit_stop record (instance still running, crashed, or the end of its log is missing)`);
    instances.push({
      instanceId,
      ok: mine.length === 0,
      records: sorted.length,
      firstSeq: first.seq,
      lastSeq: last.seq,
      started: first.seq === 0 && first.type === 'audit_start',
      stopped: stopSeq !== undefined,
      reportedDropped,
      reportedRefused,
      duplicates,
      ...(mine.length ? { firstBadSeq: mine[0].seq } : {}),
    });
  }
  problems.sort((a, b) => a.instanceId.localeCompare(b.instanceId) || a.seq - b.seq);
  // Malformed records count against their instance too.
  const summaries = instances
    .map((i) => {
      const own = problems.filter((p) => p.instanceId === i.instanceId);
      return own.length ? { ...i, ok: false, firstBadSeq: own[0].seq } : i;
    })
    .sort((a, b) => a.instanceId.localeCompare(b.instanceId));
  if (summaries.length === 0) warnings.push('no audit records found');
  return { ok: problems.length === 0 && summaries.length > 0, instances: summaries, problems, warnings, skipped };
}
