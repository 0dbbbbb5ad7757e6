import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PinningConfig, ToolLockDocument } from './config/contract';
import type { Problems } from './errors';

/** What the proxy does with a tool whose definition differs from the lock, or that the lock does not name. */
export enum PinningMode {
  /** Hidden from lists and refused on call, exactly as a tool the policy hides. */
  ENFORCE = 'enforce',
  /** Served; the drift is audited, logged and counted (PinningDrifts metric). */
  WARN = 'warn',
  /** Not checked. */
  OFF = 'off',
}

/** Tool pinning: the lock of approved tool definitions (written by the runtime's `pin` command) and its mode. */
export interface ToolPinningOptions {
  /**
   * Path of the lock file (`mcp-tool-lock.json`, written by `node assets/runtime/pin.js --config <file> --lock <file>`).
   * Read at synth, validated (well formed, covers every configured upstream, names no other), and shipped inside the
   * proxy configuration.
   */
  readonly lockFile: string;
  /**
   * What happens to a tool whose definition drifted from the lock.
   * @default PinningMode.ENFORCE
   */
  readonly mode?: PinningMode;
}

/** One pinned entry, for the compliance report. */
export interface PinnedEntry {
  readonly upstream: string;
  readonly list: string;
  readonly name: string;
  readonly digest: string;
}

const LISTS = ['tools', 'prompts', 'resourceTemplates', 'resources'] as const;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const PROP = 'toolPinning.lockFile';
const FIX = 'Run `node assets/runtime/pin.js --config proxy-config.json --lock <file>` against the upstreams and pass that file.';

/**
 * Reads and checks the lock; returns the configuration section and the pinned set, or undefined (with problems added)
 * when the lock cannot be used. Internal.
 */
export function renderToolPinning(o: ToolPinningOptions | undefined, upstreams: readonly string[], problems: Problems): { config: PinningConfig; pinned: PinnedEntry[] } | undefined {
  if (!o) return undefined;
  const file = path.resolve(o.lockFile);
  let lock: ToolLockDocument;
  try {
    lock = JSON.parse(fs.readFileSync(file, 'utf8')) as ToolLockDocument;
  } catch (e) {
    problems.add(PROP, `cannot be read as JSON (${(e as Error).message})`, o.lockFile, FIX);
    return undefined;
  }
  const before = problems.all.length;
  if (!lock || typeof lock !== 'object' || lock.lockVersion !== 1 || !lock.upstreams || typeof lock.upstreams !== 'object') {
    problems.add(PROP, 'is not a tool lock (expected {"lockVersion": 1, "upstreams": {...}})', o.lockFile, FIX);
    return undefined;
  }
  const pinned: PinnedEntry[] = [];
  for (const [upstream, section] of Object.entries(lock.upstreams)) {
    if (!upstreams.includes(upstream)) problems.add(PROP, `names upstream "${upstream}", which is not configured (upstreams: ${upstreams.join(', ')})`, o.lockFile, 'Re-run pin with this configuration, or remove the upstream from the lock.');
    for (const list of LISTS) {
      const entries = (section as Record<string, unknown>)[list] ?? {};
      if (typeof entries !== 'object' || entries === null) {
        problems.add(PROP, `upstreams.${upstream}.${list} is not an object`, o.lockFile, FIX);
        continue;
      }
      for (const [name, e] of Object.entries(entries as Record<string, { digest?: unknown; definition?: unknown }>)) {
        if (!e || typeof e.digest !== 'string' || !DIGEST.test(e.digest) || !e.definition || typeof e.definition !== 'object') {
          problems.add(PROP, `upstreams.${upstream}.${list}.${name} needs a "digest" (sha256:<64 hex>) and a "definition" object`, o.lockFile, FIX);
          continue;
        }
        pinned.push({ upstream, list, name, digest: e.digest });
      }
    }
  }
  for (const u of upstreams) {
    if (!(u in lock.upstreams)) problems.add(PROP, `does not cover upstream "${u}": its tools would all be refused`, o.lockFile, FIX);
  }
  if (problems.all.length > before) return undefined;
  return { config: { mode: o.mode ?? PinningMode.ENFORCE, lock }, pinned };
}
