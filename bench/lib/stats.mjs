/** Small statistics and formatting helpers for the benchmark (no dependencies). */

/** Nearest-rank percentile of an ascending-sorted numeric array (p in 0..100). */
export function percentileSorted(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** p50/p90/p99/max/mean of samples (does not mutate the input). */
export function summarize(samples) {
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    n: sorted.length,
    p50: percentileSorted(sorted, 50),
    p90: percentileSorted(sorted, 90),
    p99: percentileSorted(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
    mean: sorted.length ? sum / sorted.length : NaN,
  };
}

export function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** Formats a number with a fixed count of decimals, or "n/a". */
export function fmt(v, digits = 2) {
  return Number.isFinite(v) ? v.toFixed(digits) : 'n/a';
}

export function fmtInt(v) {
  return Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : 'n/a';
}

export function fmtBytes(b) {
  if (!Number.isFinite(b)) return 'n/a';
  if (b >= 1024 * 1024) return `${(b / 1024 / 1024).toFixed(2)} MiB`;
  if (b >= 1024) return `${(b / 1024).toFixed(1)} KiB`;
  return `${b} B`;
}

export function fmtPct(ratio) {
  return Number.isFinite(ratio) ? `${(ratio * 100).toFixed(0)}%` : 'n/a';
}

/** A PASS/FAIL/n/a verdict string. */
export function verdict(ok) {
  return ok === undefined || ok === null ? 'n/a' : ok ? 'PASS' : 'FAIL';
}

/** A target's throughput ratio to direct: the median of its per-round ratios when rounds were run, else one run's. */
export function ratioOf(run, direct) {
  return Number.isFinite(run?.ratioToDirect) ? run.ratioToDirect : run.rps / direct.rps;
}
