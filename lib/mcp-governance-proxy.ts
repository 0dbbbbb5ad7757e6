import * as path from 'node:path';
import { Annotations, Duration, Lazy, Names, RemovalPolicy, Stack, Stage, SymlinkFollowMode, Token, Validations, type Size } from 'aws-cdk-lib';
import * as agentcore from 'aws-cdk-lib/aws-bedrockagentcore';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3_assets from 'aws-cdk-lib/aws-s3-assets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { renderAccessControl, type AccessControlOptions } from './access-control';
import {
  AUDIT_FILTER_METRICS, PROXY_METRICS, createAuditMetricFilters, createAuditTrail, proxyMetric, type AuditOptions, type AuditTrail,
} from './audit';
import { CONFIG_VERSION, type ProxyConfigDocument, type TokenizeConfig } from './config/contract';
import {
  checkDetectors, renderRedact, renderSanitize, type RedactionOptions, type SanitizationOptions, type TokenizationOptions,
} from './data-protection';
import { Problems } from './errors';
import { InboundAuth, type InboundAuthBinding } from './inbound-auth';
import * as perms from './perms';
import type { ProxyBindContext } from './private/bind-context';
import { runCheck, type CheckResult } from './private/check';
import { writeComplianceReport, type ComplianceModel } from './private/compliance';
import { renderToolPinning, type ToolPinningOptions } from './tool-pinning';
import { ENV_PREFIX, describeToken, externalizeTokens, type DeployValue } from './private/deploy-values';
import { grantSecretRead } from './private/grants';
import { ExecutionRole } from './private/execution-role';
import { BUNDLE_ENTRY, defaultBundleDir, stageCodeAsset, type StagedAsset } from './private/staging';
import { encodeArn, type Upstream, type UpstreamBinding } from './upstream';

/** Context key that points every proxy in the app at another runtime bundle directory. */
const BUNDLE_CONTEXT_KEY = 'cdk-mcp-governance-proxy:runtimeBundleDirectory';

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
   * A directory holding a runtime bundle (`index.js`) to deploy instead of the one shipped in this package
   * (the context key `cdk-mcp-governance-proxy:runtimeBundleDirectory` sets it app-wide).
   * @default - the bundle shipped in this package (`assets/runtime`)
   */
  readonly runtimeBundleDirectory?: string;
}

/**
 * A governance MCP proxy on Amazon Bedrock AgentCore Runtime: caller identity, Cedar access control, input
 * sanitization, redaction, PII tokenization and a tamper-evident audit trail in front of one or more MCP servers.
 *
 * The whole policy is generated into `proxy-config.json` inside the code asset (readable in `cdk.out`), validated at
 * synth by the runtime's own `check` command, and summarized in a compliance report written to the cloud assembly.
 */
export class McpGovernanceProxy extends Construct {
  /** The AgentCore Runtime running the proxy. */
  public readonly runtime: agentcore.Runtime;
  /**
   * The runtime's execution role. Grant the proxy more through this role: `runtime` holds an immutable view of it
   * (so that every statement is the construct's own), and grants made through `runtime` are dropped.
   */
  public readonly role: iam.IRole;
  /** The Cognito user pool callers get tokens from (with Cognito inbound auth). */
  public readonly userPool?: cognito.IUserPool;
  /** The app client for machine callers (client credentials), with `InboundAuth.cognito()`. */
  public readonly userPoolClient?: cognito.IUserPoolClient;
  /** The OAuth2 token endpoint machine callers use, with `InboundAuth.cognito()`. */
  public readonly tokenEndpoint?: string;
  /** The audit log group. */
  public readonly auditLogGroup: logs.ILogGroup;
  /** The KMS key of the audit log group (when the construct created the log group). */
  public readonly auditKey?: kms.IKey;
  /** The secret holding the tokenization key (with tokenization on). */
  public readonly tokenizationSecret?: secretsmanager.ISecret;
  /** The KMS key encrypting the new tokenization secret. */
  public readonly tokenizationSecretKey?: kms.IKey;
  /** The proxy's own AgentCore workload identity (with AgentCore Identity credential providers). */
  public readonly workloadIdentity?: agentcore.IWorkloadIdentity;
  /** The CloudWatch dashboard. */
  public readonly dashboard?: cloudwatch.Dashboard;
  /** All alarms (denials, upstream errors, audit-sink failures). */
  public readonly alarms: cloudwatch.IAlarm[];
  /** Alarm on denied calls. */
  public readonly deniedCallsAlarm?: cloudwatch.IAlarm;
  /** Alarm on failed upstream calls. */
  public readonly upstreamErrorsAlarm?: cloudwatch.IAlarm;
  /** Alarm on audit-sink failures, dropped and lost audit records, and fail-closed refusals. */
  public readonly auditSinkAlarm?: cloudwatch.IAlarm;
  /** The CloudWatch namespace of the proxy's metrics. */
  public readonly metricsNamespace: string;
  /** The MCP endpoint of the proxy (`https://bedrock-agentcore.<region>.amazonaws.com/runtimes/<ARN>/invocations?qualifier=DEFAULT`). */
  public readonly invocationUrl: string;
  /** The generated configuration document (`proxy-config.json`), deploy-time values as `${env:...}` placeholders. */
  public readonly configDocument: string;

  private readonly inbound: InboundAuthBinding;
  private readonly staged: StagedAsset;
  /** The synth-time check's result (see synthCheck). */
  private checkResult?: CheckResult;
  private readonly bundleDir: string;
  private readonly deployValues: DeployValue[];
  private readonly complianceBase: Omit<ComplianceModel, 'configDigest'>;

  constructor(scope: Construct, id: string, props: McpGovernanceProxyProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const problems = new Problems();

    const runtimeName = props.runtimeName ?? Names.uniqueResourceName(this, { maxLength: 48, separator: '_' });
    problems.pattern('runtimeName', runtimeName, /^[a-zA-Z][a-zA-Z0-9_]{0,47}$/, 'Start with a letter; use letters, digits and _ (at most 48 characters).');
    const physicalNameBase = Names.uniqueResourceName(this, { maxLength: 64, separator: '-' });

    const exec = new ExecutionRole(this, runtimeName, physicalNameBase);
    const role = exec.role;
    this.role = role;
    const addStatement = exec.addStatement.bind(exec);
    const ctx: ProxyBindContext = {
      scope: this,
      problems,
      physicalNameBase,
      runtimeName,
      addStatement,
      addUserStatement: (statement) => exec.addUserStatement(statement),
      useWorkloadIdentity: () => exec.useWorkloadIdentity(),
      workloadIdentityArns: () => exec.workloadIdentityArns(),
    };

    // --- Inbound identity.
    const inboundAuth = props.inboundAuth ?? InboundAuth.cognito();
    this.inbound = inboundAuth._bind('inboundAuth', ctx);
    this.userPool = this.inbound.userPool;
    this.userPoolClient = this.inbound.userPoolClient;
    this.tokenEndpoint = this.inbound.tokenEndpoint;

    // --- Upstreams.
    if (props.upstreams.length === 0) problems.add('upstreams', 'is empty', [], 'Add at least one Upstream.');
    const upstreams: UpstreamBinding[] = props.upstreams.map((u, i) => u._bind(`upstreams[${i}]`, ctx));
    const names = upstreams.map((u) => u.config.name);
    names.forEach((n, i) => {
      if (names.indexOf(n) !== i) problems.add(`upstreams[${i}].name`, 'is used by another upstream', n, 'Give each upstream a unique name (options.name).');
    });

    // --- Governance policy.
    const accessControl = renderAccessControl(props.accessControl, names, problems);
    if (!accessControl.enabled) {
      Annotations.of(this).addWarningV2('cdk-mcp-governance-proxy:accessControlOff', 'Access control is off: every authenticated caller may call every tool of every upstream. Set accessControl.ruleSets to deny by default.');
    }
    const sanitize = renderSanitize(props.sanitization, problems);
    const pinning = renderToolPinning(props.toolPinning, names, problems);
    const redact = renderRedact(props.redaction, problems);
    const tokenize = this.setUpTokenization(props.tokenization, ctx, problems);
    this.tokenizationSecret = tokenize.secret;
    this.tokenizationSecretKey = tokenize.key;

    // --- Audit trail.
    const trail: AuditTrail = createAuditTrail(this, props.audit, {
      logGroupName: `/mcp-governance-proxy/${physicalNameBase}/audit`,
      namespace: `McpGovernanceProxy/${runtimeName}`,
    }, problems);
    this.auditLogGroup = trail.logGroup;
    this.auditKey = trail.key;
    this.metricsNamespace = trail.namespace;
    // The log group's ARN attribute ends in ":*" (its streams): the sink creates one stream per instance, named at run time.
    addStatement('AuditTrailWrite', { actions: perms.AUDIT_WRITE_ACTIONS, resources: [trail.logGroup.logGroupArn] },
      'The audit sink creates its own log stream (named per runtime instance at start-up) in the audit log group only.');

    // --- Server, naming, discovery.
    const maxBodyBytes = props.maxRequestBodySize?.toBytes();
    problems.range('maxRequestBodySize', maxBodyBytes, 1, 100 * 1024 * 1024, 'Use a Size from 1 byte to 100 MiB.');
    problems.pattern('naming.separator', props.naming?.separator, /^[A-Za-z0-9_.-]{1,8}$/, 'Use 1-8 letters, digits, _ . -.');
    let refreshIntervalMs: number | undefined;
    if (props.catalogRefreshInterval && !props.catalogRefreshInterval.isUnresolved()) {
      refreshIntervalMs = props.catalogRefreshInterval.toMilliseconds();
      problems.range('catalogRefreshInterval', refreshIntervalMs, 0, 86_400_000, 'Use a Duration from 0 (off) to 1 day.');
    }

    // --- Request headers.
    const headers = [...this.inbound.headers, ...(props.requestHeaders ?? [])];
    this.validateHeaders(headers, props.requestHeaders ?? [], problems);

    // --- The configuration document.
    const doc: ProxyConfigDocument = {
      version: CONFIG_VERSION,
      ...(maxBodyBytes !== undefined ? { server: { maxBodyBytes } } : {}),
      ...(props.naming ? { naming: { ...(props.naming.mode ? { mode: props.naming.mode.toString() as 'auto' } : {}), ...(props.naming.separator ? { separator: props.naming.separator } : {}) } } : {}),
      ...(refreshIntervalMs !== undefined ? { discovery: { refreshIntervalMs } } : {}),
      upstreams: upstreams.map((u) => u.config),
      identity: this.inbound.identity,
      accessControl,
      sanitize,
      redact,
      tokenize: tokenize.config,
      audit: trail.config,
      ...(pinning ? { pinning: pinning.config } : {}),
    };
    const ext = externalizeTokens(doc);
    ext.unsupported.forEach((p) => problems.add(propOfPath(p), `is a token that is not a string (configuration ${p} needs a literal number or list)`, undefined, 'Pass a literal value.'));
    this.deployValues = ext.values;

    // --- Environment.
    const environmentVariables: { [k: string]: string } = {};
    for (const [k, v] of Object.entries(props.environmentVariables ?? {})) {
      if (k.startsWith(ENV_PREFIX) || k.startsWith('MCP_PROXY_CONFIG')) {
        problems.add(`environmentVariables.${k}`, `uses a name reserved by the construct (${ENV_PREFIX}*, MCP_PROXY_CONFIG*)`, k, 'Rename the variable.');
      }
      environmentVariables[k] = v;
    }
    if (props.logLevel) environmentVariables.MCP_PROXY_LOG_LEVEL = props.logLevel.toString();
    for (const dv of ext.values) environmentVariables[dv.variable] = dv.value;
    // The stamp the synth-time check printed for these policies (see validateAtSynth): start-up then skips the Cedar
    // schema validation the same bundle already did on the same policies (docs/CONSTRUCT.md, "Synth-time validation").
    // Without a stamp (no bundle: synth fails in validation anyway) the value says so and start-up validates.
    environmentVariables.MCP_PROXY_CONFIG_CHECKED = Lazy.string({
      produce: () => (this.staged.bundlePresent ? this.synthCheck().policiesChecked : undefined) ?? 'unchecked',
    });
    if (Object.keys(environmentVariables).length > 50) {
      problems.add('environmentVariables', `makes ${Object.keys(environmentVariables).length} environment variables, over AgentCore's 50`, undefined,
        `Pass fewer; the configuration uses ${ext.values.length} for deploy-time values.`);
    }

    problems.throwIfAny(this.node.path);

    // --- Stage the code asset: the pre-built bundle plus the configuration. No bundling at synth.
    this.configDocument = `${JSON.stringify(ext.document, null, 2)}\n`;
    this.bundleDir = path.resolve(props.runtimeBundleDirectory ?? this.node.tryGetContext(BUNDLE_CONTEXT_KEY) ?? defaultBundleDir());
    this.staged = stageCodeAsset(this.bundleDir, this.configDocument);
    const artifact = agentcore.AgentRuntimeArtifact.fromCodeAsset({
      path: this.staged.directory,
      runtime: agentcore.AgentCoreRuntime.NODE_22,
      entrypoint: [BUNDLE_ENTRY],
      // The staging directory links to the bundle files: fingerprint and copy their contents.
      followSymlinks: SymlinkFollowMode.ALWAYS,
    });

    // --- The runtime.
    this.runtime = new agentcore.Runtime(this, 'Runtime', {
      runtimeName,
      description: props.description ?? `MCP governance proxy (${this.node.path})`,
      agentRuntimeArtifact: artifact,
      executionRole: role.withoutPolicyUpdates(),
      protocolConfiguration: agentcore.ProtocolType.MCP,
      authorizerConfiguration: this.inbound.authorizer,
      requestHeaderConfiguration: headers.length > 0 ? { allowlistedHeaders: headers } : undefined,
      environmentVariables: Object.keys(environmentVariables).length > 0 ? environmentVariables : undefined,
      networkConfiguration: props.networkConfiguration,
      lifecycleConfiguration: props.lifecycleConfiguration,
    });
    // Bind now (the L2 would bind while rendering) so the asset exists and its object can be granted precisely.
    artifact.bind(this.runtime, this.runtime);
    const asset = this.runtime.node.tryFindChild('AgentRuntimeArtifact');
    if (!(asset instanceof s3_assets.Asset)) throw new Error('McpGovernanceProxy: the AgentCore code asset was not created where expected (aws-cdk-lib changed?)');
    addStatement('ReadCodeAsset', { actions: perms.CODE_ASSET_READ_ACTIONS, resources: [asset.bucket.arnForObjects(asset.s3ObjectKey)] });
    // The role's policy must exist before the service creates the runtime (it reads the code with the role).
    (this.runtime.node.defaultChild as agentcore.CfnRuntime).node.addDependency(role);
    this.invocationUrl = `https://bedrock-agentcore.${stack.region}.${stack.urlSuffix}/runtimes/${encodeArn(this.runtime.agentRuntimeArn)}/invocations?qualifier=DEFAULT`;

    // --- Metrics, alarms, dashboard.
    createAuditMetricFilters(this, trail);
    this.alarms = [];
    if (props.audit?.alarms ?? true) {
      const actions = props.audit?.alarmActions ?? [];
      const alarm = (alarmId: string, a: cloudwatch.AlarmProps) => {
        const created = new cloudwatch.Alarm(this, alarmId, a);
        actions.forEach((x) => created.addAlarmAction(x));
        this.alarms.push(created);
        return created;
      };
      this.deniedCallsAlarm = alarm('DeniedCallsAlarm', {
        metric: this.metricDeniedCalls(),
        threshold: props.audit?.denialsAlarmThreshold ?? 10,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `MCP governance proxy ${runtimeName}: denied calls in 5 minutes (from the audit trail).`,
      });
      this.upstreamErrorsAlarm = alarm('UpstreamErrorsAlarm', {
        metric: this.metricUpstreamErrors(),
        threshold: props.audit?.upstreamErrorsAlarmThreshold ?? 5,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `MCP governance proxy ${runtimeName}: failed upstream calls (timeouts, unavailable, auth) in 5 minutes (from the audit trail).`,
      });
      this.auditSinkAlarm = alarm('AuditSinkAlarm', {
        metric: this.metricAuditFailures(),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `MCP governance proxy ${runtimeName}: audit-sink failures, dropped or lost audit records, or calls refused because the audit trail was unavailable.`,
      });
      if (pinning) {
        alarm('PinningDriftAlarm', {
          metric: new cloudwatch.Metric({ namespace: trail.namespace, metricName: 'PinningDrifts', statistic: 'Sum', period: Duration.minutes(5) }),
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          alarmDescription: `MCP governance proxy ${runtimeName}: an upstream tool definition differs from the tool lock, or is not in it (mode ${pinning.config.mode}).`,
        });
      }
    }
    if (props.audit?.dashboard ?? true) this.dashboard = this.createDashboard(props.audit?.dashboardName);

    // --- cdk-nag acknowledgements for the design's own findings.
    exec.acknowledgeWildcards();
    this.workloadIdentity = exec.workloadIdentity;

    // --- Compliance model (completed with the digest by the synth-time check).
    this.complianceBase = {
      reportVersion: 1,
      construct: { path: this.node.path, stack: stack.stackName, runtimeName },
      inboundAuth: { mode: inboundAuth.mode, description: this.inbound.description },
      upstreams: upstreams.map((u) => ({
        name: u.config.name,
        kind: u.kind,
        url: Token.isUnresolved(u.config.url) ? describeToken(stack, u.config.url) : u.config.url,
        auth: u.authDescription,
        timeoutMs: u.config.timeoutMs,
      })),
      accessControl,
      sanitize,
      redact,
      tokenize: {
        enabled: tokenize.config.enabled,
        ...(tokenize.config.enabled ? {
          detectors: tokenize.config.detectors,
          argumentPaths: tokenize.config.argumentPaths,
          detokenizeResults: tokenize.config.detokenizeResults,
          key: tokenize.secret ? `Secrets Manager secret ${Token.isUnresolved(tokenize.secret.secretName) ? describeToken(stack, tokenize.secret.secretArn) : tokenize.secret.secretName}` : undefined,
        } : {}),
      },
      audit: {
        sink: 'CloudWatch Logs',
        logGroupName: Token.isUnresolved(trail.logGroupName) ? describeToken(stack, trail.logGroupName) : trail.logGroupName,
        retentionDays: trail.retentionDays,
        encryption: trail.key ? 'encrypted with a customer-managed KMS key' : 'encryption as configured on the existing log group',
        failMode: trail.config.failMode ?? 'closed',
        includeRedactedContent: trail.config.includeRedactedContent ?? false,
        metricsNamespace: trail.namespace,
        alarms: this.alarms.length ? ['denied calls', 'upstream errors', 'audit-sink failures', ...(pinning ? ['tool pinning drift'] : [])] : [],
      },
      deployTimeValues: ext.values.map((v) => ({ variable: v.variable, path: v.path, cloudFormation: describeToken(stack, v.value) })),
      ...(pinning ? { pinning: { mode: pinning.config.mode, pinned: pinning.pinned } } : {}),
    };

    this.node.addValidation({ validate: () => this.validateAtSynth() });
  }

  /**
   * Permits an IAM principal to invoke the proxy (`bedrock-agentcore:InvokeAgentRuntime` on this runtime and its
   * DEFAULT endpoint). Only meaningful with `InboundAuth.iam()`: a runtime with a JWT authorizer refuses SigV4 calls.
   */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    if (this.inbound.identity.mode !== 'iam') {
      Annotations.of(this).addWarningV2('cdk-mcp-governance-proxy:grantInvokeWithJwt', 'grantInvoke() has no effect for callers while the runtime uses a JWT authorizer: use InboundAuth.iam() for IAM callers.');
    }
    return iam.Grant.addToPrincipal({
      grantee,
      actions: perms.RUNTIME_INVOKE_ACTIONS,
      resourceArns: [this.runtime.agentRuntimeArn, `${this.runtime.agentRuntimeArn}/runtime-endpoint/DEFAULT`],
    });
  }

  /** A metric in the proxy's namespace (Sum over 5 minutes unless overridden). */
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

  private setUpTokenization(o: TokenizationOptions | undefined, ctx: ProxyBindContext, problems: Problems): { config: TokenizeConfig; secret?: secretsmanager.ISecret; key?: kms.IKey } {
    const enabled = o !== undefined && (o.enabled ?? true);
    if (!enabled) return { config: { enabled: false } };
    checkDetectors('tokenization.detectors', o.detectors, problems);
    (o.argumentPaths ?? []).forEach((p, i) => problems.pattern(`tokenization.argumentPaths[${i}]`, p, /^[^:\s]+:[^\s]+$/, 'Use <exposed tool name or *>:<dot.path>, e.g. "*:customer.email".'));
    if (o.keySecret && o.encryptionKey) problems.add('tokenization.encryptionKey', 'is set together with keySecret', undefined, 'Pass either an existing keySecret, or an encryptionKey for the new secret.');
    let secret = o.keySecret;
    let key: kms.IKey | undefined;
    if (!secret) {
      key = o.encryptionKey ?? new kms.Key(this, 'TokenizationSecretKey', {
        description: 'Encrypts the MCP governance proxy tokenization key secret',
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      const created = new secretsmanager.Secret(this, 'TokenizationSecret', {
        description: 'MCP governance proxy tokenization key: 64 random bytes as 128 hex characters (JSON field "key")',
        encryptionKey: key,
        removalPolicy: RemovalPolicy.RETAIN,
        generateSecretString: {
          secretStringTemplate: '{}',
          generateStringKey: 'key',
          passwordLength: 128,
          // Only 0-9 and a-f remain: 128 hex characters are the 64-byte key the runtime expects.
          excludeUppercase: true,
          excludePunctuation: true,
          includeSpace: false,
          excludeCharacters: 'ghijklmnopqrstuvwxyz',
          requireEachIncludedType: false,
        },
      });
      secret = created;
      // Rotating the key would make every token issued so far undecodable: rotation is deliberately manual.
      Validations.of(created).acknowledge({ id: 'AwsSolutions-SMG4', reason: 'The tokenization key must stay stable: rotating it makes every token issued so far impossible to detokenize. Rotate deliberately, together with the data that holds tokens.' });
    }
    grantSecretRead(ctx, 'TokenizationKeyRead', secret);
    return {
      secret,
      key,
      config: {
        enabled: true,
        ...(o.detectors ? { detectors: o.detectors.map((d) => d.toString()) } : {}),
        ...(o.argumentPaths?.length ? { argumentPaths: [...o.argumentPaths] } : {}),
        key: { source: 'secretsManager', secretArn: secret.secretArn },
        detokenizeResults: o.detokenizeResults ?? true,
      },
    };
  }

  private validateHeaders(all: string[], extra: string[], problems: Problems): void {
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

  private createDashboard(dashboardName?: string): cloudwatch.Dashboard {
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName, defaultInterval: Duration.hours(3) });
    dashboard.addWidgets(
      new cloudwatch.TextWidget({ markdown: `# MCP governance proxy \`${this.runtime.agentRuntimeName}\`\nCalls, policy decisions and the health of the audit trail.`, width: 24, height: 2 }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Calls and denials', left: [this.metricCalls({ label: 'Calls' }), this.metricDeniedCalls({ label: 'Denied (audit trail)' })], width: 8 }),
      new cloudwatch.GraphWidget({ title: 'Upstream errors', left: [this.metricUpstreamErrors({ label: 'Failed upstream calls (audit trail)' })], width: 8 }),
      new cloudwatch.GraphWidget({ title: 'Latency (ms)', left: [this.metricLatency({ label: 'p99' }), this.metricLatency({ statistic: 'p50', label: 'p50' })], width: 8 }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Audit trail health',
        left: [
          this.metricAuditSinkFailures({ label: 'Sink failures' }),
          this.metric(PROXY_METRICS.auditRecordsDropped, { label: 'Dropped' }),
          this.metric(PROXY_METRICS.auditUnavailableRefusals, { label: 'Refused (fail closed)' }),
          this.metricAuditRecordsLost({ label: 'Lost (audit_overflow)' }),
        ],
        right: [this.metric(PROXY_METRICS.auditBufferedRecords, { statistic: 'Maximum', label: 'Buffered records' })],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'AgentCore Runtime',
        left: [this.runtime.metricInvocations(), this.runtime.metricTotalErrors()],
        right: [this.runtime.metricLatency()],
        width: 12,
      }),
    );
    if (this.alarms.length) dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 }));
    return dashboard;
  }

  /**
   * The runtime's own `check` on the staged configuration, run once per construct: validation and the
   * MCP_PROXY_CONFIG_CHECKED value both use it (runCheck's own cache would still re-read and hash the bundle).
   */
  private synthCheck(): CheckResult {
    const env = Object.fromEntries(this.deployValues.map((d) => [d.variable, d.sample]));
    this.checkResult ??= runCheck(this.staged.directory, this.staged.configFile, env);
    return this.checkResult;
  }

  /** Synth-time validation: the runtime's own `check` on the staged configuration, then the compliance report. */
  private validateAtSynth(): string[] {
    if (!this.staged.bundlePresent) {
      return [`runtime bundle not found (no ${BUNDLE_ENTRY} in ${this.bundleDir}): run "npm run build:runtime" (it builds assets/runtime/index.js), or set runtimeBundleDirectory.`];
    }
    const result = this.synthCheck();
    if (!result.ok) {
      const deployPaths = new Set(this.deployValues.map((d) => d.path));
      if (result.errors.some((e) => deployPaths.has(e.split(':')[0]))) {
        return [`the runtime bundle in ${this.bundleDir} rejected deploy-time values (\${env:${ENV_PREFIX}<n>} placeholders): it must substitute them when it loads the configuration (see "Deploy-time values" in docs/CONSTRUCT.md). Errors: ${result.errors.join('; ')}`];
      }
      return result.errors.map((e) => `proxy configuration rejected by the runtime's check (${propOf(e)}): ${e}`);
    }
    const stage = Stage.of(this);
    const stack = Stack.of(this);
    if (stage) {
      const rel = this.node.path.slice(stack.node.path.length).replace(/^\//, '').replace(/[^A-Za-z0-9_-]+/g, '-');
      writeComplianceReport(stage.outdir, `${stack.artifactId}-${rel}-compliance`, { ...this.complianceBase, configDigest: result.digest! });
    }
    return [];
  }
}

/** Maps a configuration path (`sanitize.maxDepth`) to the construct prop that sets it (`sanitization.maxDepth`). */
function propOfPath(configPath: string): string {
  const renames: [RegExp, string][] = [
    [/^identity/, 'inboundAuth'],
    [/^sanitize/, 'sanitization'],
    [/^pinning/, 'toolPinning'],
    [/^redact\.custom/, 'redaction.customDetectors'],
    [/^redact/, 'redaction'],
    [/^tokenize/, 'tokenization'],
    [/^discovery\.refreshIntervalMs/, 'catalogRefreshInterval'],
    [/^server\.maxBodyBytes/, 'maxRequestBodySize'],
    [/^upstreams\[(\d+)\]\.timeoutMs/, 'upstreams[$1].timeout'],
  ];
  for (const [re, to] of renames) if (re.test(configPath)) return configPath.replace(re, to);
  return configPath;
}

/** Names the prop behind a `<config path>: <problem>` line of the runtime's check. */
function propOf(error: string): string {
  const configPath = error.split(':')[0];
  return `props.${propOfPath(configPath)}, at ${configPath}`;
}
