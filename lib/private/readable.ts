import { CfnElement, CfnResource, Token, type Stack } from 'aws-cdk-lib';

const PSEUDO: Record<string, string> = {
  'AWS::Region': '<region>',
  'AWS::AccountId': '<account>',
  'AWS::Partition': '<partition>',
  'AWS::URLSuffix': '<url suffix>',
  'AWS::StackId': '<stack id>',
  'AWS::StackName': '<stack name>',
  'AWS::NoValue': '',
};

/**
 * A deploy-time value in words, for people reading the compliance report: references become
 * `<attribute of construct path>` instead of CloudFormation JSON (`{"Fn::GetAtt": [...]}`).
 */
export function readable(stack: Stack, value: string): string {
  if (!Token.isUnresolved(value)) return value;
  let resolved: unknown;
  try {
    resolved = stack.resolve(value);
  } catch {
    return '<deploy-time value>';
  }
  return readableResolved(stack, resolved);
}

/** Like `readable`, for a value already resolved to CloudFormation JSON. */
export function readableResolved(stack: Stack, resolved: unknown): string {
  const paths = logicalIdPaths(stack);
  /** A list-valued intrinsic as items (`Fn::Split` of a rendered string). */
  const items = (node: unknown): string[] => {
    const split = (node as Record<string, unknown> | undefined)?.['Fn::Split'] as [string, unknown] | undefined;
    if (split) return render(split[1]).split(split[0]);
    return [render(node)];
  };
  const render = (node: unknown): string => {
    if (typeof node === 'string') return node;
    if (typeof node === 'number' || typeof node === 'boolean') return String(node);
    if (Array.isArray(node)) return node.map(render).join(', ');
    const o = (node ?? {}) as Record<string, unknown>;
    if (typeof o.Ref === 'string') return PSEUDO[o.Ref] ?? `<${paths.get(o.Ref) ?? o.Ref}>`;
    if (o['Fn::GetAtt']) {
      const [id, attr] = o['Fn::GetAtt'] as [string, string];
      return `<${attr} of ${paths.get(id) ?? id}>`;
    }
    if (o['Fn::Join']) {
      const [delimiter, parts] = o['Fn::Join'] as [string, unknown];
      return Array.isArray(parts) ? parts.map(render).join(delimiter) : items(parts).join(delimiter);
    }
    if (o['Fn::Select']) {
      const [index, list] = o['Fn::Select'] as [number, unknown];
      return Array.isArray(list) ? render(list[index]) : (items(list)[index] ?? '<deploy-time value>');
    }
    if (o['Fn::Split']) return items(o).join(', ');
    if (o['Fn::ImportValue']) return `<export ${render(o['Fn::ImportValue'])}>`;
    if (o['Fn::Sub']) return render(Array.isArray(o['Fn::Sub']) ? (o['Fn::Sub'] as unknown[])[0] : o['Fn::Sub']);
    return '<deploy-time value>';
  };
  return render(resolved);
}

/** Logical id -> `construct path (resource type)`, relative to the stack. */
function logicalIdPaths(stack: Stack): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of stack.node.findAll()) {
    if (!(c instanceof CfnElement)) continue;
    const id = stack.resolve(c.logicalId) as string;
    const rel = c.node.path.slice(stack.node.path.length + 1).replace(/\/Resource$/, '');
    out.set(id, c instanceof CfnResource ? `${rel} (${c.cfnResourceType})` : rel);
  }
  return out;
}
