import { awsAccessKey } from './aws-access-key';

const found = (text: string) => awsAccessKey.find(text).map((s) => text.slice(s.start, s.end));

const POSITIVE: [string, string[]][] = [
  ['AKIAIOSFODNN7EXAMPLE', ['AKIAIOSFODNN7EXAMPLE']],
  ['aws_access_key_id = ASIAIOSFODNN7EXAMPLE', ['ASIAIOSFODNN7EXAMPLE']],
  ['"AccessKeyId":"AKIAI44QH8DHBEXAMPLE"', ['AKIAI44QH8DHBEXAMPLE']],
];

const NEGATIVE: [string][] = [
  ['AKIAIOSFODNN7EXAMPL'],
  ['AKIAIOSFODNN7EXAMPLEX'],
  ['XAKIAIOSFODNN7EXAMPLE'],
  ['AIDAIOSFODNN7EXAMPLE'],
  ['akiaiosfodnn7example'],
];

describe('AWS_ACCESS_KEY detector', () => {
  it.each(POSITIVE)('finds %j', (text, expected) => {
    expect(found(text)).toEqual(expected);
  });
  it.each(NEGATIVE)('ignores %j', (text) => {
    expect(found(text)).toEqual([]);
  });
  it('reports the detector name as span type', () => {
    expect(awsAccessKey.find(POSITIVE[0][0]).every((s) => s.type === 'AWS_ACCESS_KEY')).toBe(true);
  });
});
