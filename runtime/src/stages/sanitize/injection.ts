/**
 * A small, curated set of prompt-injection heuristics (RE2 syntax, case-insensitive). They catch the common,
 * verbatim forms of instruction override, system-prompt exfiltration, role hijacking and chat-template token
 * smuggling in tool arguments. Heuristics, not a guarantee: paraphrases and encodings get through; they are a cheap
 * first layer, recorded in the audit trail, and can be set to audit-only.
 */
export interface Heuristic {
  readonly name: string;
  readonly pattern: string;
}

export const INJECTION_HEURISTICS: readonly Heuristic[] = [
  {
    name: 'ignore_previous_instructions',
    pattern: String.raw`\b(?:ignore|disregard|forget|override|bypass)\s+(?:(?:all|any|the|your|of|my|these|those)\s+)*(?:previous|prior|above|earlier|preceding|former|system|original)\s+(?:instructions?|prompts?|directions?|rules|messages|context|guidelines|directives)`,
  },
  {
    name: 'system_prompt_exfiltration',
    pattern: String.raw`\b(?:reveal|print|show|repeat|output|display|leak|dump|expose|disclose|tell\s+me|what\s+(?:is|are|was|were))\s+(?:me\s+)?(?:your|the)\s+(?:(?:full|entire|exact|original|hidden|initial|secret|verbatim)\s+)*(?:system\s+(?:prompt|message|instructions?)|initial\s+instructions|hidden\s+instructions|developer\s+(?:prompt|message|instructions))`,
  },
  {
    name: 'role_hijack',
    pattern: String.raw`\byou\s+are\s+(?:now|no\s+longer)\s+(?:a|an|the|in|my|free|bound)\b|\bfrom\s+now\s+on,?\s+you\s+(?:are|will|must|shall)\b|\b(?:act|behave)\s+as\s+(?:an?\s+)?(?:unrestricted|unfiltered|uncensored|jailbroken|evil)\b|\bpretend\s+(?:to\s+be|you\s+are)\s+(?:an?\s+)?(?:unrestricted|unfiltered|uncensored|jailbroken|evil)\b|\b(?:developer|god|dan|jailbreak)\s+mode\b`,
  },
  {
    name: 'chat_template_tokens',
    pattern: String.raw`<\|(?:im_start|im_end|system|user|assistant|endoftext|start_header_id|end_header_id|eot_id)\|>|\[/?INST\]|<</?SYS>>`,
  },
];
