/**
 * Argument paths that are always tokenized, configured as `<exposed tool name or *>:<dot.path>`. A path segment `*`
 * matches any key or array index; a path that reaches an array continues into each element.
 */
import { ConfigError } from '../../config/load';

export interface ArgumentPath {
  readonly tool: string;
  readonly segments: readonly string[];
}

export function parseArgumentPaths(specs: readonly string[]): ArgumentPath[] {
  return specs.map((spec, i) => {
    const colon = spec.indexOf(':');
    const tool = spec.slice(0, colon);
    const path = spec.slice(colon + 1);
    const segments = path.split('.');
    if (colon <= 0 || path === '' || segments.some((s) => s === '')) {
      throw new ConfigError(`tokenize.argumentPaths[${i}]: "${spec}" must look like "<tool name or *>:<dot.path>", e.g. "*:customer.email"`);
    }
    return { tool, segments };
  });
}

/**
 * Returns a copy of `args` with `fn` applied to every leaf (string, number, boolean) at one of the paths.
 * Objects and arrays at the end of a path have all their leaves transformed.
 */
export function mapPaths(args: Record<string, unknown>, paths: readonly (readonly string[])[], fn: (leaf: string | number | boolean) => unknown): Record<string, unknown> {
  let out: unknown = args;
  for (const p of paths) out = mapAt(out, p, 0, fn);
  return out as Record<string, unknown>;
}

function mapLeaves(v: unknown, fn: (leaf: string | number | boolean) => unknown): unknown {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return fn(v);
  if (Array.isArray(v)) return v.map((x) => mapLeaves(x, fn));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapLeaves(x, fn)]));
  return v;
}

function mapAt(v: unknown, segs: readonly string[], i: number, fn: (leaf: string | number | boolean) => unknown): unknown {
  if (i === segs.length) return mapLeaves(v, fn);
  const seg = segs[i];
  if (Array.isArray(v)) {
    if (/^\d+$/.test(seg)) {
      const idx = Number(seg);
      if (idx >= v.length) return v;
      const copy = v.slice();
      copy[idx] = mapAt(v[idx], segs, i + 1, fn);
      return copy;
    }
    // A named segment on an array applies to each element (`items.email`); `*` consumes the index.
    return seg === '*' ? v.map((x) => mapAt(x, segs, i + 1, fn)) : v.map((x) => mapAt(x, segs, i, fn));
  }
  if (v && typeof v === 'object') {
    const obj = v as Record<string, unknown>;
    if (seg === '*') return Object.fromEntries(Object.entries(obj).map(([k, x]) => [k, mapAt(x, segs, i + 1, fn)]));
    if (!Object.prototype.hasOwnProperty.call(obj, seg)) return v;
    return { ...obj, [seg]: mapAt(obj[seg], segs, i + 1, fn) };
  }
  return v;
}
