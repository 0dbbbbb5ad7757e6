/**
 * The demo upstream: a small but realistic MCP server built with the SDK, served over Streamable HTTP on 127.0.0.1.
 * Tools: get_weather (structured output), search_customers (returns PII-looking text: what redaction/tokenization
 * act on), create_ticket, delete_customer (annotated destructive), plus a resource and a prompt.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

const CUSTOMERS = [
  { id: 'c-1001', name: 'Jane Doe', email: 'jane.doe@example.com', phone: '+1 415 555 0100', ssn: '123-45-6789' },
  { id: 'c-1002', name: 'John Roe', email: 'john.roe@example.org', phone: '+44 20 7946 0958', ssn: '987-65-4321' },
];

function buildServer(received) {
  const server = new McpServer({ name: 'demo-crm', version: '1.0.0' });
  server.registerTool(
    'get_weather',
    {
      title: 'Current weather',
      description: 'Current weather for a city.',
      inputSchema: { city: z.string().describe('City name') },
      outputSchema: { city: z.string(), tempC: z.number(), conditions: z.string() },
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    async ({ city }) => {
      const data = { city, tempC: 18 + (city.length % 7), conditions: city.length % 2 ? 'sunny' : 'cloudy' };
      return { content: [{ type: 'text', text: JSON.stringify(data) }], structuredContent: data };
    },
  );
  server.registerTool(
    'search_customers',
    {
      title: 'Search customers',
      description: 'Finds customer records by name; the records contain personal data.',
      inputSchema: { query: z.string().describe('Part of a name') },
      annotations: { readOnlyHint: true },
    },
    async ({ query }) => {
      received.push({ tool: 'search_customers', arguments: { query } });
      const hits = CUSTOMERS.filter((c) => c.name.toLowerCase().includes(query.toLowerCase()));
      const text = hits.length
        ? hits.map((c) => `${c.id}: ${c.name}, email ${c.email}, phone ${c.phone}, SSN ${c.ssn}`).join('\n')
        : `No customer matches "${query}".`;
      return { content: [{ type: 'text', text }] };
    },
  );
  server.registerTool(
    'create_ticket',
    {
      title: 'Create support ticket',
      description: 'Opens a support ticket for a customer.',
      inputSchema: { customerId: z.string(), summary: z.string() },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
    },
    async ({ customerId, summary }) => {
      received.push({ tool: 'create_ticket', arguments: { customerId, summary } });
      return { content: [{ type: 'text', text: `Ticket T-${randomUUID().slice(0, 8)} opened for ${customerId}: ${summary}` }] };
    },
  );
  server.registerTool(
    'delete_customer',
    {
      title: 'Delete customer',
      description: 'Permanently deletes a customer record.',
      inputSchema: { customerId: z.string() },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
    },
    async ({ customerId }) => ({ content: [{ type: 'text', text: `Customer ${customerId} deleted (demo: nothing was deleted).` }] }),
  );
  server.registerResource('policy', 'docs://support-policy', { mimeType: 'text/markdown', description: 'Support policy' }, async (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'text/markdown', text: '# Support policy\nAnswer within one business day.' }],
  }));
  server.registerPrompt(
    'summarize_customer',
    { description: 'Summarize a customer record', argsSchema: { customerId: z.string() } },
    async ({ customerId }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `Summarize customer ${customerId}.` } }] }),
  );
  return server;
}

/**
 * Starts the demo upstream on 127.0.0.1 (ephemeral port unless given). Stateless: one server per request.
 * `received` lists the arguments search_customers and create_ticket were called with (what reached the upstream).
 */
export async function startDemoUpstream(port = 0) {
  const received = [];
  const http = createServer(async (req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const server = buildServer(received);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      transport.close();
      server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res);
    } catch (err) {
      if (!res.headersSent) res.writeHead(500).end(String(err));
    }
  });
  await new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, '127.0.0.1', resolve);
  });
  const { port: actual } = http.address();
  return {
    url: `http://127.0.0.1:${actual}/mcp`,
    received,
    close: () =>
      new Promise((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
