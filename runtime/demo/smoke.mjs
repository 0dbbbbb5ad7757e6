/**
 * The governed smoke run (`npm run demo -- --smoke`): for each persona, with the MCP SDK client and the persona's
 * bearer token, shows and checks what it sees in tools/list, one permitted call, one refused call, a result with the
 * upstream's PII redacted, and a tokenized argument with its round trip. Every line is an assertion: the first one
 * that does not hold throws, and the run exits non-zero.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/** PII the demo upstream holds for customer c-1001 (Jane Doe). */
export const JANE = { email: 'jane.doe@example.com', phone: '+1 415 555 0100', ssn: '123-45-6789' };

/** What each persona must see; examples/local-demo.ts holds the rules that make it so. */
export const SCENARIO = {
  analyst: {
    tools: ['get_weather', 'search_customers'],
    permitted: { name: 'get_weather', arguments: { city: 'Lisbon' }, expect: /"city":"Lisbon"/ },
    refused: {
      name: 'create_ticket',
      arguments: { customerId: 'c-1001', summary: 'Refund request' },
      // A tool the caller may not call is hidden, and refused as unknown: a denial does not reveal that it exists.
      why: 'typed rule analysts-read-only permits read-only tools only',
      expect: /Unknown tool: create_ticket/,
    },
    detokenized: false,
  },
  support: {
    tools: ['create_ticket', 'get_weather', 'search_customers'],
    permitted: { name: 'create_ticket', arguments: { customerId: 'c-1001', summary: 'Refund request' }, expect: /Ticket T-\w+ opened for c-1001/ },
    refused: {
      name: 'create_ticket',
      arguments: { customerId: 'vip-7', summary: 'Refund request' },
      why: 'raw Cedar rule support-tickets permits customer ids c-* only',
      expect: /Access denied by policy/,
    },
    detokenized: true,
  },
  admin: {
    tools: ['create_ticket', 'delete_customer', 'get_weather', 'search_customers'],
    permitted: { name: 'delete_customer', arguments: { customerId: 'c-1002' }, expect: /Customer c-1002 deleted/ },
    refused: {
      name: 'create_ticket',
      arguments: { customerId: 'c-1001', summary: 'then DROP TABLE customers' },
      why: 'input sanitization: deny pattern sql_ddl',
      expect: /Input rejected: deny_pattern:sql_ddl/,
    },
    detokenized: true,
  },
};

class SmokeFailure extends Error {}

function check(condition, what) {
  if (!condition) throw new SmokeFailure(what);
}

const textOf = (result) =>
  result.structuredContent ? JSON.stringify(result.structuredContent) : (result.content ?? []).map((c) => c.text ?? '').join('\n');
const short = (s, n = 110) => (s.length > n ? `${s.slice(0, n - 3)}...` : s).replace(/\n/g, ' | ');

/** Calls a tool and returns the refusal (JSON-RPC error, or a tool error result); fails if the call went through. */
async function refusalOf(client, call) {
  try {
    const result = await client.callTool({ name: call.name, arguments: call.arguments });
    check(result.isError === true, `${call.name} should have been refused but returned ${short(textOf(result))}`);
    return textOf(result);
  } catch (err) {
    if (err instanceof SmokeFailure) throw err;
    return `${err.code !== undefined ? `JSON-RPC error ${err.code}: ` : ''}${err.message.replace(/^MCP error -?\d+: /, '')}`;
  }
}

async function connect(url, token, name) {
  const client = new Client({ name: `demo-smoke-${name}`, version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return client;
}

/**
 * Runs the per-persona checks against the proxy at `url`.
 * @param issuer    the demo issuer (startDemoIssuer)
 * @param upstream  the demo upstream (startDemoUpstream): what reached it
 * @param log       line printer
 * @returns the tokens used (so that the caller can check none of them reached the audit trail)
 */
export async function runGovernedSmoke({ url, issuer, upstream, log }) {
  const tokens = [];
  for (const [name, expected] of Object.entries(SCENARIO)) {
    const token = await issuer.token(name);
    tokens.push(token);
    log(`\n${name}: ${issuer.personas[name].title}`);
    const client = await connect(url, token, name);
    try {
      const { tools } = await client.listTools();
      const names = tools.map((t) => t.name).sort();
      check(JSON.stringify(names) === JSON.stringify(expected.tools), `${name} tools/list: expected ${expected.tools.join(', ')}, got ${names.join(', ')}`);
      log(`  tools/list     ${names.join(', ')}`);

      const ok = await client.callTool({ name: expected.permitted.name, arguments: expected.permitted.arguments });
      const okText = textOf(ok);
      check(!ok.isError && expected.permitted.expect.test(okText), `${name} ${expected.permitted.name} should succeed, got ${short(okText)}`);
      log(`  permitted      ${expected.permitted.name} ${JSON.stringify(expected.permitted.arguments)} -> ${short(okText)}`);

      const refusal = await refusalOf(client, expected.refused);
      check(expected.refused.expect.test(refusal), `${name} ${expected.refused.name} refusal should match ${expected.refused.expect}, got ${refusal}`);
      log(`  refused        ${expected.refused.name} ${JSON.stringify(expected.refused.arguments)} -> ${refusal}`);
      log(`                 (${expected.refused.why})`);

      const found = textOf(await client.callTool({ name: 'search_customers', arguments: { query: 'Doe' } }));
      check(found.includes('c-1001: Jane Doe'), `${name} search_customers should find Jane Doe, got ${short(found)}`);
      for (const [kind, value] of Object.entries(JANE)) check(!found.includes(value), `${name} search_customers returned the ${kind} in clear`);
      check(/\[REDACTED:EMAIL\]/.test(found) && /\[REDACTED:US_SSN\]/.test(found), `${name} search_customers should show redaction labels, got ${short(found)}`);
      log(`  redacted       search_customers {"query":"Doe"} -> ${short(found)}`);

      const before = upstream.received.length;
      const echoed = textOf(await client.callTool({ name: 'search_customers', arguments: { query: JANE.email } }));
      const sent = upstream.received.slice(before).find((r) => r.tool === 'search_customers')?.arguments.query ?? '';
      check(/^tok_EMAIL_[A-Za-z0-9_-]+$/.test(sent), `${name}: the upstream should have received a token, got ${JSON.stringify(sent)}`);
      if (expected.detokenized) {
        check(echoed.includes(JANE.email) && !echoed.includes(sent), `${name} should see its e-mail address restored, got ${short(echoed)}`);
      } else {
        check(echoed.includes(sent) && !echoed.includes(JANE.email), `${name} should see the token only, got ${short(echoed)}`);
      }
      log(`  tokenized      search_customers {"query":"${JANE.email}"}: upstream received "${short(sent, 32)}"`);
      log(`                 -> ${short(echoed)} (${expected.detokenized ? 'detokenized: the policy permits it' : 'not detokenized: the policy does not permit it'})`);
    } finally {
      await client.close();
    }
  }
  return { tokens };
}

export { SmokeFailure };
