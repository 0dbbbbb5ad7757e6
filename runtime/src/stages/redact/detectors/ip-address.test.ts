import { ipAddress } from './ip-address';

const found = (text: string) => ipAddress.find(text).map((s) => text.slice(s.start, s.end));

const POSITIVE: [string, string[]][] = [
  ['host 192.0.2.1', ['192.0.2.1']],
  ['from 198.51.100.23:8080 to 203.0.113.255.', ['198.51.100.23', '203.0.113.255']],
  ['net 192.0.2.0/24', ['192.0.2.0']],
  ['v6 2001:db8::1 and 2001:0db8:85a3:0000:0000:8a2e:0370:7334', ['2001:db8::1', '2001:0db8:85a3:0000:0000:8a2e:0370:7334']],
  ['[2001:db8::8]:443', ['2001:db8::8']],
  ['mapped ::ffff:198.51.100.7', ['::ffff:198.51.100.7']],
  ['loopback ::1.', ['::1']],
];

const NEGATIVE: [string][] = [
  ['version 1.2.3'],
  ['v1.2.3.4'],
  ['OID 1.3.6.1.4.1.311'],
  ['256.1.1.1'],
  ['01.02.03.04'],
  ['time 12:30:45'],
  ['MAC 00:1a:2b:3c:4d:5e'],
  ['Foo::Bar and dead::beef'],
  ['2024-05-01T12:00:00Z'],
  ['build 10.0.19045.3803'],
];

describe('IP_ADDRESS detector', () => {
  it.each(POSITIVE)('finds %j', (text, expected) => {
    expect(found(text)).toEqual(expected);
  });
  it.each(NEGATIVE)('ignores %j', (text) => {
    expect(found(text)).toEqual([]);
  });
  it('reports the detector name as span type', () => {
    expect(ipAddress.find(POSITIVE[0][0]).every((s) => s.type === 'IP_ADDRESS')).toBe(true);
  });
});
