/**
 * A realistic governance configuration document, in the shape the CDK construct emits (lib/mcp-governance-proxy.ts
 * writes `proxy-config.json` with the same sections: upstreams, identity, accessControl, sanitize, redact, tokenize,
 * audit). The governance end-to-end tests run the built proxy with it; the construct's tests can import
 * `GOVERNANCE_POLICY` / `governanceConfigExample()` and compare what the construct renders for equivalent props.
 *
 * Only the environment-specific parts (URLs, issuer, log group, endpoints) are parameters; the policy is fixed:
 *
 *   baseline (enforced)
 *     admins-all               admins may do everything (incl. detokenize)
 *     analysts-read-crm        analysts may call read-only crm tools (not detokenize)
 *     support-crm              support may call and detokenize get/search/update_customer on crm
 *     status-bot               the status-bot client with scope ops/status.read may call ops service_status
 *     no-destructive           destructive tools are forbidden except for admins
 *     contractors-no-records   contractors may not read customer records
 *     analysts-reports (raw)   analysts may read_file on ops only under /reports/ (argument condition)
 *   proposed (dry run)
 *     no-bulk-export           would forbid export_* for everyone but admins
 */
import type { ProxyConfigInput } from '../../runtime/src/config/schema';
import { APP_CLIENT_ID, STATUS_BOT_CLIENT_ID } from './gov-idp';

/** Where things are: everything that differs between a test run and a deployment. */
export interface GovEnvironment {
  readonly crmUrl: string;
  readonly opsUrl: string;
  /** The OIDC issuer (`iss`); the JWKS is found through its discovery document. */
  readonly issuer: string;
  /** The audit sink. @default stdout */
  readonly audit?:
    | { readonly sink: 'stdout' }
    | { readonly sink: 'cloudwatch'; readonly logGroupName: string; readonly endpoint?: string; readonly region?: string; readonly flushIntervalMs?: number };
  /** How the proxy authenticates to the ops upstream. @default none */
  readonly opsAuth?: { readonly tokenUrl: string; readonly clientId: string; readonly clientSecretArn: string };
  /** Name of the environment variable holding the audit digest salt. @default - a random salt per instance */
  readonly digestSaltEnv?: string;
}

/** The raw Cedar rule: analysts may read files on ops, but only under /reports/ and without `..`. */
export const ANALYSTS_REPORTS_CEDAR = `@id("analysts-reports")
permit (
  principal,
  action == McpProxy::Action::"tools/call",
  resource is McpProxy::Tool in McpProxy::Upstream::"ops"
)
when { principal.groups.contains("analysts") && resource.name == "read_file" }
when {
  context.arguments.hasTag("path") &&
  context.arguments.getTag("path") has string &&
  context.arguments.getTag("path").string like "/reports/*" &&
  !(context.arguments.getTag("path").string like "*..*")
};`;

/** The access-control section (the policy under test). */
export const GOVERNANCE_POLICY = {
  enabled: true,
  ruleSets: [
    {
      name: 'baseline',
      rules: [
        { id: 'admins-all', effect: 'permit', groups: ['admins'] },
        { id: 'analysts-read-crm', effect: 'permit', actions: ['tools/call'], groups: ['analysts'], upstreams: ['crm'], annotations: { readOnlyHint: true } },
        {
          id: 'support-crm',
          effect: 'permit',
          actions: ['tools/call', 'detokenize'],
          groups: ['support'],
          upstreams: ['crm'],
          tools: ['get_customer', 'search_customers', 'update_customer'],
        },
        {
          id: 'status-bot',
          effect: 'permit',
          actions: ['tools/call'],
          clientIds: [STATUS_BOT_CLIENT_ID],
          scopes: ['ops/status.read'],
          upstreams: ['ops'],
          tools: ['service_status'],
        },
        { id: 'no-destructive', effect: 'forbid', annotations: { destructiveHint: true }, exceptGroups: ['admins'] },
        { id: 'contractors-no-records', effect: 'forbid', groups: ['contractors'], tools: ['get_customer'] },
      ],
      cedar: ANALYSTS_REPORTS_CEDAR,
    },
    {
      name: 'proposed',
      dryRun: true,
      rules: [{ id: 'no-bulk-export', effect: 'forbid', actions: ['tools/call'], tools: ['export_*'], exceptGroups: ['admins'] }],
    },
  ],
} as const satisfies ProxyConfigInput['accessControl'];

/** Policy ids as the proxy reports them in decisions and audit records (`<rule set>.<rule id>`). */
export const POLICY_IDS = {
  adminsAll: 'baseline.admins-all',
  analystsReadCrm: 'baseline.analysts-read-crm',
  supportCrm: 'baseline.support-crm',
  statusBot: 'baseline.status-bot',
  noDestructive: 'baseline.no-destructive',
  contractorsNoRecords: 'baseline.contractors-no-records',
  analystsReports: 'baseline.analysts-reports',
  noBulkExport: 'proposed.no-bulk-export',
} as const;

/** Sanitization limits of the document (tests derive their oversized inputs from these). */
export const SANITIZE_LIMITS = { maxArgumentBytes: 8192, maxStringLength: 1024, maxDepth: 8 } as const;

/** The full configuration document for an environment. */
export function governanceConfig(env: GovEnvironment): ProxyConfigInput {
  const audit = env.audit ?? { sink: 'stdout' as const };
  return {
    version: 1,
    server: { shutdownGraceMs: 2000 },
    upstreams: [
      { name: 'crm', url: env.crmUrl, timeoutMs: 10_000 },
      {
        name: 'ops',
        url: env.opsUrl,
        timeoutMs: 10_000,
        ...(env.opsAuth
          ? {
              auth: {
                type: 'oauth2-client-credentials' as const,
                tokenUrl: env.opsAuth.tokenUrl,
                clientId: env.opsAuth.clientId,
                clientSecretArn: env.opsAuth.clientSecretArn,
                scopes: ['ops/admin'],
              },
            }
          : {}),
      },
    ],
    identity: {
      mode: 'jwt',
      jwt: {
        issuer: env.issuer,
        audiences: [],
        allowedClients: [APP_CLIENT_ID, STATUS_BOT_CLIENT_ID],
        groupsClaim: 'groups',
        scopesClaim: 'scope',
      },
    },
    accessControl: GOVERNANCE_POLICY as unknown as ProxyConfigInput['accessControl'],
    sanitize: {
      enabled: true,
      ...SANITIZE_LIMITS,
      controlCharacters: 'strip',
      denyPatterns: [{ name: 'sql_ddl', pattern: '\\b(drop|truncate|alter)\\s+table\\b', caseInsensitive: true, action: 'reject' }],
      injectionHeuristics: 'reject',
    },
    redact: { enabled: true, replacement: 'label' },
    tokenize: {
      enabled: true,
      detectors: ['EMAIL', 'PHONE', 'CREDIT_CARD', 'US_SSN', 'IBAN'],
      argumentPaths: ['crm__update_customer:customerId'],
      key: { source: 'env', variable: 'MCP_PROXY_TOKENIZATION_KEY' },
      detokenizeResults: true,
    },
    audit:
      audit.sink === 'cloudwatch'
        ? {
            sink: 'cloudwatch',
            failMode: 'closed',
            cloudwatch: {
              logGroupName: audit.logGroupName,
              ...(audit.region ? { region: audit.region } : {}),
              ...(audit.endpoint ? { endpoint: audit.endpoint } : {}),
            },
            ...(audit.flushIntervalMs ? { flushIntervalMs: audit.flushIntervalMs } : {}),
            ...(env.digestSaltEnv ? { digestSaltEnv: env.digestSaltEnv } : {}),
          }
        : { sink: 'stdout', failMode: 'closed', ...(env.digestSaltEnv ? { digestSaltEnv: env.digestSaltEnv } : {}) },
  };
}

/** The same document for a plausible deployment (https upstreams, a Cognito issuer, the construct's log group name). */
export function governanceConfigExample(): ProxyConfigInput {
  return governanceConfig({
    crmUrl: 'https://crm.example.com/mcp',
    opsUrl: 'https://ops.example.com/mcp',
    issuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_EXAMPLE',
    audit: { sink: 'cloudwatch', logGroupName: '/mcp-governance-proxy/example/audit' },
  });
}
