import * as fs from 'node:fs';
import * as path from 'node:path';
import { CfnResource, type Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { IConstruct } from 'constructs';
import type { ProxyConfigDocument, TokenizeConfig } from '../config/contract';
import { Detector } from '../data-protection';
import type { ComplianceModel } from './compliance';
import { readableResolved } from './readable';

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
