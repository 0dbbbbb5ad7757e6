/**
 * Tokenization and redaction together, with the real stages in the real Pipeline: every text of test/data/pii goes in
 * as a tool argument, is tokenized, comes back from the upstream (which echoes what it received), passes redaction
 * and is detokenized. The caller must get its text back exactly: redaction never touches the proxy's own tokens.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DETECTORS } from '../../config/sections/redact';
import { createLogger } from '../../log';
import type { Auditor, CatalogEntry, RequestContext, Stage } from '../../pipeline/context';
import { Pipeline } from '../../pipeline/pipeline';
import { createRedactStage } from '../redact';
import { createTokenizeStage, type TokenizeStage } from '.';

const log = createLogger('test', { write: () => {} });
const PII_DIR = join(__dirname, '../../../../test/data/pii');
const texts: { id: string; text: string }[] = readdirSync(PII_DIR)
  .filter((f) => f.endsWith('.jsonl'))
  .flatMap((f) => readFileSync(join(PII_DIR, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; text: string }));

const auditor: Auditor = { beforeForward: async () => {}, complete: () => {}, close: async () => {} };
const allowDetokenize: Stage = { name: 'access-control', onRequest: (ctx) => void (ctx.detokenizeAllowed = true) };
const entry: CatalogEntry = { kind: 'tool', upstream: 'echo', name: 'echo', exposedName: 'echo', definition: { name: 'echo' } };

function ctx(args: Record<string, unknown>): RequestContext {
  return { requestId: 'r', method: 'tools/call', headers: {}, startedAt: 0, actions: [], timings: { policyMs: 0, upstreamMs: 0 }, target: entry, arguments: args };
}

describe('tokenization + redaction round-trip every text of test/data/pii', () => {
  let pipeline: Pipeline;
  let tokenize: TokenizeStage;
  const upstreamSaw: string[] = [];

  beforeAll(async () => {
    const env = { MCP_PROXY_TOKENIZATION_KEY: randomBytes(64).toString('base64') };
    tokenize = await createTokenizeStage(
      { enabled: true, detectors: [...DETECTORS], argumentPaths: [], detokenizeResults: true, key: { source: 'env', variable: 'MCP_PROXY_TOKENIZATION_KEY' } },
      log,
      { env },
    );
    const redact = createRedactStage({ enabled: true, detectors: [...DETECTORS], custom: [], replacement: 'label' }, log, { tokenSpans: tokenize.tokenSpans });
    pipeline = new Pipeline([allowDetokenize, tokenize, redact], auditor);
  });

  it('has the corpus (at least 500 texts in 4 files)', () => {
    expect(texts.length).toBeGreaterThanOrEqual(500);
  });

  it('returns every text exactly as sent, as text and as structured content', async () => {
    const failed: string[] = [];
    for (const { id, text } of texts) {
      const c = ctx({ text });
      const out = await pipeline.call(c, 'tool', 'echo', async (fwd) => {
        const sent = (fwd.arguments as { text: string }).text;
        upstreamSaw.push(sent);
        return { content: [{ type: 'text', text: sent }], structuredContent: { text: sent } };
      });
      const back = (out.content as { text: string }[])[0].text;
      if (back !== text || (out.structuredContent as { text: string }).text !== text) failed.push(`${id}: ${JSON.stringify(text)} -> ${JSON.stringify(back)}`);
    }
    expect(failed).toEqual([]);
    // The upstream saw tokens, not the values: at least most texts were tokenized (the corpus is mostly PII).
    expect(upstreamSaw.filter((s) => s.includes('tok_')).length).toBeGreaterThan(300);
  });

  it('still redacts a token-shaped string the proxy did not issue (an upstream cannot hide a secret as a token)', async () => {
    const secret = 'wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY12';
    const c = ctx({ text: 'x' });
    const out = await pipeline.call(c, 'tool', 'echo', async () => ({ content: [{ type: 'text', text: `aws_secret_access_key: tok_VALUE_${secret}` }] }));
    const back = (out.content as { text: string }[])[0].text;
    expect(back).not.toContain(secret);
    expect(back).toContain('[REDACTED:AWS_SECRET_KEY]');
  });
});
