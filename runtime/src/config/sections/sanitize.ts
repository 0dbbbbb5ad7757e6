/** Input sanitization. Owned by runtime/src/stages/sanitize. */
import { z } from 'zod';

export const sanitizeSchema = z
  .object({
    enabled: z.boolean().default(false),
    /** Validate tools/call arguments against the tool's inputSchema (JSON Schema, draft-07 or 2020-12). */
    validateSchema: z.boolean().default(true),
    /**
     * With schema validation: reject top-level arguments the inputSchema does not declare, when the schema says nothing
     * about additional properties (JSON Schema would otherwise allow them).
     */
    rejectUnknownArguments: z.boolean().default(true),
    /** Size of the arguments as JSON, in UTF-8 bytes. */
    maxArgumentBytes: z.number().int().positive().default(262_144),
    /** Nesting depth of objects/arrays; the arguments object itself is depth 1. */
    maxDepth: z.number().int().positive().default(32),
    /** Longest string (value or key), in UTF-16 code units. */
    maxStringLength: z.number().int().positive().default(65_536),
    /**
     * C0/C1 control characters (except tab, LF, CR), DEL, bidi overrides and Unicode tag characters: `strip` removes
     * them from string values (a key containing one is rejected), `reject` refuses the call, `allow` passes them.
     */
    controlCharacters: z.enum(['strip', 'reject', 'allow']).default('strip'),
    /** Patterns in RE2 syntax (linear time; no backreferences or lookaround), tested on every string value and key. */
    denyPatterns: z
      .array(
        z
          .object({
            name: z.string().regex(/^[A-Za-z0-9_-]+$/),
            pattern: z.string().min(1),
            caseInsensitive: z.boolean().default(false),
            /** `reject` refuses the call; `audit` only records `sanitize.deny_pattern.<name>`. */
            action: z.enum(['reject', 'audit']).default('reject'),
          })
          .strict(),
      )
      .default([]),
    /** The built-in prompt-injection heuristics: refuse the call, only record it, or skip them. */
    injectionHeuristics: z.enum(['reject', 'audit', 'off']).default('reject'),
  })
  .strict();
