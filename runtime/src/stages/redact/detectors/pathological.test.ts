/**
 * Every detector must run in (near) linear time on adversarial input: ~100 KB strings built from the fragments that
 * drive backtracking regexes into quadratic or exponential behaviour. The bound is deliberately generous (2 s per
 * detector for all inputs together); a backtracking bug takes minutes here, not seconds.
 */
import { BUILT_IN_DETECTORS, customDetector } from '.';

const SEEDS = [
  'a', '1', '1 ', '1-', '1.', 'a.', 'a@', '@a', 'a@b.', 'a-', '+1', '+1 1', '(1', '(415) ', ':', 'a:', '1:', 'ff:', '::', 'f.',
  'ey', 'eyJ', 'eyJa.', 'eyJhbGciOiJub25lIn0.', 'AKIA', 'A', 'A1', 'DE89', 'DE89 ', 'DE89 3704 ', 'Bearer ', 'bearer a1',
  '-----BEGIN PRIVATE KEY-----', '-----BEGIN PRIVATE KEY-----\nAAAA', '-----END PRIVATE KEY-----', '/', 'x/', 'Ab1/',
  'aws_secret ', 'ssn ', '123-45-', '4111 ', '1.2.', '-', '\n', '%', '\u00e9',
];
const SIZE = 100_000;

function inputs(): string[] {
  const out: string[] = [];
  for (const seed of SEEDS) {
    const s = seed.repeat(Math.ceil(SIZE / seed.length)).slice(0, SIZE);
    out.push(s, `${s}!`, `x${s}`);
  }
  return out;
}

describe('detectors on ~100 KB pathological inputs', () => {
  const all = inputs();
  it.each(Object.entries(BUILT_IN_DETECTORS))('%s completes quickly', (_name, detector) => {
    const t0 = performance.now();
    for (const text of all) detector.find(text);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('a custom (RE2) detector completes quickly on a classic catastrophic pattern', () => {
    const d = customDetector('EVIL', '(a+)+b', 'test');
    const t0 = performance.now();
    expect(d.find('a'.repeat(SIZE))).toEqual([]);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});
