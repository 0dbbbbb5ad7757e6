import { usSsn } from './us-ssn';

const found = (text: string) => usSsn.find(text).map((s) => text.slice(s.start, s.end));

const POSITIVE: [string, string[]][] = [
  ['SSN 078-05-1120', ['078-05-1120']],
  ['219 09 9999', ['219-09-9999'.replace(/-/g, ' ')]],
  ['ssn: 123456789', ['123456789']],
  ['Social Security number 457555462 on file', ['457555462']],
  ['{"ssn":"536-22-1234"}', ['536-22-1234']],
];

const NEGATIVE: [string][] = [
  ['000-12-3456'],
  ['666-12-3456'],
  ['900-12-3456'],
  ['123-00-4567'],
  ['123-45-0000'],
  ['order 123456789'],
  ['123-45 6789'],
  ['ISBN 978-3-16-148410-0'],
  ['zip 94105-1234'],
  ['123-45-67890'],
];

describe('US_SSN detector', () => {
  it.each(POSITIVE)('finds %j', (text, expected) => {
    expect(found(text)).toEqual(expected);
  });
  it.each(NEGATIVE)('ignores %j', (text) => {
    expect(found(text)).toEqual([]);
  });
  it('reports the detector name as span type', () => {
    expect(usSsn.find(POSITIVE[0][0]).every((s) => s.type === 'US_SSN')).toBe(true);
  });
});
