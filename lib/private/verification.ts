import type { VerificationStep } from './compliance';

/** What the verification commands need to know. */
export interface VerificationInputs {
  /** The cloud assembly directory, relative to where the commands run (normally `cdk.out`). */
  readonly assemblyDir: string;
  readonly stackName: string;
  readonly templateFile: string;
  readonly runtimeLogicalId: string;
  /** The container artifact (an image tagged with the hash) instead of the code zip (`<hash>.zip`). */
  readonly container?: boolean;
  readonly codeAssetHash: string;
  readonly policiesChecked: string;
  readonly configDigest: string;
  /** The audit log group's name, or undefined when it is only known at deploy time. */
  readonly auditLogGroupName?: string;
  readonly standIns: { readonly variable: string; readonly standIn: string }[];
}

/** Single-quotes a value for POSIX sh. */
export function shq(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * "How to verify the running runtime": offline checks of the assembly (the template's stamps, the shipped
 * configuration's digest with the runtime's own `check`), then what the deployed runtime and its audit trail say.
 */
export function verificationSteps(v: VerificationInputs): VerificationStep[] {
  const template = `./${v.assemblyDir}/${v.templateFile}`;
  const props = `require(${JSON.stringify(template).replace(/"/g, "'")}).Resources['${v.runtimeLogicalId}'].Properties`;
  const asset = `${v.assemblyDir}/asset.${v.codeAssetHash}`;
  const standIns = v.standIns.map((s) => `${s.variable}=${shq(s.standIn)}`).join(' ');
  const auditGroup = v.auditLogGroupName ? shq(v.auditLogGroupName) : '"$AUDIT_LOG_GROUP"';
  const since = '--start-time $(( $(date +%s) - 7 * 86400 )) --end-time $(date +%s)';
  return [
    {
      title: 'The template deploys this code asset, stamped with its hash and the checked-policies stamp',
      offline: true,
      commands: [
        ...(v.container ? [] : [`node -p "${props}.AgentRuntimeArtifact.CodeConfiguration.Code.S3.Prefix"`]),
        `node -p "${props}.EnvironmentVariables.MCP_PROXY_CODE_ASSET_HASH"`,
        `node -p "${props}.EnvironmentVariables.MCP_PROXY_CONFIG_CHECKED"`,
      ],
      expect: `${v.container ? '' : `${v.codeAssetHash}.zip, then `}${v.codeAssetHash}, then ${v.policiesChecked}`,
    },
    {
      title: 'The shipped configuration has this digest (the runtime\'s own check, with the stand-ins for deploy-time values)',
      offline: true,
      commands: [`${standIns ? `${standIns} ` : ''}node ${asset}/index.js check --config ${asset}/proxy-config.json`],
      expect: `"ok":true and "digest":"${v.configDigest}"`,
    },
    {
      title: 'The deployed runtime runs this code asset with these stamps',
      offline: false,
      commands: [
        `RUNTIME_ID=$(aws cloudformation describe-stack-resource --stack-name ${shq(v.stackName)} --logical-resource-id ${v.runtimeLogicalId} --query StackResourceDetail.PhysicalResourceId --output text)`,
        `aws bedrock-agentcore-control get-agent-runtime --agent-runtime-id "$RUNTIME_ID" --query '{status: status, code: ${v.container ? 'agentRuntimeArtifact.containerConfiguration.containerUri' : 'agentRuntimeArtifact.codeConfiguration.code.s3.prefix'}, codeAssetHash: environmentVariables.MCP_PROXY_CODE_ASSET_HASH, policiesChecked: environmentVariables.MCP_PROXY_CONFIG_CHECKED}'`,
      ],
      expect: `code ${v.container ? `an image tagged ${v.codeAssetHash}` : `${v.codeAssetHash}.zip`}, codeAssetHash ${v.codeAssetHash}, policiesChecked ${v.policiesChecked}`,
    },
    {
      title: 'Every runtime instance recorded the configuration in force (CloudWatch Logs Insights)',
      offline: false,
      commands: [
        ...(v.auditLogGroupName ? [] : ['AUDIT_LOG_GROUP=<the audit log group name (see "Audit" above)>']),
        `QUERY_ID=$(aws logs start-query --log-group-name ${auditGroup} ${since} --query-string 'filter type = "audit_start" | fields @timestamp, instanceId, version, configDigest, policiesChecked, codeAssetHash | sort @timestamp desc | limit 20' --query queryId --output text)`,
        'sleep 5; aws logs get-query-results --query-id "$QUERY_ID"',
        `QUERY_ID=$(aws logs start-query --log-group-name "/aws/bedrock-agentcore/runtimes/$RUNTIME_ID-DEFAULT" ${since} --query-string 'filter msg = "ready" | fields @timestamp, configDigest | sort @timestamp desc | limit 20' --query queryId --output text)`,
        'sleep 5; aws logs get-query-results --query-id "$QUERY_ID"',
      ],
      expect: `every audit_start and every ready line shows configDigest ${v.configDigest} (and audit_start codeAssetHash ${v.codeAssetHash})`,
    },
    {
      title: 'The audit trail is complete and unaltered (the hash-chain verifier shipped in the code asset)',
      offline: false,
      commands: [
        `aws logs filter-log-events --log-group-name ${auditGroup} --start-time $(( ($(date +%s) - 7 * 86400) * 1000 )) --output json > audit.json`,
        `node ${asset}/verify-audit.js audit.json`,
      ],
      expect: 'every instance verifies, exit status 0 (use --allow-partial for a time window that starts mid-chain)',
    },
  ];
}
