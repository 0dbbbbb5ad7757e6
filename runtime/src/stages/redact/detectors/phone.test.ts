import { phone } from './phone';

const found = (text: string) => phone.find(text).map((s) => text.slice(s.start, s.end));

const POSITIVE: [string, string[]][] = [
  ['call +1 (415) 555-0100 now', ['+1 (415) 555-0100']],
  ['(415) 555-0101', ['(415) 555-0101']],
  ['415-555-0102 or 415.555.0103', ['415-555-0102', '415.555.0103']],
  ['toll free 1-800-555-0199.', ['1-800-555-0199']],
  ['+44 20 7946 0958', ['+44 20 7946 0958']],
  ['+49 30 901820', ['+49 30 901820']],
  ['+33 1 23 45 67 89', ['+33 1 23 45 67 89']],
  ['E.164 +14155550100', ['+14155550100']],
  ['+44 (0)20 7946 0018', ['+44 (0)20 7946 0018']],
];

const NEGATIVE: [string][] = [
  ['order 123-456-7890'],
  ['415-555-01000'],
  ['PN-415-555-0100'],
  ['A415-555-0100'],
  ['date 2024-05-01'],
  ['version 1.2.3'],
  ['4155550100'],
  ['ref 300-100-2000'],
  ['+123'],
  ['555-0100'],
];

describe('PHONE detector', () => {
  it.each(POSITIVE)('finds %j', (text, expected) => {
    expect(found(text)).toEqual(expected);
  });
  it.each(NEGATIVE)('ignores %j', (text) => {
    expect(found(text)).toEqual([]);
  });
  it('reports the detector name as span type', () => {
    expect(phone.find(POSITIVE[0][0]).every((s) => s.type === 'PHONE')).toBe(true);
  });
});
