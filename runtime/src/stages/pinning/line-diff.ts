/**
 * A small unified line diff for reviewing changed definitions (a few hundred lines at most): longest common
 * subsequence by dynamic programming, hunks with three lines of context. Inputs beyond MAX_LINES are shown whole
 * (all removed, all added) rather than spending quadratic time.
 */
const CONTEXT = 3;
const MAX_LINES = 2_000;

type Op = { readonly op: ' ' | '-' | '+'; readonly line: string; readonly a: number; readonly b: number };

function edits(a: readonly string[], b: readonly string[]): Op[] {
  if (a.length > MAX_LINES || b.length > MAX_LINES) {
    return [...a.map((line, i) => ({ op: '-' as const, line, a: i, b: 0 })), ...b.map((line, j) => ({ op: '+' as const, line, a: a.length, b: j }))];
  }
  const n = a.length;
  const m = b.length;
  // lcs[i][j]: length of the LCS of a[i..] and b[j..].
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) out.push({ op: ' ', line: a[i], a: i++, b: j++ });
    // Deletions before insertions, as diff(1) prints them.
    else if (i < n && (j === m || lcs[i + 1][j] >= lcs[i][j + 1])) out.push({ op: '-', line: a[i], a: i++, b: j });
    else out.push({ op: '+', line: b[j], a: i, b: j++ });
  }
  return out;
}

/** The unified diff of two texts (`---`/`+++` headers, `@@` hunks); empty when they are equal. */
export function unifiedDiff(before: string, after: string, fromLabel = 'before', toLabel = 'after'): string {
  const ops = edits(before.split('\n'), after.split('\n'));
  const changed = ops.map((o, k) => (o.op !== ' ' ? k : -1)).filter((k) => k >= 0);
  if (changed.length === 0) return '';
  const lines = [`--- ${fromLabel}`, `+++ ${toLabel}`];
  let k = 0;
  while (k < changed.length) {
    const start = Math.max(0, changed[k] - CONTEXT);
    let end = Math.min(ops.length, changed[k] + CONTEXT + 1);
    while (k + 1 < changed.length && changed[k + 1] - CONTEXT <= end) end = Math.min(ops.length, changed[++k] + CONTEXT + 1);
    k++;
    const hunk = ops.slice(start, end);
    const aLen = hunk.filter((o) => o.op !== '+').length;
    const bLen = hunk.filter((o) => o.op !== '-').length;
    lines.push(`@@ -${hunk[0].a + 1},${aLen} +${hunk[0].b + 1},${bLen} @@`);
    for (const o of hunk) lines.push(`${o.op}${o.line}`);
  }
  return lines.join('\n');
}
