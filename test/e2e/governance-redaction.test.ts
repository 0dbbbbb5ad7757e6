/**
 * End-to-end: redaction of everything that flows back, type-preserving, with tokenization on, through the BUILT proxy
 * bundle in front of a stock SDK upstream (McpServer on loopback) and driven by the SDK client. One proxy start:
 *   - list entries (tools, prompts, resources, templates) are redacted, their names kept;
 *   - a tool with an outputSchema (number and format-constrained properties) returns PII: the SDK client's callTool
 *     (which validates structuredContent against the listed outputSchema) accepts the redacted result;
 *   - JSON in a text block stays JSON; an upstream's error text is redacted;
 *   - tokenization + redaction + detokenization round-trips texts of test/data/pii (the proxy's own tokens untouched);
 *   - prompts/get arguments and the forwarded _meta are tokenized and sanitized; _meta passes an allowlist;
 *   - the operational log shows the proxy's own listening host, and still scrubs an upstream's error text.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { connectClient, rawPost, rpc } from '../support/client';
import { freePort } from '../support/net';
import { spawnProxy, type SpawnedProxy } from '../support/proxy';
import { startSdkUpstream, type SdkUpstream } from '../support/upstream';

jest.setTimeout(120_000);

const KEY = randomBytes(64).toString('hex');
const UPSTREAM_PII = { email: 'owner.canary@example.org', card: 4111111111111111, ip: '192.0.2.44', keyId: 'AKIAIOSFODNN7EXAMPLE', ssn: '078-05-1120' };

function upstreamServer(): McpServer {
  const s = new McpServer({ name: 'crm', version: '1.0.0' });
  s.registerTool(
    'account',
    {
      title: `Account of ${UPSTREAM_PII.email}`,
      description: `Looks up an account. Uses key ${UPSTREAM_PII.keyId}.`,
      inputSchema: { id: z.string() },
      outputSchema: { card: z.number().int().min(1e15), email: z.string().email(), ip: z.string().regex(/^\d+\.\d+\.\d+\.\d+$/), note: z.string().max(20) },
    },
    async ({ id }) => {
      const structured = { card: UPSTREAM_PII.card, email: UPSTREAM_PII.email, ip: UPSTREAM_PII.ip, note: `ssn ${UPSTREAM_PII.ssn}` };
      return { content: [{ type: 'text', text: JSON.stringify({ id, ...structured }) }], structuredContent: structured };
    },
  );
  s.registerTool('echo', { description: 'Echoes its text', inputSchema: { text: z.string() } }, async ({ text }) => ({ content: [{ type: 'text', text }] }));
  s.registerPrompt('brief', { description: `Brief for ${UPSTREAM_PII.email}`, argsSchema: { topic: z.string() } }, ({ topic }) => ({
    messages: [{ role: 'user', content: { type: 'text', text: `About ${topic}; ask ${UPSTREAM_PII.email}` } }],
  }));
  s.registerResource('contacts', 'mem://contacts', { description: `Contacts on ${UPSTREAM_PII.ip}`, mimeType: 'application/json' }, async (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify({ card: UPSTREAM_PII.card, who: UPSTREAM_PII.email }, null, 2) }],
  }));
  s.registerResource('record', new ResourceTemplate('mem://records/{id}', { list: undefined }), { description: `Records of ${UPSTREAM_PII.email}` }, async () => {
    throw new Error(`no record; ask ${UPSTREAM_PII.email}`);
  });
  return s;
}

const piiTexts = ['challenge.jsonl', 'mixed.jsonl'].flatMap((f) =>
  readFileSync(join(__dirname, '../data/pii', f), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { text: string }).text),
);

describe('redaction of everything that flows back, type-preserving, with tokenization (built bundle, SDK upstream and client)', () => {
  let upstream: SdkUpstream;
  let proxy: SpawnedProxy;
  let client: Client;

  beforeAll(async () => {
    upstream = await startSdkUpstream(upstreamServer);
    const down = await freePort();
    proxy = await spawnProxy(
      {
        version: 1,
        upstreams: [
          { name: 'crm', url: upstream.url, timeoutMs: 10_000 },
          { name: 'down', url: `http://127.0.0.1:${down}/mcp`, timeoutMs: 2_000 },
        ],
        sanitize: { enabled: true, denyPatterns: [{ name: 'sql_drop', pattern: 'DROP\\s+TABLE', caseInsensitive: true }] },
        tokenize: { enabled: true, detectors: ['EMAIL', 'PHONE', 'CREDIT_CARD', 'US_SSN', 'IBAN', 'IP_ADDRESS', 'AWS_ACCESS_KEY', 'AWS_SECRET_KEY', 'JWT', 'BEARER_TOKEN', 'PRIVATE_KEY'] },
        redact: { enabled: true, detectors: ['EMAIL', 'PHONE', 'CREDIT_CARD', 'US_SSN', 'IBAN', 'IP_ADDRESS', 'AWS_ACCESS_KEY', 'AWS_SECRET_KEY', 'JWT', 'BEARER_TOKEN', 'PRIVATE_KEY'] },
      },
      { env: { MCP_PROXY_TOKENIZATION_KEY: KEY }, timeoutMs: 60_000 },
    );
    client = await connectClient(proxy.url);
  });

  afterAll(async () => {
    await client?.close();
    await proxy?.stop();
    await upstream?.close();
  });

  test('lists are redacted, names kept; the listed outputSchema keeps its types', async () => {
    const { tools } = await client.listTools();
    const account = tools.find((t) => t.name === 'crm__account') ?? tools.find((t) => t.name.endsWith('account'))!;
    expect(account.title).toBe('Account of [REDACTED:EMAIL]');
    expect(account.description).toBe('Looks up an account. Uses key [REDACTED:AWS_ACCESS_KEY].');
    const props = (account.outputSchema as { properties: Record<string, Record<string, unknown>> }).properties;
    expect(props.card.type).toBe('integer');
    expect(props.email).toEqual(expect.objectContaining({ type: 'string' }));
    expect(props.email.format).toBeUndefined();
    const { prompts } = await client.listPrompts();
    expect(prompts[0]).toMatchObject({ description: 'Brief for [REDACTED:EMAIL]', arguments: [{ name: 'topic' }] });
    const { resources } = await client.listResources();
    expect(resources[0]).toMatchObject({ uri: expect.stringContaining('mem://'), description: 'Contacts on [REDACTED:IP_ADDRESS]' });
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates[0].description).toBe('Records of [REDACTED:EMAIL]');
    expect(JSON.stringify([tools, prompts, resources, resourceTemplates])).not.toMatch(/owner\.canary|AKIAIOSFODNN7EXAMPLE|192\.0\.2\.44/);
  });

  test('the SDK client accepts the redacted structured result (validated against the listed outputSchema)', async () => {
    await client.listTools(); // the SDK client validates against the schemas of its last tools/list
    const { tools } = await client.listTools();
    const name = tools.find((t) => t.name.endsWith('account'))!.name;
    const res = await client.callTool({ name, arguments: { id: 'A-1' } });
    expect(res.isError).toBeFalsy();
    expect(res.structuredContent).toEqual({ card: 0, email: '[REDACTED:EMAIL]', ip: '[REDACTED:IP_ADDRESS]', note: 'ssn [REDACTED:US_SSN]' });
    // The upstream's own schema would refuse this result: the listed (widened) schema is what the client accepts.
    const direct = await connectClient(upstream.url);
    try {
      const upstreamSchema = (await direct.listTools()).tools.find((t) => t.name === 'account')!.outputSchema!;
      const ajv = new Ajv({ strict: false }); // the SDK's schemas say draft-07
      addFormats(ajv as unknown as Parameters<typeof addFormats>[0]);
      expect(ajv.validate(upstreamSchema, res.structuredContent)).toBe(false);
    } finally {
      await direct.close();
    }
    const text = (res.content as { type: string; text: string }[])[0].text;
    expect(JSON.parse(text)).toEqual({ id: 'A-1', card: 0, email: '[REDACTED:EMAIL]', ip: '[REDACTED:IP_ADDRESS]', note: 'ssn [REDACTED:US_SSN]' });
  });

  test('resources: JSON contents stay JSON, an upstream error is redacted', async () => {
    const { resources } = await client.listResources();
    const read = await client.readResource({ uri: resources[0].uri });
    const text = (read.contents[0] as { text: string }).text;
    expect(JSON.parse(text)).toEqual({ card: 0, who: '[REDACTED:EMAIL]' });
    const { resourceTemplates } = await client.listResourceTemplates();
    const uri = resourceTemplates[0].uriTemplate.replace('{id}', '7');
    const err = await client.readResource({ uri }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toContain('[REDACTED:EMAIL]');
    expect(err?.message).not.toContain(UPSTREAM_PII.email);
  });

  test('tokenization + redaction round-trip texts of test/data/pii end to end; the upstream sees tokens', async () => {
    const { tools } = await client.listTools();
    const echo = tools.find((t) => t.name.endsWith('echo'))!.name;
    const failed: string[] = [];
    for (const text of piiTexts) {
      const res = await client.callTool({ name: echo, arguments: { text } });
      const back = (res.content as { text: string }[])[0].text;
      if (back !== text) failed.push(`${JSON.stringify(text)} -> ${JSON.stringify(back)}`);
    }
    expect(failed).toEqual([]);
    const seen = JSON.stringify(upstream.requests.map((r) => r.body));
    expect(seen).toContain('tok_EMAIL_');
    expect(seen).not.toContain('ALICE.ROE@EXAMPLE.COM');
  });

  test('prompts/get arguments and the allowlisted _meta are tokenized and sanitized; other _meta keys are not forwarded', async () => {
    const { prompts } = await client.listPrompts();
    const name = prompts[0].name;
    const before = upstream.requests.length;
    const got = await client.getPrompt({ name, arguments: { topic: 'maria.garcia@example.com' }, _meta: { 'io.modelcontextprotocol/related-task': { taskId: 'li.wei@example.org' }, 'com.example/secret': 'do-not-forward', progressToken: 'p1' } });
    // The caller gets its own value back (detokenized), the upstream's e-mail redacted.
    expect((got.messages[0].content as { text: string }).text).toBe('About maria.garcia@example.com; ask [REDACTED:EMAIL]');
    const sent = upstream.requests.slice(before).map((r) => r.body as { method?: string; params?: Record<string, any> }).find((b) => b?.method === 'prompts/get')!;
    expect(sent.params!.arguments.topic).toMatch(/^tok_EMAIL_/);
    // The caller's progressToken is replaced by the proxy's own (progress is relayed under the caller's token).
    const { progressToken, ...forwarded } = sent.params!._meta ?? {};
    expect(progressToken).not.toBe('p1');
    expect(Object.keys(forwarded)).toEqual(['io.modelcontextprotocol/related-task']);
    expect(sent.params!._meta['io.modelcontextprotocol/related-task'].taskId).toMatch(/^tok_EMAIL_/);

    const denied = await rawPost(proxy.url, rpc('prompts/get', { name, arguments: { topic: 'x; drop table users' } }, 91));
    expect((denied.json as { error: { code: number; message: string } }).error).toMatchObject({ code: -32004, message: 'Input rejected: deny_pattern:sql_drop' });
    const deniedMeta = await rawPost(proxy.url, rpc('prompts/get', { name, arguments: { topic: 'x' }, _meta: { 'io.modelcontextprotocol/x': 'DROP TABLE users' } }, 92));
    expect((deniedMeta.json as { error: { code: number } }).error.code).toBe(-32004);
    const deniedCompletion = await rawPost(proxy.url, rpc('completion/complete', { ref: { type: 'ref/prompt', name }, argument: { name: 'topic', value: 'DROP TABLE x' } }, 93));
    expect((deniedCompletion.json as { error: { code: number } }).error.code).toBe(-32004);
  });

  test('the operational log shows the proxy own listening host and still scrubs an upstream error', async () => {
    const listening = proxy.logs().find((l) => l.msg === 'listening')!;
    expect(listening.host).toBe('127.0.0.1');
    const degraded = await proxy.waitForLog((l) => l.msg === 'upstream degraded' && l.upstream === 'down', 30_000);
    expect(String(degraded.error)).not.toContain('127.0.0.1');
    expect(proxy.stderr()).not.toMatch(/owner\.canary|maria\.garcia|li\.wei/);
  });
});
