import type * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { Problems } from '../errors';

/**
 * What the factory classes (Upstream, UpstreamAuth, InboundAuth) get when the construct binds them.
 * Internal: not part of the jsii API.
 */
export interface ProxyBindContext {
  /** The McpGovernanceProxy construct; factories create their resources under it. */
  readonly scope: Construct;
  /** Where problems go (the construct throws them all at once). */
  readonly problems: Problems;
  /** Deterministic base for physical names (unique per construct in the account and region). */
  readonly physicalNameBase: string;
  /** The runtime name (literal): the service names the runtime's log group and workload identity after it. */
  readonly runtimeName: string;
  /**
   * Adds a statement to the execution role's policy. `sid` must be unique and alphanumeric;
   * `wildcardReason` is required when a resource or action contains `*` and becomes the cdk-nag acknowledgement.
   */
  addStatement(sid: string, statement: iam.PolicyStatementProps, wildcardReason?: string): void;
  /** Adds a statement the user supplied, unchanged. */
  addUserStatement(statement: iam.PolicyStatement): void;
  /** Returns the name of the proxy's own AgentCore workload identity, creating it (once) on first use. */
  useWorkloadIdentity(): string;
  /** Returns the ARNs a credential-provider call needs for the workload identities involved. */
  workloadIdentityArns(): string[];
}

/** Makes an IAM Sid (alphanumeric only) from free text. */
export function sid(...parts: string[]): string {
  return parts
    .map((p) => p.replace(/[^A-Za-z0-9]/g, ''))
    .map((p) => (p ? p[0].toUpperCase() + p.slice(1) : p))
    .join('');
}
