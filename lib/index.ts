/** cdk-mcp-governance-proxy: the public (jsii) API. Everything else under lib/ is internal. */
export { McpGovernanceProxy } from './mcp-governance-proxy';
export { McpGovernanceProxyBase } from './mcp-governance-proxy-base';
export type { IMcpGovernanceProxy, McpGovernanceProxyAttributes } from './mcp-governance-proxy-base';
export { NamingMode, LogLevel, RuntimeArtifactType } from './types';
export type { McpGovernanceProxyProps, NamingOptions } from './types';
export { InboundAuth, InboundAuthMode, JwtAlgorithm, JwtTokenType } from './inbound-auth';
export { CognitoClient, CognitoClientKind } from './cognito-client';
export type { MachineCognitoClientOptions, HumanCognitoClientOptions } from './cognito-client';
export type { CognitoInboundAuthOptions, ExistingCognitoInboundAuthOptions, OidcInboundAuthOptions } from './inbound-auth';
export { Upstream, UpstreamProtocol } from './upstream';
export type { UpstreamOptions, NamedUpstreamOptions, RuntimeUpstreamOptions, GatewayUpstreamAttributes } from './upstream';
export { UpstreamAuth, UpstreamAuthType, ClientAuthMethod } from './upstream-auth';
export type {
  SigV4AuthOptions, OAuth2ServerOptions, OAuth2AuthOptions, OAuth2ProviderAuthOptions, ApiKeyAuthOptions, ApiKeyProviderAuthOptions,
  ClientCredentialsAuthOptions,
} from './upstream-auth';
export { AccessAction, AccessEffect, AccessRule } from './access-control';
export type { AccessControlOptions, AccessRuleProps, AccessRuleSet, ShadowPolicyOptions, ToolAnnotationConditions } from './access-control';
export { PolicyTest, PolicyTestExpectation } from './policy-test';
export type { PolicyTestCaller, PolicyTestProps } from './policy-test';
export { Detector, ControlCharacters, InjectionHeuristics, RedactionReplacement, DenyPatternAction } from './data-protection';
export type { SanitizationOptions, RedactionOptions, TokenizationOptions, DenyPattern, CustomDetector } from './data-protection';
export { AuditFailMode } from './audit';
export type { AuditOptions } from './audit';
export { McpGovernanceProxyErrors } from './errors';
export { PinningMode } from './tool-pinning';
export type { ToolPinningOptions } from './tool-pinning';
