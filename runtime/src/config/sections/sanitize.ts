/** Input sanitization. Owned by runtime/src/stages/sanitize. */
import { z } from 'zod';

export const sanitizeSchema = z
  .object({
    enabled: z.boolean().default(false),
    validateSchema: z.boolean().default(true),
    maxArgumentBytes: z.number().int().positive().default(262_144),
    maxDepth: z.number().int().positive().default(32),
    maxStringLength: z.number().int().positive().default(65_536),
    controlCharacters: z.enum(['strip', 'reject', 'allow']).default('strip'),
    denyPatterns: z.array(z.object({ name: z.string().regex(/^[A-Za-z0-9_-]+$/), pattern: z.string().min(1), caseInsensitive: z.boolean().default(false) }).strict()).default([]),
    injectionHeuristics: z.enum(['reject', 'audit', 'off']).default('reject'),
  })
  .strict();
