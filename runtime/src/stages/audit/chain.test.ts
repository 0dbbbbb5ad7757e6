import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { canonicalJson, GENESIS_HASH, recordHash, sha256Hex } from './chain';

describe('canonicalJson (RFC 8785 for JSON values)', () => {
  it.each([
    ['sorts members', { b: 1, a: 2 }, '{"a":2,"b":1}'],
    ['sorts nested members', { z: { y: 1, x: [{ d: 1, c: 2 }] } }, '{"z":{"x":[{"c":2,"d":1}],"y":1}}'],
    ['omits undefined members like JSON.stringify', { a: undefined, b: null }, '{"b":null}'],
    ['writes undefined array items as null', [1, undefined], '[1,null]'],
    ['serializes numbers as ECMAScript does', { n: 1e21, m: 0.1, k: -0 }, '{"k":0,"m":0.1,"n":1e+21}'],
    ['escapes strings as JSON.stringify does', { s: 'a"\\\n\u2028é' }, `{"s":${JSON.stringify('a"\\\n\u2028é')}}`],
    ['sorts by UTF-16 code units', { '\u00e9': 1, z: 2, Z: 3 }, '{"Z":3,"z":2,"\u00e9":1}'],
  ])('%s', (_name, value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it.each([
    ['NaN', { n: NaN }],
    ['Infinity', [Infinity]],
    ['bigint', { b: BigInt(1) }],
  ])('refuses %s', (_name, value) => {
    expect(() => canonicalJson(value)).toThrow(TypeError);
  });

  it('refuses cycles', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => canonicalJson(a)).toThrow(/cyclic/);
    const deep: unknown[] = [];
    let cur = deep;
    for (let i = 0; i < 600; i++) cur = (cur[0] = []) as unknown[];
    expect(() => canonicalJson(deep)).toThrow(/deeply nested/);
  });

  it('quotes every string exactly as JSON.stringify does (property, any UTF-16 incl. lone surrogates)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        expect(canonicalJson(a)).toBe(JSON.stringify(a));
        expect(canonicalJson({ [a]: b })).toBe(JSON.stringify({ [a]: b }));
        expect(canonicalJson(`${a}\ud800"\\\u0001`)).toBe(JSON.stringify(`${a}\ud800"\\\u0001`));
      }),
      { numRuns: 500 },
    );
  });

  it('is stable across a JSON round trip and key order (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const once = canonicalJson(v);
        expect(canonicalJson(JSON.parse(JSON.stringify(v)))).toBe(once);
        expect(JSON.parse(once)).toEqual(JSON.parse(JSON.stringify(v)));
      }),
      { numRuns: 300 },
    );
  });
});

describe('recordHash', () => {
  it('covers every member except hash, including prevHash', () => {
    const base = { v: 1, seq: 0, prevHash: GENESIS_HASH, type: 'audit_start' };
    const h = recordHash(base);
    expect(h).toBe(sha256Hex(canonicalJson(base)));
    expect(recordHash({ ...base, hash: 'whatever' })).toBe(h);
    expect(recordHash({ ...base, prevHash: '1'.repeat(64) })).not.toBe(h);
    expect(recordHash({ ...base, seq: 1 })).not.toBe(h);
  });
});

test('sha256Hex hashes the UTF-8 bytes of the text (a fixed vector, computed independently with a Hash object)', () => {
  expect(sha256Hex('caf\u00e9 \u{1F600} audit')).toBe(createHash('sha256').update(Buffer.from('caf\u00e9 \u{1F600} audit', 'utf8')).digest('hex'));
  expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
});
