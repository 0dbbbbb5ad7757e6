/**
 * Span-level precision/recall of detectors against a labelled sample set (test/data/pii/*.jsonl). Each detector is
 * scored on its own output (before overlap resolution): a true positive is a predicted span with exactly the start,
 * end and type of a labelled span. Used by bench/detectors.mjs (report) and quality.test.ts (regression thresholds).
 */
import type { Detector, Span } from './types';

export interface LabelledSample {
  readonly id: string;
  readonly text: string;
  readonly spans: readonly Span[];
}

export interface DetectorScore {
  readonly detector: string;
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  /** tp / (tp + fp); 1 when the detector predicted nothing. */
  readonly precision: number;
  /** tp / (tp + fn); 1 when nothing was labelled. */
  readonly recall: number;
  readonly f1: number;
  /** Sample ids with a false positive / a false negative (for the report). */
  readonly falsePositives: readonly string[];
  readonly falseNegatives: readonly string[];
}

/** Parses JSON Lines into samples, checking each label's bounds. */
export function parseSamples(jsonl: string): LabelledSample[] {
  return jsonl
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const s = JSON.parse(l) as LabelledSample;
      for (const sp of s.spans) if (sp.start < 0 || sp.end > s.text.length || sp.end <= sp.start) throw new Error(`sample ${s.id}: bad span`);
      return s;
    });
}

export function evaluateDetectors(samples: readonly LabelledSample[], detectors: readonly Detector[]): DetectorScore[] {
  return detectors.map((d) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    const fps = new Set<string>();
    const fns = new Set<string>();
    for (const s of samples) {
      const gold = new Set(s.spans.filter((x) => x.type === d.name).map((x) => `${x.start}:${x.end}`));
      const pred = new Set(d.find(s.text).map((x) => `${x.start}:${x.end}`));
      for (const p of pred) {
        if (gold.has(p)) tp++;
        else {
          fp++;
          fps.add(s.id);
        }
      }
      for (const g of gold) {
        if (!pred.has(g)) {
          fn++;
          fns.add(s.id);
        }
      }
    }
    const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
    const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { detector: d.name, tp, fp, fn, precision, recall, f1, falsePositives: [...fps], falseNegatives: [...fns] };
  });
}

/** The report table in Markdown. */
export function scoresToMarkdown(scores: readonly DetectorScore[]): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const rows = scores.map((s) => `| ${s.detector} | ${s.tp} | ${s.fp} | ${s.fn} | ${pct(s.precision)} | ${pct(s.recall)} | ${s.f1.toFixed(3)} |`);
  return ['| detector | TP | FP | FN | precision | recall | F1 |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: |', ...rows].join('\n');
}
