/**
 * IP_ADDRESS: IPv4 dotted quads (no leading zeros, not part of a longer dotted sequence such as an OID or a
 * `v1.2.3.4` version) and IPv6 addresses in any RFC 4291/5952 form, including embedded IPv4 (`::ffff:192.0.2.1`).
 * IPv6 candidates are confirmed with node:net's parser.
 */
import { isIPv6 } from 'node:net';
import type { Detector, Span } from './types';

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const V4 = new RegExp(`(?<![\\w.])(?:${OCTET}\\.){3}${OCTET}(?!\\w|\\.\\w)`, 'g');
// A maximal run of hex digits, colons and dots that contains a colon. The lookbehind means a run is entered once;
// the lookahead scans that run once.
const V6_CANDIDATE = /(?<![\w:.])(?=[0-9A-Fa-f.]*:)[0-9A-Fa-f:.]{2,}/g;

function findV6(text: string, out: Span[]): void {
  V6_CANDIDATE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = V6_CANDIDATE.exec(text)) !== null) {
    let value = m[0];
    const start = m.index;
    const next = text.charCodeAt(start + value.length);
    // Followed by a word character: part of a longer token (e.g. `deadbeef:cafe:gg`), not an address.
    if (next === next && /\w/.test(String.fromCharCode(next))) continue;
    while (value.endsWith('.')) value = value.slice(0, -1); // sentence-final dot
    if (value.length > 45 || !/\d/.test(value) || !isIPv6(value)) continue;
    out.push({ start, end: start + value.length, type: 'IP_ADDRESS' });
  }
  V6_CANDIDATE.lastIndex = 0;
}

export const ipAddress: Detector = {
  name: 'IP_ADDRESS',
  find(text: string): Span[] {
    const v6: Span[] = [];
    if (text.includes(':')) findV6(text, v6);
    const spans: Span[] = [...v6];
    if (text.includes('.')) {
      V4.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = V4.exec(text)) !== null) {
        const start = m.index;
        const end = start + m[0].length;
        // An IPv4 tail of an IPv6 address is reported as part of that address.
        if (!v6.some((s) => s.start <= start && end <= s.end)) spans.push({ start, end, type: 'IP_ADDRESS' });
      }
      V4.lastIndex = 0;
    }
    return spans.sort((a, b) => a.start - b.start);
  },
};
