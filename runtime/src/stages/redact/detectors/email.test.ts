import { email } from './email';

const found = (text: string) => email.find(text).map((s) => text.slice(s.start, s.end));

const POSITIVE: [string, string[]][] = [
  ['alice@example.com', ['alice@example.com']],
  ['Mail bob.smith+tag@mail.example.org, or carol_99@sub.example.co.uk.', ['bob.smith+tag@mail.example.org', 'carol_99@sub.example.co.uk']],
  ['<dave@example.net>', ['dave@example.net']],
  ['mailto:eve@example.com?subject=hi', ['eve@example.com']],
  ['{"email":"frank.o-neil@example-corp.io"}', ['frank.o-neil@example-corp.io']],
  ['https://user:secret@example.com/path', ['secret@example.com']],
];

const NEGATIVE: [string][] = [
  ['icon@2x.png'],
  ['lodash@4.17.21'],
  ['user@localhost'],
  ['@example.com handle'],
  ['alice.@example.com'],
  ['a..b@example.com'],
  ['no at sign here example.com'],
];

describe('EMAIL detector', () => {
  it.each(POSITIVE)('finds %j', (text, expected) => {
    expect(found(text)).toEqual(expected);
  });
  it.each(NEGATIVE)('ignores %j', (text) => {
    expect(found(text)).toEqual([]);
  });
  it('reports the detector name as span type', () => {
    expect(email.find(POSITIVE[0][0]).every((s) => s.type === 'EMAIL')).toBe(true);
  });
});
