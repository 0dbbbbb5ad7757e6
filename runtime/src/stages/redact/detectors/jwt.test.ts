import { jwt } from './jwt';

const found = (text: string) => jwt.find(text).map((s) => text.slice(s.start, s.end));

const POSITIVE: [string, string[]][] = [
  ['eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', ['eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U']],
  ['token=eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0. end', ['eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.']],
];

const NEGATIVE: [string][] = [
  ['eyJub3QiOiJhIGp3dCJ9.eyJzdWIiOiJ4In0.c2ln'],
  ['eyJhbGciOiJIUzI1NiJ9 only a header'],
  ['keyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig'],
  ['eyeball.eyelid.eyebrow'],
];

describe('JWT detector', () => {
  it.each(POSITIVE)('finds %j', (text, expected) => {
    expect(found(text)).toEqual(expected);
  });
  it.each(NEGATIVE)('ignores %j', (text) => {
    expect(found(text)).toEqual([]);
  });
  it('reports the detector name as span type', () => {
    expect(jwt.find(POSITIVE[0][0]).every((s) => s.type === 'JWT')).toBe(true);
  });
});
