/**
 * Runs a set of detectors over a text and resolves their spans into one non-overlapping list, deterministically:
 * overlapping spans are merged into one span covering all of them (nothing any detector found stays visible), labelled
 * with the longest member, ties broken by detector priority.
 */
import type { Detector, Span } from './detectors';

export class SpanEngine {
  private readonly rank: ReadonlyMap<string, number>;

  /** `detectors` in priority order (first wins a tie). */
  constructor(readonly detectors: readonly Detector[]) {
    this.rank = new Map(detectors.map((d, i) => [d.name, i]));
  }

  /** Resolved spans, sorted by start, non-overlapping. */
  find(text: string): Span[] {
    const all: Span[] = [];
    for (const d of this.detectors) {
      for (const s of d.find(text)) all.push(s);
    }
    if (all.length <= 1) return all;
    all.sort((a, b) => a.start - b.start || b.end - a.end || this.rankOf(a) - this.rankOf(b));
    const out: Span[] = [];
    let cur = all[0];
    let best = all[0];
    for (let i = 1; i < all.length; i++) {
      const s = all[i];
      if (s.start < cur.end) {
        if (this.better(s, best)) best = s;
        if (s.end > cur.end) cur = { start: cur.start, end: s.end, type: cur.type };
      } else {
        out.push({ start: cur.start, end: cur.end, type: best.type });
        cur = s;
        best = s;
      }
    }
    out.push({ start: cur.start, end: cur.end, type: best.type });
    return out;
  }

  private rankOf(s: Span): number {
    return this.rank.get(s.type) ?? Number.MAX_SAFE_INTEGER;
  }

  private better(a: Span, b: Span): boolean {
    const la = a.end - a.start;
    const lb = b.end - b.start;
    return la > lb || (la === lb && this.rankOf(a) < this.rankOf(b));
  }
}

/** Rebuilds `text` with each span replaced by `replace(value, type)`. `spans` must be sorted and non-overlapping. */
export function replaceSpans(text: string, spans: readonly Span[], replace: (value: string, type: string) => string): string {
  if (spans.length === 0) return text;
  let out = '';
  let pos = 0;
  for (const s of spans) {
    out += text.slice(pos, s.start) + replace(text.slice(s.start, s.end), s.type);
    pos = s.end;
  }
  return out + text.slice(pos);
}

/**
 * `spans` with the `kept` ranges cut out (both sorted, non-overlapping): what a detector found inside a kept range (a
 * token the proxy issued) stays as it is; any part of the same finding outside the range is still redacted.
 */
export function withoutRanges(spans: readonly Span[], kept: readonly { readonly start: number; readonly end: number }[]): Span[] {
  if (kept.length === 0) return spans.slice();
  const out: Span[] = [];
  for (const sp of spans) {
    let start = sp.start;
    for (const k of kept) {
      if (k.end <= start) continue;
      if (k.start >= sp.end) break;
      if (k.start > start) out.push({ start, end: k.start, type: sp.type });
      start = Math.max(start, k.end);
      if (start >= sp.end) break;
    }
    if (start < sp.end) out.push({ start, end: sp.end, type: sp.type });
  }
  return out;
}
