/** The sealed MRTR requestState: authenticated encryption, and a key every instance with the tokenization key shares. */
import { randomBytes } from 'node:crypto';
import { tokenizeSchema } from '../config/sections/tokenize';
import { createLogger } from '../log';
import { createTokenizeStage } from '../stages/tokenize';
import { StateSealer, type SealedState } from './state-seal';

const state: SealedState = { s: 'upstream-secret-state', c: 'caller', u: 'modern', t: 'modern__ask', m: 'tools/call', d: 'digest', e: 1, k: { name: 'elicitation-form' } };
const log = createLogger('test', { write: () => {} });

it('opens what it sealed; the caller can read nothing of it, and any alteration or another key fails', () => {
  const sealer = new StateSealer(randomBytes(32));
  const token = sealer.seal(state);
  expect(token).not.toContain('upstream-secret-state');
  expect(Buffer.from(token.slice('mcpgp1.'.length), 'base64url').toString('latin1')).not.toContain('upstream-secret-state');
  expect(sealer.open(token)).toEqual(state);
  const body = Buffer.from(token.slice('mcpgp1.'.length), 'base64url');
  for (const at of [0, 12, body.length - 1]) {
    const altered = Buffer.from(body);
    altered[at] ^= 1;
    expect(sealer.open(`mcpgp1.${altered.toString('base64url')}`)).toBeUndefined();
  }
  expect(new StateSealer(randomBytes(32)).open(token)).toBeUndefined();
  expect(sealer.open(token.slice('mcpgp1.'.length))).toBeUndefined();
  expect(sealer.open(42)).toBeUndefined();
  expect(() => new StateSealer(randomBytes(16))).toThrow(/at least 32 bytes/);
});

it('two instances with the same tokenization key share the sealing key (derived, not the tokenization key itself)', async () => {
  const env = { MCP_PROXY_TOKENIZATION_KEY: randomBytes(64).toString('base64') };
  const cfg = tokenizeSchema.parse({ enabled: true });
  const [a, b] = await Promise.all([createTokenizeStage(cfg, log, { env }), createTokenizeStage(cfg, log, { env })]);
  expect(a.stateKey).toEqual(b.stateKey);
  expect(a.stateKey!.length).toBe(32);
  expect(Buffer.from(env.MCP_PROXY_TOKENIZATION_KEY, 'base64').includes(a.stateKey!)).toBe(false);
  expect(new StateSealer(b.stateKey!).open(new StateSealer(a.stateKey!).seal(state))).toEqual(state);
});
