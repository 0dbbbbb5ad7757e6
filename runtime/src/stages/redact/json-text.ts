/**
 * Redaction of a text that holds JSON (a text content block, a resource's `application/json` text, an error message):
 * value by value, in place. Each string literal and number literal is mapped on its own and only the literals that
 * change are rewritten, so the text stays valid JSON with its own layout, and numbers the redaction leaves alone keep
 * their exact digits (a re-serialization through JavaScript numbers would round integers beyond 2^53).
 */
import { distinctKey } from './walk';

export interface JsonTextMappers {
  /** A string value (not a key). */
  value(s: string): string;
  key(s: string): string;
  /** An integer literal's digits (with its sign); returns the literal to write. */
  integer(literal: string): string;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const INTEGER = /^-?\d+$/;

/** Whether `s` may be a JSON object or array (cheap test before parsing). */
export function looksLikeJsonContainer(s: string): boolean {
  const t = s.trim();
  return t.length >= 2 && ((t[0] === '{' && t[t.length - 1] === '}') || (t[0] === '[' && t[t.length - 1] === ']'));
}

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

/** The redacted text, or undefined when `text` is not JSON (the caller then redacts it as plain text). */
export function mapJsonText(text: string, map: JsonTextMappers): string | undefined {
  try {
    JSON.parse(text);
  } catch {
    return undefined;
  }
  // The text is valid JSON: a literal-level scan is enough (no error handling beyond what JSON.parse proved).
  let out = '';
  let copied = 0;
  const keys: Set<string>[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text[i];
    if (c === '{') {
      keys.push(new Set());
      i++;
    } else if (c === '}') {
      keys.pop();
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const literal = text.slice(i, j + 1);
      let k = j + 1;
      while (isSpace(text[k])) k++;
      const isKey = text[k] === ':';
      const s = JSON.parse(literal) as string;
      let mapped: string;
      if (isKey) {
        const seen = keys[keys.length - 1];
        mapped = distinctKey(map.key(s), (x) => seen.has(x));
        seen.add(mapped);
      } else {
        mapped = map.value(s);
      }
      if (mapped !== s) {
        out += text.slice(copied, i) + JSON.stringify(mapped);
        copied = j + 1;
      }
      i = j + 1;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const literal = NUMBER.exec(text)![0];
      if (INTEGER.test(literal)) {
        const mapped = map.integer(literal);
        if (mapped !== literal) {
          out += text.slice(copied, i) + mapped;
          copied = i + literal.length;
        }
      }
      i += literal.length;
    } else {
      i++;
    }
  }
  return copied === 0 ? text : out + text.slice(copied);
}
