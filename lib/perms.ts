/**
 * IAM actions the construct grants, in one place. Each list is the least the proxy needs for one purpose;
 * resources are scoped where the action supports it (see the statement that uses each list).
 */

/** The AgentCore service reads the code asset (the zip of the bundle and its configuration) when it creates a version. */
export const CODE_ASSET_READ_ACTIONS = ['s3:GetObject'];

/** The service pulls the container image (with the container artifact) from the asset repository. */
export const CONTAINER_PULL_ACTIONS = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];
/** ECR registry authentication, which has no resource-level permissions. */
export const ECR_AUTH_ACTIONS = ['ecr:GetAuthorizationToken'];

/**
 * The container's stdout/stderr (operational logs and the proxy's EMF metrics) go to
 * `/aws/bedrock-agentcore/runtimes/<runtimeId>-DEFAULT`, a log group the service creates in the runtime's name.
 */
export const RUNTIME_LOG_GROUP_ACTIONS = ['logs:CreateLogGroup', 'logs:DescribeLogStreams'];
export const RUNTIME_LOG_STREAM_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents'];
/** `DescribeLogGroups` is not resource-scoped beyond the account's log-group ARN space. */
export const RUNTIME_LOG_DESCRIBE_ACTIONS = ['logs:DescribeLogGroups'];

/** The audit sink writes its own stream into the audit log group (the group itself is created by the stack). */
export const AUDIT_WRITE_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents'];

/** Reading a secret value (tokenization key, OAuth2 client secret, a credential provider's backing secret). */
export const SECRET_READ_ACTIONS = ['secretsmanager:GetSecretValue'];
/** Decrypting a customer-managed-key encrypted secret, through Secrets Manager only. */
export const SECRET_KEY_DECRYPT_ACTIONS = ['kms:Decrypt'];

/** Invoking an AgentCore Gateway that uses IAM (SigV4) inbound authorization. */
export const GATEWAY_INVOKE_ACTIONS = ['bedrock-agentcore:InvokeGateway'];
/** Invoking an AgentCore Runtime (an MCP server hosted on AgentCore) with SigV4. */
export const RUNTIME_INVOKE_ACTIONS = ['bedrock-agentcore:InvokeAgentRuntime'];

/** Minting the proxy's own workload access token (discovery at start-up, when no inbound request carries one). */
export const WORKLOAD_TOKEN_ACTIONS = ['bedrock-agentcore:GetWorkloadAccessToken'];
/**
 * Minting the workload access token AgentCore passes to the container with each request
 * (JWT inbound auth uses ...ForJWT, IAM inbound auth with a user id uses ...ForUserId).
 */
export const RUNTIME_WORKLOAD_TOKEN_ACTIONS = [
  'bedrock-agentcore:GetWorkloadAccessToken',
  'bedrock-agentcore:GetWorkloadAccessTokenForJWT',
  'bedrock-agentcore:GetWorkloadAccessTokenForUserId',
];
/** OAuth2 machine-to-machine tokens from an AgentCore Identity credential provider. */
export const OAUTH2_TOKEN_ACTIONS = ['bedrock-agentcore:GetResourceOauth2Token'];
/** API keys from an AgentCore Identity credential provider. */
export const API_KEY_ACTIONS = ['bedrock-agentcore:GetResourceApiKey'];
