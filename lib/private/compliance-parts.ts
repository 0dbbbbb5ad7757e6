import * as fs from 'node:fs';
import * as path from 'node:path';
import { CfnResource, Stack, Token } from 'aws-cdk-lib';
import type * as agentcore from 'aws-cdk-lib/aws-bedrockagentcore';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { AuditTrail } from '../audit';
import type { AccessControlConfig } from '../config/contract';
import type { InboundAuthBinding } from '../inbound-auth';
import type { UpstreamBinding } from '../upstream';
import type { DeployValue } from './deploy-values';
import type { TokenizationSetup } from './tokenization';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { IConstruct } from 'constructs';
import type { ProxyConfigDocument, TokenizeConfig } from '../config/contract';
import { Detector } from '../data-protection';
import type { ComplianceModel } from './compliance';
import { readable, readableResolved } from './readable';

/** What the construct knows when it is built; the rest is filled in at synth (see validateAtSynth). */
export type ComplianceBase = Omit<ComplianceModel, 'generatedAt' | 'configDigest' | 'policiesChecked' | 'codeAssetHash' | 'removalPolicies' | 'verification' | 'audit'>
  & { readonly audit: Omit<ComplianceModel['audit'], 'alarms'> };

/** The runtime's default tokenization detectors (runtime/src/config/sections/tokenize.ts). */
const DEFAULT_TOKENIZE = [Detector.EMAIL, Detector.PHONE, Detector.CREDIT_CARD, Detector.US_SSN, Detector.IBAN];

/** The detectors in force, spelled out. */
export function effectiveDetectors(redact: ProxyConfigDocument['redact'], tokenize: TokenizeConfig): ComplianceModel['detectors'] {
  const custom = (redact.custom ?? []).map((c) => `${c.name} (custom)`);
  return {
    redaction: redact.enabled ? [...(redact.detectors ?? Object.values(Detector)), ...custom] : [],
    tokenization: tokenize.enabled ? [...(tokenize.detectors ?? DEFAULT_TOKENIZE)] : [],
  };
}

/** This package's version (package.json beside lib/). */
export function libraryVersion(): string {
  try {
    return JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8')).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** An alarm's name (construct path) and the actions it triggers, readable. */
export function alarmSummary(stack: Stack, alarm: cloudwatch.IAlarm): { name: string; actions: string[] } {
  const cfn = alarm.node.defaultChild as cloudwatch.CfnAlarm | undefined;
  const actions = (stack.resolve(cfn?.alarmActions) ?? []) as unknown[];
  return {
    name: alarm.node.path.slice(stack.node.path.length + 1),
    actions: actions.map((a) => readableResolved(stack, a)),
  };
}

const STATEFUL = new Set(['AWS::Logs::LogGroup', 'AWS::KMS::Key', 'AWS::Cognito::UserPool', 'AWS::SecretsManager::Secret']);

/** The removal policy of every stateful resource the construct created. */
export function removalPolicies(scope: IConstruct): ComplianceModel['removalPolicies'] {
  const stackPath = scope.node.scopes.find((c) => (c as { templateFile?: string }).templateFile !== undefined)?.node.path ?? '';
  return scope.node.findAll()
    .filter((c): c is CfnResource => c instanceof CfnResource && STATEFUL.has(c.cfnResourceType))
    .map((c) => ({
      resource: c.node.path.slice(stackPath.length + 1).replace(/\/Resource$/, ''),
      type: c.cfnResourceType,
      policy: c.cfnOptions.deletionPolicy ?? 'Delete',
    }));
}

/** What the construct hands over to describe itself. */
export interface ComplianceInputs {
  readonly proxy: IConstruct & { readonly runtime: agentcore.Runtime };
  readonly runtimeName: string;
  readonly inbound: InboundAuthBinding;
  readonly inboundMode: string;
  readonly upstreams: UpstreamBinding[];
  readonly accessControl: AccessControlConfig;
  readonly sanitize: ProxyConfigDocument['sanitize'];
  readonly redact: ProxyConfigDocument['redact'];
  readonly tokenize: TokenizationSetup;
  readonly trail: AuditTrail;
  readonly deployValues: DeployValue[];
  /** Tool pinning, when configured. */
  readonly pinning?: { readonly config: { readonly mode: string }; readonly pinned: NonNullable<ComplianceModel['pinning']>['pinned'] };
}

/** The part of the compliance model known when the construct is built (references in words, not CloudFormation). */
export function complianceBase(i: ComplianceInputs): ComplianceBase {
const jwt = i.inbound.identity.jwt;
const stack = Stack.of(i.proxy);
return {
    reportVersion: 2,
    libraryVersion: libraryVersion(),
    construct: { path: i.proxy.node.path, stack: stack.stackName, runtimeName: i.runtimeName, templateFile: stack.templateFile, runtimeLogicalId: stack.resolve((i.proxy.runtime.node.defaultChild as agentcore.CfnRuntime).logicalId) },
    inboundAuth: {
      mode: i.inboundMode,
      description: i.inbound.description,
      audiences: (jwt?.audiences ?? []).map((x) => readable(stack, x)),
      allowedClients: (jwt?.allowedClients ?? []).map((x) => readable(stack, x)),
      clients: (i.inbound.clients ?? []).map((c) => ({ name: c.name, kind: c.kind.toString(), scopes: c.scopes, clientId: readable(stack, c.client.userPoolClientId) })),
    },
    upstreams: i.upstreams.map((u) => ({ name: u.config.name, kind: u.kind, url: readable(stack, u.config.url), auth: u.authDescription, timeoutMs: u.config.timeoutMs })),
    accessControl: i.accessControl,
    sanitize: i.sanitize,
    redact: i.redact,
    detectors: effectiveDetectors(i.redact, i.tokenize.config),
    tokenize: {
      enabled: i.tokenize.config.enabled,
      ...(i.tokenize.config.enabled ? {
        detectors: i.tokenize.config.detectors,
        argumentPaths: i.tokenize.config.argumentPaths,
        detokenizeResults: i.tokenize.config.detokenizeResults,
        key: i.tokenize.secret ? `Secrets Manager secret ${Token.isUnresolved(i.tokenize.secret.secretName) ? readable(stack, i.tokenize.secret.secretArn) : i.tokenize.secret.secretName}` : undefined,
      } : {}),
    },
    audit: {
      sink: 'CloudWatch Logs',
      logGroupName: readable(stack, i.trail.logGroupName),
      retention: i.trail.retentionDays === undefined ? 'as configured on the existing log group'
        : i.trail.retentionDays === RetentionDays.INFINITE ? 'never expires' : `${i.trail.retentionDays} days`,
      encryption: i.trail.key ? 'encrypted with a customer-managed KMS key' : 'encryption as configured on the existing log group',
      failMode: i.trail.config.failMode ?? 'closed',
      includeRedactedContent: i.trail.config.includeRedactedContent ?? false,
      metricsNamespace: i.trail.namespace,
      runtimeLogGroup: `/aws/bedrock-agentcore/runtimes/${i.runtimeName}-<generated suffix>-DEFAULT`,
    },
    deployTimeValues: i.deployValues.map((v) => ({ variable: v.variable, path: v.path, value: readable(stack, v.value), standIn: v.sample })),
    ...(i.pinning ? { pinning: { mode: i.pinning.config.mode, pinned: i.pinning.pinned } } : {}),
  };
}
