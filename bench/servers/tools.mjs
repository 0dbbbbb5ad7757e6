/**
 * The benchmark upstream's tools, shared by the HTTP and stdio variants so every target serves the same catalog.
 *
 * - `echo` {text}: returns the text (the small-payload hot-path call).
 * - `blob` {bytes}: returns a text block of exactly `bytes` bytes with PII sprinkled in (payload / redaction runs).
 * - `tool_00002` ... : filler tools to reach a catalog of N tools (discovery / tools/list scale runs).
 */

const ECHO = {
  name: 'echo',
  description: 'Echoes the text back.',
  inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'], additionalProperties: false },
  annotations: { readOnlyHint: true, openWorldHint: false },
};

const BLOB = {
  name: 'blob',
  description: 'Returns a text block of the requested size.',
  inputSchema: { type: 'object', properties: { bytes: { type: 'integer', minimum: 0, maximum: 16_777_216 } }, required: ['bytes'], additionalProperties: false },
  annotations: { readOnlyHint: true, openWorldHint: false },
};

/** Tool definitions for a catalog of `total` tools (at least echo and blob). */
export function toolDefinitions(total = 2) {
  const tools = [ECHO, BLOB];
  for (let i = tools.length; i < total; i++) {
    const name = `tool_${String(i).padStart(5, '0')}`;
    tools.push({
      name,
      description: `Filler tool number ${i} of the benchmark catalog.`,
      inputSchema: { type: 'object', properties: { q: { type: 'string' }, limit: { type: 'integer' } }, additionalProperties: false },
      annotations: { readOnlyHint: i % 2 === 0 },
    });
  }
  return tools;
}

// One ~200-byte line: prose with an email, a phone number, an IP address and a card-like number (Luhn-valid test PAN).
const LINE =
  'Order 1042 shipped to jane.doe@example.com; call +1 415-555-0100 from 203.0.113.7 with card 4111 1111 1111 1111 when ready. ' +
  'The rest of this line is ordinary prose without anything to hide.\n';

const blobCache = new Map();
/** A text of exactly `bytes` bytes (ASCII), built from repeated LINEs; cached per size. */
export function blobText(bytes) {
  let text = blobCache.get(bytes);
  if (text === undefined) {
    text = LINE.repeat(Math.ceil(bytes / LINE.length)).slice(0, bytes);
    if (blobCache.size > 16) blobCache.clear();
    blobCache.set(bytes, text);
  }
  return text;
}

/** The tools/call handler shared by both transports. Unknown tools answer isError like SDK servers do. */
export function callTool(name, args) {
  if (name === 'echo') return { content: [{ type: 'text', text: String(args?.text ?? '') }] };
  if (name === 'blob') return { content: [{ type: 'text', text: blobText(Math.max(0, Math.min(16_777_216, Number(args?.bytes) || 0))) }] };
  if (/^tool_\d{5}$/.test(name)) return { content: [{ type: 'text', text: `${name} ok` }] };
  return { content: [{ type: 'text', text: `Unknown tool: ${name}` }], isError: true };
}
