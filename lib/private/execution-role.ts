import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as agentcore from 'aws-cdk-lib/aws-bedrockagentcore';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import * as perms from '../perms';
import { acknowledgeWildcards } from './nag';

/** Why the runtime-managed workload identity needs a wildcard: the service appends a generated suffix to its name. */
export const WORKLOAD_IDENTITY_WILDCARD_REASON =
  'AgentCore creates the runtime\'s own workload identity as <runtimeName>-<generated suffix>; the ARN is scoped to this runtime\'s name.';

/**
 * The runtime's execution role and every statement on it. The Runtime L2 gets an immutable view of the role, so
 * each statement here is the least its purpose needs, and each wildcard carries the reason that becomes its cdk-nag
 * acknowledgement. Also owns the proxy's own workload identity (created on first use).
 */
export class ExecutionRole {
  public readonly role: iam.Role;
  public workloadIdentity?: agentcore.WorkloadIdentity;
  private readonly reasons = new Map<string, string>();
  private readonly sids = new Set<string>();
  private readonly directory: string;
  private readonly runtimeWorkloadIdentity: string;
  private readonly workloadIdentityName: string;

  constructor(private readonly scope: Construct, private readonly runtimeName: string, physicalNameBase: string) {
    const stack = Stack.of(scope);
    this.role = new iam.Role(scope, 'ExecutionRole', {
      description: `Execution role of the MCP governance proxy runtime ${runtimeName}`,
      assumedBy: new iam.ServicePrincipal('bedrock-agentcore.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'bedrock-agentcore', resource: 'runtime', resourceName: `${runtimeName}-*` }) },
        },
      }),
      maxSessionDuration: Duration.hours(8),
    });
    this.directory = stack.formatArn({ service: 'bedrock-agentcore', resource: 'workload-identity-directory', resourceName: 'default', arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    this.runtimeWorkloadIdentity = `${this.directory}/workload-identity/${runtimeName}-*`;
    this.workloadIdentityName = `${physicalNameBase.slice(0, 60)}-wi`;
    this.addPlatformStatements();
  }

  /** Adds a statement with a unique Sid; `wildcardReason` becomes the acknowledgement of its `*` findings. */
  public addStatement(sid: string, statement: iam.PolicyStatementProps, wildcardReason?: string): void {
    let unique = sid;
    for (let n = 2; this.sids.has(unique); n++) unique = `${sid}${n}`;
    this.sids.add(unique);
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ ...statement, sid: unique }));
    if (wildcardReason) this.reasons.set(unique, wildcardReason);
  }

  /** Adds a statement the user supplied, unchanged (its wildcards are the user's to acknowledge). */
  public addUserStatement(statement: iam.PolicyStatement): void {
    this.role.addToPrincipalPolicy(statement);
  }

  /** The proxy's own workload identity (discovery at start-up has no inbound WorkloadAccessToken): created once. */
  public useWorkloadIdentity(): string {
    if (!this.workloadIdentity) {
      this.workloadIdentity = new agentcore.WorkloadIdentity(this.scope, 'WorkloadIdentity', { workloadIdentityName: this.workloadIdentityName });
      this.addStatement('ProxyWorkloadAccessToken', {
        actions: perms.WORKLOAD_TOKEN_ACTIONS,
        resources: [this.directory, this.ownWorkloadIdentityArn()],
      });
    }
    return this.workloadIdentityName;
  }

  /** The workload identities whose tokens the proxy presents to AgentCore Identity (runtime-managed, and its own). */
  public workloadIdentityArns(): string[] {
    return [this.directory, this.runtimeWorkloadIdentity, ...(this.workloadIdentity ? [this.ownWorkloadIdentityArn()] : [])];
  }

  /** Writes the cdk-nag acknowledgements for the wildcards whose reasons were registered. Call once, at the end. */
  public acknowledgeWildcards(): void {
    const policy = this.role.node.tryFindChild('DefaultPolicy') as iam.Policy | undefined;
    if (policy) acknowledgeWildcards(policy, policy.document, this.reasons);
  }

  private ownWorkloadIdentityArn(): string {
    return `${this.directory}/workload-identity/${this.workloadIdentityName}`;
  }

  /** The container's log group (created and named by the service after the runtime) and per-request workload tokens. */
  private addPlatformStatements(): void {
    const stack = Stack.of(this.scope);
    const logGroup = stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: `/aws/bedrock-agentcore/runtimes/${this.runtimeName}-*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const logsReason = 'AgentCore names the runtime\'s log group /aws/bedrock-agentcore/runtimes/<runtimeId>-<endpoint>, where runtimeId is this runtime\'s name plus a generated suffix; the ARN is scoped to this runtime\'s name.';
    this.addStatement('RuntimeLogGroup', { actions: perms.RUNTIME_LOG_GROUP_ACTIONS, resources: [logGroup] }, logsReason);
    this.addStatement('RuntimeLogStreams', { actions: perms.RUNTIME_LOG_STREAM_ACTIONS, resources: [`${logGroup}:log-stream:*`] }, `${logsReason} Stream names are generated per session.`);
    this.addStatement('RuntimeDescribeLogGroups', {
      actions: perms.RUNTIME_LOG_DESCRIBE_ACTIONS,
      resources: [stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
    }, 'logs:DescribeLogGroups lists log groups and cannot be scoped to one group; AgentCore documents it for the runtime\'s log delivery. It reveals names and settings only, no log data.');
    this.addStatement('RuntimeWorkloadAccessToken', {
      actions: perms.RUNTIME_WORKLOAD_TOKEN_ACTIONS,
      resources: [this.directory, this.runtimeWorkloadIdentity],
    }, WORKLOAD_IDENTITY_WILDCARD_REASON);
  }
}
