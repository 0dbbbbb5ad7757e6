import { bearerToken } from './bearer-token';

const found = (text: string) => bearerToken.find(text).map((s) => text.slice(s.start, s.end));

const POSITIVE: [string, string[]][] = [
  ['Authorization: Bearer 2YotnFZFEjr1zCsicMWpAA', ['2YotnFZFEjr1zCsicMWpAA']],
  ['authorization: bearer ya29.a0AfH6SMBx-k3y_9z~T0k3n/abc+def==', ['ya29.a0AfH6SMBx-k3y_9z~T0k3n/abc+def==']],
  ['BEARER\tghp_0123456789abcdefABCDEF', ['ghp_0123456789abcdefABCDEF']],
];

const NEGATIVE: [string][] = [
  ['Bearer authentication is used'],
  ['Bearer tokenization-mechanisms'],
  ['Bearer abc123'],
  ['the bearer of this letter'],
];

describe('BEARER_TOKEN detector', () => {
  it.each(POSITIVE)('finds %j', (text, expected) => {
    expect(found(text)).toEqual(expected);
  });
  it.each(NEGATIVE)('ignores %j', (text) => {
    expect(found(text)).toEqual([]);
  });
  it('reports the detector name as span type', () => {
    expect(bearerToken.find(POSITIVE[0][0]).every((s) => s.type === 'BEARER_TOKEN')).toBe(true);
  });
});
