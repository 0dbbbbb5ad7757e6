/**
 * CREDIT_CARD: 13-19 digit payment card numbers (PANs), optionally grouped by spaces or dashes, that pass the Luhn
 * check, start with a known issuer prefix and have a length that issuer uses.
 */
import { regexDetector } from './types';

// One digit per iteration with an optional separator before it: unambiguous, at most 19 iterations per start.
// The first digit comes before the lookbehind (not preceded by a word character, '-' or '.') so the engine can skip
// to digits quickly.
const PATTERN = /\d(?<![\w\-.]\d)(?:[ \-]?\d){12,18}(?![\w\-]|\.\d)/g;

/** Luhn (mod 10) check over a digit string. */
export function luhnValid(d: string): boolean {
  let sum = 0;
  let dbl = false;
  for (let i = d.length - 1; i >= 0; i--) {
    let v = d.charCodeAt(i) - 48;
    if (dbl) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
    dbl = !dbl;
  }
  return sum % 10 === 0;
}

/** Issuer identification: prefix range -> allowed lengths. */
function issuerLengths(d: string): readonly number[] | undefined {
  const p2 = Number(d.slice(0, 2));
  const p3 = Number(d.slice(0, 3));
  const p4 = Number(d.slice(0, 4));
  const p6 = Number(d.slice(0, 6));
  if (d[0] === '4') return [13, 16, 19]; // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return [16]; // Mastercard
  if (p2 === 34 || p2 === 37) return [15]; // American Express
  if (p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649) || (p6 >= 622126 && p6 <= 622925)) return [16, 17, 18, 19]; // Discover
  if (p4 >= 3528 && p4 <= 3589) return [16, 17, 18, 19]; // JCB
  if ((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39 || p4 === 3095) return [14, 15, 16, 17, 18, 19]; // Diners Club
  if (p2 === 62) return [16, 17, 18, 19]; // UnionPay
  if (p2 === 50 || (p2 >= 56 && p2 <= 69)) return [12, 13, 14, 15, 16, 17, 18, 19]; // Maestro
  return undefined;
}

/** Grouped numbers must use one separator and a usual grouping (4-4-4-4[-3], 4-6-5, 4-6-4). */
function groupingValid(value: string): boolean {
  const seps = value.match(/[ \-]/g);
  if (!seps) return true;
  if (seps.some((s) => s !== seps[0])) return false;
  const groups = value.split(seps[0]).map((g) => g.length);
  if (groups.length === 3 && groups[0] === 4 && groups[1] === 6 && (groups[2] === 5 || groups[2] === 4)) return true;
  return groups.every((g, i) => (i < groups.length - 1 ? g === 4 : g >= 1 && g <= 4));
}

export const creditCard = regexDetector({
  name: 'CREDIT_CARD',
  pattern: PATTERN,
  quickCheck: (t) => /\d{4}/.test(t),
  validate(value) {
    const d = value.replace(/\D/g, '');
    const lengths = issuerLengths(d);
    return !!lengths && lengths.includes(d.length) && groupingValid(value) && luhnValid(d);
  },
});
