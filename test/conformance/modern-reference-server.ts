/**
 * A conformant dual-era MCP upstream for the 2026-07-28 conformance comparison, written for this project with the
 * official SDK v2 server package (`@modelcontextprotocol/server` 2.4): one `McpServer` definition served to both eras
 * by the SDK's `createMcpHandler` (see test/support/modern-upstream.ts). It implements the tools, resources and prompts
 * the required server scenarios of @modelcontextprotocol/conformance 0.2.0-alpha.12 call (the conformance repository's
 * examples/servers/typescript names them), including the multi round-trip (`input_required`) diagnostics.
 */
import { randomUUID } from 'node:crypto';
import {
  acceptedContent,
  CLIENT_CAPABILITIES_META_KEY,
  createRequestStateCodec,
  fromJsonSchema,
  inputRequired,
  McpServer,
  ProtocolError,
  ProtocolErrorCode,
  ResourceTemplate,
  type CallToolResult,
  type GetPromptResult,
  type InputRequests,
  type InputRequiredResult,
  type ServerContext,
  type ServerNotifier,
} from '@modelcontextprotocol/server';
import * as z from 'zod';

/** 1x1 red PNG. */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
/** A minimal WAV header with two bytes of silence. */
const WAV = 'UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=';

const text = (t: string): CallToolResult => ({ content: [{ type: 'text', text: t }] });
const noArgs = z.object({});
const askName = (message = 'What is your name?') =>
  inputRequired.elicit({ message, requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } });
const askConfirm = () =>
  inputRequired.elicit({ message: 'Please confirm', requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] } });

/**
 * One codec per process: the 2026-07-28 path builds a fresh server per request, so the HMAC-sealed requestState is
 * all that survives between rounds; a tampered state is refused with -32602 before a handler runs.
 */
const requestState = createRequestStateCodec<Record<string, unknown>>({ key: crypto.getRandomValues(new Uint8Array(32)) });

/** `notify`: the serving handler's change publisher (for the list-changed triggers), once it exists. */
export function createModernReferenceServer(notify: () => ServerNotifier | undefined): McpServer {
  const s = new McpServer(
    { name: 'modern-reference-upstream', version: '1.0.0' },
    {
      capabilities: { tools: { listChanged: true }, resources: { listChanged: true }, prompts: { listChanged: true }, logging: {}, completions: {} },
      requestState: { verify: requestState.verify },
    },
  );

  // ----- content tools -----
  s.registerTool('test_simple_text', { description: 'Returns simple text' }, async () => text('This is a simple text response for testing.'));
  s.registerTool('test_image_content', { description: 'Returns an image' }, async () => ({ content: [{ type: 'image', data: PNG, mimeType: 'image/png' }] }));
  s.registerTool('test_audio_content', { description: 'Returns audio' }, async () => ({ content: [{ type: 'audio', data: WAV, mimeType: 'audio/wav' }] }));
  s.registerTool('test_embedded_resource', { description: 'Returns an embedded resource' }, async () => ({
    content: [{ type: 'resource', resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' } }],
  }));
  s.registerTool('test_multiple_content_types', { description: 'Returns text, an image and a resource' }, async () => ({
    content: [
      { type: 'text', text: 'Multiple content types test:' },
      { type: 'image', data: PNG, mimeType: 'image/png' },
      { type: 'resource', resource: { uri: 'test://mixed-content-resource', mimeType: 'application/json', text: JSON.stringify({ test: 'data', value: 123 }) } },
    ],
  }));
  s.registerTool('test_error_handling', { description: 'Always fails' }, async () => {
    throw new Error('This tool intentionally returns an error for testing');
  });
  s.registerTool('test_tool_with_progress', { description: 'Reports progress', inputSchema: noArgs }, async (_a, ctx) => {
    const progressToken = ctx.mcpReq._meta?.progressToken;
    if (progressToken !== undefined) {
      for (const progress of [0, 50, 100]) {
        await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, progress, total: 100, message: `step ${progress}` } });
      }
    }
    return text(String(progressToken ?? 'no-progress-token'));
  });
  s.registerTool('test_tool_with_logging', { description: 'Logs three messages while running', inputSchema: noArgs }, async (_a, ctx) => {
    for (const data of ['Tool execution started', 'Tool processing data', 'Tool execution completed']) await ctx.mcpReq.log('info', data);
    return text('Tool with logging executed successfully');
  });
  s.registerTool(
    'test_x_mcp_header',
    {
      description: 'Mirrors its region argument into Mcp-Param-Region',
      // Hand-written JSON Schema, so that the annotation survives as it is (the SDK's types do not know the keyword).
      inputSchema: fromJsonSchema<{ region?: string; level?: number }>({
        type: 'object',
        properties: { region: { type: 'string', 'x-mcp-header': 'Region' }, level: { type: 'integer' } },
      } as Parameters<typeof fromJsonSchema>[0]),
    },
    async (args) => text(`region=${args.region ?? '<none>'}`),
  );

  // ----- server-stateless diagnostics -----
  s.registerTool('test_missing_capability', { description: 'Needs the sampling client capability', inputSchema: noArgs }, async (_a, ctx) => {
    if (ctx.mcpReq.inputResponses?.llm_answer === undefined) {
      return inputRequired({
        inputRequests: { llm_answer: inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'Reply: pong' } }], maxTokens: 16 }) },
      });
    }
    return text('sampling round-trip complete');
  });
  s.registerTool('test_streaming_elicitation', { description: 'A plain call whose stream carries no requests', inputSchema: noArgs }, async () => text('result frames only'));
  s.registerTool('test_logging_tool', { description: 'Logs (delivered only when the request set a log level)', inputSchema: noArgs }, async (_a, ctx) => {
    await ctx.mcpReq.log('info', 'test_logging_tool ran');
    return text('logged through the request-scoped channel');
  });
  s.registerTool('test_trigger_tool_change', { description: 'Announces a tools list change', inputSchema: noArgs }, async (_a, ctx) => {
    notify()?.toolsChanged();
    // A 2025-era caller (the proxy's legacy upstream leg) hears of it on this call's stream.
    await ctx.mcpReq.notify({ method: 'notifications/tools/list_changed' }).catch(() => undefined);
    return text('tools_list_changed published');
  });
  s.registerTool('test_trigger_prompt_change', { description: 'Announces a prompts list change', inputSchema: noArgs }, async (_a, ctx) => {
    notify()?.promptsChanged();
    await ctx.mcpReq.notify({ method: 'notifications/prompts/list_changed' }).catch(() => undefined);
    return text('prompts_list_changed published');
  });

  // ----- multi round-trip requests (input_required) -----
  s.registerTool('test_input_required_result_elicitation', { description: 'Asks for the caller name', inputSchema: noArgs }, async (_a, ctx) => {
    const name = acceptedContent<{ name: string }>(ctx.mcpReq.inputResponses, 'user_name')?.name;
    if (typeof name !== 'string') return inputRequired({ inputRequests: { user_name: askName() } });
    return text(`Hello, ${name}!`);
  });
  s.registerTool('test_input_required_result_sampling', { description: 'Asks for an LLM completion', inputSchema: noArgs }, async (_a, ctx) => {
    const r = ctx.mcpReq.inputResponses?.capital_question as { content?: { text?: string } } | undefined;
    if (r === undefined) {
      return inputRequired({
        inputRequests: {
          capital_question: inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'What is the capital of France?' } }], maxTokens: 100 }),
        },
      });
    }
    return text(`Sampling response: ${r.content?.text ?? JSON.stringify(r)}`);
  });
  s.registerTool('test_input_required_result_list_roots', { description: 'Asks for the client roots', inputSchema: noArgs }, async (_a, ctx) => {
    const r = ctx.mcpReq.inputResponses?.client_roots as { roots?: { uri?: string }[] } | undefined;
    if (!Array.isArray(r?.roots)) return inputRequired({ inputRequests: { client_roots: inputRequired.listRoots() } });
    return text(`Client exposed ${r.roots.length} root(s): ${r.roots.map((x) => x.uri).join(', ')}`);
  });
  s.registerTool('test_input_required_result_request_state', { description: 'Round-trips sealed requestState', inputSchema: noArgs }, async (_a, ctx) => {
    if (acceptedContent<{ ok: boolean }>(ctx.mcpReq.inputResponses, 'confirm') === undefined) {
      return inputRequired({ inputRequests: { confirm: askConfirm() }, requestState: await requestState.mint({ tool: 'request_state', nonce: randomUUID() }) });
    }
    if (ctx.mcpReq.requestState<Record<string, unknown>>() === undefined) throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'Invalid requestState');
    return text('state-ok: requestState verified and confirmation received');
  });
  s.registerTool('test_input_required_result_multiple_inputs', { description: 'Asks for three inputs in one round', inputSchema: noArgs }, async (_a, ctx) => {
    const r = ctx.mcpReq.inputResponses;
    const name = acceptedContent<{ name: string }>(r, 'user_name')?.name;
    const greeting = (r?.greeting as { content?: { text?: string } } | undefined)?.content?.text;
    const roots = (r?.client_roots as { roots?: unknown[] } | undefined)?.roots;
    if (typeof name !== 'string' || typeof greeting !== 'string' || !Array.isArray(roots)) {
      return inputRequired({
        inputRequests: {
          user_name: askName(),
          greeting: inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'Generate a greeting' } }], maxTokens: 50 }),
          client_roots: inputRequired.listRoots(),
        },
        requestState: await requestState.mint({ tool: 'multiple_inputs', nonce: randomUUID() }),
      });
    }
    return text(`${greeting} ${name}: ${roots.length} root(s) visible`);
  });
  s.registerTool('test_input_required_result_multi_round', { description: 'Two elicitation rounds', inputSchema: noArgs }, async (_a, ctx) => {
    const state = ctx.mcpReq.requestState<Record<string, unknown>>();
    const round = state?.tool === 'multi_round' && typeof state.round === 'number' ? state.round : 0;
    if (round === 0) {
      return inputRequired({ inputRequests: { step1: askName('Step 1: What is your name?') }, requestState: await requestState.mint({ tool: 'multi_round', round: 1, nonce: randomUUID() }) });
    }
    if (round === 1) {
      const name = acceptedContent<{ name: string }>(ctx.mcpReq.inputResponses, 'step1')?.name ?? 'unknown';
      const step2 = inputRequired.elicit({
        message: 'Step 2: What is your favorite color?',
        requestedSchema: { type: 'object', properties: { color: { type: 'string' } }, required: ['color'] },
      });
      return inputRequired({ inputRequests: { step2 }, requestState: await requestState.mint({ tool: 'multi_round', round: 2, name, nonce: randomUUID() }) });
    }
    const color = acceptedContent<{ color: string }>(ctx.mcpReq.inputResponses, 'step2')?.color ?? 'unknown';
    return text(`Multi-round complete: ${String(state?.name ?? 'unknown')} likes ${color}`);
  });
  s.registerTool('test_input_required_result_tampered_state', { description: 'Refuses tampered requestState', inputSchema: noArgs }, async (_a, ctx) => {
    if (ctx.mcpReq.requestState() !== undefined && acceptedContent(ctx.mcpReq.inputResponses, 'confirm') !== undefined) return text('integrity-ok');
    return inputRequired({ inputRequests: { confirm: askConfirm() }, requestState: await requestState.mint({ tool: 'tampered_state', nonce: randomUUID() }) });
  });
  s.registerTool('test_input_required_result_capabilities', { description: 'Asks only for declared input kinds', inputSchema: noArgs }, async (_a, ctx) => {
    if (ctx.mcpReq.inputResponses !== undefined) return text('Capability-aware input requests fulfilled');
    const envelope = ctx.mcpReq.envelope as Record<string, Record<string, unknown> | undefined> | undefined;
    const declared = envelope?.[CLIENT_CAPABILITIES_META_KEY];
    const inputRequests: InputRequests = {};
    if (declared?.elicitation !== undefined) inputRequests.user_name = askName();
    if (declared?.sampling !== undefined) {
      inputRequests.greeting = inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'Generate a short greeting' } }], maxTokens: 50 });
    }
    if (declared?.roots !== undefined) inputRequests.client_roots = inputRequired.listRoots();
    if (Object.keys(inputRequests).length === 0) return text('No declared client capability supports an in-band input request');
    return inputRequired({ inputRequests });
  });

  // ----- resources -----
  s.registerResource('static-text', 'test://static-text', { description: 'A static text resource', mimeType: 'text/plain' }, async () => ({
    contents: [{ uri: 'test://static-text', mimeType: 'text/plain', text: 'This is the content of the static text resource.' }],
  }));
  s.registerResource('static-binary', 'test://static-binary', { description: 'A static binary resource', mimeType: 'image/png' }, async () => ({
    contents: [{ uri: 'test://static-binary', mimeType: 'image/png', blob: PNG }],
  }));
  s.registerResource(
    'template',
    new ResourceTemplate('test://template/{id}/data', { list: undefined }),
    { description: 'A resource template', mimeType: 'application/json' },
    async (uri, { id }) => ({ contents: [{ uri: uri.toString(), mimeType: 'application/json', text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${String(id)}` }) }] }),
  );
  s.registerResource('watched-resource', 'test://watched-resource', { description: 'A resource to watch', mimeType: 'text/plain' }, async () => ({
    contents: [{ uri: 'test://watched-resource', mimeType: 'text/plain', text: 'Watched resource content' }],
  }));

  // ----- prompts -----
  const userText = (t: string): GetPromptResult => ({ messages: [{ role: 'user', content: { type: 'text', text: t } }] });
  s.registerPrompt('test_simple_prompt', { description: 'A prompt without arguments' }, async () => userText('This is a simple prompt for testing.'));
  s.registerPrompt(
    'test_prompt_with_arguments',
    { description: 'A prompt with arguments', argsSchema: z.object({ arg1: z.string().describe('First'), arg2: z.string().describe('Second') }) },
    async ({ arg1, arg2 }) => userText(`Prompt with arguments: arg1='${arg1}', arg2='${arg2}'`),
  );
  s.registerPrompt(
    'test_prompt_with_embedded_resource',
    { description: 'A prompt with an embedded resource', argsSchema: z.object({ resourceUri: z.string() }) },
    async ({ resourceUri }) => ({
      messages: [
        { role: 'user', content: { type: 'resource', resource: { uri: resourceUri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' } } },
        { role: 'user', content: { type: 'text', text: 'Please process the embedded resource above.' } },
      ],
    }),
  );
  s.registerPrompt('test_prompt_with_image', { description: 'A prompt with an image' }, async () => ({
    messages: [
      { role: 'user', content: { type: 'image', data: PNG, mimeType: 'image/png' } },
      { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
    ],
  }));
  s.registerPrompt('test_input_required_result_prompt', { description: 'A prompt that needs elicited context' }, async (ctx): Promise<GetPromptResult | InputRequiredResult> => {
    const context = acceptedContent<{ context: string }>((ctx as ServerContext).mcpReq.inputResponses, 'user_context')?.context;
    if (typeof context !== 'string') {
      const user_context = inputRequired.elicit({
        message: 'What context should the prompt use?',
        requestedSchema: { type: 'object', properties: { context: { type: 'string' } }, required: ['context'] },
      });
      return inputRequired({ inputRequests: { user_context } });
    }
    return userText(`Use the following context: ${context}`);
  });

  s.server.setRequestHandler('completion/complete', async () => ({ completion: { values: [], total: 0, hasMore: false } }));
  return s;
}
