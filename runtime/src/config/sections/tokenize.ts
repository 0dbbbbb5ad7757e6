/** PII tokenization of arguments. Owned by runtime/src/stages/tokenize. */
import { z } from 'zod';
import { DETECTORS } from './redact';

export const tokenizeSchema = z
  .object({
    enabled: z.boolean().default(false),
    detectors: z.array(z.enum(DETECTORS)).default(['EMAIL', 'PHONE', 'CREDIT_CARD', 'US_SSN', 'IBAN']),
    /** Argument paths always tokenized, as `<exposed tool name or *>:<dot.path>`. */
    argumentPaths: z.array(z.string()).default([]),
    /** Where the 64-byte key comes from. */
    key: z
      .discriminatedUnion('source', [
        z.object({ source: z.literal('secretsManager'), secretArn: z.string().min(1) }).strict(),
        z.object({ source: z.literal('env'), variable: z.string().default('MCP_PROXY_TOKENIZATION_KEY') }).strict(),
      ])
      .default({ source: 'env', variable: 'MCP_PROXY_TOKENIZATION_KEY' }),
    /** Detokenize results for callers that Cedar permits the `detokenize` action on the tool. */
    detokenizeResults: z.boolean().default(true),
  })
  .strict();
