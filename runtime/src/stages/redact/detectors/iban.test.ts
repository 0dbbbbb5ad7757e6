import { iban } from './iban';

const found = (text: string) => iban.find(text).map((s) => text.slice(s.start, s.end));

const POSITIVE: [string, string[]][] = [
  ['DE89370400440532013000', ['DE89370400440532013000']],
  ['IBAN: DE89 3704 0044 0532 0130 00.', ['DE89 3704 0044 0532 0130 00']],
  ['GB82 WEST 1234 5698 7654 32', ['GB82 WEST 1234 5698 7654 32']],
  ['FR14 2004 1010 0505 0001 3M02 606', ['FR14 2004 1010 0505 0001 3M02 606']],
  ['NL91ABNA0417164300 and BE68539007547034', ['NL91ABNA0417164300', 'BE68539007547034']],
];

const NEGATIVE: [string][] = [
  ['DE89370400440532013001'],
  ['DE8937040044053201300'],
  ['XX89370400440532013000'],
  ['de89370400440532013000'],
  ['ABDE89370400440532013000'],
  ['SKU AB12 3456 7890'],
];

describe('IBAN detector', () => {
  it.each(POSITIVE)('finds %j', (text, expected) => {
    expect(found(text)).toEqual(expected);
  });
  it.each(NEGATIVE)('ignores %j', (text) => {
    expect(found(text)).toEqual([]);
  });
  it('reports the detector name as span type', () => {
    expect(iban.find(POSITIVE[0][0]).every((s) => s.type === 'IBAN')).toBe(true);
  });
});
