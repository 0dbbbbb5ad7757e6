/** EMAIL: RFC 5321-shaped addresses (dot-atom local part, DNS domain with an alphabetic TLD). */
import type { Detector, Span } from './types';

// Anchored at each '@' (found with indexOf, so text without '@' costs one scan): the local part is the run of
// local-part characters just before it (at most 64, else no match), then a sticky pattern for local part and domain.
// Domain labels are bounded ({0,61}) and separated by dots, which keeps backtracking linear.
const ADDRESS = /[A-Za-z0-9._%+\-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9\-])/y;
const LOCAL = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._%+-') LOCAL[c.charCodeAt(0)] = 1;
const isLocal = (code: number) => code < 128 && LOCAL[code] === 1;

/** File extensions that look like TLDs in asset names such as `icon@2x.png`. None is a delegated TLD. */
const FILE_EXTENSIONS = new Set(['png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'bmp', 'ico', 'tif', 'tiff', 'css', 'js', 'mjs', 'ts', 'json', 'html', 'htm', 'txt', 'pdf', 'md', 'yaml', 'yml']);

function valid(value: string): boolean {
  const local = value.slice(0, value.indexOf('@'));
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return false;
  return !FILE_EXTENSIONS.has(value.slice(value.lastIndexOf('.') + 1).toLowerCase());
}

export const email: Detector = {
  name: 'EMAIL',
  find(text: string): Span[] {
    const spans: Span[] = [];
    let lastEnd = 0;
    for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
      let start = at;
      while (start > 0 && at - start <= 64 && isLocal(text.charCodeAt(start - 1))) start--;
      if (start === at || start < lastEnd || (start > 0 && isLocal(text.charCodeAt(start - 1)))) continue;
      ADDRESS.lastIndex = start;
      const m = ADDRESS.exec(text);
      if (m && valid(m[0])) {
        spans.push({ start, end: start + m[0].length, type: 'EMAIL' });
        lastEnd = start + m[0].length;
      }
    }
    ADDRESS.lastIndex = 0;
    return spans;
  },
};
