/**
 * Resource URI normalization: the one place where a requested resource URI becomes the string that is matched against
 * the catalog, evaluated by Cedar, and forwarded to the upstream (all three see the same text).
 *
 * Normalization (RFC 3986 section 6.2.2): scheme and host lower-cased, percent-encoded unreserved characters
 * (ALPHA DIGIT - . _ ~) decoded, the hex digits of the remaining percent-encodings upper-cased, dot segments removed
 * from the path (section 5.2.4).
 *
 * Refused, because an upstream (or whatever stands behind it: a file system, an HTTP server, a WHATWG URL parser)
 * could read them otherwise than the proxy does:
 * - control characters (C0, DEL, C1) and backslashes anywhere (WHATWG URL parsers read `\` as `/` for http/file);
 * - malformed percent-encodings (`%` not followed by two hex digits);
 * - in the path: an encoded slash or backslash (`%2F`, `%5C`), a segment that only becomes `.` or `..` once decoded
 *   (`%2e%2e`), a double-encoded dot, slash or backslash (`%252e`, `%252f`, `%255c`), and `..` above the root.
 * The query and fragment are normalized (case of percent-encodings, unreserved characters decoded) but otherwise
 * passed as they are: a template's `{?q}` expansion legitimately encodes `/` as `%2F` there.
 *
 * Pure functions, no I/O; linear in the URI's length.
 */

export type UriNormalization =
  | {
      readonly ok: true;
      /** The normalized URI. */
      readonly uri: string;
      /** The URI with everything normalized except dot segments (to tell where `..` climbed from). */
      readonly lexical: string;
      /** Whether a `..` segment removed a segment of the path. */
      readonly climbed: boolean;
    }
  | { readonly ok: false; readonly reason: string };

// RFC 3986 appendix B.
const URI_PARTS = /^(?:([^:/?#]+):)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/s;
// C0 controls, DEL, C1 controls.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const BAD_PERCENT = /%(?![0-9A-Fa-f]{2})/;
const ENCODED_SEPARATOR = /%(?:2f|5c)/i;
const DOUBLE_ENCODED = /%25(?:2e|2f|5c)/i;
const UNRESERVED = /[A-Za-z0-9\-._~]/;

const refuse = (reason: string): UriNormalization => ({ ok: false, reason });

/** Decodes percent-encoded unreserved characters and upper-cases the hex digits of the others. */
function normalizePercent(text: string): string {
  if (!text.includes('%')) return text;
  return text.replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => {
    const c = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(c) ? c : `%${hex.toUpperCase()}`;
  });
}

/** Lower-cases the host of an authority (`userinfo@host:port`); userinfo and port keep their case. */
function normalizeAuthority(authority: string): string {
  const at = authority.lastIndexOf('@');
  const userinfo = at >= 0 ? authority.slice(0, at + 1) : '';
  const hostPort = authority.slice(at + 1);
  return normalizePercent(userinfo) + normalizePercent(hostPort).toLowerCase();
}

/**
 * RFC 3986 5.2.4 on a path already checked for encoded dots: `.` segments vanish, `..` removes the segment before it.
 * Undefined when `..` would climb above the root (or above the first segment of a rootless path).
 */
function removeDotSegments(path: string): { path: string; climbed: boolean } | undefined {
  const segments = path.split('/');
  const absolute = segments[0] === '' && segments.length > 1;
  const out: string[] = [];
  let climbed = false;
  const last = segments.length - 1;
  for (let i = absolute ? 1 : 0; i <= last; i++) {
    const s = segments[i];
    if (s === '.' || s === '..') {
      if (s === '..') {
        if (out.length === 0) return undefined;
        out.pop();
        climbed = true;
      }
      // A trailing dot segment leaves the directory it named: `a/b/..` -> `a/`.
      if (i === last) out.push('');
      continue;
    }
    out.push(s);
  }
  return { path: (absolute ? '/' : '') + out.join('/'), climbed };
}

/** Normalizes a resource URI or says why it is refused. */
export function normalizeUri(raw: string): UriNormalization {
  if (CONTROL.test(raw)) return refuse('control characters are not accepted in a resource URI');
  if (raw.includes('\\')) return refuse('a backslash is not accepted in a resource URI');
  if (BAD_PERCENT.test(raw)) return refuse('malformed percent-encoding in the resource URI');
  const m = URI_PARTS.exec(raw);
  if (!m) return refuse('not a URI'); // unreachable: every string matches appendix B; kept as a fail-closed guard
  const [, scheme, authority, path, query, fragment] = m;
  if (ENCODED_SEPARATOR.test(path)) return refuse('an encoded slash or backslash (%2F, %5C) in the path is ambiguous');
  if (DOUBLE_ENCODED.test(path)) return refuse('a double-encoded dot, slash or backslash in the path is ambiguous');
  const normalizedPath = normalizePercent(path);
  const rawSegments = path.split('/');
  const segments = normalizedPath.split('/');
  for (let i = 0; i < segments.length; i++) {
    if ((segments[i] === '.' || segments[i] === '..') && rawSegments[i] !== segments[i]) {
      return refuse('an encoded dot segment (%2E) in the path is ambiguous');
    }
  }
  const dotless = removeDotSegments(normalizedPath);
  if (!dotless) return refuse('the path climbs above its root with ".."');
  const head =
    (scheme !== undefined ? `${scheme.toLowerCase()}:` : '') + (authority !== undefined ? `//${normalizeAuthority(authority)}` : '');
  const tail = (query !== undefined ? `?${normalizePercent(query)}` : '') + (fragment !== undefined ? `#${normalizePercent(fragment)}` : '');
  return { ok: true, uri: head + dotless.path + tail, lexical: head + normalizedPath + tail, climbed: dotless.climbed };
}

/** The literal text of a URI template before its first expression (`res://host/public/` for `res://host/public/{+path}`). */
export function templateFixedPrefix(template: string): string {
  const brace = template.indexOf('{');
  return brace < 0 ? template : template.slice(0, brace);
}
