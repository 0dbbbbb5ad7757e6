/** cdk-mcp-governance-proxy: the public (jsii) API. Everything else under lib/ is internal. */
export { McpGovernanceProxy, NamingMode, LogLevel } from './mcp-governance-proxy';
export type { McpGovernanceProxyProps, NamingOptions } from './mcp-governance-proxy';
export { InboundAuth, JwtAlgorithm } from './inbound-auth';
export type { CognitoInboundAuthOptions, ExistingCognitoInboundAuthOptions, OidcInboundAuthOptions } from './inbound-auth';
export { Upstream } from './upstream';
export type { UpstreamOptions, NamedUpstreamOptions, RuntimeUpstreamOptions, GatewayUpstreamAttributes } from './upstream';
export { UpstreamAuth, ClientAuthMethod } from './upstream-auth';
export type {
  SigV4AuthOptions, OAuth2ServerOptions, OAuth2AuthOptions, OAuth2ProviderAuthOptions, ApiKeyAuthOptions, ApiKeyProviderAuthOptions,
  ClientCredentialsAuthOptions,
} from './upstream-auth';
export { AccessAction, AccessRule } from './access-control';
export type { AccessControlOptions, AccessRuleProps, AccessRuleSet, ToolAnnotationConditions } from './access-control';
export { Detector, ControlCharacters, InjectionHeuristics, RedactionReplacement, DenyPatternAction } from './data-protection';
export type { SanitizationOptions, RedactionOptions, TokenizationOptions, DenyPattern, CustomDetector } from './data-protection';
export { AuditFailMode } from './audit';
export type { AuditOptions } from './audit';
export { PinningMode } from './tool-pinning';
export type { ToolPinningOptions } from './tool-pinning';
