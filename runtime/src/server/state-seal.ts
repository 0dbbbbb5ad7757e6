/**
 * The proxy's envelope around an upstream's MRTR `requestState` (docs/INPUT-REQUESTS.md): AES-256-GCM with a fixed
 * associated-data label, so a caller can neither read the upstream's state nor forge or alter the envelope. What the
 * envelope binds (the caller, the upstream and target, the method, a digest of the request's params, an expiry, the
 * input requests asked) is checked on the retry by mrtr.ts. Nothing is kept in memory: any instance holding the same
 * key opens it.
 *
 * The key (main.ts): MCP_PROXY_STATE_KEY (base64, at least 32 bytes; the first 32 are used); else, with tokenization on,
 * a key derived from the tokenization key (shared by every instance); else a random key per process, so a retry must
 * reach the instance that answered the first round (logged at start-up).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Logger } from '../log';
import type { InputKind } from '../pipeline/input-request';

export const STATE_KEY_ENV = 'MCP_PROXY_STATE_KEY';

const PREFIX = 'mcpgp1.';
const AAD = Buffer.from('mcp-governance-proxy/requestState/v1');
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** What the proxy seals into the `requestState` a modern caller receives. */
export interface SealedState {
  /** The upstream's own requestState, verbatim (absent when it sent none). */
  readonly s?: unknown;
  /** Digest of the caller's identity (kind, issuer, subject, client id). */
  readonly c: string;
  /** The upstream and the target's exposed name. */
  readonly u: string;
  readonly t: string;
  /** The JSON-RPC method. */
  readonly m: string;
  /** Digest of the request's params (without inputResponses, requestState and _meta). */
  readonly d: string;
  /** Expiry, epoch milliseconds. */
  readonly e: number;
  /** The input requests the caller was asked, by key, with their kinds. */
  readonly k: Readonly<Record<string, InputKind>>;
  /** Answers the proxy gives the upstream itself for input requests it refused (a declined elicitation). */
  readonly x?: Readonly<Record<string, unknown>>;
}

export class StateSealer {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length < 32) throw new Error(`${STATE_KEY_ENV} must hold at least 32 bytes (base64)`);
    this.key = Buffer.from(key.subarray(0, 32));
  }

  /** From MCP_PROXY_STATE_KEY, or a random per-process key (logged as such). Throws on a key that is too short. */
  static fromEnv(env: NodeJS.ProcessEnv, log: Logger): StateSealer {
    const value = env[STATE_KEY_ENV];
    if (value) return new StateSealer(Buffer.from(value, 'base64'));
    log.info('MRTR requestState sealed with a per-process key: a retry must reach the instance that answered (set MCP_PROXY_STATE_KEY to share one)');
    return new StateSealer(randomBytes(32));
  }

  seal(state: SealedState): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(AAD);
    const body = Buffer.concat([cipher.update(JSON.stringify(state), 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
  }

  /** The sealed state, or undefined when `token` is not an envelope this key sealed, unaltered. */
  open(token: unknown): SealedState | undefined {
    if (typeof token !== 'string' || !token.startsWith(PREFIX) || token.length > 1_000_000) return undefined;
    const raw = Buffer.from(token.slice(PREFIX.length), 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES + 2) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(AAD);
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      const text = Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
      const doc = JSON.parse(text) as SealedState;
      return doc && typeof doc === 'object' && typeof doc.e === 'number' && typeof doc.k === 'object' ? doc : undefined;
    } catch {
      return undefined;
    }
  }
}
