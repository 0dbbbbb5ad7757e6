import * as path from 'node:path';
import { Annotations, type CfnOutput, Lazy, Names, Stack, Stage, SymlinkFollowMode, Token } from 'aws-cdk-lib';
import * as agentcore from 'aws-cdk-lib/aws-bedrockagentcore';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import * as ecr_assets from 'aws-cdk-lib/aws-ecr-assets';
import * as s3_assets from 'aws-cdk-lib/aws-s3-assets';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { renderAccessControl } from './access-control';
import { createAuditMetricFilters, createAuditTrail, type AuditTrail } from './audit';
import { CONFIG_VERSION, type AccessControlConfig, type ProxyConfigDocument } from './config/contract';
import { renderRedact, renderSanitize } from './data-protection';
import { Problems } from './errors';
import { InboundAuth, type InboundAuthBinding } from './inbound-auth';
import { ImportedMcpGovernanceProxy, McpGovernanceProxyBase, type IMcpGovernanceProxy, type McpGovernanceProxyAttributes } from './mcp-governance-proxy-base';
import * as perms from './perms';
import type { ProxyBindContext } from './private/bind-context';
import { policyTestProblems, runCheck, type CheckResult } from './private/check';
import { renderPolicyTests, type PolicyTestConfig } from './policy-test';
import { writeComplianceReport, type ComplianceModel } from './private/compliance';
import { changeSection, previousReportOf, reportBaseOf } from './private/change-report';
import { alarmSummary, complianceBase, removalPolicies, type ComplianceBase } from './private/compliance-parts';
import { verificationSteps } from './private/verification';
import { propOf, propOfPath } from './private/config-paths';
import { ENV_PREFIX, externalizeTokens, type DeployValue } from './private/deploy-values';
import { renderToolPinning } from './tool-pinning';
import { ExecutionRole } from './private/execution-role';
import { createAlarmsAndDashboard } from './private/observability';
import { createOutputs } from './private/outputs';
import { DOCKERFILE_NAME, containerDockerfile } from './private/container';
import { checkRules } from './private/rule-checks';
import { userEnvironment, validateRequestHeaders } from './private/runtime-settings';
import { BUNDLE_ENTRY, defaultBundleDir, stageCodeAsset, type StagedAsset } from './private/staging';
import { setUpTokenization } from './private/tokenization';
import { RuntimeArtifactType, type McpGovernanceProxyProps } from './types';
import { encodeArn, type UpstreamBinding } from './upstream';

/** The runtime environment variable holding the code asset's hash (the runtime puts it into `audit_start`). */
const CODE_ASSET_HASH_VARIABLE = 'MCP_PROXY_CODE_ASSET_HASH';

/** Context key that points every proxy in the app at another runtime bundle directory. */
const BUNDLE_CONTEXT_KEY = 'cdk-mcp-governance-proxy:runtimeBundleDirectory';

/**
 * A governance MCP proxy on Amazon Bedrock AgentCore Runtime: caller identity, Cedar access control, input
 * sanitization, redaction, PII tokenization and a tamper-evident audit trail in front of one or more MCP servers.
 *
 * The whole policy is generated into `proxy-config.json` inside the code asset (readable in `cdk.out`), validated at
 * synth by the runtime's own `check` command, and summarized in a compliance report written to the cloud assembly.
 */
export class McpGovernanceProxy extends McpGovernanceProxyBase {
  /** A proxy deployed elsewhere (another stack or app), to grant invoking it and to read its metrics. */
  public static fromMcpGovernanceProxyAttributes(scope: Construct, id: string, attrs: McpGovernanceProxyAttributes): IMcpGovernanceProxy {
    return new ImportedMcpGovernanceProxy(scope, id, attrs);
  }

  /** The AgentCore Runtime running the proxy. */
  public readonly runtime: agentcore.Runtime;
  /**
   * The runtime's execution role. Grant the proxy more through this role: `runtime` holds an immutable view of it
   * (so that every statement is the construct's own), and grants made through `runtime` are dropped.
   */
  public readonly role: iam.IRole;
  /** The Cognito user pool callers get tokens from (with Cognito inbound auth). */
  public readonly userPool?: cognito.IUserPool;
  /** The first machine app client (client credentials), else the first client, with `InboundAuth.cognito()`. */
  public readonly userPoolClient?: cognito.IUserPoolClient;
  /** Every app client `InboundAuth.cognito()` created, by client name (`CognitoClient.name`; `machine` by default). */
  public readonly userPoolClients: { [name: string]: cognito.IUserPoolClient };
  /** The OAuth2 token endpoint (`https://<domain>/oauth2/token`), with `InboundAuth.cognito()`. */
  public readonly tokenEndpoint?: string;
  /** The OAuth2 authorization endpoint people sign in at, with a `CognitoClient.human()` client. */
  public readonly authorizationEndpoint?: string;
  /** The audit log group. */
  public readonly auditLogGroup: ILogGroup;
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
  /** The ARN of the AgentCore Runtime running the proxy. */
  public readonly runtimeArn: string;
  /** The generated configuration document (`proxy-config.json`), deploy-time values as `${env:...}` placeholders. */
  public readonly configDocument: string;

  private readonly inbound: InboundAuthBinding;
  private readonly staged: StagedAsset;
  /** The synth-time check's result (see synthCheck). */
  private checkResult?: CheckResult;
  private readonly bundleDir: string;
  private readonly deployValues: DeployValue[];
  private readonly complianceBase: ComplianceBase;
  /** The code zip or container image asset (its hash names the code in the audit trail and the report). */
  private codeAsset?: { readonly assetHash: string };
  private readonly auditLogGroupLiteral?: string;
  private readonly policyTests: PolicyTestConfig[];

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
    this.authorizationEndpoint = this.inbound.authorizationEndpoint;
    this.userPoolClients = Object.fromEntries((this.inbound.clients ?? []).map((c) => [c.name, c.client]));

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
    this.policyTests = renderPolicyTests(props.accessControl?.tests, { upstreamNames: names, iam: this.inbound.identity.mode === 'iam' }, problems);
    const sanitize = renderSanitize(props.sanitization, problems);
    const pinning = renderToolPinning(props.toolPinning, names, problems);
    const redact = renderRedact(props.redaction, problems);
    const tokenize = setUpTokenization(this, props.tokenization, ctx, problems);
    this.checkRules(accessControl, tokenize.config.enabled, props.accessControl?.strictRuleChecks ?? false, problems);
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
    validateRequestHeaders(headers, props.requestHeaders ?? [], problems);

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
    const environmentVariables = userEnvironment(this, props.environmentVariables ?? {}, [CODE_ASSET_HASH_VARIABLE], problems);
    if (props.logLevel) environmentVariables.MCP_PROXY_LOG_LEVEL = props.logLevel.toString();
    for (const dv of ext.values) environmentVariables[dv.variable] = dv.value;
    // The stamp the synth-time check printed for these policies (see validateAtSynth): start-up then skips the Cedar
    // schema validation the same bundle already did on the same policies (docs/CONSTRUCT.md, "Synth-time validation").
    // Without a stamp (no bundle: synth fails in validation anyway) the value says so and start-up validates.
    environmentVariables.MCP_PROXY_CONFIG_CHECKED = Lazy.string({
      produce: () => (this.staged.bundlePresent ? this.synthCheck().policiesChecked : undefined) ?? 'unchecked',
    });
    // The code asset's hash, for the runtime's audit_start record: the audit trail names the code that wrote it.
    environmentVariables[CODE_ASSET_HASH_VARIABLE] = Lazy.string({ produce: () => this.codeAsset?.assetHash ?? 'unknown' });
    if (Object.keys(environmentVariables).length > 50) {
      problems.add('environmentVariables', `makes ${Object.keys(environmentVariables).length} environment variables, over AgentCore's 50`, undefined,
        `Pass fewer; the configuration uses ${ext.values.length} for deploy-time values.`);
    }

    problems.throwIfAny(this.node.path);

    // --- Stage the code asset: the pre-built bundle plus the configuration. No bundling at synth.
    this.configDocument = `${JSON.stringify(ext.document, null, 2)}\n`;
    this.bundleDir = path.resolve(props.runtimeBundleDirectory ?? this.node.tryGetContext(BUNDLE_CONTEXT_KEY) ?? defaultBundleDir());
    const container = props.artifactType === RuntimeArtifactType.CONTAINER;
    this.staged = stageCodeAsset(this.bundleDir, this.configDocument, container ? { [DOCKERFILE_NAME]: containerDockerfile() } : {});
    // The staging directory links to the bundle files: fingerprint and copy their contents.
    const artifact = container
      ? agentcore.AgentRuntimeArtifact.fromAsset(this.staged.directory, { platform: ecr_assets.Platform.LINUX_ARM64, followSymlinks: SymlinkFollowMode.ALWAYS })
      : agentcore.AgentRuntimeArtifact.fromCodeAsset({
        path: this.staged.directory,
        runtime: agentcore.AgentCoreRuntime.NODE_22,
        entrypoint: [BUNDLE_ENTRY],
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
    if (asset instanceof s3_assets.Asset) {
      addStatement('ReadCodeAsset', { actions: perms.CODE_ASSET_READ_ACTIONS, resources: [asset.bucket.arnForObjects(asset.s3ObjectKey)] });
    } else if (asset instanceof ecr_assets.DockerImageAsset) {
      addStatement('PullContainerImage', { actions: perms.CONTAINER_PULL_ACTIONS, resources: [asset.repository.repositoryArn] });
      addStatement('EcrAuthorizationToken', { actions: perms.ECR_AUTH_ACTIONS, resources: ['*'] },
        'ecr:GetAuthorizationToken has no resource-level permissions (AWS documents Resource "*"); it only authenticates to the registry, the image pull itself is scoped to the asset repository.');
    } else {
      throw new Error('McpGovernanceProxy: the AgentCore artifact asset was not created where expected (aws-cdk-lib changed?)');
    }
    this.codeAsset = asset;
    // The role's policy must exist before the service creates the runtime (it reads the code with the role).
    (this.runtime.node.defaultChild as agentcore.CfnRuntime).node.addDependency(role);
    this.runtimeArn = this.runtime.agentRuntimeArn;
    this.invocationUrl = `https://bedrock-agentcore.${stack.region}.${stack.urlSuffix}/runtimes/${encodeArn(this.runtime.agentRuntimeArn)}/invocations?qualifier=DEFAULT`;

    // --- Metrics, alarms, dashboard.
    createAuditMetricFilters(this, trail);
    const obs = createAlarmsAndDashboard(this, runtimeName, props.audit, pinning?.config.mode, accessControl.shadow !== undefined);
    this.alarms = obs.alarms;
    this.deniedCallsAlarm = obs.deniedCallsAlarm;
    this.upstreamErrorsAlarm = obs.upstreamErrorsAlarm;
    this.auditSinkAlarm = obs.auditSinkAlarm;
    this.dashboard = obs.dashboard;

    // --- cdk-nag acknowledgements for the design's own findings.
    exec.acknowledgeWildcards();
    this.workloadIdentity = exec.workloadIdentity;

    // --- Compliance model (completed at synth with the digests, the asset hash and what else the tree holds then).
    this.complianceBase = complianceBase({
      proxy: this, runtimeName, inbound: this.inbound, inboundMode: inboundAuth.mode.toString(), upstreams, accessControl, sanitize, redact, tokenize, trail, deployValues: ext.values, pinning,
    });
    this.auditLogGroupLiteral = Token.isUnresolved(trail.logGroupName) ? undefined : trail.logGroupName;

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
    return super.grantInvoke(grantee);
  }

  /**
   * Adds CloudFormation outputs a user needs to connect: `McpEndpoint`, `RuntimeArn`, and with Cognito
   * `TokenEndpoint`, `AuthorizationEndpoint` (with a human client) and `ClientId<name>` per app client.
   * Opt-in: the construct adds no outputs by itself. Call it once.
   * @param exportNamePrefix export the outputs as `<prefix>-<output id>` (for other stacks' `Fn.importValue`)
   */
  public addOutputs(exportNamePrefix?: string): CfnOutput[] {
    return createOutputs(this, {
      invocationUrl: this.invocationUrl,
      runtimeArn: this.runtimeArn,
      tokenEndpoint: this.tokenEndpoint,
      authorizationEndpoint: this.authorizationEndpoint,
      clients: this.userPoolClients,
    }, exportNamePrefix);
  }

  /** Network access of the runtime (`IConnectable`): only with a VPC `networkConfiguration`, else it throws. */
  public get connections(): ec2.Connections {
    return this.runtime.connections;
  }

  /** Warns (or, strict, fails) on typed rules that can never match the configured identity, or that contradict each other. */
  private checkRules(accessControl: AccessControlConfig, tokenizationEnabled: boolean, strict: boolean, problems: Problems): void {
    for (const f of checkRules(accessControl, this.inbound.callerFacts, tokenizationEnabled)) {
      if (strict) problems.add(f.prop, f.message, undefined, f.fix);
      else Annotations.of(this).addWarningV2(f.id, `${f.prop}: ${f.message}. ${f.fix} (accessControl.strictRuleChecks turns this into an error.)`);
    }
  }

  /**
   * The runtime's own `check` on the staged configuration, run once per construct: validation and the
   * MCP_PROXY_CONFIG_CHECKED value both use it (runCheck's own cache would still re-read and hash the bundle).
   */
  private synthCheck(): CheckResult {
    const env = Object.fromEntries(this.deployValues.map((d) => [d.variable, d.sample]));
    this.checkResult ??= runCheck(this.staged.directory, this.staged.configFile, env, this.policyTests, previousReportOf(this)?.model.accessControl);
    return this.checkResult;
  }

  /** Synth-time validation: the runtime's own `check` on the staged configuration, then the compliance report. */
  private validateAtSynth(): string[] {
    if (!this.staged.bundlePresent) {
      return [`runtime bundle not found (no ${BUNDLE_ENTRY} in ${this.bundleDir}): run "npm run build:runtime" (it builds assets/runtime/index.js), or set runtimeBundleDirectory.`];
    }
    const result = this.synthCheck();
    const failedTests = policyTestProblems(result);
    if (failedTests.length > 0) return failedTests;
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
      const codeAssetHash = this.codeAsset?.assetHash ?? 'unknown';
      const policiesChecked = result.policiesChecked ?? 'unchecked';
      const model: ComplianceModel = {
        ...this.complianceBase,
        generatedAt: new Date().toISOString(),
        configDigest: result.digest!,
        policiesChecked,
        codeAssetHash,
        audit: { ...this.complianceBase.audit, alarms: this.alarms.map((a) => alarmSummary(stack, a)) },
        removalPolicies: removalPolicies(this),
        ...(result.policyTests ? { policyTests: result.policyTests.map((r, i) => ({ ...this.policyTests[i], result: r })) } : {}),
        verification: verificationSteps({
          assemblyDir: path.relative(process.cwd(), stage.outdir) || '.',
          stackName: stack.stackName,
          templateFile: stack.templateFile,
          runtimeLogicalId: this.complianceBase.construct.runtimeLogicalId,
          container: this.codeAsset instanceof ecr_assets.DockerImageAsset,
          codeAssetHash,
          policiesChecked,
          configDigest: result.digest!,
          auditLogGroupName: this.auditLogGroupLiteral,
          standIns: this.deployValues.map((d) => ({ variable: d.variable, standIn: d.sample })),
        }),
      };
      const previous = previousReportOf(this);
      writeComplianceReport(stage.outdir, reportBaseOf(this), previous ? { ...model, changes: changeSection(previous, model, result.accessChanges) } : model);
    }
    return [];
  }

}
