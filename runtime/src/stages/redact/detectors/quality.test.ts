/**
 * Regression guard for detector quality on the labelled sample set (test/data/pii). The floors sit just under the
 * precision/recall measured when the detectors were written (see bench/DETECTORS.md, `node bench/detectors.mjs`):
 * a change that loses true positives or adds false ones fails here. No timing assertions.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILT_IN_DETECTORS } from '.';
import { evaluateDetectors, parseSamples } from './evaluate';

const DATA = join(__dirname, '../../../../../test/data/pii');
const FILES = ['positives', 'hard-negatives', 'mixed', 'challenge'];

const FLOORS: Record<string, { precision: number; recall: number }> = {
  EMAIL: { precision: 0.97, recall: 0.95 },
  PHONE: { precision: 0.97, recall: 0.95 },
  CREDIT_CARD: { precision: 1, recall: 0.97 },
  US_SSN: { precision: 0.9, recall: 0.97 },
  IBAN: { precision: 1, recall: 0.94 },
  IP_ADDRESS: { precision: 0.95, recall: 1 },
  AWS_ACCESS_KEY: { precision: 1, recall: 1 },
  AWS_SECRET_KEY: { precision: 0.97, recall: 1 },
  JWT: { precision: 1, recall: 1 },
  BEARER_TOKEN: { precision: 1, recall: 0.97 },
  PRIVATE_KEY: { precision: 1, recall: 1 },
};

describe('detector precision/recall on test/data/pii', () => {
  const samples = FILES.flatMap((f) => parseSamples(readFileSync(join(DATA, `${f}.jsonl`), 'utf8')));
  const scores = evaluateDetectors(samples, Object.values(BUILT_IN_DETECTORS));

  it('has several hundred labelled samples, with hard negatives, covering every detector', () => {
    expect(samples.length).toBeGreaterThanOrEqual(500);
    expect(samples.filter((s) => s.spans.length === 0).length).toBeGreaterThanOrEqual(150);
    for (const name of Object.keys(BUILT_IN_DETECTORS)) expect(samples.filter((s) => s.spans.some((x) => x.type === name)).length).toBeGreaterThanOrEqual(30);
  });

  it.each(Object.keys(FLOORS))('%s meets its precision and recall floors', (name) => {
    const s = scores.find((x) => x.detector === name)!;
    expect(s.precision).toBeGreaterThanOrEqual(FLOORS[name].precision);
    expect(s.recall).toBeGreaterThanOrEqual(FLOORS[name].recall);
  });
});
