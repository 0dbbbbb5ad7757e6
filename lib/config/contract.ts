/**
 * The proxy configuration document the construct writes (`proxy-config.json`), as TypeScript types.
 *
 * This mirrors the contract in runtime/src/config/schema.ts and runtime/src/config/sections/*.ts (JSON Schema:
 * schema/config.schema.json) in its *input* form: only the fields the construct sets, everything else takes the
 * runtime's default. lib/ never imports runtime/: a test validates generated documents against the JSON Schema,
 * and the synth-time `check` runs the runtime's own validator on every document.
 *
 * Internal: not part of the jsii API.
 */

export const CONFIG_VERSION = 1;

export interface ServerConfig {
  readonly maxBodyBytes?: number;
}

export interface NamingConfig {
  readonly mode?: 'auto' | 'always' | 'never';
  readonly separator?: string;
}

export interface DiscoveryConfig {
  readonly refreshIntervalMs?: number;
}

export type UpstreamAuthConfig =
  | { readonly type: 'none' }
  | { readonly type: 'sigv4'; readonly service?: string; readonly region?: string }
  | {
      readonly type: 'agentcore-oauth2';
      readonly providerName: string;
      readonly scopes?: string[];
      readonly workloadName?: string;
    }
  | {
      readonly type: 'oauth2-client-credentials';
      readonly tokenUrl: string;
      readonly clientId: string;
      readonly clientSecretArn: string;
      readonly clientSecretJsonKey?: string;
      readonly scopes?: string[];
      readonly audience?: string;
      readonly clientAuthMethod?: 'client_secret_basic' | 'client_secret_post';
    }
  | {
      readonly type: 'agentcore-api-key';
      readonly providerName: string;
      readonly headerName?: string;
      readonly valuePrefix?: string;
      readonly workloadName?: string;
    };

export interface UpstreamConfig {
  readonly name: string;
  readonly url: string;
  readonly prefix?: string;
  readonly timeoutMs: number;
  readonly headers?: Record<string, string>;
  readonly protocol?: 'auto' | 'legacy' | 'modern';
  readonly auth: UpstreamAuthConfig;
}

export interface JwtConfig {
  readonly issuer: string;
  readonly jwksUri?: string;
  readonly audiences?: string[];
  readonly allowedClients?: string[];
  readonly tokenType?: 'access' | 'at+jwt' | 'any';
  readonly algorithms?: string[];
  readonly groupsClaim?: string;
  readonly groupsSeparator?: string;
  readonly scopesClaim?: string;
  readonly claims?: string[];
}

export interface IdentityConfig {
  readonly mode: 'jwt' | 'iam' | 'none';
  readonly jwt?: JwtConfig;
}

export type AccessActionValue =
  | 'tools/call'
  | 'resources/read'
  | 'prompts/get'
  | 'detokenize'
  | 'input/elicitation-form'
  | 'input/elicitation-url'
  | 'input/sampling'
  | 'input/roots';

export interface AccessRuleConfig {
  readonly id?: string;
  readonly effect: 'permit' | 'forbid';
  readonly actions?: AccessActionValue[];
  readonly groups?: string[];
  readonly scopes?: string[];
  readonly clientIds?: string[];
  readonly subjects?: string[];
  readonly tools?: string[];
  readonly upstreams?: string[];
  readonly annotations?: {
    readonly readOnlyHint?: boolean;
    readonly destructiveHint?: boolean;
    readonly idempotentHint?: boolean;
    readonly openWorldHint?: boolean;
  };
  readonly exceptGroups?: string[];
  readonly when?: string;
}

export interface RuleSetConfig {
  readonly name: string;
  readonly dryRun: boolean;
  readonly rules: AccessRuleConfig[];
  readonly cedar?: string;
}

export interface AccessControlConfig {
  readonly enabled: boolean;
  readonly ruleSets: RuleSetConfig[];
  /** The candidate policy, evaluated and audited where it disagrees, never enforced. */
  readonly shadow?: { readonly enabled: boolean; readonly ruleSets: RuleSetConfig[] };
}

export interface SanitizeConfig {
  readonly enabled: boolean;
  readonly validateSchema?: boolean;
  readonly maxArgumentBytes?: number;
  readonly maxDepth?: number;
  readonly maxStringLength?: number;
  readonly controlCharacters?: 'strip' | 'reject' | 'allow';
  readonly rejectUnknownArguments?: boolean;
  readonly denyPatterns?: { readonly name: string; readonly pattern: string; readonly caseInsensitive?: boolean; readonly action?: 'reject' | 'audit' }[];
  readonly injectionHeuristics?: 'reject' | 'audit' | 'off';
}

export interface RedactConfig {
  readonly enabled: boolean;
  readonly detectors?: string[];
  readonly custom?: { readonly name: string; readonly pattern: string }[];
  readonly replacement?: 'label' | 'mask';
}

export interface TokenizeConfig {
  readonly enabled: boolean;
  readonly detectors?: string[];
  readonly argumentPaths?: string[];
  readonly key?: { readonly source: 'secretsManager'; readonly secretArn: string };
  readonly detokenizeResults?: boolean;
}

export interface AuditConfig {
  readonly sink: 'stdout' | 'cloudwatch' | 'none';
  readonly cloudwatch?: { readonly logGroupName: string };
  readonly failMode?: 'closed' | 'open';
  readonly includeRedactedContent?: boolean;
  readonly unhealthyPendingRecords?: number;
  readonly unhealthyPendingAgeMs?: number;
  readonly metrics?: { readonly enabled?: boolean; readonly namespace?: string };
}

/** The whole document. */
export interface ProxyConfigDocument {
  readonly version: number;
  readonly server?: ServerConfig;
  readonly naming?: NamingConfig;
  readonly discovery?: DiscoveryConfig;
  readonly upstreams: UpstreamConfig[];
  readonly identity: IdentityConfig;
  readonly accessControl: AccessControlConfig;
  readonly sanitize: SanitizeConfig;
  readonly redact: RedactConfig;
  readonly tokenize: TokenizeConfig;
  readonly audit: AuditConfig;
  readonly pinning?: PinningConfig;
}

/** The tool lock (runtime/src/config/sections/pinning.ts `toolLockSchema`), as written by the pin command. */
export interface ToolLockDocument {
  readonly lockVersion: 1;
  readonly upstreams: Record<string, Record<string, Record<string, { readonly digest: string; readonly definition: Record<string, unknown> }>>>;
}

export interface PinningConfig {
  readonly mode: 'enforce' | 'warn' | 'off';
  readonly lock: ToolLockDocument;
}

/** The detectors the runtime knows (runtime/src/config/sections/redact.ts `DETECTORS`). */
export const KNOWN_DETECTORS = [
  'EMAIL', 'PHONE', 'CREDIT_CARD', 'US_SSN', 'IBAN', 'IP_ADDRESS', 'AWS_ACCESS_KEY', 'AWS_SECRET_KEY', 'JWT', 'BEARER_TOKEN', 'PRIVATE_KEY',
] as const;

/** Limits of the contract, checked eagerly so a bad prop is named at synth. */
export const LIMITS = {
  upstreamName: /^[A-Za-z][A-Za-z0-9_-]{0,47}$/,
  upstreamPrefix: /^[A-Za-z0-9_-]*$/,
  ruleSetName: /^[A-Za-z0-9_-]+$/,
  ruleId: /^[A-Za-z0-9_.:-]+$/,
  customDetectorName: /^[A-Z][A-Z0-9_]*$/,
  denyPatternName: /^[A-Za-z0-9_-]+$/,
  namingSeparator: /^[A-Za-z0-9_.-]{1,8}$/,
  maxUpstreamTimeoutMs: 900_000,
} as const;
