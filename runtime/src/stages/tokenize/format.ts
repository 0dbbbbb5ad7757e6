/**
 * The one recognizer of the proxy's token format, `tok_<TYPE>_<base64url(IV || CT)>` (see siv.ts), shared by every
 * module that must find tokens in a text: tokenization (never tokenize inside a token a caller passes back),
 * detokenization (restore them), and redaction (never redact inside a token the proxy issued, see `TokenSpans`).
 *
 * The payload alphabet includes `-` and `_`, so two tokens joined by one of them (`tok_IP_ADDRESS_…-tok_IP_ADDRESS_…`
 * for a range of two addresses) read as one long token-shaped string. The recognizer resolves that with the key: a
 * candidate that does not authenticate is cut at its last `-` or `_` until a prefix does, and a token may start right
 * after the `-`/`_` that ends an authentic one.
 */
import { DETECTORS } from '../../config/sections/redact';
import { TOKEN_PREFIX } from './siv';

/** Token type for values tokenized because of their argument path (not because a detector recognised them). */
export const PATH_TOKEN_TYPE = 'VALUE';
const TOKEN_TYPES = [...DETECTORS, PATH_TOKEN_TYPE];
const ALPHABET = /[A-Za-z0-9_-]/;
const MIN_PAYLOAD = 22;
/** A token anywhere in a text: `tok_<TYPE>_<base64url>` delimited by characters outside the token alphabet. */
export const TOKEN_PATTERN = new RegExp(`(?<![A-Za-z0-9_\\-])${TOKEN_PREFIX}(${TOKEN_TYPES.join('|')})_([A-Za-z0-9_\\-]{${MIN_PAYLOAD},})`, 'g');
/** A string that is exactly one token. */
export const WHOLE_TOKEN = new RegExp(`^${TOKEN_PATTERN.source}$`);
const CANDIDATE = new RegExp(`${TOKEN_PREFIX}(${TOKEN_TYPES.join('|')})_([A-Za-z0-9_\\-]{${MIN_PAYLOAD},})`, 'y');

export interface TokenMatch {
  readonly start: number;
  readonly end: number;
  readonly type: string;
  readonly payload: string;
  /** The value, for a token that authenticates under the key; undefined for a token-shaped string that does not. */
  readonly value?: string;
}

/** Decrypts one token payload: the value, or undefined when it does not authenticate (TokenCipher.decrypt). */
export type OpenToken = (type: string, payload: string) => string | undefined;

/** Every token-shaped substring of `s`, resolved with the key: authentic ones carry their value. */
export function scanTokens(s: string, open: OpenToken): TokenMatch[] {
  if (!s.includes(TOKEN_PREFIX)) return [];
  const out: TokenMatch[] = [];
  let lastAuthenticEnd = -2;
  let from = 0;
  for (let i = s.indexOf(TOKEN_PREFIX); i !== -1; i = s.indexOf(TOKEN_PREFIX, from)) {
    const joined = i - 1 === lastAuthenticEnd && (s[i - 1] === '-' || s[i - 1] === '_');
    CANDIDATE.lastIndex = i;
    const m = i > 0 && ALPHABET.test(s[i - 1]) && !joined ? null : CANDIDATE.exec(s);
    if (!m) {
      from = i + 1;
      continue;
    }
    const [, type, payload] = m;
    const head = TOKEN_PREFIX.length + type.length + 1;
    let len = payload.length;
    let value = open(type, payload);
    for (let p = payload.length - 1; value === undefined && p >= MIN_PAYLOAD; p--) {
      if (payload[p] !== '-' && payload[p] !== '_') continue;
      value = open(type, payload.slice(0, p));
      if (value !== undefined) len = p;
    }
    const end = i + head + len;
    out.push({ start: i, end, type, payload: payload.slice(0, len), value });
    if (value !== undefined) lastAuthenticEnd = end;
    from = end;
  }
  return out;
}

/** Finds the spans of a text that are tokens this proxy issued. */
export type TokenSpans = (s: string) => readonly { readonly start: number; readonly end: number }[];

/**
 * The spans of `s` holding tokens that authenticate under this key. A token-shaped string that does not (forged, or
 * another key's) is not one of the proxy's tokens: it is data, and redaction treats it like any other text, so an
 * upstream cannot hide a secret from redaction by dressing it as a token.
 */
export function authenticTokenSpans(open: OpenToken): TokenSpans {
  return (s) => scanTokens(s, open).filter((t) => t.value !== undefined);
}
