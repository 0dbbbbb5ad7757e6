/**
 * PII tokenization. On the way in (tools/call and prompts/get arguments, and the forwarded `_meta` of a call): PII found by the configured detectors, and every value at a configured
 * argument path, is replaced by a deterministic, authenticated, reversible token (see siv.ts) before the upstream sees
 * it. On the way back: valid tokens in the result are replaced by their values, but only when the configuration allows
 * it (`detokenizeResults`) and access control set `ctx.detokenizeAllowed` for this caller. A token that fails
 * authentication is left as it is and counted. Records names and counts in ctx.actions, never values.
 */
import { hkdfSync } from 'node:crypto';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ProxyConfig } from '../../config/schema';
import type { Logger } from '../../log';
import type { JsonResult, RequestContext, Stage } from '../../pipeline/context';
import type { InputRequestEvent } from '../../pipeline/input-request';
import { SpanEngine, mapJsonStrings, replaceSpans, selectDetectors } from '../redact';
import { PATH_TOKEN_TYPE, WHOLE_TOKEN, authenticTokenSpans, scanTokens, type OpenToken, type TokenSpans } from './format';
import { loadTokenizationKey } from './key';
import { mapPaths, parseArgumentPaths } from './paths';
import { TokenCipher } from './siv';

export type TokenizeConfig = ProxyConfig['tokenize'];
export { TokenCipher } from './siv';
export { loadTokenizationKey, parseKeyMaterial } from './key';

export { PATH_TOKEN_TYPE, TOKEN_PATTERN, authenticTokenSpans, scanTokens, type TokenSpans } from './format';

export interface TokenizeStageOptions {
  /** Secrets Manager client for `key.source = secretsManager` (default: a client for the secret's region). */
  readonly secretsManagerClient?: SecretsManagerClient;
  /** Environment for `key.source = env` (default: process.env). */
  readonly env?: NodeJS.ProcessEnv;
}

/** The tokenization stage; `tokenSpans` (when enabled) finds the proxy's own tokens, for the redaction stage. */
export interface TokenizeStage extends Stage {
  /** The key for the sealed MRTR requestState, derived from the tokenization key (HKDF-SHA256, its own label). */
  readonly stateKey?: Buffer;
  readonly tokenSpans?: TokenSpans;
}

/** Builds the tokenization stage; loads the key once (env or Secrets Manager). A pass-through when disabled. */
export async function createTokenizeStage(cfg: TokenizeConfig, log: Logger, opts: TokenizeStageOptions = {}): Promise<TokenizeStage> {
  if (!cfg.enabled) return { name: 'tokenize' };
  const engine = new SpanEngine(selectDetectors(cfg.detectors, [], 'tokenize'));
  const paths = parseArgumentPaths(cfg.argumentPaths);
  const key = await loadTokenizationKey(cfg.key, opts);
  // A separate key for the proxy's sealed MRTR requestState (server/state-seal.ts), derived so that every instance with
  // this tokenization key opens the others' envelopes; it never encrypts a token.
  const stateKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'mcp-governance-proxy/requestState/v1', 32));
  const cipher = new TokenCipher(key);
  key.fill(0);
  const open: OpenToken = (type, payload) => cipher.decrypt(type, payload);
  log.info('tokenization enabled', { detectors: engine.detectors.map((d) => d.name), argumentPaths: cfg.argumentPaths.length, keySource: cfg.key.source, detokenizeResults: cfg.detokenizeResults });

  const tokenizeText = (s: string, counts: Map<string, number>): string => {
    let spans = engine.find(s);
    if (spans.length === 0) return s;
    // A caller may pass back tokens it was given: never tokenize inside one (a forged one is text like any other).
    const existing = scanTokens(s, open).filter((t) => t.value !== undefined);
    if (existing.length) spans = spans.filter((sp) => !existing.some((t) => sp.start < t.end && t.start < sp.end));
    return replaceSpans(s, spans, (value, type) => {
      counts.set(type, (counts.get(type) ?? 0) + 1);
      return cipher.encrypt(type, value);
    });
  };

  /**
   * Arguments of tools/call and prompts/get: argument paths configured for the target's exposed name or `*`, then the
   * detectors. The forwarded `_meta` of any call: the detectors.
   */
  const onRequest = (ctx: RequestContext): void => {
    if (!ctx.target) return;
    const counts = new Map<string, number>();
    if ((ctx.method === 'tools/call' || ctx.method === 'prompts/get') && ctx.arguments) {
      const name = ctx.target.exposedName;
      let args = ctx.arguments;
      const here = paths.filter((p) => p.tool === '*' || p.tool === name).map((p) => p.segments);
      if (here.length) {
        args = mapPaths(args, here, (leaf) => {
          const s = String(leaf);
          if (s === '' || WHOLE_TOKEN.test(s)) return leaf;
          counts.set(PATH_TOKEN_TYPE, (counts.get(PATH_TOKEN_TYPE) ?? 0) + 1);
          return cipher.encrypt(PATH_TOKEN_TYPE, s);
        });
      }
      if (engine.detectors.length) // Object keys too: a free-form map argument ({"maria@example.com": "owner"}) must not carry PII past us.
        args = mapJsonStrings(args, (s) => tokenizeText(s, counts)) as Record<string, unknown>;
      ctx.arguments = args;
    }
    if (ctx.meta && engine.detectors.length) ctx.meta = mapJsonStrings(ctx.meta, (s) => tokenizeText(s, counts)) as Record<string, unknown>;
    for (const [type, count] of counts) ctx.actions.push({ stage: 'tokenize', action: `tokenize.${type}`, count });
  };

  const onResult = (ctx: RequestContext, result: JsonResult): JsonResult => {
    if (!cfg.detokenizeResults) return result;
    const allowed = ctx.detokenizeAllowed === true;
    let restored = 0;
    let invalid = 0;
    let withheld = 0;
    const value = mapJsonStrings(result, (s) => {
      const found = scanTokens(s, open);
      if (found.length === 0) return s;
      let out = '';
      let pos = 0;
      for (const t of found) {
        let shown = s.slice(t.start, t.end);
        if (t.value === undefined) invalid++;
        else if (!allowed) withheld++;
        else {
          restored++;
          shown = t.value;
        }
        out += s.slice(pos, t.start) + shown;
        pos = t.end;
      }
      return out + s.slice(pos);
    }) as JsonResult;
    if (restored) ctx.actions.push({ stage: 'tokenize', action: 'tokenize.detokenized', count: restored });
    if (invalid) ctx.actions.push({ stage: 'tokenize', action: 'tokenize.invalid_token', count: invalid });
    if (withheld) ctx.actions.push({ stage: 'tokenize', action: 'tokenize.detokenize_not_permitted', count: withheld });
    return allowed ? value : result;
  };

  /**
   * The caller's answer to an input request, on its way to the upstream: an elicitation's `content` (the values the
   * user typed, like tool arguments) and a sampling answer's `content` pass the detectors. Roots are left as they are
   * (URIs the upstream must be able to use).
   */
  const onInputAnswer = (ctx: RequestContext, event: InputRequestEvent, answer: JsonResult): JsonResult => {
    if (!engine.detectors.length || event.kind === 'roots' || answer.content === undefined) return answer;
    const counts = new Map<string, number>();
    const content = mapJsonStrings(answer.content, (s) => tokenizeText(s, counts));
    for (const [type, count] of counts) ctx.actions.push({ stage: 'tokenize', action: `tokenize.${type}`, count });
    return counts.size ? { ...answer, content } : answer;
  };

  return { name: 'tokenize', onRequest, onResult, onInputAnswer, tokenSpans: authenticTokenSpans(open), stateKey };
}
