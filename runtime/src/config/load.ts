import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { configSchema, type ProxyConfig } from './schema';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

/** Validates a parsed document; throws ConfigError naming every bad field and what is wrong with it. */
export function parseConfig(doc: unknown, source = 'config'): ProxyConfig {
  const res = configSchema.safeParse(doc);
  if (res.success) return res.data;
  const lines = res.error.issues.map((issue) => `  - ${formatPath(issue.path)}: ${issue.message}`);
  throw new ConfigError(`Invalid proxy configuration (${source}):\n${lines.join('\n')}`);
}

/**
 * Where the configuration comes from, first match wins:
 * `--config <file>` argument, `MCP_PROXY_CONFIG` (the JSON document itself), `MCP_PROXY_CONFIG_FILE` (a path),
 * then `proxy-config.json` beside the bundle (how the CDK construct ships it inside the code asset).
 */
export function loadConfig(opts: { argv?: readonly string[]; env?: NodeJS.ProcessEnv; defaultFile?: string } = {}): ProxyConfig {
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
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`Invalid proxy configuration (${source}): not valid JSON: ${(e as Error).message}`);
  }
  return parseConfig(doc, source);
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
