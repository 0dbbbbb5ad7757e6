/**
 * PRIVATE_KEY: PEM / OpenSSH / PGP private key blocks, from `-----BEGIN ... PRIVATE KEY-----` to the matching END
 * line. A block with no END line (truncated output) is redacted through the end of its base64 body.
 */
import type { Detector, Span } from './types';

const BEGIN = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;
const END = /-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;
/** Base64 body (and RFC 1421 headers) after a BEGIN line whose END line is missing. */
const BODY = /[A-Za-z0-9+/=\s:,\-\\]*/y;

function positions(re: RegExp, text: string): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) out.push({ start: m.index, end: m.index + m[0].length });
  re.lastIndex = 0;
  return out;
}

export const privateKey: Detector = {
  name: 'PRIVATE_KEY',
  find(text: string): Span[] {
    if (!text.includes('-----BEGIN ')) return [];
    // One pass for BEGIN lines and one for END lines, then pair them in order: linear even with many unmatched BEGINs.
    const begins = positions(BEGIN, text);
    const ends = positions(END, text);
    const spans: Span[] = [];
    let e = 0;
    let cursor = 0;
    for (let i = 0; i < begins.length; i++) {
      const b = begins[i];
      if (b.start < cursor) continue; // inside the previous block
      while (e < ends.length && ends[e].start < b.end) e++;
      let end: number;
      // Pair with the next END unless another BEGIN comes first (then this block is truncated).
      const nextBegin = begins[i + 1];
      if (e < ends.length && (!nextBegin || ends[e].start < nextBegin.start)) {
        end = ends[e].end;
        e++;
      } else {
        BODY.lastIndex = b.end;
        BODY.exec(text);
        end = BODY.lastIndex;
        BODY.lastIndex = 0;
        while (end > b.end && /\s/.test(text[end - 1])) end--;
      }
      spans.push({ start: b.start, end, type: 'PRIVATE_KEY' });
      cursor = end;
    }
    return spans;
  },
};
