/**
 * What the benchmark measures, as data: the targets (how each is started and called) and the proxy configurations.
 * Edit here to add a target or change a pipeline; run.mjs and the sections only iterate over these.
 *
 * Every proxy configuration is a plain config document (runtime/src/config/schema.ts, version 1) built from the
 * run's environment: the upstream URL, the loopback IdP, the loopback CloudWatch Logs endpoint.
 */

/** The hot-path call: a small echo whose text carries one email address, so tokenization and redaction have work. */
export const SMALL_CALL = { name: 'echo', arguments: { text: 'Hello from the benchmark; reply to jane.doe@example.com please.' } };

/** Audience the IdP puts in bench tokens and the proxy requires. */
export const AUDIENCE = 'bench-proxy';
export const BENCH_GROUP = 'bench-users';

/** Common server/discovery settings: loopback, no background refresh during measurements. */
function base(env, port) {
  return {
    version: 1,
    server: { host: '127.0.0.1', port, maxBodyBytes: 1_048_576 },
    discovery: { refreshIntervalMs: 0 },
    upstreams: [{ name: 'bench', url: env.upstreamUrl, timeoutMs: 30_000 }],
  };
}

/** (b) pure pass-through: identity none, access control off, every stage off, audit sink none. */
export function passthroughConfig(env, port) {
  return {
    ...base(env, port),
    identity: { mode: 'none' },
    accessControl: { enabled: false },
    sanitize: { enabled: false },
    tokenize: { enabled: false },
    redact: { enabled: false },
    audit: { sink: 'none', metrics: { enabled: false } },
  };
}

/**
 * Cedar rules: one permit that matches the bench caller (tools/call on echo and blob, not detokenize: the caller gets
 * tokens back), a forbid on destructive tools, plus `extra` rules that do not match it (policy scale).
 */
export function accessRules(extra = 0) {
  const rules = [
    { id: 'bench-permit', effect: 'permit', actions: ['tools/call'], groups: [BENCH_GROUP], tools: ['echo', 'blob'] },
    { id: 'bench-forbid-destructive', effect: 'forbid', actions: ['tools/call'], annotations: { destructiveHint: true } },
  ];
  for (let i = 0; i < extra; i++) {
    rules.push({ id: `filler-${i}`, effect: i % 10 === 9 ? 'forbid' : 'permit', actions: ['tools/call'], groups: [`team-${i}`], tools: [`tool_${String(i % 100_000).padStart(5, '0')}`] });
  }
  return rules;
}

/** Identity section for the loopback IdP (oauth2-mock-server). */
function identity(env) {
  return {
    mode: 'jwt',
    jwt: { issuer: env.idp.issuer, jwksUri: env.idp.jwksUri, audiences: [AUDIENCE], groupsClaim: 'groups', scopesClaim: 'scope' },
  };
}

/** Audit section: the loopback CloudWatch Logs endpoint when it runs, else stdout (sent to /dev/null by the harness). */
function audit(env) {
  if (env.cloudwatch) {
    return {
      sink: 'cloudwatch',
      failMode: 'closed',
      flushIntervalMs: 1_000,
      cloudwatch: { logGroupName: env.cloudwatch.logGroup, region: env.cloudwatch.region, endpoint: env.cloudwatch.endpoint },
      metrics: { enabled: true },
    };
  }
  return { sink: 'stdout', failMode: 'closed', metrics: { enabled: true } };
}

/** (c) full governance pipeline: JWT, Cedar, sanitization, tokenization, redaction, audit. */
export function fullConfig(env, port, { extraRules = 0 } = {}) {
  return {
    ...base(env, port),
    identity: identity(env),
    accessControl: { enabled: true, ruleSets: [{ name: 'bench', rules: accessRules(extraRules) }] },
    sanitize: { enabled: true, validateSchema: true, controlCharacters: 'strip', injectionHeuristics: 'reject' },
    tokenize: { enabled: true, key: { source: 'env', variable: 'MCP_PROXY_TOKENIZATION_KEY' } },
    redact: { enabled: true, replacement: 'label' },
    audit: audit(env),
  };
}

/**
 * The full pipeline whose policy also holds a generic permit (one that names no tool) that the bench caller meets and
 * whose condition reads the target (`resource.name like "report_*"`; no bench tool matches, so the same two tools stay
 * visible). Such a permit might apply to any entry, so a list evaluates Cedar for each of them: the worst case. With
 * only tool-scoped permits (fullConfig), or generic ones the caller cannot meet, the entries no permit can apply to
 * are hidden without an evaluation.
 */
export function fullGenericPermitConfig(env, port) {
  const cfg = fullConfig(env, port);
  cfg.accessControl.ruleSets[0].rules.push({ id: 'bench-reports', effect: 'permit', actions: ['tools/call'], groups: [BENCH_GROUP], when: 'resource.name like "report_*"' });
  return cfg;
}

/**
 * (c') the full pipeline with its audit records on stdout (/dev/null) instead of the loopback CloudWatch Logs endpoint,
 * whose own CPU competes with everything else on the benchmark machine (on AWS that work is the service's).
 */
export function fullStdoutConfig(env, port) {
  return fullConfig({ ...env, cloudwatch: undefined }, port);
}

/**
 * (c3) the full pipeline with tool pinning enforced: the lock the bundle's own `pin` command wrote for the bench
 * upstream at the start of the run (env.toolLock; lib/targets.mjs makeToolLock), so every entry is checked against it.
 */
export function pinnedConfig(env, port) {
  if (!env.toolLock) throw new Error('no tool lock: the pin command did not run (see the setup log)');
  return { ...fullConfig(env, port), pinning: { mode: 'enforce', lock: env.toolLock } };
}

/** Identity + access control only (policy-scale runs isolate the Cedar decision). */
export function accessOnlyConfig(env, port, { extraRules = 0 } = {}) {
  return {
    ...passthroughConfig(env, port),
    identity: identity(env),
    accessControl: { enabled: true, ruleSets: [{ name: 'bench', rules: accessRules(extraRules) }] },
  };
}

/** Redaction only (payload-scale runs isolate the redactor). */
export function redactOnlyConfig(env, port) {
  return { ...passthroughConfig(env, port), redact: { enabled: true, replacement: 'label' } };
}

/** Environment variables a proxy child gets besides MCP_PROXY_CONFIG. */
export function proxyEnv(env) {
  const out = { MCP_PROXY_LOG_LEVEL: 'info', MCP_PROXY_TOKENIZATION_KEY: env.tokenizationKey };
  if (env.cloudwatch) {
    Object.assign(out, {
      AWS_REGION: env.cloudwatch.region,
      AWS_ACCESS_KEY_ID: env.cloudwatch.accessKeyId,
      AWS_SECRET_ACCESS_KEY: env.cloudwatch.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: 'true',
    });
  }
  return out;
}

/**
 * The side-by-side targets of the hot-path runs, in the order they are measured (interleaved per concurrency).
 * kind: direct (the upstream itself), proxy (our bundle with `config`; `era: 'modern'`: measured with a 2026-07-28 caller), peer-http (mcp-proxy library, HTTP->HTTP),
 * peer-cli (mcp-proxy CLI fronting the stdio variant of the same upstream), floor (the least a Node.js HTTP hop costs:
 * bench/servers/floor-proxy.mjs relays bytes, no MCP, no JSON, no governance).
 */
export const TARGETS = [
  { id: 'direct', label: '(a) upstream direct', kind: 'direct', auth: false },
  { id: 'floor', label: '(e) floor: bare Node.js HTTP relay', kind: 'floor', auth: false, note: 'bench/servers/floor-proxy.mjs: body in, keep-alive POST upstream, body out; no MCP, no JSON parsing' },
  { id: 'floor-modern', label: "(e') floor relay in front of the 2026-07-28 upstream", kind: 'floor', auth: false, era: 'modern', upstream: 'modern', note: 'as (e), in front of (a3), relaying 2026-07-28 requests (MCP-* headers passed on): the baseline of (b3) and (b4)' },
  { id: 'passthrough', label: '(b) proxy pass-through', kind: 'proxy', config: passthroughConfig, auth: false, note: 'identity none, access control off, stages off, audit sink none' },
  { id: 'full', label: '(c) proxy full pipeline', kind: 'proxy', config: fullConfig, auth: true, note: 'JWT (oauth2-mock-server), Cedar, sanitize, tokenize, redact, audit' },
  { id: 'passthrough-modern', label: '(b2) proxy pass-through, 2026-07-28 caller', kind: 'proxy', config: passthroughConfig, auth: false, era: 'modern', note: 'as (b), the caller speaks 2026-07-28 (envelope in _meta, Mcp-* headers checked); the upstream as in (b)' },
  { id: 'full-modern', label: '(c2) proxy full pipeline, 2026-07-28 caller', kind: 'proxy', config: fullConfig, auth: true, era: 'modern', note: 'as (c), the caller speaks 2026-07-28' },
  { id: 'direct-modern', label: '(a3) modern upstream direct', kind: 'direct', auth: false, era: 'modern', upstream: 'modern', note: 'bench/servers/upstream-modern.mjs: the same tools on the SDK v2 server, 2026-07-28 only; the reference for (b3) and (b4)' },
  { id: 'passthrough-upstream-modern', label: '(b3) proxy pass-through, 2025 caller, 2026-07-28 upstream', kind: 'proxy', config: passthroughConfig, auth: false, upstream: 'modern', note: 'as (b), the upstream is (a3): the proxy found its era with server/discover and speaks 2026-07-28 to it' },
  { id: 'passthrough-both-modern', label: '(b4) proxy pass-through, 2026-07-28 caller and upstream', kind: 'proxy', config: passthroughConfig, auth: false, era: 'modern', upstream: 'modern', note: 'as (b3), the caller speaks 2026-07-28 too' },
  { id: 'full-pinned', label: '(c3) proxy full pipeline + tool pinning', kind: 'proxy', config: pinnedConfig, auth: true, note: 'as (c), with pinning enforce and a lock of the upstream written by the bundle\'s pin command' },
  { id: 'full-stdout', label: "(c') proxy full pipeline, audit to stdout", kind: 'proxy', config: fullStdoutConfig, auth: true, note: 'as (c), audit records written to stdout (/dev/null) instead of the loopback CloudWatch Logs endpoint' },
  { id: 'peer', label: '(d) peer mcp-proxy (HTTP->HTTP)', kind: 'peer-http', auth: false, note: 'mcp-proxy library API, stateless, pass-through' },
  { id: 'peer-cli', label: "(d') peer mcp-proxy CLI (stdio upstream)", kind: 'peer-cli', auth: false, note: 'mcp-proxy CLI --stateless fronting the stdio variant of the upstream' },
];
