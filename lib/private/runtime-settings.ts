import type { IConstruct } from 'constructs';
import type { Problems } from '../errors';
import { ENV_PREFIX } from './deploy-values';
import { secretReason } from './secrets';

/** The request header allowlist: at most 20, no duplicates, none AgentCore refuses. */
export function validateRequestHeaders(all: string[], extra: string[], problems: Problems): void {
  if (all.length > 20) problems.add('requestHeaders', `makes ${all.length} allowlisted headers, over AgentCore's 20`, extra, 'Allow fewer headers.');
  const seen = new Set<string>();
  all.forEach((h) => {
    if (seen.has(h.toLowerCase())) problems.add('requestHeaders', 'names a header twice (Authorization is added for JWT inbound auth)', h, 'Remove the duplicate.');
    seen.add(h.toLowerCase());
  });
  extra.forEach((h, i) => {
    problems.pattern(`requestHeaders[${i}]`, h, /^[A-Za-z][A-Za-z0-9_-]{0,255}$/, 'Start with a letter; use letters, digits, _ and -.');
    const lower = h.toLowerCase();
    if (lower.startsWith('x-amz-') || (lower.startsWith('x-amzn-') && !lower.startsWith('x-amzn-bedrock-agentcore-runtime-custom-'))) {
      problems.add(`requestHeaders[${i}]`, 'is a header AgentCore does not pass to the container', h, 'Use X-Amzn-Bedrock-AgentCore-Runtime-Custom-<name> or a header without the x-amz prefix.');
    }
  });
}

/**
 * The user's environment variables, checked: no names the construct reserves, no secrets (environment variables are
 * plain text in the runtime's configuration).
 */
export function userEnvironment(scope: IConstruct, vars: { [name: string]: string }, reserved: string[], problems: Problems): { [name: string]: string } {
  const out: { [name: string]: string } = {};
  for (const [k, v] of Object.entries(vars)) {
    if (k.startsWith(ENV_PREFIX) || k.startsWith('MCP_PROXY_CONFIG') || reserved.includes(k)) {
      problems.add(`environmentVariables.${k}`, `uses a name reserved by the construct (${ENV_PREFIX}*, MCP_PROXY_CONFIG*, ${reserved.join(', ')})`, k, 'Rename the variable.');
    }
    const why = secretReason(scope, k, v);
    if (why) {
      problems.add(`environmentVariables.${k}`, `${why}: runtime environment variables are stored in plain text (GetAgentRuntime shows them)`, undefined,
        'Keep secrets in Secrets Manager: upstream credentials go through UpstreamAuth (apiKey, oauth2, clientCredentials), read at run time.');
    }
    out[k] = v;
  }
  return out;
}
