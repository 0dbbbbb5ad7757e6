/** Tool pinning: the lock of approved definitions and how drift from it is handled. Owned by runtime/src/stages/pinning. */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '../../canonical-json';

export const PIN_MODES = ['off', 'warn', 'enforce'] as const;
export type PinMode = (typeof PIN_MODES)[number];

/** The lists whose entries are pinned (the MCP list result keys). */
export const PINNED_LISTS = ['tools', 'prompts', 'resourceTemplates', 'resources'] as const;
export type PinnedList = (typeof PINNED_LISTS)[number];

const lockEntrySchema = z
  .object({
    /** `sha256:<hex>` over the canonical JSON of `definition`. */
    digest: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be "sha256:" followed by 64 lower-case hex digits'),
    /** The approved definition, readable (what the digest covers), so a reviewer sees what was approved. */
    definition: z.record(z.string(), z.unknown()),
  })
  .strict();

const upstreamLockSchema = z
  .object({
    tools: z.record(z.string(), lockEntrySchema).default({}),
    prompts: z.record(z.string(), lockEntrySchema).default({}),
    resourceTemplates: z.record(z.string(), lockEntrySchema).default({}),
    resources: z.record(z.string(), lockEntrySchema).default({}),
  })
  .strict();

/** The lock file (`mcp-tool-lock.json`), written by the `pin` command: per upstream, per list, per upstream name. */
export const toolLockSchema = z
  .object({
    lockVersion: z.literal(1),
    upstreams: z.record(z.string(), upstreamLockSchema),
  })
  .strict()
  .superRefine((lock, ctx) => {
    // The readable definition must be what the digest covers: a hand-edited definition (or digest) would show a
    // reviewer something other than what is enforced.
    for (const [upstream, section] of Object.entries(lock.upstreams)) {
      for (const [list, entries] of Object.entries(section)) {
        for (const [name, e] of Object.entries(entries)) {
          const digest = `sha256:${createHash('sha256').update(canonicalJson(e.definition)).digest('hex')}`;
          if (digest !== e.digest) {
            ctx.addIssue({ code: 'custom', path: ['upstreams', upstream, list, name, 'digest'], message: `does not match the definition (its digest is ${digest}): re-run pin rather than editing the lock` });
          }
        }
      }
    }
  });

export type ToolLock = z.output<typeof toolLockSchema>;
export type ToolLockEntry = z.output<typeof lockEntrySchema>;

export const pinningSchema = z
  .object({
    /**
     * `enforce`: an entry whose definition differs from the lock, or that the lock does not name, is hidden from lists
     * and refused on call (as a tool the policy hides). `warn`: served, and the drift recorded. `off`: not checked.
     */
    mode: z.enum(PIN_MODES).default('off'),
    /** Per-upstream overrides of `mode`, by configured upstream name. */
    upstreams: z.record(z.string(), z.object({ mode: z.enum(PIN_MODES) }).strict()).default({}),
    /** The lock of approved definitions (the `pin` command writes it). Required when any mode is not `off`. */
    lock: toolLockSchema.optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    const on = p.mode !== 'off' || Object.values(p.upstreams).some((u) => u.mode !== 'off');
    if (on && !p.lock) ctx.addIssue({ code: 'custom', path: ['lock'], message: 'a lock is required when pinning is on: run `pin --config <file>` to write one' });
  });
