/** Redaction of results and logs. Owned by runtime/src/stages/redact. */
import { z } from 'zod';

export const DETECTORS = ['EMAIL', 'PHONE', 'CREDIT_CARD', 'US_SSN', 'IBAN', 'IP_ADDRESS', 'AWS_ACCESS_KEY', 'AWS_SECRET_KEY', 'JWT', 'BEARER_TOKEN', 'PRIVATE_KEY'] as const;

export const customDetectorSchema = z.object({ name: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'use UPPER_SNAKE_CASE'), pattern: z.string().min(1) }).strict();

export const redactSchema = z
  .object({
    enabled: z.boolean().default(false),
    detectors: z.array(z.enum(DETECTORS)).default([...DETECTORS]),
    custom: z.array(customDetectorSchema).default([]),
    /** `label`: [REDACTED:EMAIL]; `mask`: keep the last 4 characters. */
    replacement: z.enum(['label', 'mask']).default('label'),
  })
  .strict();
