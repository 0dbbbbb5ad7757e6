/**
 * A small, curated set of prompt-injection heuristics (RE2 syntax, case-insensitive). They catch the common,
 * verbatim forms of instruction override, system-prompt exfiltration, role hijacking and chat-template token
 * smuggling in tool arguments. Heuristics, not a guarantee: paraphrases and encodings get through; they are a cheap
 * first layer, recorded in the audit trail, and can be set to audit-only.
 */
export interface Heuristic {
  readonly name: string;
  readonly pattern: string;
  /**
   * A necessary condition of `pattern`, as a native RegExp source (flags `iu`): a part every match contains, made of
   * literals and `\s+` only, so V8 runs it in linear time. Strings it does not find skip the RE2 pattern, which costs
   * tens of microseconds per string (re2js has no DFA). `u` makes case-insensitive matching use Unicode case folding,
   * as RE2's `(?i)` does (e.g. U+017F LONG S matches "s"); `\s` in JavaScript covers RE2's `\s` and more.
   */
  readonly prefilter: string;
}

export const INJECTION_HEURISTICS: readonly Heuristic[] = [
  {
    name: 'ignore_previous_instructions',
    pattern: String.raw`\b(?:ignore|disregard|forget|override|bypass)\s+(?:(?:all|any|the|your|of|my|these|those)\s+)*(?:previous|prior|above|earlier|preceding|former|system|original)\s+(?:instructions?|prompts?|directions?|rules|messages|context|guidelines|directives)`,
    prefilter: String.raw`(?:ignore|disregard|forget|override|bypass)\s`,
  },
  {
    name: 'system_prompt_exfiltration',
    pattern: String.raw`\b(?:reveal|print|show|repeat|output|display|leak|dump|expose|disclose|tell\s+me|what\s+(?:is|are|was|were))\s+(?:me\s+)?(?:your|the)\s+(?:(?:full|entire|exact|original|hidden|initial|secret|verbatim)\s+)*(?:system\s+(?:prompt|message|instructions?)|initial\s+instructions|hidden\s+instructions|developer\s+(?:prompt|message|instructions))`,
    prefilter: String.raw`(?:reveal|print|show|repeat|output|display|leak|dump|expose|disclose|me|is|are|was|were)\s+(?:me\s+)?(?:your|the)\s`,
  },
  {
    name: 'role_hijack',
    pattern: String.raw`\byou\s+are\s+(?:now|no\s+longer)\s+(?:a|an|the|in|my|free|bound)\b|\bfrom\s+now\s+on,?\s+you\s+(?:are|will|must|shall)\b|\b(?:act|behave)\s+as\s+(?:an?\s+)?(?:unrestricted|unfiltered|uncensored|jailbroken|evil)\b|\bpretend\s+(?:to\s+be|you\s+are)\s+(?:an?\s+)?(?:unrestricted|unfiltered|uncensored|jailbroken|evil)\b|\b(?:developer|god|dan|jailbreak)\s+mode\b`,
    prefilter: String.raw`you\s+are\s+(?:now|no)|now\s+on|(?:act|behave)\s+as|pretend\s+(?:to|you)|(?:developer|god|dan|jailbreak)\s+mode`,
  },
  {
    name: 'chat_template_tokens',
    pattern: String.raw`<\|(?:im_start|im_end|system|user|assistant|endoftext|start_header_id|end_header_id|eot_id)\|>|\[/?INST\]|<</?SYS>>`,
    prefilter: String.raw`<\||\[\/?INST\]|<<\/?SYS>>`,
  },
];

/** True when `text` may match one of the heuristics (false means none can match). */
export function mayMatchHeuristic(text: string): boolean {
  return HEURISTICS_PREFILTER.test(text);
}

const HEURISTICS_PREFILTER = new RegExp(INJECTION_HEURISTICS.map((h) => `(?:${h.prefilter})`).join('|'), 'iu');
