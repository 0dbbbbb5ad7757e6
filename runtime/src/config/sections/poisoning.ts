/** Tool-poisoning heuristics on listed descriptions and titles. Owned by runtime/src/stages/poisoning. */
import { z } from 'zod';

/** `strip` removes what the rule found and serves the rest; `flag` serves it unchanged and records it; `refuse` hides the entry and refuses calls; `off` skips the rule. */
export const POISON_ACTIONS = ['strip', 'flag', 'refuse', 'off'] as const;
export type PoisonAction = (typeof POISON_ACTIONS)[number];

export const POISON_RULES = ['invisibleUnicode', 'hiddenInstructions', 'toolReferences', 'sensitiveFiles', 'dataUrls', 'oversize'] as const;
export type PoisonRule = (typeof POISON_RULES)[number];

const action = (d: PoisonAction) => z.enum(POISON_ACTIONS).default(d);

const rulesSchema = z
  .object({
    /** Unicode tag characters (U+E0000-E007F), zero-width characters, bidirectional overrides and isolates. */
    invisibleUnicode: action('strip'),
    /** `<IMPORTANT>` blocks, "ignore previous instructions", "do not tell the user", and similar. */
    hiddenInstructions: action('flag'),
    /** Instructions about other tools ("before using any other tool", "instead of calling send_email"). */
    toolReferences: action('flag'),
    /** Credentials and secret files (~/.ssh, id_rsa, .env, API keys) a description asks the model to read or pass. */
    sensitiveFiles: action('flag'),
    /** `data:` URLs (payloads smuggled into a description). */
    dataUrls: action('flag'),
    /** Text longer than `maxTextChars` (`strip` truncates it). */
    oversize: action('flag'),
  })
  .strict();

export const poisoningSchema = z
  .object({
    enabled: z.boolean().default(true),
    rules: rulesSchema.default(rulesSchema.parse({})),
    /** Size cap per description or title, in UTF-16 code units. */
    maxTextChars: z.number().int().positive().default(4096),
  })
  .strict();
