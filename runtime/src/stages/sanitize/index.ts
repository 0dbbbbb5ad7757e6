/**
 * Input sanitization of everything a caller sends on to an upstream: tools/call and prompts/get arguments, the
 * argument of completion/complete, and the forwarded part of a request's `_meta` (RequestContext.meta): size, nesting
 * depth, string length, control characters, JSON Schema validation against a tool's inputSchema, configured deny
 * patterns and prompt-injection heuristics.
 * Every pattern runs with RE2 semantics (re2js, linear time). Configured patterns are compiled when the stage is built
 * (one RE2 cannot run is refused then with a ConfigError); the built-in heuristics, known to compile, are compiled on
 * first use and only run on strings their literal prefilter finds. Records what fired in ctx.actions (names and
 * counts, never values).
 */
import type { RE2JS } from 're2js';
import type { ProxyConfig } from '../../config/schema';
import type { Logger } from '../../log';
import type { RequestContext, Stage } from '../../pipeline/context';
import { ErrorCode, GovernanceError } from '../../pipeline/errors';
import { compileLinearPattern } from '../redact/detectors';
import { hasControlChars, stripControlChars } from './control-chars';
import { INJECTION_HEURISTICS, mayMatchHeuristic } from './injection';
import { ArgumentValidator } from './schema-validator';

export type SanitizeConfig = ProxyConfig['sanitize'];
export { INJECTION_HEURISTICS } from './injection';

interface Rule {
  /** Shown in the rejection message and audit action. */
  readonly rule: string;
  readonly action: string;
  /** Compiled on first use for the built-in heuristics. */
  readonly re: () => RE2JS;
  readonly reject: boolean;
}

/** The rule name is the only detail a caller sees: never the offending value. */
export function rejected(rule: string): GovernanceError {
  return new GovernanceError(ErrorCode.RejectedInput, `Input rejected: ${rule}`, 'rejected_input');
}

/** Compiles once, on the first call. */
function lazily(compile: () => RE2JS): () => RE2JS {
  let re: RE2JS | undefined;
  return () => (re ??= compile());
}

interface CompiledRules {
  readonly rules: Rule[];
  /** Any configured deny pattern (one pass over a string). */
  readonly deny?: RE2JS;
  /** Any heuristic, for strings the prefilter found (one pass); undefined when the heuristics are off. */
  readonly heuristics?: () => RE2JS;
}

function compileRules(cfg: SanitizeConfig): CompiledRules {
  const rules: Rule[] = cfg.denyPatterns.map((p, i) => {
    const re = compileLinearPattern(`sanitize.denyPatterns[${i}].pattern`, p.pattern, { caseInsensitive: p.caseInsensitive });
    return { rule: `deny_pattern:${p.name}`, action: `sanitize.deny_pattern.${p.name}`, re: () => re, reject: p.action === 'reject' };
  });
  // One pass over each string for the common case (nothing matches); individual rules only on a hit.
  const deny =
    cfg.denyPatterns.length === 0
      ? undefined
      : compileLinearPattern('sanitize (combined deny patterns)', cfg.denyPatterns.map((p) => (p.caseInsensitive ? `(?i:${p.pattern})` : `(?:${p.pattern})`)).join('|'));
  if (cfg.injectionHeuristics === 'off') return { rules, deny };
  for (const h of INJECTION_HEURISTICS) {
    rules.push({
      rule: `prompt_injection:${h.name}`,
      action: `sanitize.injection.${h.name}`,
      re: lazily(() => compileLinearPattern(`sanitize injection heuristic ${h.name}`, h.pattern, { caseInsensitive: true })),
      reject: cfg.injectionHeuristics === 'reject',
    });
  }
  const heuristics = lazily(() => compileLinearPattern('sanitize (combined heuristics)', INJECTION_HEURISTICS.map((h) => `(?i:${h.pattern})`).join('|')));
  return { rules, deny, heuristics };
}

interface Walk {
  /** Whether this pass copies the value with control characters stripped (otherwise it only checks and counts). */
  readonly copy: boolean;
  /** Control characters found (checking pass) or removed (copying pass). */
  controlChars: number;
  strings: string[];
}

/** The sanitize stage. A pass-through when `enabled` is false. */
export function createSanitizeStage(cfg: SanitizeConfig, log: Logger): Stage {
  if (!cfg.enabled) return { name: 'sanitize' };
  const { rules, deny, heuristics } = compileRules(cfg);
  const validator = new ArgumentValidator(cfg.rejectUnknownArguments);
  const warnedSchemas = new WeakSet<object>();
  log.info('input sanitization enabled', {
    validateSchema: cfg.validateSchema,
    controlCharacters: cfg.controlCharacters,
    denyPatterns: cfg.denyPatterns.map((p) => p.name),
    injectionHeuristics: cfg.injectionHeuristics,
  });

  /**
   * Enforces depth, string length and control characters and collects the strings for the pattern checks. The checking
   * pass (`copy: false`) returns the value itself and counts the control characters `strip` would remove; only when it
   * found some does the copying pass build a stripped copy. So arguments that need no rewrite are neither copied nor,
   * being the same object, compared again by reauthorizeRewrites (pipeline/build.ts).
   */
  const walk = (value: unknown, depth: number, w: Walk): unknown => {
    if (typeof value === 'string') {
      if (value.length > cfg.maxStringLength) throw rejected('max_string_length');
      let s = value;
      if (cfg.controlCharacters !== 'allow' && hasControlChars(s)) {
        if (cfg.controlCharacters === 'reject') throw rejected('control_characters');
        const r = stripControlChars(s);
        if (w.copy) s = r.text;
        w.controlChars += r.removed;
      }
      w.strings.push(s);
      return s;
    }
    if (value === null || typeof value !== 'object') return value;
    if (depth > cfg.maxDepth) throw rejected('max_depth');
    if (Array.isArray(value)) {
      if (!w.copy) {
        for (const v of value) walk(v, depth + 1, w);
        return value;
      }
      return value.map((v) => walk(v, depth + 1, w));
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (k.length > cfg.maxStringLength) throw rejected('max_string_length');
      if (cfg.controlCharacters !== 'allow' && hasControlChars(k)) throw rejected('control_characters');
      w.strings.push(k);
      const copy = walk(v, depth + 1, w);
      if (!w.copy) continue;
      if (k === '__proto__') Object.defineProperty(out, k, { value: copy, enumerable: true, writable: true, configurable: true });
      else out[k] = copy;
    }
    return w.copy ? out : value;
  };

  /**
   * Checks one object the upstream will receive (arguments, or forwarded `_meta`): size, depth, string length, control
   * characters, the input schema when given, deny patterns and heuristics. Returns the cleaned copy; throws to refuse.
   */
  const inspect = (ctx: RequestContext, value: Record<string, unknown>, schema: Record<string, unknown> | undefined): Record<string, unknown> => {
    let serialized: string;
    try {
      serialized = JSON.stringify(value);
    } catch (err) {
      // Only nesting deep enough to exhaust the stack makes parsed JSON unserializable: that is the depth limit.
      if (err instanceof RangeError) throw rejected('max_depth');
      throw err;
    }
    if (Buffer.byteLength(serialized, 'utf8') > cfg.maxArgumentBytes) throw rejected('max_argument_bytes');

    let w: Walk = { copy: false, controlChars: 0, strings: [] };
    let clean = walk(value, 1, w) as Record<string, unknown>;
    if (w.controlChars > 0) {
      // Only `strip` gets here (`reject` threw): copy with the control characters removed, and check that copy.
      w = { copy: true, controlChars: 0, strings: [] };
      clean = walk(value, 1, w) as Record<string, unknown>;
      ctx.actions.push({ stage: 'sanitize', action: 'sanitize.control_chars_stripped', count: w.controlChars });
    }

    if (cfg.validateSchema && schema) {
      const res = validator.check(schema, clean);
      if (!res.ok && 'schemaError' in res) {
        if (!warnedSchemas.has(schema)) {
          warnedSchemas.add(schema);
          log.warn('tool inputSchema cannot be compiled; calls to it are refused', { tool: ctx.target?.exposedName, reason: res.schemaError });
        }
        throw rejected('input_schema_unusable');
      }
      if (!res.ok) throw new GovernanceError(ErrorCode.InvalidParams, `Invalid arguments: ${res.message}`, 'invalid_params');
    }

    if (rules.length > 0) {
      const hits = new Map<Rule, number>();
      for (const s of w.strings) {
        if (!deny?.test(s) && !(heuristics && mayMatchHeuristic(s) && heuristics().test(s))) continue;
        for (const r of rules) {
          if (r.re().test(s)) {
            if (r.reject) {
              for (const [h, count] of hits) ctx.actions.push({ stage: 'sanitize', action: h.action, count });
              ctx.actions.push({ stage: 'sanitize', action: r.action, count: 1 });
              throw rejected(r.rule);
            }
            hits.set(r, (hits.get(r) ?? 0) + 1);
          }
        }
      }
      for (const [r, count] of hits) ctx.actions.push({ stage: 'sanitize', action: r.action, count });
    }
    return clean;
  };

  const onRequest = (ctx: RequestContext): void => {
    if (!ctx.target) return;
    // Arguments of a tool call or a prompt, the argument of a completion; only tools have an input schema.
    if (ctx.method === 'tools/call' || ctx.method === 'prompts/get' || ctx.method === 'completion/complete') {
      const clean = inspect(ctx, ctx.arguments ?? {}, ctx.method === 'tools/call' ? ctx.target.inputSchema : undefined);
      if (ctx.arguments !== undefined) ctx.arguments = clean;
    }
    // The `_meta` the upstream will receive, on every call that forwards one.
    if (ctx.meta) ctx.meta = inspect(ctx, ctx.meta, undefined);
  };

  /** The caller's answer to an input request: checked like arguments (no schema), before it reaches the upstream. */
  const onInputAnswer = (ctx: RequestContext, _event: unknown, answer: Record<string, unknown>): Record<string, unknown> => inspect(ctx, answer, undefined);

  return { name: 'sanitize', onRequest, onInputAnswer };
}
