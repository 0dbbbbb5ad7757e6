import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { createAuditor } from './index';
import { recordHash } from './chain';
import { verifyAuditLog } from './verify';
import { runVerifyAudit } from '../../../cli/verify-audit-cli';
import { auditConfig, captureLog, requestContext } from './test-fixtures';

/** A clean log of one instance: audit_start, n x (decision, outcome), audit_stop. Metric lines included. */
async function instanceLog(n: number, prefix = 'host'): Promise<string[]> {
  const lines: string[] = [];
  const auditor = await createAuditor(auditConfig({ sink: 'stdout' }), { log: captureLog().log, instanceId: prefix, write: (l) => lines.push(l) });
  for (let i = 0; i < n; i++) {
    const ctx = requestContext({ rpcId: i });
    await auditor.beforeForward(ctx);
    auditor.complete(ctx, { status: 'ok', result: { content: [{ type: 'text', text: `r${i}` }] } });
  }
  await auditor.close();
  return lines;
}

const records = (lines: string[]) => lines.filter((l) => l.includes('"hash"'));

function interleave(a: string[], b: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (i < a.length) out.push(a[i]);
    if (i < b.length) out.push(b[i]);
  }
  return out;
}

function edit(line: string, change: (r: Record<string, unknown>) => void): string {
  const r = JSON.parse(line) as Record<string, unknown>;
  change(r);
  return JSON.stringify(r);
}

describe('verifyAuditLog', () => {
  let a: string[];
  let b: string[];
  beforeAll(async () => {
    a = await instanceLog(5, 'alpha');
    b = await instanceLog(3, 'beta');
  });

  it('passes a clean interleaved multi-instance log (metric lines skipped)', () => {
    const res = verifyAuditLog(interleave(a, b));
    expect(res.problems).toEqual([]);
    expect(res.ok).toBe(true);
    expect(res.instances).toHaveLength(2);
    for (const i of res.instances) {
      expect(i).toMatchObject({ ok: true, started: true, stopped: true, firstSeq: 0 });
    }
    expect(res.instances.map((i) => i.records).sort((x, y) => x - y)).toEqual([8, 12]);
    expect(res.skipped).toBeGreaterThan(0); // EMF lines
  });

  it('detects a deleted record and names the missing seq', () => {
    const recs = records(a);
    const tampered = [...recs.slice(0, 4), ...recs.slice(5)];
    const res = verifyAuditLog(tampered);
    expect(res.ok).toBe(false);
    expect(res.problems[0]).toMatchObject({ kind: 'gap', seq: 4 });
    expect(res.instances[0].firstBadSeq).toBe(4);
  });

  it('detects an edited record (content no longer matches its hash)', () => {
    const recs = records(a);
    recs[3] = edit(recs[3], (r) => {
      r.rpc = { id: 'forged', method: 'tools/call' };
    });
    const res = verifyAuditLog(recs);
    expect(res.ok).toBe(false);
    expect(res.problems).toEqual([expect.objectContaining({ kind: 'hash_mismatch', seq: 3 })]);
  });

  it('detects an edited record whose hash was recomputed (the next link breaks)', () => {
    const recs = records(a);
    recs[3] = edit(recs[3], (r) => {
      r.rpc = { id: 'forged', method: 'tools/call' };
      r.hash = recordHash(r);
    });
    const res = verifyAuditLog(recs);
    expect(res.problems).toEqual([expect.objectContaining({ kind: 'chain_break', seq: 4 })]);
  });

  it('detects a reordered pair', () => {
    const recs = records(a);
    [recs[2], recs[3]] = [recs[3], recs[2]];
    const res = verifyAuditLog(recs);
    expect(res.ok).toBe(false);
    expect(res.problems[0]).toMatchObject({ kind: 'out_of_order', seq: 2 });
    // Exports sorted differently can opt out of the order check; the chain itself is intact.
    expect(verifyAuditLog(recs, { ignoreOrder: true }).ok).toBe(true);
  });

  it('detects a deleted record with the rest renumbered', () => {
    const recs = records(a);
    const renumbered = [...recs.slice(0, 4), ...recs.slice(5).map((l) => edit(l, (r) => { r.seq = (r.seq as number) - 1; }))];
    const res = verifyAuditLog(renumbered);
    expect(res.ok).toBe(false);
    expect(res.instances[0].firstBadSeq).toBe(4);
    expect(res.problems[0].kind).toBe('hash_mismatch');
  });

  it('detects a truncated head unless a partial window is allowed', () => {
    const recs = records(a).slice(3);
    expect(verifyAuditLog(recs).problems[0]).toMatchObject({ kind: 'missing_start', seq: 0 });
    expect(verifyAuditLog(recs, { allowPartial: true }).ok).toBe(true);
  });

  it('warns (without failing) when the end is missing, and reports a cut tail as not stopped', () => {
    const res = verifyAuditLog(records(a).slice(0, -2));
    expect(res.ok).toBe(true);
    expect(res.instances[0].stopped).toBe(false);
    expect(res.warnings.join('\n')).toMatch(/no audit_stop/);
  });

  it('tolerates identical duplicates (at-least-once delivery) but not two different records with one seq', () => {
    const recs = records(a);
    const dup = verifyAuditLog([...recs.slice(0, 3), recs[2], ...recs.slice(3)]);
    expect(dup.ok).toBe(true);
    expect(dup.instances[0].duplicates).toBe(1);
    const conflicting = edit(recs[2], (r) => { r.rpc = { id: 'x', method: 'tools/call' }; r.hash = recordHash(r); });
    const res = verifyAuditLog([...recs.slice(0, 3), conflicting, ...recs.slice(3)]);
    expect(res.problems[0]).toMatchObject({ kind: 'conflict', seq: 2 });
  });

  it('reads `aws logs filter-log-events` and `get-log-events` JSON output', () => {
    const ab = interleave(records(a), records(b));
    const filter = JSON.stringify({
      events: ab.map((message, i) => ({ logStreamName: JSON.parse(message).instanceId, timestamp: Date.parse(JSON.parse(message).time), message, ingestionTime: 0, eventId: String(i) })),
      searchedLogStreams: [],
    }, null, 2);
    expect(verifyAuditLog(filter)).toMatchObject({ ok: true, skipped: 0 });
    const get = JSON.stringify({ events: records(b).map((message) => ({ timestamp: 1, message, ingestionTime: 2 })), nextForwardToken: 'f/1' });
    expect(verifyAuditLog(get).instances).toEqual([expect.objectContaining({ ok: true, records: 8 })]);
    const tampered = JSON.parse(filter) as { events: { message: string }[] };
    tampered.events.splice(5, 1);
    expect(verifyAuditLog(JSON.stringify(tampered)).ok).toBe(false);
  });

  it('fails an input without audit records', () => {
    expect(verifyAuditLog(['not json', '{"level":"info"}']).ok).toBe(false);
  });

  it('flags malformed records', () => {
    const recs = records(a);
    recs[1] = edit(recs[1], (r) => { r.hash = 'nothex'; });
    expect(verifyAuditLog(recs).problems[0]).toMatchObject({ kind: 'malformed', seq: 1 });
  });
});

describe('verify-audit command', () => {
  const io = (files: Record<string, string>, stdin = '') => {
    const out: string[] = [];
    const err: string[] = [];
    return {
      out, err,
      io: {
        stdout: (t: string) => out.push(t),
        stderr: (t: string) => err.push(t),
        readStdin: async () => stdin,
        readFile: async (p: string) => {
          if (!(p in files)) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
          return files[p];
        },
      },
    };
  };

  it('exits 0 on a clean log read from several files and stdin', async () => {
    const a = await instanceLog(2, 'one');
    const b = await instanceLog(2, 'two');
    const t = io({ 'a.jsonl': a.join('\n') }, b.join('\n'));
    expect(await runVerifyAudit(['a.jsonl', '-'], t.io)).toBe(0);
    expect(t.out.join('')).toMatch(/RESULT: OK/);
  });

  it('exits 1 naming the first bad sequence number and what is wrong', async () => {
    const recs = records(await instanceLog(3, 'bad'));
    recs.splice(2, 1);
    const t = io({ 'log.jsonl': recs.join('\n') });
    expect(await runVerifyAudit(['log.jsonl'], t.io)).toBe(1);
    expect(t.out.join('')).toMatch(/FAILED at seq 2: gap: seq 2 missing/);
  });

  it('exits 2 on unreadable files and unknown options; --json prints the result', async () => {
    expect(await runVerifyAudit(['missing.jsonl'], io({}).io)).toBe(2);
    expect(await runVerifyAudit(['--bogus'], io({}).io)).toBe(2);
    const t = io({ 'l': (await instanceLog(1)).join('\n') });
    expect(await runVerifyAudit(['--json', 'l'], t.io)).toBe(0);
    expect(JSON.parse(t.out.join(''))).toMatchObject({ ok: true });
  });
});

describe('verify-audit bundle (esbuild, as shipped in assets/runtime/verify-audit.js)', () => {
  let dir: string;
  let bundle: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'verify-audit-'));
    bundle = join(dir, 'verify-audit.js');
    buildSync({ entryPoints: [join(__dirname, '../../../cli/verify-audit.ts')], outfile: bundle, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'silent' });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs as a process: exit 0 on a clean log (stdin), 1 on a tampered file naming the seq, 2 on a missing file', async () => {
    const log = await instanceLog(3, 'proc');
    const ok = spawnSync(process.execPath, [bundle], { input: log.join('\n'), encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/RESULT: OK/);
    const recs = records(log);
    recs[4] = edit(recs[4], (r) => { r.requestId = 'forged'; });
    const file = join(dir, 'tampered.jsonl');
    writeFileSync(file, recs.join('\n'));
    const bad = spawnSync(process.execPath, [bundle, file], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/FAILED at seq 4: hash_mismatch/);
    expect(spawnSync(process.execPath, [bundle, join(dir, 'nope.jsonl')], { encoding: 'utf8' }).status).toBe(2);
  });
});
