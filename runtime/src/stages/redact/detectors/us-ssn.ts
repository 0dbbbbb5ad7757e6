/**
 * US_SSN: US Social Security numbers in valid ranges (area 001-899 except 666, group 01-99, serial 0001-9999).
 * Written as `123-45-6789` or `123 45 6789`; an unseparated nine-digit number counts only after a context word
 * (`SSN`, `social security`, ...) in the 40 characters before it.
 */
import { before, regexDetector } from './types';

const PATTERN = /\d(?<![\w\-.]\d)(?:\d{2}([\- ])\d{2}\1\d{4}|\d{8})(?![\w\-]|\.\d)/g;
const CONTEXT = /\b(?:ssn|ss#|social[ \-]security|soc\.? ?sec|taxpayer id|tin)\b/i;

export function ssnRangesValid(d: string): boolean {
  const area = Number(d.slice(0, 3));
  const group = Number(d.slice(3, 5));
  const serial = Number(d.slice(5));
  return area !== 0 && area !== 666 && area < 900 && group !== 0 && serial !== 0;
}

export const usSsn = regexDetector({
  name: 'US_SSN',
  pattern: PATTERN,
  quickCheck: (t) => /\d{2}/.test(t),
  validate(value, text, start) {
    const d = value.replace(/\D/g, '');
    if (!ssnRangesValid(d)) return false;
    return value.length === 11 || CONTEXT.test(before(text, start, 40));
  },
});
