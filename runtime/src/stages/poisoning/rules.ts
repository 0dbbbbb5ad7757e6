/**
 * Tool-poisoning heuristics: what a tool description, title or schema description should never carry. Every pattern
 * has RE2 semantics (re2js: linear time whatever the input) and is case-insensitive; invisible characters are one
 * character class. Heuristics, not a guarantee: they catch the published forms (hidden `<IMPORTANT>` blocks, tag
 * characters, "do not tell the user", requests for ~/.ssh or API keys); paraphrases get through. Precision and recall
 * on the labelled corpus (test/data/poisoning) are in bench/DETECTORS.md.
 */
import type { RE2JS } from 're2js';
import type { PoisonRule } from '../../config/sections/poisoning';
import { compileLinearPattern } from '../redact/detectors/linear-pattern';

/** Unicode tag characters, zero-width characters, bidi embeddings/overrides/isolates, and other invisible format characters. */
export const INVISIBLE = /[\u{E0000}-\u{E007F}\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u180E\u00AD\u034F\u115F\u1160\u3164\uFFA0]/gu;

/** The pattern rules (the invisible-character and size rules are not patterns). */
export const PATTERN_RULES: Readonly<Record<Exclude<PoisonRule, 'invisibleUnicode' | 'oversize'>, string>> = {
  hiddenInstructions: [
    // A block addressed to the model: <IMPORTANT>...</IMPORTANT>, <system>...</system> (to its end, or the text's end).
    String.raw`(?s)<\s*(?:important|system|secret|hidden|instructions?|admin|critical|note_to_(?:ai|assistant|model))\s*>.*?(?:<\s*/\s*(?:important|system|secret|hidden|instructions?|admin|critical|note_to_(?:ai|assistant|model))\s*>|\z)`,
    String.raw`\b(?:ignore|disregard|forget|override)\s+(?:(?:all|any|the|your|of|these|those)\s+)*(?:previous|prior|above|earlier|preceding|other|system|original)\s+(?:instructions?|prompts?|directions?|rules|guidelines)`,
    String.raw`\b(?:do\s+not|don'?t|never|must\s+not|should\s+not)\s+(?:tell|inform|mention|reveal|disclose|notify|alert|show|let)\s+(?:this\s+|it\s+|that\s+|anything\s+)?(?:to\s+)?(?:the\s+)?users?\b`,
    String.raw`\bwithout\s+(?:telling|informing|notifying|alerting|asking)\s+(?:the\s+)?users?\b`,
    String.raw`\b(?:the\s+)?users?\s+(?:must|should)\s+(?:not|never)\s+(?:know|see|be\s+told|be\s+informed|find\s+out)`,
    String.raw`\b(?:this\s+is\s+)?(?:very\s+|extremely\s+)?important\s*[:!]\s*(?:before|always|you\s+must|first)`,
    String.raw`\b(?:you\s+are\s+now|from\s+now\s+on,?\s+you|new\s+instructions?\s*:|system\s+override|act\s+as\s+(?:an?\s+)?(?:unrestricted|admin))`,
    String.raw`\b(?:silently|secretly|quietly|covertly)\s+(?:send|forward|copy|upload|include|add|call|pass|read|bcc|exfiltrate)`,
    String.raw`\bbcc\s+[^\s@]{1,64}@|\b(?:change|set|redirect|replace)\s+the\s+(?:recipient|destination|base\s+branch|webhook)\b`,
  ].join('|'),
  toolReferences: [
    String.raw`\b(?:before|after|instead\s+of|whenever|when)\s+(?:you\s+)?(?:using|calling|invoking|running|use|call|invoke|run)\s+(?:any|all|every|the\s+other|other|another|each)\s+(?:other\s+)?(?:tools?|functions?)`,
    String.raw`\binstead\s+of\s+(?:using|calling|invoking)\s+(?:the\s+)?` + '`?' + String.raw`[a-z0-9]+[_.-][a-z0-9_.-]+`,
    String.raw`\b(?:all|any|every)\s+(?:other\s+)?(?:tools?|functions?)\s+(?:must|should|need\s+to|have\s+to)\b`,
    String.raw`\b(?:change|modify|override|replace|redirect)\s+(?:the\s+)?(?:behaviou?r|recipient|destination|parameters?|arguments?)\s+of\s+(?:the\s+|any\s+|other\s+)?` + '`?' + String.raw`[a-z0-9_.-]+` + '`?' + String.raw`\s+(?:tool|function)`,
    String.raw`\b(?:also|always)\s+(?:call|invoke|run|use)\s+(?:the\s+)?` + '`' + String.raw`?[a-z0-9]+_[a-z0-9_]+` + '`?' + String.raw`\s+(?:tool\s+)?(?:with|and\s+(?:send|pass|include))`,
    // Another tool named as "the X tool" in an instruction about when or how it is used.
    String.raw`\b(?:when|whenever|after|before|must|always)\s+(?:you\s+)?(?:call|use|invoke|run|using|calling)\s+the\s+` + '`?' + String.raw`[a-z0-9_.-]+` + '`?' + String.raw`\s+tools?\b`,
    String.raw`\bside\s+effects?\s+on\s+(?:the\s+)?(?:also\s+present\s+)?` + '`?' + String.raw`[a-z0-9_.-]+` + '`?' + String.raw`\s+tool`,
    String.raw`\bwhen\s+(?:\([a-z0-9_.-]{1,40}\)\s*)?` + '`?' + String.raw`[a-z0-9]+_[a-z0-9_]+` + '`?' + String.raw`\s+(?:tool\s+)?is\s+(?:invoked|called|used|available)`,
    String.raw`\b(?:run|call|invoke)\s+the\s+` + '`?' + String.raw`[a-z0-9_.-]+` + '`?' + String.raw`\s+tool\s+with\b`,
  ].join('|'),
  sensitiveFiles: [
    String.raw`~/\.(?:ssh|aws|gnupg|kube|docker|config/gcloud|npmrc|netrc|pgpass|bash_history|zsh_history|cursor|claude)\b`,
    String.raw`\bid_(?:rsa|dsa|ecdsa|ed25519)\b|\.pem\b|/etc/(?:passwd|shadow|sudoers)\b|\bauthorized_keys\b|\.aws/credentials|\.git-credentials|\bmcp\.json\b|\bclaude_desktop_config\.json\b`,
    // .env and its environment variants, not .env.example/.env.sample (no lookahead in RE2: the next character is spelled out).
    String.raw`(?:^|[\s'"` + '`' + String.raw`(/])\.env(?:\.(?:local|production|prod|development|dev|staging|test))?(?:[\s'"` + '`' + String.raw`),;:]|$)`,
    String.raw`\b(?:seed|recovery|mnemonic)\s+phrases?\b|\b(?:full|entire|whole|complete)\s+(?:conversation|chat)\s+(?:history|log|transcript)`,
    String.raw`\b(?:read|send|include|pass|forward|upload|share|append|attach|copy|exfiltrate|collect|extract|provide|put|add|leak|output|cat)\b[^.\n]{0,60}?\b(?:api[\s_-]?keys?|secret[\s_-]?keys?|private[\s_-]?keys?|access[\s_-]?tokens?|session[\s_-]?tokens?|bearer\s+tokens?|passwords?|credentials|ssh\s+keys?|seed\s+phrases?|conversation\s+history|system\s+prompt)\b`,
  ].join('|'),
  dataUrls: String.raw`\bdata:[a-z]+/[a-z0-9.+-]+(?:;[a-z0-9.+-]+=[a-z0-9.+-]+)*(?:;base64)?,`,
};

/**
 * A necessary condition of each pattern rule, as a native RegExp source (flags `iu`): for every branch of the rule, a
 * part every match of that branch contains, made of literals, character classes and `\s+`/`\s*` between them only,
 * so V8 runs it in linear time. Most descriptions contain none of them and skip the RE2 pattern, which costs tens of
 * microseconds per string (re2js has no DFA): ~0.1 ms per tool instead of ~0.5 ms at the first list after a refresh.
 * `u` makes case-insensitive matching use Unicode case folding, as RE2's `(?i)` does. A unit test checks on the corpus
 * that every string a rule fires on passes its prefilter.
 */
export const PREFILTERS: Readonly<Record<keyof typeof PATTERN_RULES, string>> = {
  hiddenInstructions: [
    String.raw`<\s*(?:important|system|secret|hidden|instruction|admin|critical|note_to_)`,
    String.raw`(?:ignore|disregard|forget|override)\s`,
    String.raw`(?:not|don'?t|never)\s+(?:tell|inform|mention|reveal|disclose|notify|alert|show|let)`,
    String.raw`without\s+(?:telling|informing|notifying|alerting|asking)`,
    String.raw`users?\s+(?:must|should)\s+(?:not|never)`,
    String.raw`important\s*[:!]`,
    String.raw`you\s+are\s+now|now\s+on|new\s+instructions?\s*:|system\s+override|act\s+as\s`,
    String.raw`(?:silently|secretly|quietly|covertly)\s`,
    String.raw`bcc\s|(?:change|set|redirect|replace)\s+the\s+(?:recipient|destination|base\s+branch|webhook)`,
  ].join('|'),
  toolReferences: [
    String.raw`(?:before|after|instead\s+of|whenever|when|must|always|also)\s+(?:you\s+)?(?:using|calling|invoking|running|use|call|invoke|run)\s`,
    String.raw`(?:all|any|every)\s+(?:other\s+)?(?:tools?|functions?)\s+(?:must|should|need|have)`,
    String.raw`(?:change|modify|override|replace|redirect)\s+(?:the\s+)?(?:behaviou?r|recipient|destination|parameters?|arguments?)\s+of\s`,
    String.raw`side\s+effects?\s+on\s`,
    String.raw`is\s+(?:invoked|called|used|available)`,
    String.raw`(?:run|call|invoke)\s+the\s`,
  ].join('|'),
  sensitiveFiles: [
    String.raw`~/\.`,
    String.raw`id_(?:rsa|dsa|ecdsa|ed25519)|\.pem|/etc/(?:passwd|shadow|sudoers)|authorized_keys|\.aws/credentials|\.git-credentials|mcp\.json|claude_desktop_config\.json`,
    String.raw`\.env`,
    String.raw`api[\s_-]?keys?|secret[\s_-]?keys?|private[\s_-]?keys?|access[\s_-]?tokens?|session[\s_-]?tokens?|bearer\s+tokens?|password|credentials|ssh\s+keys?|seed\s+phrase|conversation\s+history|system\s+prompt`,
    String.raw`(?:seed|recovery|mnemonic)\s+phrase|(?:conversation|chat)\s+(?:history|log|transcript)`,
  ].join('|'),
  dataUrls: String.raw`data:`,
};

export interface CompiledRules {
  /** `re` is compiled on first access (see compiledRules). */
  readonly patterns: ReadonlyArray<{ readonly rule: PoisonRule; readonly re: RE2JS; readonly prefilter: RegExp }>;
}

let compiled: CompiledRules | undefined;

/**
 * The pattern rules, once per process. Each rule's RE2 pattern is compiled the first time a text passes its prefilter
 * (scanText reads `re` only then): compiling all four took ~90-110 ms of the first scan, i.e. of the first call or list
 * after a cold start (Node 22, bench/README.md "Where the time goes"), and most catalogs never pass some prefilters.
 * The patterns are constants, proven valid and linear by the unit tests, so compiling later changes no outcome.
 */
export function compiledRules(): CompiledRules {
  return (compiled ??= {
    patterns: (Object.entries(PATTERN_RULES) as [keyof typeof PATTERN_RULES, string][]).map(([rule, p]) => {
      let re: RE2JS | undefined;
      return {
        rule,
        get re(): RE2JS {
          return (re ??= compileLinearPattern(`poisoning rule ${rule}`, p, { caseInsensitive: true }));
        },
        prefilter: new RegExp(PREFILTERS[rule], 'iu'),
      };
    }),
  });
}

/** Half-open spans [start, end) of every match of `re` in `text`. */
export function matchSpans(re: RE2JS, text: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  const m = re.matcher(text);
  let from = 0;
  while (from <= text.length && m.find(from)) {
    const start = m.start();
    const end = m.end();
    if (end > start) spans.push([start, end]);
    from = end > start ? end : end + 1;
  }
  return spans;
}

/** `text` without the spans (sorted, possibly overlapping). */
export function removeSpans(text: string, spans: ReadonlyArray<[number, number]>): string {
  const sorted = [...spans].sort((a, b) => a[0] - b[0]);
  let out = '';
  let at = 0;
  for (const [s, e] of sorted) {
    if (e <= at) continue;
    out += text.slice(at, Math.max(at, s));
    at = e;
  }
  return (out + text.slice(at)).replace(/[ \t]{2,}/g, ' ').trim();
}

export interface TextFindings {
  /** Rule -> number of findings in this text. */
  readonly hits: Partial<Record<PoisonRule, number>>;
}

/**
 * Scans one text with every rule. Returns the findings and, when `strip` names rules, the text with their findings
 * removed (invisible characters deleted, matched phrases and blocks cut out, oversize text truncated).
 */
export function scanText(text: string, opts: { readonly maxChars: number; readonly strip: ReadonlySet<PoisonRule>; readonly skip: ReadonlySet<PoisonRule> }): { hits: Partial<Record<PoisonRule, number>>; text: string } {
  const hits: Partial<Record<PoisonRule, number>> = {};
  let out = text;
  if (!opts.skip.has('invisibleUnicode')) {
    const n = text.match(INVISIBLE)?.length ?? 0;
    if (n > 0) {
      hits.invisibleUnicode = n;
      if (opts.strip.has('invisibleUnicode')) out = out.replace(INVISIBLE, '');
    }
  }
  // Patterns see the text without invisible characters (tag characters spliced into words would hide them).
  const visible = text.replace(INVISIBLE, '');
  for (const pattern of compiledRules().patterns) {
    const { rule, prefilter } = pattern;
    if (opts.skip.has(rule) || !prefilter.test(visible)) continue;
    const re = pattern.re;
    const spans = matchSpans(re, visible);
    if (spans.length === 0) continue;
    hits[rule] = spans.length;
    if (opts.strip.has(rule)) out = removeSpans(out.replace(INVISIBLE, ''), matchSpans(re, out.replace(INVISIBLE, '')));
  }
  if (!opts.skip.has('oversize') && text.length > opts.maxChars) {
    hits.oversize = 1;
    if (opts.strip.has('oversize') && out.length > opts.maxChars) out = out.slice(0, opts.maxChars);
  }
  return { hits, text: out };
}
