import type { Duration, Size } from 'aws-cdk-lib';
import type * as agentcore from 'aws-cdk-lib/aws-bedrockagentcore';
import type { AccessControlOptions } from './access-control';
import type { AuditOptions } from './audit';
import type { RedactionOptions, SanitizationOptions, TokenizationOptions } from './data-protection';
import type { InboundAuth } from './inbound-auth';
import type { Upstream } from './upstream';
import type { ToolPinningOptions } from './tool-pinning';

/** How exposed names are namespaced by upstream. */
export enum NamingMode {
  /** Namespace only when there is more than one upstream. */
  AUTO = 'auto',
  /** Always `<prefix><separator><name>`. */
  ALWAYS = 'always',
  /** Never (a name two upstreams expose identically is excluded for both). */
  NEVER = 'never',
}

/** How the proxy names what it exposes. */
export interface NamingOptions {
  /**
   * @default NamingMode.AUTO
   */
  readonly mode?: NamingMode;
  /**
   * Between the upstream prefix and the name (1-8 of letters, digits, `_ . -`). AgentCore Gateway tool names already
   * contain `___`, so the default keeps names unambiguous.
   * @default '__'
   */
  readonly separator?: string;
}

/** How the runtime's code is packaged. */
export enum RuntimeArtifactType {
  /** A Node.js 22 code zip (AgentCore direct code deployment): no container registry, no Docker at deploy. */
  CODE_ZIP = 'code-zip',
  /**
   * A linux/arm64 container image (Node.js 22) built from the same bundle and configuration with a generated
   * Dockerfile. Synth needs no Docker; `cdk deploy` builds and pushes the image (Docker or Finch, arm64 emulation on
   * x86 hosts). The fallback while MCP on code-zip runtimes is not documented by AWS.
   */
  CONTAINER = 'container',
}

/** The proxy's operational log level (stderr, scrubbed by the redaction detectors). */
export enum LogLevel {
  DEBUG = 'debug',
  INFO = 'info',
  WARN = 'warn',
  ERROR = 'error',
}

/** Properties of `McpGovernanceProxy`. */
export interface McpGovernanceProxyProps {
  /** The MCP servers the proxy fronts (at least one; unique names). */
  readonly upstreams: Upstream[];
  /**
   * Who may call the proxy.
   * @default InboundAuth.cognito()
   */
  readonly inboundAuth?: InboundAuth;
  /**
   * Tool-level access control (Cedar).
   * @default - off: every authenticated caller may call every target (a warning says so)
   */
  readonly accessControl?: AccessControlOptions;
  /**
   * Input sanitization.
   * @default - on, with the runtime's defaults
   */
  readonly sanitization?: SanitizationOptions;
  /**
   * Redaction of results and of the proxy's own logs.
   * @default - on, every built-in detector
   */
  readonly redaction?: RedactionOptions;
  /**
   * PII tokenization of arguments (creates the tokenization key secret).
   * @default - off
   */
  readonly tokenization?: TokenizationOptions;
  /**
   * The audit trail, its alarms and dashboard.
   * @default - a new KMS-encrypted log group (retained), alarms and a dashboard
   */
  readonly audit?: AuditOptions;
  /**
   * How exposed names are namespaced by upstream.
   * @default - NamingMode.AUTO with separator `__`
   */
  readonly naming?: NamingOptions;
  /**
   * Tool pinning: the lock of approved tool definitions and what happens to a tool that drifted from it
   * (see docs/PINNING.md). Listed in the compliance report, with an alarm on the PinningDrifts metric.
   * @default - no pinning: upstream tools are served as they are listed
   */
  readonly toolPinning?: ToolPinningOptions;
  /**
   * How often the proxy refreshes the upstreams' tools, resources and prompts (Duration.seconds(0) disables).
   * @default Duration.minutes(5)
   */
  readonly catalogRefreshInterval?: Duration;
  /**
   * Largest accepted request body.
   * @default Size.mebibytes(1)
   */
  readonly maxRequestBodySize?: Size;
  /**
   * The AgentCore Runtime name (letter first; letters, digits, `_`; at most 48).
   * @default - derived from the construct path
   */
  readonly runtimeName?: string;
  /**
   * @default - a description naming the construct
   */
  readonly description?: string;
  /**
   * Extra request headers the runtime lets through to the proxy (`Authorization` is added for JWT inbound auth).
   * `x-amz-*` and `x-amzn-*` are refused by AgentCore, except `X-Amzn-Bedrock-AgentCore-Runtime-Custom-*`.
   * @default - none
   */
  readonly requestHeaders?: string[];
  /**
   * Extra environment variables of the runtime (never secrets).
   * @default - none
   */
  readonly environmentVariables?: { [name: string]: string };
  /**
   * @default LogLevel.INFO
   */
  readonly logLevel?: LogLevel;
  /**
   * Network configuration of the runtime (VPC to reach private upstreams).
   * @default - public network
   */
  readonly networkConfiguration?: agentcore.RuntimeNetworkConfiguration;
  /**
   * Idle timeout and maximum lifetime of runtime sessions.
   * @default - the service defaults
   */
  readonly lifecycleConfiguration?: agentcore.LifecycleConfiguration;
  /**
   * How the runtime's code is packaged.
   * @default RuntimeArtifactType.CODE_ZIP
   */
  readonly artifactType?: RuntimeArtifactType;
  /**
   * A directory holding a runtime bundle (`index.js`) to deploy instead of the one shipped in this package
   * (the context key `cdk-mcp-governance-proxy:runtimeBundleDirectory` sets it app-wide).
   * @default - the bundle shipped in this package (`assets/runtime`)
   */
  readonly runtimeBundleDirectory?: string;
}
