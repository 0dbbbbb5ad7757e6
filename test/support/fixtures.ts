/**
 * A "kitchen sink" upstream built with the SDK's low-level Server: every content type, structuredContent, isError,
 * _meta, progress, cancellation, upstream log messages, and tools/resources/prompts lists that need more than one page.
 * Reusable by any end-to-end test (e.g. `pii_echo` returns PII-looking text for redaction tests).
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';

/** 1x1 transparent PNG. */
export const PNG_1PX = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
/** A few bytes standing in for WAV audio. */
export const AUDIO_B64 = Buffer.from('RIFF....WAVEfmt ').toString('base64');

export interface KitchenSinkState {
  /** Tool names whose calls saw their AbortSignal fire (caller cancelled or timed out). */
  readonly cancelled: string[];
  /** Every tools/call as received: name, arguments, _meta. */
  readonly calls: { name: string; arguments?: Record<string, unknown>; meta?: Record<string, unknown> }[];
}

export const TOOL_PAGE_SIZE = 4;

const TOOLS = [
  {
    name: 'echo',
    title: 'Echo',
    description: 'Returns the given text.',
    inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
    annotations: { readOnlyHint: true, openWorldHint: false },
    _meta: { 'example.com/owner': 'team-a' },
  },
  {
    name: 'media',
    description: 'Returns text, image, audio, a resource link and embedded text and blob resources.',
    inputSchema: { type: 'object', properties: {} },
  },
  {
    name: 'structured',
    description: 'Returns structuredContent matching its outputSchema.',
    inputSchema: { type: 'object', properties: { city: { type: 'string' } } },
    outputSchema: { type: 'object', properties: { city: { type: 'string' }, tempC: { type: 'number' } }, required: ['city', 'tempC'] },
  },
  {
    name: 'fail',
    description: 'Returns a tool error (isError: true).',
    inputSchema: { type: 'object', properties: {} },
  },
  {
    name: 'slow',
    description: 'Sends progress notifications every stepMs for steps steps, then answers; honours cancellation.',
    inputSchema: { type: 'object', properties: { steps: { type: 'number' }, stepMs: { type: 'number' } } },
  },
  {
    name: 'logs',
    description: 'Sends two notifications/message log entries, then answers.',
    inputSchema: { type: 'object', properties: {} },
  },
  {
    name: 'throws',
    description: 'Answers with a JSON-RPC error (code -32602).',
    inputSchema: { type: 'object', properties: {} },
  },
  {
    name: 'delete_everything',
    title: 'Delete everything',
    description: 'A destructive tool (does nothing here).',
    inputSchema: { type: 'object', properties: { confirm: { type: 'boolean' } } },
    annotations: { destructiveHint: true, idempotentHint: false, readOnlyHint: false },
  },
  {
    name: 'pii_echo',
    description: 'Echoes a customer record containing PII-looking text.',
    inputSchema: { type: 'object', properties: { name: { type: 'string' } } },
  },
] as const;

const RESOURCES = [
  { uri: 'file:///docs/readme.md', name: 'readme', title: 'Read me', mimeType: 'text/markdown', description: 'Project read-me' },
  { uri: 'file:///docs/logo.png', name: 'logo', mimeType: 'image/png' },
  { uri: 'memo://today', name: 'today', mimeType: 'text/plain', _meta: { 'example.com/ttl': 60 } },
];
const TEMPLATES = [{ uriTemplate: 'file:///notes/{id}', name: 'note', mimeType: 'text/plain', description: 'A note by id' }];
const PROMPTS = [
  { name: 'greet', title: 'Greeting', description: 'Greets someone', arguments: [{ name: 'who', required: true }] },
  { name: 'with_resource', description: 'A prompt embedding a resource and an image' },
  { name: 'plain', description: 'No arguments' },
];

function page<T>(items: readonly T[], cursor: string | undefined, size: number): { items: T[]; nextCursor?: string } {
  const start = cursor ? Number(Buffer.from(cursor, 'base64url').toString()) : 0;
  if (!Number.isInteger(start) || start < 0 || start > items.length) throw new McpError(-32602, 'Invalid cursor');
  const end = start + size;
  return { items: items.slice(start, end), nextCursor: end < items.length ? Buffer.from(String(end)).toString('base64url') : undefined };
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(t);
      reject(new Error('aborted'));
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });

/** Creates the kitchen-sink server factory; `state` records what the server saw. `name` shows in serverInfo. */
export function kitchenSink(state: KitchenSinkState, name = 'kitchen-sink'): () => Server {
  return () => {
    const server = new Server(
      { name, version: '1.0.0' },
      { capabilities: { tools: { listChanged: true }, resources: {}, prompts: {}, logging: {}, completions: {} } },
    );
    server.setRequestHandler(ListToolsRequestSchema, async (req) => {
      const p = page(TOOLS, req.params?.cursor, TOOL_PAGE_SIZE);
      return { tools: p.items as never, nextCursor: p.nextCursor };
    });
    server.setRequestHandler(CallToolRequestSchema, async (req, extra) => {
      const args = (req.params.arguments ?? {}) as Record<string, unknown>;
      state.calls.push({ name: req.params.name, arguments: req.params.arguments, meta: req.params._meta as Record<string, unknown> | undefined });
      switch (req.params.name) {
        case 'echo':
          return { content: [{ type: 'text', text: String(args.text ?? '') }], _meta: { 'example.com/echoed': true } };
        case 'media':
          return {
            content: [
              { type: 'text', text: 'media follows', annotations: { audience: ['user'], priority: 0.5 } },
              { type: 'image', data: PNG_1PX, mimeType: 'image/png' },
              { type: 'audio', data: AUDIO_B64, mimeType: 'audio/wav' },
              { type: 'resource_link', uri: 'file:///docs/readme.md', name: 'readme', mimeType: 'text/markdown' },
              { type: 'resource', resource: { uri: 'memo://today', mimeType: 'text/plain', text: 'buy milk' } },
              { type: 'resource', resource: { uri: 'file:///docs/logo.png', mimeType: 'image/png', blob: PNG_1PX } },
            ],
          };
        case 'structured': {
          const data = { city: String(args.city ?? 'Paris'), tempC: 21.5 };
          return { content: [{ type: 'text', text: JSON.stringify(data) }], structuredContent: data };
        }
        case 'fail':
          return { content: [{ type: 'text', text: 'the tool failed on purpose' }], isError: true };
        case 'slow': {
          const steps = Number(args.steps ?? 3);
          const stepMs = Number(args.stepMs ?? 20);
          const token = req.params._meta?.progressToken;
          try {
            for (let i = 1; i <= steps; i++) {
              await sleep(stepMs, extra.signal);
              if (token !== undefined) {
                await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: i, total: steps, message: `step ${i}` } });
              }
            }
          } catch {
            state.cancelled.push('slow');
            throw new McpError(-32603, 'cancelled');
          }
          return { content: [{ type: 'text', text: `done after ${steps} steps` }] };
        }
        case 'logs':
          await extra.sendNotification({ method: 'notifications/message', params: { level: 'info', logger: 'sink', data: 'first entry' } });
          await extra.sendNotification({ method: 'notifications/message', params: { level: 'warning', data: { detail: 'second entry' } } });
          return { content: [{ type: 'text', text: 'logged twice' }] };
        case 'throws':
          throw new McpError(-32602, 'bad argument: x must be positive', { field: 'x' });
        case 'delete_everything':
          return { content: [{ type: 'text', text: 'nothing was deleted' }] };
        case 'pii_echo':
          return {
            content: [
              { type: 'text', text: `Customer ${String(args.name ?? 'Jane Doe')}, email jane.doe@example.com, phone +1 415 555 0100, SSN 123-45-6789, card 4111 1111 1111 1111` },
            ],
          };
        default:
          throw new McpError(-32602, `Unknown tool: ${req.params.name}`);
      }
    });
    server.setRequestHandler(ListResourcesRequestSchema, async (req) => {
      const p = page(RESOURCES, req.params?.cursor, 2);
      return { resources: p.items, nextCursor: p.nextCursor };
    });
    server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({ resourceTemplates: TEMPLATES }));
    server.setRequestHandler(ReadResourceRequestSchema, async (req) => {
      const uri = req.params.uri;
      if (uri === 'file:///docs/readme.md') return { contents: [{ uri, mimeType: 'text/markdown', text: '# Read me\nHello.' }] };
      if (uri === 'file:///docs/logo.png') return { contents: [{ uri, mimeType: 'image/png', blob: PNG_1PX }] };
      if (uri === 'memo://today') return { contents: [{ uri, mimeType: 'text/plain', text: 'buy milk', _meta: { 'example.com/fresh': true } }] };
      const m = /^file:\/\/\/notes\/(.+)$/.exec(uri);
      if (m) return { contents: [{ uri, mimeType: 'text/plain', text: `note ${decodeURIComponent(m[1])}` }] };
      throw new McpError(-32002, `Resource not found: ${uri}`);
    });
    server.setRequestHandler(ListPromptsRequestSchema, async (req) => {
      const p = page(PROMPTS, req.params?.cursor, 2);
      return { prompts: p.items, nextCursor: p.nextCursor };
    });
    server.setRequestHandler(GetPromptRequestSchema, async (req) => {
      const a = req.params.arguments ?? {};
      if (req.params.name === 'greet') {
        return { description: 'greeting', messages: [{ role: 'user', content: { type: 'text', text: `Hello, ${a.who}!` } }] };
      }
      if (req.params.name === 'with_resource') {
        return {
          messages: [
            { role: 'user', content: { type: 'resource', resource: { uri: 'memo://today', mimeType: 'text/plain', text: 'buy milk' } } },
            { role: 'user', content: { type: 'image', data: PNG_1PX, mimeType: 'image/png' } },
          ],
        };
      }
      if (req.params.name === 'plain') return { messages: [{ role: 'assistant', content: { type: 'text', text: 'plain prompt' } }] };
      throw new McpError(-32602, `Unknown prompt: ${req.params.name}`);
    });
    server.setRequestHandler(CompleteRequestSchema, async (req) => {
      const v = req.params.argument.value;
      return { completion: { values: ['alice', 'albert', 'bob'].filter((x) => x.startsWith(v)), hasMore: false } };
    });
    return server;
  };
}

export const KITCHEN_SINK_TOOL_NAMES = TOOLS.map((t) => t.name);
export const KITCHEN_SINK_RESOURCE_URIS = RESOURCES.map((r) => r.uri);
export const KITCHEN_SINK_PROMPT_NAMES = PROMPTS.map((p) => p.name);
