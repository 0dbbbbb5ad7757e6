import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { ConfigError } from '../../config/load';
import { accessControlSchema } from '../../config/sections/access-control';
import { ACCESS_ACTIONS } from '../../config/sections/access-control';
import { CEDAR_SCHEMA, cedarString, compileAccessControl } from './index';

const acl = (doc: unknown) => accessControlSchema.parse(doc);

function compileError(doc: unknown): ConfigError {
  try {
    compileAccessControl(acl(doc));
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('Cedar schema', () => {
  it('the embedded copy is identical to schema/mcp.cedarschema', () => {
    const file = readFileSync(join(__dirname, '../../../../schema/mcp.cedarschema'), 'utf8');
    expect(CEDAR_SCHEMA).toBe(file);
  });

  it('parses, and declares the call, detokenize and input-request actions', () => {
    expect(cedar.checkParseSchema(CEDAR_SCHEMA)).toEqual({ type: 'success' });
    const json = cedar.schemaToJson(CEDAR_SCHEMA);
    expect(json.type).toBe('success');
    if (json.type === 'success') expect(Object.keys(json.json.McpProxy.actions).sort()).toEqual([...ACCESS_ACTIONS].sort());
  });
});

describe('typed rules compile to readable Cedar', () => {
  const cases: [string, Record<string, unknown>, string[]][] = [
    [
      'permit a group to call matching tools on one upstream',
      { id: 'devs', effect: 'permit', actions: ['tools/call'], groups: ['dev'], tools: ['search_*'], upstreams: ['github'] },
      [
        '@id("base.devs")',
        'permit (',
        '  action == McpProxy::Action::"tools/call",',
        '  resource in McpProxy::Upstream::"github"',
        'when { principal.groups.contains("dev") }',
        'when { resource.name like "search_*" };',
      ],
    ],
    [
      'forbid destructive tools to everyone except a group',
      { effect: 'forbid', annotations: { destructiveHint: true }, exceptGroups: ['admin'] },
      [
        '@id("base.0")',
        'forbid (',
        '  action in [McpProxy::Action::"tools/call", McpProxy::Action::"detokenize"],',
        '  resource is McpProxy::Tool',
        'when { resource.destructive }',
        'unless { principal.groups.contains("admin") };',
      ],
    ],
    [
      'several groups, scopes, clients, subjects, upstreams and names',
      { effect: 'permit', groups: ['a', 'b'], scopes: ['s'], clientIds: ['c1', 'c2'], subjects: ['u1'], upstreams: ['x', 'y'], tools: ['exact', 'pre*'] },
      [
        '  action in [McpProxy::Action::"tools/call", McpProxy::Action::"resources/read", McpProxy::Action::"prompts/get", McpProxy::Action::"detokenize"],',
        'when { principal.groups.containsAny(["a", "b"]) }',
        'when { principal.scopes.contains("s") }',
        'when { principal has clientId && ["c1", "c2"].contains(principal.clientId) }',
        'when { principal has sub && principal.sub == "u1" }',
        'when { resource in [McpProxy::Upstream::"x", McpProxy::Upstream::"y"] }',
        'when { resource.name == "exact" || resource.name like "pre*" };',
      ],
    ],
    [
      'annotation values false and true on one tool',
      { effect: 'permit', annotations: { readOnlyHint: true, openWorldHint: false }, upstreams: ['gh'] },
      ['  resource is McpProxy::Tool in McpProxy::Upstream::"gh"', 'when { resource.readOnly && !resource.openWorld };'],
    ],
    [
      'an argument condition',
      { effect: 'forbid', actions: ['tools/call'], when: 'context.arguments.hasTag("force")' },
      ['when { context.arguments.hasTag("force") };'],
    ],
  ];

  it.each(cases)('%s', (_label, rule, expectedLines) => {
    const out = compileAccessControl(acl({ enabled: true, ruleSets: [{ name: 'base', rules: [rule] }] }));
    const lines = out.cedar.split('\n');
    for (const l of expectedLines) expect(lines).toContain(l);
    expect(out.ruleSets[0].policyIds).toEqual([rule.id ? `base.${rule.id as string}` : 'base.0']);
  });

  it('escapes quotes and backslashes in names, and the result still parses to the same string', () => {
    const name = 'we"ird\\name';
    expect(cedarString(name)).toBe('"we\\"ird\\\\name"');
    const out = compileAccessControl(acl({ enabled: true, ruleSets: [{ name: 'base', rules: [{ effect: 'permit', tools: [name] }] }] }));
    const json = cedar.policyToJson(out.cedar.split('\n\n')[1]);
    expect(JSON.stringify(json)).toContain(JSON.stringify(name));
  });

  it('raw Cedar: keeps each policy, prefixes @id with the rule set, numbers the ones without one', () => {
    const out = compileAccessControl(
      acl({
        enabled: true,
        ruleSets: [
          {
            name: 'raw',
            cedar: '// comment\n@id("iam-upstream") permit(principal, action, resource in McpProxy::Upstream::"aws") when { principal.kind == "iam" };\n' +
              'forbid(principal, action, resource) when { resource.name like "*admin*" };',
          },
        ],
      }),
    );
    expect(out.ruleSets).toEqual([{ name: 'raw', dryRun: false, policyIds: ['raw.iam-upstream', 'raw.cedar1'] }]);
    expect(out.cedar).toContain('@id("raw.iam-upstream")');
    expect(out.cedar).toContain('@id("raw.cedar1")');
  });

  it('raw Cedar keeps the author\'s text (integer literals beyond 2^53, odd ids)', () => {
    const out = compileAccessControl(
      acl({ enabled: true, ruleSets: [{ name: 'raw', cedar: '@id("cost$&") @doc("d") forbid(principal, action, resource) when { 9223372036854775807 > 1 };' }] }),
    );
    expect(out.ruleSets[0].policyIds).toEqual(['raw.cost$&']);
    expect(out.cedar).toContain('@id("raw.cost$&") @doc("d") forbid(principal, action, resource) when { 9223372036854775807 > 1 };');
  });

  it('keeps source order for the ids of more than ten unnamed raw policies', () => {
    const src = Array.from({ length: 12 }, (_, i) => `permit(principal, action, resource) when { resource.name == "t${i}" };`).join('\n');
    const out = compileAccessControl(acl({ enabled: true, ruleSets: [{ name: 'r', cedar: src }] }));
    const blocks = out.cedar.split('\n\n').slice(1);
    blocks.forEach((b, i) => {
      expect(b).toContain(`@id("r.cedar${i}")`);
      expect(b).toContain(`"t${i}"`);
    });
  });

  it('lists dry-run rule sets as such', () => {
    const out = compileAccessControl(acl({ enabled: true, ruleSets: [{ name: 'a', rules: [{ effect: 'permit' }] }, { name: 'b', dryRun: true, rules: [{ effect: 'forbid', tools: ['x'] }] }] }));
    expect(out.ruleSets.map((s) => [s.name, s.dryRun])).toEqual([['a', false], ['b', true]]);
    expect(out.cedar).toContain('// rule set "b" (dry run');
  });
});

describe('invalid configurations are refused with a message naming the rule set, the rule and the fix', () => {
  const cases: [string, unknown, RegExp][] = [
    [
      'raw Cedar that does not parse',
      { ruleSets: [{ name: 'raw', cedar: 'permit(principal, action, resource) when { x };' }] },
      /accessControl\.ruleSets\[0\] \("raw"\)\.cedar: .*invalid variable: x/,
    ],
    [
      'raw Cedar that does not match the schema (strict validation)',
      { ruleSets: [{ name: 'raw', cedar: '@id("typo") permit(principal, action, resource) when { resource.nme == "x" };' }] },
      /accessControl\.ruleSets\[0\] \("raw"\)\.cedar \(policy 1\) \(@id "typo"\): policy "raw\.typo" does not match the proxy's Cedar schema: .*attribute `nme`.*did you mean `name`/,
    ],
    [
      'an attribute of the wrong entity type',
      { ruleSets: [{ name: 'raw', cedar: 'permit(principal, action == McpProxy::Action::"resources/read", resource) when { resource.destructive };' }] },
      /policy "raw\.cedar0" does not match the proxy's Cedar schema/,
    ],
    [
      'a template',
      { ruleSets: [{ name: 'raw', cedar: 'permit(principal == ?principal, action, resource);' }] },
      /\.cedar: templates .* are not supported/,
    ],
    [
      'a `when` condition that tries to add a policy',
      { ruleSets: [{ name: 's', rules: [{ id: 'r', effect: 'forbid', when: 'false }; permit(principal, action, resource) when { true' }] }] },
      /accessControl\.ruleSets\[0\] \("s"\)\.rules\[0\] \("r"\)\.when: not valid Cedar: it must be one Cedar expression/,
    ],
    [
      'a `when` condition with a type error',
      { ruleSets: [{ name: 's', rules: [{ effect: 'permit', when: 'principal.groups == "admin"' }] }] },
      /\.rules\[0\]: policy "s\.0" does not match the proxy's Cedar schema/,
    ],
    [
      'annotations with a non-tool action',
      { ruleSets: [{ name: 's', rules: [{ effect: 'forbid', actions: ['resources/read'], annotations: { destructiveHint: true } }] }] },
      /\.rules\[0\]\.annotations: only tools have annotations, but actions include resources\/read; remove those actions/,
    ],
    [
      'duplicate rule ids',
      { ruleSets: [{ name: 's', rules: [{ id: 'x', effect: 'permit' }, { id: 'x', effect: 'forbid' }] }] },
      /\.rules\[1\] \("x"\): duplicate policy id "s\.x"/,
    ],
    [
      'duplicate rule set names',
      { ruleSets: [{ name: 's', rules: [] }, { name: 's', rules: [] }] },
      /accessControl\.ruleSets\[1\] \("s"\)\.name: duplicate rule set name/,
    ],
  ];
  it.each(cases)('%s', (_label, doc, message) => {
    const err = compileError(doc);
    expect(err.message).toMatch(message);
    expect(err.issues.some((i) => message.test(i))).toBe(true);
  });

  it('names the other rules of the same form when one form fails validation', () => {
    const bad = { effect: 'permit', when: 'principal.groups == "admin"' };
    const err = compileError({ ruleSets: [{ name: 's', rules: [{ ...bad, id: 'a', groups: ['x'] }, { ...bad, id: 'b', groups: ['y'] }] }] });
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]).toMatch(/rules\[0\] \("a"\): policy "s\.a" \(so are 1 more rules of the same form: s\.b\) does not match/);
  });

  it('collects every problem before throwing', () => {
    const err = compileError({
      ruleSets: [
        { name: 'a', cedar: 'permit(principal, action, resource) when { x };' },
        { name: 'b', rules: [{ effect: 'forbid', actions: ['prompts/get'], annotations: { readOnlyHint: false } }] },
      ],
    });
    expect(err.issues).toHaveLength(2);
  });

  it('refuses empty condition lists in the config schema (omit the field to match anyone)', () => {
    expect(() => acl({ ruleSets: [{ name: 's', rules: [{ effect: 'permit', groups: [] }] }] })).toThrow(/must not be empty/);
  });
});
