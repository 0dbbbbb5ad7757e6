import { creditCard } from './credit-card';

const found = (text: string) => creditCard.find(text).map((s) => text.slice(s.start, s.end));

const POSITIVE: [string, string[]][] = [
  ['4111111111111111', ['4111111111111111']],
  ['Visa 4111 1111 1111 1111.', ['4111 1111 1111 1111']],
  ['MC 5555-5555-5555-4444', ['5555-5555-5555-4444']],
  ['Amex 3782 822463 10005', ['3782 822463 10005']],
  ['amex 378282246310005 and discover 6011111111111117', ['378282246310005', '6011111111111117']],
  ['JCB 3530111333300000', ['3530111333300000']],
  ['"card":"2223003122003222"', ['2223003122003222']],
];

const NEGATIVE: [string][] = [
  ['4111111111111112'],
  ['4111 1111-1111 1111'],
  ['41111 11111 11111 1'],
  ['1714567890123'],
  ['IMEI 352099001761481'],
  ['order 0000000000000000'],
  ['9999999999999995'],
  ['12345678901234567890123'],
  ['v4111111111111111'],
];

describe('CREDIT_CARD detector', () => {
  it.each(POSITIVE)('finds %j', (text, expected) => {
    expect(found(text)).toEqual(expected);
  });
  it.each(NEGATIVE)('ignores %j', (text) => {
    expect(found(text)).toEqual([]);
  });
  it('reports the detector name as span type', () => {
    expect(creditCard.find(POSITIVE[0][0]).every((s) => s.type === 'CREDIT_CARD')).toBe(true);
  });
});
