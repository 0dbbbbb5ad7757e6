/** Resource URI normalization (RFC 3986 6.2.2 + 5.2.4) and the refusals of ambiguous URIs. */
import fc from 'fast-check';
import { normalizeUri, templateFixedPrefix } from './uri';

describe('normalizeUri', () => {
  test.each([
    ['already normal', 'res://host/public/a.txt', 'res://host/public/a.txt'],
    ['scheme and host lower-cased, path case kept', 'RES://HoSt/Public/A', 'res://host/Public/A'],
    ['userinfo and port keep their case', 'http://User:PW@Example.COM:8080/x', 'http://User:PW@example.com:8080/x'],
    ['unreserved characters decoded', 'res://host/public/%41%62%7E%2D%5F', 'res://host/public/Ab~-_'],
    ['an encoded dot inside a segment is just a dot', 'res://host/public/file%2Etxt', 'res://host/public/file.txt'],
    ['other percent-encodings upper-cased', 'res://host/public/caf%c3%a9%20x', 'res://host/public/caf%C3%A9%20x'],
    ['"." segments removed', 'res://host/public/./a/./b', 'res://host/public/a/b'],
    ['".." removes the segment before it', 'res://host/public/a/../b', 'res://host/public/b'],
    ['".." may leave a prefix (the catalog decides whether that is allowed)', 'res://host/public/../secret/keys', 'res://host/secret/keys'],
    ['a trailing ".." leaves the directory', 'res://host/public/a/b/..', 'res://host/public/a/'],
    ['a trailing "." leaves the directory', 'res://host/public/a/.', 'res://host/public/a/'],
    ['file URIs', 'file:///home/u/./docs/../notes.md', 'file:///home/u/notes.md'],
    ['rootless paths', 'urn:example:a/./b', 'urn:example:a/b'],
    ['query and fragment normalized but not dot-removed', 'res://host/p?q=%2e%2e%2fx&r=../y#%7Efrag', 'res://host/p?q=..%2Fx&r=../y#~frag'],
    ['empty path', 'res://host', 'res://host'],
    ['empty segments kept', 'res://host/public//a', 'res://host/public//a'],
    ['"..;" is not a dot segment', 'res://host/public/..;/x', 'res://host/public/..;/x'],
  ])('%s: %s -> %s', (_what, raw, expected) => {
    const n = normalizeUri(raw);
    expect(n).toMatchObject({ ok: true, uri: expected });
  });

  test.each([
    ['%2e%2e', 'res://host/public/%2e%2e/secret/keys', /encoded dot segment/],
    ['%2E%2E', 'res://host/public/%2E%2E/secret', /encoded dot segment/],
    ['.%2e', 'res://host/public/.%2e/secret', /encoded dot segment/],
    ['%2e', 'res://host/public/%2e/x', /encoded dot segment/],
    ['%2E%2E%2F', 'res://host/public/%2E%2E%2Fsecret/keys', /encoded slash/],
    ['..%2f', 'res://host/public/..%2fsecret', /encoded slash/],
    ['%2F', 'res://host/public/a%2Fb', /encoded slash/],
    ['%5C', 'res://host/public/..%5Csecret', /encoded slash/],
    ['backslash', 'res://host/public/..\\secret\\keys', /backslash/],
    ['double-encoded dots', 'res://host/public/%252e%252e/secret', /double-encoded/],
    ['double-encoded slash', 'res://host/public/..%252fsecret', /double-encoded/],
    ['double-encoded backslash', 'res://host/public/..%255Csecret', /double-encoded/],
    ['".." above the root', 'res://host/../x', /climbs above its root/],
    ['".." above the root of a file URI', 'file:///../etc/passwd', /climbs above its root/],
    ['".." above a rootless path', 'urn:../x', /climbs above its root/],
    ['NUL', 'res://host/public/a\u0000.txt', /control characters/],
    ['newline', 'res://host/public/a\n/../../secret', /control characters/],
    ['DEL', 'res://host/public/\u007f', /control characters/],
    ['C1 control', 'res://host/public/\u0085', /control characters/],
    ['a lone %', 'res://host/public/100%', /malformed percent/],
    ['% with one hex digit', 'res://host/public/%2', /malformed percent/],
    ['% with non-hex', 'res://host/public/%zz', /malformed percent/],
  ])('refuses %s', (_what, raw, reason) => {
    const n = normalizeUri(raw);
    expect(n.ok).toBe(false);
    expect(!n.ok && n.reason).toMatch(reason);
  });

  test('normalizing is idempotent, and a normalized URI holds no dot segment', () => {
    const segment = fc.oneof(
      fc.constantFrom('.', '..', '', 'a', 'B', '%41', '%7e', '%c3%a9', '%2e', 'x.y', '..;', '%20'),
      fc.string({ unit: fc.constantFrom('a', '.', '-', '~', '%', '2', 'e', 'E', 'f', 'F', ':', '@'), maxLength: 5 }),
    );
    fc.assert(
      fc.property(fc.constantFrom('res://Host', 'file://', 'RES://h:1'), fc.array(segment, { maxLength: 8 }), (head, segments) => {
        const n = normalizeUri(`${head}/${segments.join('/')}`);
        if (!n.ok) return;
        expect(normalizeUri(n.uri)).toMatchObject({ ok: true, uri: n.uri, climbed: false });
        const path = n.uri.replace(/^[a-z]+:\/\/[^/]*/, '');
        expect(path.split('/').filter((s) => s === '.' || s === '..')).toEqual([]);
      }),
    );
  });
});

test('templateFixedPrefix: the literal text before the first expression', () => {
  expect(templateFixedPrefix('res://host/public/{+path}')).toBe('res://host/public/');
  expect(templateFixedPrefix('file:///notes/{id}/x')).toBe('file:///notes/');
  expect(templateFixedPrefix('file:///fixed')).toBe('file:///fixed');
});
