import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { canonicalJson } from '../canonical-json';
import { z } from 'zod';
import { configSchema, type ProxyConfig } from './schema';

export class ConfigError extends Error {
  /** One `<path>: <problem>` line per problem (just the message when there is no field to name). */
  readonly issues: readonly string[];
  constructor(message: string, issues?: readonly string[]) {
    super(message);
    this.name = 'ConfigError';
    this.issues = issues ?? [message];
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

/** Validates a parsed document; throws ConfigError naming every bad field and what is wrong with it. */
export function parseConfig(doc: unknown, source = 'config'): ProxyConfig {
  // jitless: the document is parsed once per process; zod's compiled fast path for each object schema costs more to
  // generate than it saves on one parse (~10-50 ms of a cold start on Node 22).
  const res = configSchema.safeParse(doc, { jitless: true });
  if (res.success) return res.data;
  const issues = res.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
  throw new ConfigError(`Invalid proxy configuration (${source}):\n${issues.map((l) => `  - ${l}`).join('\n')}`, issues);
}

/** Where to look for the configuration document. */
export interface ConfigSourceOptions {
  readonly argv?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly defaultFile?: string;
}

/** The configuration document as written (before `${env:...}` substitution and defaults), and where it came from. */
export interface ConfigDocument {
  readonly doc: unknown;
  readonly source: string;
}

/**
 * Reads the configuration document; first match wins:
 * `--config <file>` argument, `MCP_PROXY_CONFIG` (the JSON document itself), `MCP_PROXY_CONFIG_FILE` (a path),
 * then `proxy-config.json` beside the bundle (how the CDK construct ships it inside the code asset).
 */
export function readConfigDocument(opts: ConfigSourceOptions = {}): ConfigDocument {
  const argv = opts.argv ?? process.argv.slice(2);
  const env = opts.env ?? process.env;
  const argIdx = argv.indexOf('--config');
  let text: string;
  let source: string;
  if (argIdx >= 0 && argv[argIdx + 1]) {
    source = argv[argIdx + 1];
    text = readSource(source);
  } else if (env.MCP_PROXY_CONFIG) {
    source = 'MCP_PROXY_CONFIG';
    text = env.MCP_PROXY_CONFIG;
  } else if (env.MCP_PROXY_CONFIG_FILE) {
    source = env.MCP_PROXY_CONFIG_FILE;
    text = readSource(source);
  } else if (opts.defaultFile) {
    source = opts.defaultFile;
    text = readSource(source);
  } else {
    throw new ConfigError('No proxy configuration: pass --config <file>, or set MCP_PROXY_CONFIG (JSON) or MCP_PROXY_CONFIG_FILE (path)');
  }
  try {
    return { doc: JSON.parse(text), source };
  } catch (e) {
    throw new ConfigError(`Invalid proxy configuration (${source}): not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * Deploy-time values: any string may hold `${env:NAME}` placeholders, replaced by that environment variable's value
 * before validation. The CDK construct ships the document inside the code asset (so it must be deterministic) and
 * passes values only known at deploy time (user pool issuer, client ids, URLs, ARNs) as runtime environment variables.
 * An unset variable is a configuration error naming the field.
 */
const PLACEHOLDER = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g;

export function substituteEnvPlaceholders(doc: unknown, env: NodeJS.ProcessEnv, source = 'config'): unknown {
  const missing: string[] = [];
  const walk = (node: unknown, path: (string | number)[]): unknown => {
    if (typeof node === 'string') {
      if (!node.includes('${env:')) return node;
      return node.replace(PLACEHOLDER, (whole, name: string) => {
        const value = env[name];
        if (value === undefined) {
          missing.push(`${formatPath(path)}: environment variable ${name} is not set (the document says ${whole})`);
          return whole;
        }
        return value;
      });
    }
    if (Array.isArray(node)) return node.map((v, i) => walk(v, [...path, i]));
    if (node && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
        Object.defineProperty(out, k, { value: walk(v, [...path, k]), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    return node;
  };
  const resolved = walk(doc, []);
  if (missing.length > 0) {
    throw new ConfigError(`Invalid proxy configuration (${source}):\n${missing.map((l) => `  - ${l}`).join('\n')}`, missing);
  }
  return resolved;
}

/** Substitutes placeholders and validates: the configuration the proxy runs with. */
export function resolveConfig(document: ConfigDocument, env: NodeJS.ProcessEnv = process.env): ProxyConfig {
  return parseConfig(substituteEnvPlaceholders(document.doc, env, document.source), document.source);
}

/**
 * `sha256:<hex>` of the canonical JSON (RFC 8785) of the document as written, placeholders included: it identifies
 * the shipped policy whatever the deploy-time values are, so the construct's synth-time `check`, the compliance report
 * and the running proxy's `ready` log line show the same digest.
 */
export function configDigest(document: ConfigDocument): string {
  return `sha256:${createHash('sha256').update(canonicalJson(document.doc)).digest('hex')}`;
}

/** Reads, substitutes and validates the configuration (see readConfigDocument for where it comes from). */
export function loadConfig(opts: ConfigSourceOptions = {}): ProxyConfig {
  return resolveConfig(readConfigDocument(opts), opts.env ?? process.env);
}

function readSource(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`Cannot read proxy configuration file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** JSON Schema of the configuration contract (for schema/config.schema.json). */
export function configJsonSchema(): unknown {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' });
}
