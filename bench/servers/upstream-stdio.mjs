#!/usr/bin/env node
/**
 * The same benchmark upstream as upstream.mjs, over stdio (for peers that can only front a stdio server).
 *   node bench/servers/upstream-stdio.mjs [--tools N]
 */
import { parseArgs } from 'node:util';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { callTool, toolDefinitions } from './tools.mjs';

const { values } = parseArgs({ options: { tools: { type: 'string', default: '2' } } });
const tools = toolDefinitions(Number(values.tools));
const server = new Server({ name: 'bench-upstream', version: '1.0.0' }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools }));
server.setRequestHandler(CallToolRequestSchema, async (req) => callTool(req.params.name, req.params.arguments));
await server.connect(new StdioServerTransport());
process.stdin.on('end', () => process.exit(0));
