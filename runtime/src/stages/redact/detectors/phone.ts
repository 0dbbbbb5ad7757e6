/**
 * PHONE: international numbers written with a leading `+` (E.164, with or without separators) and North American
 * numbers written with separators (`(415) 555-0100`, `415-555-0100`, `415.555.0100`, `1-800-555-0199`).
 * Bare digit runs without `+` or separators are not reported: they are indistinguishable from order numbers.
 */
import { regexDetector } from './types';

// Alternatives, each linear: groups are separated by a mandatory separator, so a digit run is split one way only.
const INTERNATIONAL =
  String.raw`\+[1-9]\d{7,14}(?!\d)` + // +14155550100
  '|' +
  String.raw`\+[1-9]\d{0,3}(?:[ .\-]?\(\d{1,4}\)[ .\-]?\d{1,8}|[ .\-]\d{1,8})(?:[ .\-]\d{1,8}){0,5}(?![\d\-])`;
const NANP = String.raw`(?:1[\-. ])?(?:\(\d{3}\) ?\d{3}[\-. ]|\d{3}-\d{3}-|\d{3}\.\d{3}\.|\d{3} \d{3} )\d{4}(?![\w\-]|\.\d)`;
const PATTERN = new RegExp(String.raw`(?<![\w+])(?:${INTERNATIONAL})|(?<![\w.+\-/])(?:${NANP})`, 'g');

function digits(s: string): string {
  return s.replace(/\D/g, '');
}

function balancedParens(s: string): boolean {
  const open = s.indexOf('(');
  const close = s.indexOf(')');
  return open === -1 ? close === -1 : close > open;
}

export const phone = regexDetector({
  name: 'PHONE',
  pattern: PATTERN,
  quickCheck: (t) => /\d\d/.test(t),
  validate(value) {
    if (!balancedParens(value)) return false;
    const d = digits(value);
    if (value.startsWith('+')) return d.length >= 8 && d.length <= 15;
    // NANP: optional leading 1, area code and exchange start with 2-9, area code is not N11.
    const n = d.length === 11 ? d.slice(1) : d;
    if (n.length !== 10) return false;
    if (n[0] < '2' || n[3] < '2') return false;
    return !(n[1] === '1' && n[2] === '1');
  },
});
