import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag acknowledgements for findings caused by the construct's own design. Written with aws-cdk-lib's
 * `Validations.of(...).acknowledge()` (what cdk-nag v3 reads), so the library needs no dependency on cdk-nag.
 */

/** One acknowledged finding, as listed in the docs. */
export interface Acknowledgement {
  readonly id: string;
  readonly reason: string;
}

/**
 * Acknowledges each `AwsSolutions-IAM5` finding (an action or resource containing `*`) of a policy document, with
 * the reason registered for the statement's Sid. Statements without a registered reason are left alone, so an
 * unexplained wildcard still fails cdk-nag.
 */
export function acknowledgeWildcards(target: IConstruct, policyDocument: unknown, reasonsBySid: ReadonlyMap<string, string>): Acknowledgement[] {
  const doc = Stack.of(target).resolve(policyDocument) as { Statement?: ResolvedStatement[] } | undefined;
  const acks = new Map<string, string>();
  for (const st of doc?.Statement ?? []) {
    if (st.Effect !== 'Allow' || !st.Sid) continue;
    const reason = reasonsBySid.get(st.Sid);
    if (!reason) continue;
    for (const action of arr(st.Action)) if (action.includes('*')) acks.set(`AwsSolutions-IAM5[Action::${action}]`, reason);
    for (const resource of arr(st.Resource).map(flatten)) if (resource.includes('*')) acks.set(`AwsSolutions-IAM5[Resource::${resource}]`, reason);
  }
  const out = [...acks].map(([id, reason]) => ({ id, reason }));
  for (const a of out) Validations.of(target).acknowledge(a);
  return out;
}

interface ResolvedStatement {
  readonly Sid?: string;
  readonly Effect?: string;
  readonly Action?: string | string[];
  readonly Resource?: unknown;
}

function arr<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** cdk-nag's rendering of a CloudFormation reference (utils/flatten-cfn-reference), for matching finding ids. */
export function flatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const o = node as Record<string, unknown>;
  if (o['Fn::Join']) {
    const [delimiter, items] = o['Fn::Join'] as [string, unknown[]];
    return items.map(flatten).join(delimiter);
  }
  if (o['Fn::Sub']) return flatten(o['Fn::Sub']);
  if (o['Fn::GetAtt']) {
    const [resource, attribute] = o['Fn::GetAtt'] as [unknown, unknown];
    return `<${flatten(resource)}.${flatten(attribute)}>`;
  }
  if (o['Fn::ImportValue']) return flatten(o['Fn::ImportValue']);
  if (o.Ref) return `<${flatten(o.Ref)}>`;
  return JSON.stringify(node);
}
