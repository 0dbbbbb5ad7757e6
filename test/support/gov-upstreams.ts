/**
 * Two recording MCP upstreams for the governance end-to-end tests, built with the SDK's low-level Server and served
 * over Streamable HTTP on 127.0.0.1 (startSdkUpstream):
 *
 *   crm  get_customer (read-only; answers a customer record full of PII in text, structuredContent and an embedded
 *        resource), search_customers (read-only; echoes the query it received), export_customers (read-only),
 *        update_customer (writes, not destructive), delete_customer (destructive)
 *   ops  read_file (read-only), service_status (read-only), restart_service (destructive)
 *
 * Each upstream records every tools/call it receives (`calls`) and every HTTP request (`http.requests`, with the
 * headers), so a test asserts on the upstream's side what did and did not reach it. Either can be started as a
 * modern-only (2026-07-28) server instead, with the same tools and answers, built with the SDK v2 server package.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import { fromJsonSchema, McpServer as ModernMcpServer } from '@modelcontextprotocol/server';
import { startModernUpstream } from './modern-upstream';
import { startSdkUpstream, type SdkUpstream } from './upstream';

/** The PII the crm upstream returns for every customer (documented test values: example.com, 555-01xx, a test card). */
export const UPSTREAM_PII = {
  email: 'jane.doe@example.com',
  phone: '+1 415 555 0100',
  ssn: '123-45-6789',
  card: '4111 1111 1111 1111',
} as const;

export interface ReceivedCall {
  readonly name: string;
  readonly arguments: Record<string, unknown>;
}

export interface RecordingUpstream {
  readonly name: 'crm' | 'ops';
  readonly url: string;
  /** Every tools/call the MCP server handled, in order. */
  readonly calls: ReceivedCall[];
  /** Every HTTP request (headers and parsed JSON-RPC body). */
  readonly http: Pick<SdkUpstream, 'url' | 'port' | 'requests' | 'close'>;
  /** The protocol era the upstream speaks: legacy (SDK v1, initialize/session) or modern (SDK v2, 2026-07-28 only). */
  readonly era: 'legacy' | 'modern';
  /** The upstream's own tool names. */
  readonly toolNames: readonly string[];
  /** Every JSON-RPC tools/call body that reached the upstream over HTTP (what an attacker-controlled upstream would see). */
  receivedCallBodies(): unknown[];
  /** Authorization headers the upstream received. */
  authorizations(): string[];
  close(): Promise<void>;
}

interface ToolDef {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: Record<string, unknown>;
  readonly annotations?: Record<string, boolean>;
}

const str = (maxLength = 512) => ({ type: 'string', maxLength });

const CRM_TOOLS: readonly ToolDef[] = [
  {
    name: 'get_customer',
    description: 'Reads one customer record.',
    inputSchema: { type: 'object', properties: { customerId: str(64) }, required: ['customerId'] },
    annotations: { readOnlyHint: true, openWorldHint: false },
  },
  {
    name: 'search_customers',
    description: 'Searches customers; echoes the query it received.',
    inputSchema: {
      type: 'object',
      properties: { query: str(), limit: { type: 'integer', minimum: 1, maximum: 100 }, filters: { type: 'object', additionalProperties: { type: 'string' } } },
      required: ['query'],
    },
    annotations: { readOnlyHint: true, openWorldHint: false },
  },
  {
    name: 'export_customers',
    description: 'Exports every customer (bulk).',
    inputSchema: { type: 'object', properties: { format: { type: 'string', enum: ['csv', 'json'] } } },
    annotations: { readOnlyHint: true, openWorldHint: false },
  },
  {
    name: 'update_customer',
    description: 'Updates a customer e-mail address; echoes what it stored.',
    inputSchema: { type: 'object', properties: { customerId: str(64), email: str() }, required: ['customerId', 'email'] },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  },
  {
    name: 'delete_customer',
    description: 'Deletes a customer.',
    inputSchema: { type: 'object', properties: { customerId: str(64) }, required: ['customerId'] },
    annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: false },
  },
];

const OPS_TOOLS: readonly ToolDef[] = [
  {
    name: 'read_file',
    description: 'Reads a file.',
    inputSchema: { type: 'object', properties: { path: str(1024) }, required: ['path'] },
    annotations: { readOnlyHint: true, openWorldHint: false },
  },
  {
    name: 'service_status',
    description: 'Reports the status of a service.',
    inputSchema: { type: 'object', properties: { service: str(64) }, required: ['service'] },
    annotations: { readOnlyHint: true, openWorldHint: false },
  },
  {
    name: 'restart_service',
    description: 'Restarts a service.',
    inputSchema: { type: 'object', properties: { service: str(64) }, required: ['service'] },
    annotations: { destructiveHint: true },
  },
];

const text = (t: string) => ({ type: 'text' as const, text: t });

function crmResult(name: string, args: Record<string, unknown>) {
  const pii = UPSTREAM_PII;
  switch (name) {
    case 'get_customer': {
      const id = String(args.customerId);
      return {
        content: [
          text(`Customer ${id}: Jane Doe, email ${pii.email}, phone ${pii.phone}, SSN ${pii.ssn}, card ${pii.card}`),
          { type: 'resource' as const, resource: { uri: `crm://customers/${encodeURIComponent(id)}`, mimeType: 'text/plain', text: `billing contact ${pii.email}; card on file ${pii.card}` } },
        ],
        structuredContent: { id, name: 'Jane Doe', email: pii.email, ssn: pii.ssn, card: pii.card, contact: { phone: pii.phone } },
      };
    }
    case 'search_customers':
      return { content: [text(`1 match for: ${String(args.query)}`)], structuredContent: { query: args.query, matches: 1 } };
    case 'export_customers':
      return { content: [text('exported 2 customers')] };
    case 'update_customer':
      return { content: [text(`stored email ${String(args.email)} for ${String(args.customerId)}`)] };
    case 'delete_customer':
      return { content: [text(`deleted ${String(args.customerId)}`)] };
    default:
      throw new McpError(-32602, `Unknown tool: ${name}`);
  }
}

function opsResult(name: string, args: Record<string, unknown>) {
  switch (name) {
    case 'read_file':
      return { content: [text(`contents of ${String(args.path)}`)] };
    case 'service_status':
      return { content: [text(`${String(args.service)}: running`)] };
    case 'restart_service':
      return { content: [text(`${String(args.service)} restarted`)] };
    default:
      throw new McpError(-32602, `Unknown tool: ${name}`);
  }
}

/** The same upstream as a modern-only server (SDK v2 `@modelcontextprotocol/server`, answers `initialize` with an error). */
function modernFactory(name: string, tools: readonly ToolDef[], answer: (n: string, a: Record<string, unknown>) => unknown, calls: ReceivedCall[]) {
  return () => {
    const server = new ModernMcpServer({ name: `${name}-upstream`, version: '1.0.0' });
    for (const t of tools) {
      server.registerTool(t.name, { description: t.description, inputSchema: fromJsonSchema<Record<string, unknown>>(t.inputSchema as never), annotations: t.annotations }, async (args) => {
        calls.push({ name: t.name, arguments: args });
        return answer(t.name, args) as never;
      });
    }
    return server;
  };
}

async function startRecording(
  name: 'crm' | 'ops',
  tools: readonly ToolDef[],
  answer: (n: string, a: Record<string, unknown>) => unknown,
  era: 'legacy' | 'modern' = 'legacy',
): Promise<RecordingUpstream> {
  const calls: ReceivedCall[] = [];
  const http = era === 'modern' ? await startModernUpstream(modernFactory(name, tools, answer, calls), { legacy: 'reject' }) : await startSdkUpstream(legacyFactory(name, tools, answer, calls));
  const bodies = () => http.requests.map((r) => r.body).filter((b) => (b as { method?: string } | undefined)?.method === 'tools/call');
  return {
    name,
    url: http.url,
    calls,
    http,
    era,
    toolNames: tools.map((t) => t.name),
    receivedCallBodies: bodies,
    authorizations: () => http.requests.map((r) => headerOf(r.headers, 'authorization')).filter((h): h is string => h !== undefined),
    close: () => http.close(),
  };
}

function legacyFactory(name: string, tools: readonly ToolDef[], answer: (n: string, a: Record<string, unknown>) => unknown, calls: ReceivedCall[]) {
  return () => {
    const server = new Server({ name: `${name}-upstream`, version: '1.0.0' }, { capabilities: { tools: {} } });
    server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: tools as never }));
    server.setRequestHandler(CallToolRequestSchema, async (req) => {
      const args = (req.params.arguments ?? {}) as Record<string, unknown>;
      calls.push({ name: req.params.name, arguments: args });
      return answer(req.params.name, args) as never;
    });
    return server;
  };
}

function headerOf(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v.join(',') : v;
}

export const startCrmUpstream = (era: 'legacy' | 'modern' = 'legacy') => startRecording('crm', CRM_TOOLS, crmResult, era);
export const startOpsUpstream = (era: 'legacy' | 'modern' = 'legacy') => startRecording('ops', OPS_TOOLS, opsResult, era);

export const CRM_TOOL_NAMES = CRM_TOOLS.map((t) => t.name);
export const OPS_TOOL_NAMES = OPS_TOOLS.map((t) => t.name);
/** Every tool as the proxy exposes it with two upstreams (`<upstream>__<tool>`). */
export const ALL_EXPOSED_TOOLS = [...CRM_TOOL_NAMES.map((n) => `crm__${n}`), ...OPS_TOOL_NAMES.map((n) => `ops__${n}`)];

/** Arguments that satisfy each tool's input schema and every policy condition a permitted caller meets. */
export const BENIGN_ARGUMENTS: Readonly<Record<string, Record<string, unknown>>> = {
  crm__get_customer: { customerId: 'C-1001' },
  crm__search_customers: { query: 'acme' },
  crm__export_customers: { format: 'csv' },
  crm__update_customer: { customerId: 'C-1001', email: 'new.address@example.com' },
  crm__delete_customer: { customerId: 'C-1001' },
  ops__read_file: { path: '/reports/q3.csv' },
  ops__service_status: { service: 'billing' },
  ops__restart_service: { service: 'billing' },
};
