/**
 * The proxy configuration: the one contract between the construct (lib/) and the runtime.
 * Versioned; `npm run build:runtime` writes its JSON Schema to schema/config.schema.json.
 * Each section lives in its own file, owned by the module that consumes it.
 */
import { z } from 'zod';
import { serverSchema, upstreamSchema, discoverySchema, namingSchema } from './sections/proxy';
import { identitySchema } from './sections/identity';
import { accessControlSchema } from './sections/access-control';
import { sanitizeSchema } from './sections/sanitize';
import { redactSchema } from './sections/redact';
import { tokenizeSchema } from './sections/tokenize';
import { auditSchema } from './sections/audit';
import { pinningSchema } from './sections/pinning';
import { poisoningSchema } from './sections/poisoning';

export const CONFIG_VERSION = 1 as const;

export const configSchema = z
  .object({
    version: z.literal(CONFIG_VERSION).describe('Config contract version.'),
    server: serverSchema.default(serverSchema.parse({})),
    naming: namingSchema.default(namingSchema.parse({})),
    discovery: discoverySchema.default(discoverySchema.parse({})),
    upstreams: z.array(upstreamSchema).min(1, 'at least one upstream is required'),
    identity: identitySchema.default(identitySchema.parse({})),
    accessControl: accessControlSchema.default(accessControlSchema.parse({})),
    sanitize: sanitizeSchema.default(sanitizeSchema.parse({})),
    redact: redactSchema.default(redactSchema.parse({})),
    tokenize: tokenizeSchema.default(tokenizeSchema.parse({})),
    audit: auditSchema.default(auditSchema.parse({})),
    pinning: pinningSchema.default(pinningSchema.parse({})),
    poisoning: poisoningSchema.default(poisoningSchema.parse({})),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    cfg.upstreams.forEach((u, i) => {
      if (seen.has(u.name)) ctx.addIssue({ code: 'custom', path: ['upstreams', i, 'name'], message: `duplicate upstream name "${u.name}": names must be unique` });
      seen.add(u.name);
    });
  });

/** The configuration after defaults are applied. */
export type ProxyConfig = z.output<typeof configSchema>;
/** The configuration as written (defaults optional). */
export type ProxyConfigInput = z.input<typeof configSchema>;
