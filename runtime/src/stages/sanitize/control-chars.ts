/**
 * Characters that have no business in tool arguments: C0 controls except tab/LF/CR, DEL, C1 controls, the bidi
 * embedding/override/isolate controls (Trojan Source, CVE-2021-42574) and Unicode tag characters U+E0000-U+E007F
 * (invisible "ASCII smuggling" of instructions to a model).
 */
export const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]|\uDB40[\uDC00-\uDC7F]/g;
const ANY_CONTROL = new RegExp(CONTROL_CHARS.source);

export function hasControlChars(s: string): boolean {
  return ANY_CONTROL.test(s);
}

/** `s` without control characters, and how many were removed. */
export function stripControlChars(s: string): { text: string; removed: number } {
  let removed = 0;
  const text = s.replace(CONTROL_CHARS, () => {
    removed++;
    return '';
  });
  return { text, removed };
}
