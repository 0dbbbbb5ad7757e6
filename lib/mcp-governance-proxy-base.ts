import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, type IConstruct } from 'constructs';
import { AUDIT_FILTER_METRICS, PROXY_METRICS, proxyMetric } from './audit';
import { McpGovernanceProxyValidationError } from './errors';
import * as perms from './perms';
import { encodeArn } from './upstream';

/** A governance MCP proxy, created in this app or imported with `McpGovernanceProxy.fromMcpGovernanceProxyAttributes`. */
export interface IMcpGovernanceProxy extends IConstruct, iam.IGrantable, ec2.IConnectable {
  /** The ARN of the AgentCore Runtime running the proxy. */
  readonly runtimeArn: string;
  /** The MCP endpoint (`https://bedrock-agentcore.<region>.amazonaws.com/runtimes/<URL-encoded ARN>/invocations?qualifier=DEFAULT`). */
  readonly invocationUrl: string;
  /** The CloudWatch namespace of the proxy's metrics. */
  readonly metricsNamespace: string;
  /** The runtime's execution role. */
  readonly role: iam.IRole;
  /**
   * Permits an IAM principal to invoke the proxy (`bedrock-agentcore:InvokeAgentRuntime` on the runtime and its
   * DEFAULT endpoint). Meaningful with `InboundAuth.iam()`.
   */
  grantInvoke(grantee: iam.IGrantable): iam.Grant;
  /** A metric in the proxy's namespace (Sum over 5 minutes unless overridden). */
  metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

/** What identifies a proxy deployed elsewhere (for example by another stack). */
export interface McpGovernanceProxyAttributes {
  /** The proxy runtime's ARN (`arn:<partition>:bedrock-agentcore:<region>:<account>:runtime/<id>`). */
  readonly runtimeArn: string;
  /** The ARN of the runtime's execution role. */
  readonly roleArn: string;
  /**
   * The proxy's metrics namespace (`audit.metricsNamespace` of the proxy).
   * @default - `McpGovernanceProxy/<runtime name>`, with the name taken from the runtime id in `runtimeArn` (only when it is a literal)
   */
  readonly metricsNamespace?: string;
  /**
   * The runtime's security groups (VPC network mode), for `connections`.
   * @default - none: `connections` has no security groups
   */
  readonly securityGroups?: ec2.ISecurityGroup[];
}

/** Grants and metrics shared by the construct and imported proxies. */
export abstract class McpGovernanceProxyBase extends Construct implements IMcpGovernanceProxy {
  public abstract readonly runtimeArn: string;
  public abstract readonly invocationUrl: string;
  public abstract readonly metricsNamespace: string;
  public abstract readonly role: iam.IRole;
  public abstract readonly connections: ec2.Connections;

  /** The execution role: grants to the proxy go to it (`IGrantable`). */
  public get grantPrincipal(): iam.IPrincipal {
    return this.role;
  }

  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: perms.RUNTIME_INVOKE_ACTIONS,
      resourceArns: [this.runtimeArn, `${this.runtimeArn}/runtime-endpoint/DEFAULT`],
    });
  }

  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return proxyMetric(this.metricsNamespace, metricName, props);
  }

  /** Calls handled (EMF, emitted by the proxy). */
  public metricCalls(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(PROXY_METRICS.calls, props);
  }

  /** End-to-end latency of calls, in milliseconds (EMF, p99 over 5 minutes by default). */
  public metricLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(PROXY_METRICS.latency, { statistic: 'p99', ...props });
  }

  /** Denied calls, counted from the audit trail (metric filter). */
  public metricDeniedCalls(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(AUDIT_FILTER_METRICS.deniedCalls, props);
  }

  /** Failed upstream calls (timeouts, unavailable, auth failures), counted from the audit trail (metric filter). */
  public metricUpstreamErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(AUDIT_FILTER_METRICS.failedUpstreamCalls, props);
  }

  /** Audit records lost (dropped while the buffer was full), counted from `audit_overflow` records (metric filter). */
  public metricAuditRecordsLost(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(AUDIT_FILTER_METRICS.recordsLost, props);
  }

  /**
   * Requests on which the shadow access-control policy (`accessControl.shadow`) decided differently from the enforced
   * one (EMF; each is a `shadow_disagreement` audit record).
   */
  public metricShadowDisagreements(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(PROXY_METRICS.shadowDisagreements, props);
  }

  /** Failed deliveries to the audit sink (EMF on stdout, independent of the sink). */
  public metricAuditSinkFailures(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(PROXY_METRICS.auditSinkFailures, props);
  }

  /**
   * Everything that means the audit trail is not keeping up: sink failures, dropped records, fail-closed refusals
   * (EMF) and lost records (metric filter), summed.
   */
  public metricAuditFailures(props?: cloudwatch.MathExpressionOptions): cloudwatch.IMetric {
    return new cloudwatch.MathExpression({
      expression: 'FILL(sinkFailures, 0) + FILL(dropped, 0) + FILL(refused, 0) + FILL(lost, 0)',
      usingMetrics: {
        sinkFailures: this.metric(PROXY_METRICS.auditSinkFailures),
        dropped: this.metric(PROXY_METRICS.auditRecordsDropped),
        refused: this.metric(PROXY_METRICS.auditUnavailableRefusals),
        lost: this.metricAuditRecordsLost(),
      },
      label: 'Audit failures',
      period: Duration.minutes(5),
      ...props,
    });
  }
}

/** A proxy deployed elsewhere, known by its attributes. @internal */
export class ImportedMcpGovernanceProxy extends McpGovernanceProxyBase {
  public readonly runtimeArn: string;
  public readonly invocationUrl: string;
  public readonly metricsNamespace: string;
  public readonly role: iam.IRole;
  public readonly connections: ec2.Connections;

  constructor(scope: Construct, id: string, attrs: McpGovernanceProxyAttributes) {
    super(scope, id);
    const stack = Stack.of(this);
    this.runtimeArn = attrs.runtimeArn;
    const region = stack.splitArn(attrs.runtimeArn, ArnFormat.SLASH_RESOURCE_NAME).region ?? stack.region;
    this.invocationUrl = `https://bedrock-agentcore.${region}.${stack.urlSuffix}/runtimes/${encodeArn(attrs.runtimeArn)}/invocations?qualifier=DEFAULT`;
    this.role = iam.Role.fromRoleArn(this, 'Role', attrs.roleArn, { mutable: false });
    this.connections = new ec2.Connections({ securityGroups: attrs.securityGroups ?? [] });
    const runtimeName = literalRuntimeName(attrs.runtimeArn);
    if (attrs.metricsNamespace === undefined && runtimeName === undefined) {
      throw new McpGovernanceProxyValidationError(this.node.path, [
        'metricsNamespace: cannot be derived from a runtimeArn that is a token. Pass the proxy\'s metricsNamespace (McpGovernanceProxy.metricsNamespace).',
      ]);
    }
    this.metricsNamespace = attrs.metricsNamespace ?? `McpGovernanceProxy/${runtimeName}`;
  }
}

/** `arn:...:runtime/<name>-<suffix>` -> `<name>` (runtime ids are the name, `-`, and ten generated characters). */
function literalRuntimeName(arn: string): string | undefined {
  const m = /:runtime\/([A-Za-z][A-Za-z0-9_]{0,47})-[A-Za-z0-9]{10}$/.exec(arn);
  return m ? m[1] : undefined;
}
