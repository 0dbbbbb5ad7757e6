/**
 * fast-check arbitraries for the reliability suite's fuzzing: JSON-RPC envelopes (valid, nearly valid and garbage),
 * tool arguments, inbound header sets and configuration documents (a valid base mutated at random paths).
 *
 * Runs are reproducible: `fuzzParameters()` uses a fixed seed unless FUZZ_SEED is set (a number, or `random`), and
 * the number of runs can be scaled with FUZZ_RUNS_SCALE (e.g. 10 for a longer local hunt).
 */
import fc from 'fast-check';

/** fc.assert parameters for this suite: bounded runs, reproducible seed (FUZZ_SEED overrides; `random` for a new one). */
export function fuzzParameters(numRuns: number): { numRuns: number; seed: number; endOnFailure: boolean } {
  const env = process.env.FUZZ_SEED;
  const seed = env === 'random' ? Date.now() ^ (Math.random() * 0x7fffffff) : env !== undefined && env !== '' ? Number(env) : 20261125;
  const scale = Number(process.env.FUZZ_RUNS_SCALE ?? '1');
  return { numRuns: Math.max(1, Math.round(numRuns * (Number.isFinite(scale) && scale > 0 ? scale : 1))), seed, endOnFailure: true };
}

/** Strings that stress parsers: any code unit (lone surrogates included), control characters, long runs. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom('', '\u0000', '\ud800', '\udfff', '\u202e', '\u200b', '__proto__', 'constructor', 'prototype', 'toString', '\r\n', '%00', '${jndi:x}', "'; DROP TABLE t;--", '../../etc/passwd') },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('a', '\u00e9', '\ud83d\ude00', '[', '{', '"', '\\'), fc.integer({ min: 100, max: 5000 })).map(([c, n]) => c.repeat(n)) },
);

/** Any JSON value, with nasty strings as keys and values. */
export const nastyJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(0, -0, 1e308, -1e308, 5e-324, 2 ** 53, -(2 ** 53) - 2, 1.5),
    nastyString,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(nastyString, tie('value'), { maxKeys: 5 }),
  ),
})).value;

const METHODS = [
  'initialize', 'ping', 'tools/list', 'tools/call', 'resources/list', 'resources/read', 'resources/templates/list', 'prompts/list',
  'prompts/get', 'completion/complete', 'logging/setLevel', 'notifications/initialized', 'notifications/cancelled', 'sampling/createMessage',
  'tools/call/', 'TOOLS/CALL', 'rpc.discover', '__proto__', 'constructor',
] as const;

const idArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.integer() },
  { weight: 3, arbitrary: nastyString },
  { weight: 1, arbitrary: fc.constantFrom(null, true, 1.5, -0, 1e308, [], {}, [1], { a: 1 }) },
);

const paramsArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ name: fc.oneof(fc.constantFrom('ok', 'echo', 'nope'), nastyString), arguments: nastyJson }, { requiredKeys: [] }) },
  { weight: 2, arbitrary: fc.record({ uri: nastyString, cursor: nastyJson, protocolVersion: fc.oneof(fc.constantFrom('2025-06-18', '2025-03-26'), nastyString), _meta: nastyJson }, { requiredKeys: [] }) },
  { weight: 2, arbitrary: fc.record({ ref: nastyJson, argument: nastyJson, requestId: idArb, level: nastyString }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: nastyJson },
);

/** A JSON-RPC-shaped object: each member present or not, of the right type or not. */
const envelopeObject: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    jsonrpc: fc.oneof({ weight: 6, arbitrary: fc.constant('2.0') }, { weight: 1, arbitrary: fc.constantFrom('1.0', '2', 2, null) }, { weight: 1, arbitrary: nastyString }),
    id: idArb,
    method: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...METHODS) }, { weight: 1, arbitrary: nastyString }, { weight: 1, arbitrary: nastyJson }),
    params: paramsArb,
    result: nastyJson,
    error: nastyJson,
  },
  { requiredKeys: [] },
);

export interface FuzzBody {
  /** What is POSTed. */
  readonly body: string;
  readonly kind: 'envelope' | 'json' | 'garbage' | 'truncated' | 'batch' | 'deep';
}

/** Request bodies: JSON-RPC-ish envelopes, other JSON, garbage text, truncated JSON, batches, deep nesting. */
export const requestBody: fc.Arbitrary<FuzzBody> = fc.oneof(
  { weight: 8, arbitrary: envelopeObject.map((o) => ({ body: JSON.stringify(o), kind: 'envelope' as const })) },
  { weight: 2, arbitrary: nastyJson.map((v) => ({ body: JSON.stringify(v) ?? 'null', kind: 'json' as const })) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((s) => ({ body: s, kind: 'garbage' as const })) },
  {
    weight: 2,
    arbitrary: fc.tuple(envelopeObject, fc.double({ min: 0, max: 1, noNaN: true })).map(([o, f]) => {
      const t = JSON.stringify(o);
      return { body: t.slice(0, Math.floor(t.length * f)), kind: 'truncated' as const };
    }),
  },
  { weight: 1, arbitrary: fc.array(envelopeObject, { maxLength: 4 }).map((a) => ({ body: JSON.stringify(a), kind: 'batch' as const })) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.integer({ min: 100, max: 60_000 }), fc.constantFrom('[', '{"a":')).map(([depth, open]) => {
      const close = open === '[' ? ']' : '}';
      const args = `${open.repeat(depth)}1${close.repeat(depth)}`;
      return { body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"ok","arguments":{"deep":${args}}}}`, kind: 'deep' as const };
    }),
  },
);

/** Tool arguments: a JSON object of nasty keys and values. */
export const toolArguments: fc.Arbitrary<Record<string, unknown>> = fc.dictionary(nastyString, nastyJson, { maxKeys: 8 });

/** A valid HTTP header value (visible ASCII and spaces, no CR/LF), sometimes long. */
const headerValue: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 }),
  fc.constantFrom('', ' ', 'null', '2025-06-18', '1999-01-01', 'application/json', 'text/event-stream', '*/*', 'Bearer', 'Bearer x.y.z', 'localhost'),
  fc.integer({ min: 1000, max: 8000 }).map((n) => 'v'.repeat(n)),
);

/** Inbound header sets: the MCP-relevant headers with odd values, plus random extra headers. */
export const headerSet: fc.Arbitrary<Record<string, string>> = fc
  .record(
    {
      'content-type': fc.oneof(fc.constantFrom('application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/json-seq', 'text/plain', 'application/jsonx', ''), headerValue),
      accept: fc.oneof(fc.constantFrom('application/json, text/event-stream', 'text/event-stream', 'application/json', '*/*', ''), headerValue),
      'mcp-protocol-version': fc.oneof(fc.constantFrom('2025-06-18', '2025-03-26', '2024-11-05', '2025-11-25'), headerValue),
      'mcp-session-id': headerValue,
      'x-amzn-bedrock-agentcore-runtime-session-id': headerValue,
      authorization: headerValue,
      workloadaccesstoken: headerValue,
      origin: fc.oneof(fc.constantFrom('http://localhost', 'null', 'http://evil.example.com', 'file://'), headerValue),
      'last-event-id': headerValue,
    },
    { requiredKeys: [] },
  )
  .chain((h) =>
    fc.dictionary(fc.stringMatching(/^x-[a-z0-9-]{1,20}$/), headerValue, { maxKeys: 4 }).map((extra) => ({ ...extra, ...h })),
  );

/** Sets `value` at a path inside a deep copy of `doc` (creating objects as needed); `undefined` deletes the member. */
function setPath(doc: unknown, path: readonly (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  const base = (doc !== null && typeof doc === 'object' ? (Array.isArray(doc) ? [...doc] : { ...(doc as Record<string, unknown>) }) : {}) as Record<string | number, unknown>;
  const next = setPath(base[head], rest, value);
  if (next === undefined) delete base[head];
  // defineProperty: a "__proto__" path becomes an own member (as JSON.parse would make it), never the prototype.
  else Object.defineProperty(base, head, { value: next, enumerable: true, writable: true, configurable: true });
  return base;
}

/** Paths worth mutating in a configuration document. */
const CONFIG_PATHS: readonly (readonly (string | number)[])[] = [
  [], ['version'], ['server'], ['server', 'port'], ['server', 'maxBodyBytes'], ['server', 'path'], ['server', 'host'], ['naming', 'separator'], ['naming', 'mode'],
  ['discovery', 'refreshIntervalMs'], ['upstreams'], ['upstreams', 0], ['upstreams', 0, 'name'], ['upstreams', 0, 'url'], ['upstreams', 0, 'timeoutMs'],
  ['upstreams', 0, 'headers'], ['upstreams', 0, 'auth'], ['upstreams', 0, 'auth', 'type'], ['upstreams', 1], ['identity'], ['identity', 'mode'],
  ['identity', 'jwt'], ['identity', 'jwt', 'issuer'], ['identity', 'jwt', 'audiences'], ['identity', 'jwt', 'algorithms'], ['accessControl', 'enabled'],
  ['accessControl', 'ruleSets'], ['accessControl', 'ruleSets', 0, 'rules', 0], ['accessControl', 'ruleSets', 0, 'rules', 0, 'tools'],
  ['accessControl', 'ruleSets', 0, 'cedar'], ['sanitize', 'denyPatterns'], ['sanitize', 'denyPatterns', 0, 'pattern'], ['sanitize', 'maxDepth'],
  ['redact', 'custom'], ['redact', 'custom', 0, 'pattern'], ['tokenize', 'key'], ['audit', 'sink'], ['audit', 'cloudwatch'], ['audit', 'maxBufferedRecords'],
  ['audit', 'unhealthyPendingRecords'], ['__proto__'], ['constructor'], ['extra'],
];

/** Values a mutation writes: JSON of every type, regex-ish strings, numbers at the edges, undefined (delete). */
const configValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: nastyJson },
  { weight: 2, arbitrary: fc.constantFrom(undefined, null, -1, 0, 1, 65536, 2 ** 53, 1e308, '', 'x', [], {}, true, 'http://127.0.0.1:1/mcp', 'ftp://x', '(a+)+$', '(a)\\1', '(?=x)', '[', '*') },
);

/** A valid base configuration document. */
export const BASE_CONFIG = {
  version: 1,
  server: { port: 8000, maxBodyBytes: 65536 },
  upstreams: [{ name: 'a', url: 'http://127.0.0.1:9/mcp', timeoutMs: 1000 }],
  accessControl: { enabled: true, ruleSets: [{ name: 'rs', rules: [{ effect: 'permit', tools: ['read_*'] }] }] },
  sanitize: { enabled: true, denyPatterns: [{ name: 'sql', pattern: 'drop\\s+table', caseInsensitive: true }] },
  redact: { enabled: true, custom: [{ name: 'TICKET', pattern: 'T-[0-9]{6}' }] },
  audit: { sink: 'stdout' },
} as const;

/** Mutations that keep the document valid (so that accepted documents, and what the validators do with them, get fuzzed too). */
const VALID_MUTATIONS: readonly (readonly [readonly (string | number)[], fc.Arbitrary<unknown>])[] = [
  [['server', 'port'], fc.integer({ min: 0, max: 65535 })],
  [['server', 'maxBodyBytes'], fc.integer({ min: 1, max: 2 ** 30 })],
  [['naming', 'mode'], fc.constantFrom('auto', 'always', 'never')],
  [['naming', 'separator'], fc.stringMatching(/^[A-Za-z0-9_.-]{1,8}$/)],
  [['upstreams', 0, 'timeoutMs'], fc.integer({ min: 1, max: 900_000 })],
  [['upstreams', 0, 'headers'], fc.dictionary(fc.stringMatching(/^x-[a-z]{1,10}$/), fc.string({ maxLength: 20 }), { maxKeys: 3 })],
  [['accessControl', 'enabled'], fc.boolean()],
  [['accessControl', 'ruleSets', 0, 'rules', 0, 'tools'], fc.array(fc.stringMatching(/^[a-z_*]{1,12}$/), { minLength: 1, maxLength: 3 })],
  [['accessControl', 'ruleSets', 0, 'rules', 0, 'when'], fc.constantFrom('true', 'context.arguments.hasTag("x")', 'principal.groups.contains("a")', 'resource.readOnly', 'this is not cedar')],
  [['accessControl', 'ruleSets', 0, 'cedar'], fc.constantFrom('permit(principal, action, resource);', 'forbid(principal, action, resource) when { resource.destructive };', 'permit(principal, action == Mcp::Action::"nope", resource);', 'garbage(')],
  [['sanitize', 'enabled'], fc.boolean()],
  [['sanitize', 'denyPatterns', 0, 'pattern'], fc.constantFrom('a+', '(a+)+$', '(a)\\1', '(?=a)', '[', '\\p{L}+', '(?i)secret', '\\bdrop\\b', '.{0,1000}x')],
  [['redact', 'custom', 0, 'pattern'], fc.constantFrom('T-[0-9]{6}', '(x+x+)+y', '(?<=a)b', '[[:alpha:]]+', '')],
  [['audit', 'sink'], fc.constantFrom('stdout', 'none')],
  [['audit', 'maxBufferedRecords'], fc.integer({ min: 1, max: 100_000 })],
  [['redact'], fc.constant(undefined)],
  [['sanitize'], fc.constant(undefined)],
];
const validMutation = fc.constantFrom(...VALID_MUTATIONS).chain(([path, arb]) => arb.map((v) => [path, v] as const));

/** Configuration documents: the valid base with 1-4 mutations (most of them type-correct), or an arbitrary JSON value. */
export const configDocument: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.array(validMutation, { minLength: 1, maxLength: 4 }).map((muts) => muts.reduce<unknown>((doc, [p, v]) => setPath(doc, p, v), BASE_CONFIG)) },
  { weight: 6, arbitrary: fc.array(fc.tuple(fc.constantFrom(...CONFIG_PATHS), configValue), { minLength: 1, maxLength: 4 }).map((muts) => muts.reduce<unknown>((doc, [p, v]) => setPath(doc, p, v), BASE_CONFIG)) },
  { weight: 1, arbitrary: nastyJson },
);
