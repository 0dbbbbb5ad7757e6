import { awsSecretKey } from './aws-secret-key';

const found = (text: string) => awsSecretKey.find(text).map((s) => text.slice(s.start, s.end));

const POSITIVE: [string, string[]][] = [
  ['aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', ['wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY']],
  ['"SecretAccessKey": "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"', ['je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY']],
  ['AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', ['wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY']],
];

const NEGATIVE: [string][] = [
  ['wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
  ['aws secret: da39a3ee5e6b4b0d3255bfef95601890afd80709'],
  ['secret key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYX'],
  ['commit 9fceb02d0ae598e95dc970b74767f19372d61af8'],
];

describe('AWS_SECRET_KEY detector', () => {
  it.each(POSITIVE)('finds %j', (text, expected) => {
    expect(found(text)).toEqual(expected);
  });
  it.each(NEGATIVE)('ignores %j', (text) => {
    expect(found(text)).toEqual([]);
  });
  it('reports the detector name as span type', () => {
    expect(awsSecretKey.find(POSITIVE[0][0]).every((s) => s.type === 'AWS_SECRET_KEY')).toBe(true);
  });
});
