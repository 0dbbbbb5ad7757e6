/** Namespacing and the catalog: exposed names, reversible resource URIs, template routing, and the collision rule. */
import { parseConfig } from '../config/load';
import { Catalog } from './catalog';
import type { UpstreamInventory } from './discovery';
import { Naming } from './naming';
import { exposeResultUris } from './rewrite';

const inv = (p: Partial<UpstreamInventory>): UpstreamInventory => ({ tools: [], resources: [], resourceTemplates: [], prompts: [], ...p });
const cfg = (naming: object, ups: { name: string; prefix?: string }[]) =>
  parseConfig({ version: 1, naming, upstreams: ups.map((u) => ({ ...u, url: 'http://127.0.0.1:1/mcp' })) });

describe('Naming', () => {
  test.each([
    ['auto, one upstream: no prefix', {}, [{ name: 'a' }], 'a', 'search'],
    ['auto, two upstreams: <name>__', {}, [{ name: 'a' }, { name: 'b' }], 'a', 'a__search'],
    ['always, custom separator and prefix', { mode: 'always', separator: '.' }, [{ name: 'a', prefix: 'gh' }], 'a', 'gh.search'],
    ['never', { mode: 'never' }, [{ name: 'a' }, { name: 'b' }], 'b', 'search'],
    ['empty prefix opts one upstream out', {}, [{ name: 'a', prefix: '' }, { name: 'b' }], 'a', 'search'],
  ])('%s', (_what, naming, ups, upstream, expected) => {
    const n = new Naming(cfg(naming, ups));
    expect(n.expose(upstream, 'search')).toBe(expected);
    expect(n.strip(upstream, expected)).toBe('search');
  });

  test('strip refuses a name without the prefix', () => {
    const n = new Naming(cfg({}, [{ name: 'a' }, { name: 'b' }]));
    expect(n.strip('a', 'b__search')).toBeUndefined();
  });
});

describe('Catalog', () => {
  const two = new Naming(cfg({}, [{ name: 'a' }, { name: 'b' }]));

  test('definitions are copied with the exposed name; annotations and inputSchema lifted onto the entry', () => {
    const def = { name: 'rm', title: 'Remove', inputSchema: { type: 'object' }, annotations: { destructiveHint: true }, _meta: { x: 1 } };
    const c = Catalog.build([['a', inv({ tools: [def] })], ['b', inv({})]], two);
    const e = c.tool('a__rm')!;
    expect(e).toMatchObject({ kind: 'tool', upstream: 'a', name: 'rm', exposedName: 'a__rm', annotations: { destructiveHint: true }, inputSchema: { type: 'object' } });
    expect(e.definition).toEqual({ ...def, name: 'a__rm' });
    expect(def.name).toBe('rm');
    expect(c.tool('rm')).toBeUndefined();
  });

  test('a name two upstreams expose is excluded for both and reported; other names stay', () => {
    const n = new Naming(cfg({ mode: 'never' }, [{ name: 'a' }, { name: 'b' }, { name: 'c' }]));
    const c = Catalog.build(
      [
        ['a', inv({ tools: [{ name: 'dup' }, { name: 'only_a' }], prompts: [{ name: 'p' }] })],
        ['b', inv({ tools: [{ name: 'dup' }], prompts: [{ name: 'p' }] })],
        ['c', inv({ tools: [{ name: 'dup' }, { name: 'only_c' }] })],
      ],
      n,
    );
    expect(c.tools.map((t) => t.exposedName)).toEqual(['only_a', 'only_c']);
    expect(c.tool('dup')).toBeUndefined();
    expect(c.collisions).toEqual([
      { list: 'tools', exposedName: 'dup', upstreams: ['a', 'b', 'c'] },
      { list: 'prompts', exposedName: 'p', upstreams: ['a', 'b'] },
    ]);
  });

  test('duplicates within one upstream keep the first definition', () => {
    const c = Catalog.build([['a', inv({ tools: [{ name: 't', description: 'first' }, { name: 't', description: 'second' }] })], ['b', inv({})]], two);
    expect(c.tools).toHaveLength(1);
    expect(c.tool('a__t')!.definition.description).toBe('first');
    expect(c.collisions).toEqual([]);
  });

  test('resources: exact URI first, then templates matched on the upstream URI (prefix stripped)', () => {
    const c = Catalog.build(
      [
        ['a', inv({ resources: [{ uri: 'file:///x', name: 'x' }], resourceTemplates: [{ uriTemplate: 'file:///notes/{id}', name: 'n' }] })],
        ['b', inv({ resourceTemplates: [{ uriTemplate: 'file:///notes/{id}', name: 'n' }] })],
      ],
      two,
    );
    expect(c.resource('a__file:///x')).toMatchObject({ upstream: 'a', name: 'file:///x' });
    expect(c.resource('b__file:///notes/7')).toMatchObject({ upstream: 'b', name: 'file:///notes/7', exposedName: 'b__file:///notes/7', definition: { uri: 'b__file:///notes/7', uriTemplate: 'b__file:///notes/{id}' } });
    expect(c.resource('file:///notes/7')).toBeUndefined();
    expect(c.resource('a__file:///elsewhere/7')).toBeUndefined();
    expect(c.resourceTemplate('a__file:///notes/{id}')).toMatchObject({ upstream: 'a' });
  });

  test('resources: the upstream part of a requested URI is normalized after its prefix; ambiguous URIs are refused', () => {
    const c = Catalog.build(
      [
        ['a', inv({ resources: [{ uri: 'file:///x', name: 'x' }, { uri: 'HTTP://Odd.Example/%7Eraw', name: 'odd' }], resourceTemplates: [{ uriTemplate: 'file:///notes/{+path}', name: 'n' }] })],
        ['b', inv({ resourceTemplates: [{ uriTemplate: 'file:///notes/{id}', name: 'n' }] })],
      ],
      two,
    );
    // A listed resource: by its exact text, or by its normalized form (then the listed URI is what is forwarded).
    expect(c.resolveResource('a__FILE:///./x')).toMatchObject({ entry: { upstream: 'a', name: 'file:///x', exposedName: 'a__file:///x' } });
    expect(c.resolveResource('a__HTTP://Odd.Example/%7Eraw')).toMatchObject({ entry: { name: 'HTTP://Odd.Example/%7Eraw' } });
    expect(c.resolveResource('a__http://odd.example/~raw')).toMatchObject({ entry: { name: 'HTTP://Odd.Example/%7Eraw' } });
    // Templates match the normalized upstream URI, which becomes the entry's name (what Cedar evaluates and the upstream gets).
    expect(c.resolveResource('a__file:///notes/a/../b/%7Ec')).toMatchObject({ entry: { upstream: 'a', name: 'file:///notes/b/~c', exposedName: 'a__file:///notes/b/~c' } });
    expect(c.resolveResource('b__file:///notes/./7')).toMatchObject({ entry: { upstream: 'b', name: 'file:///notes/7' } });
    // The prefix itself is never normalized: it is the upstream's literal namespace.
    expect(c.resolveResource('A__file:///x')).toEqual({});
    // Refusals: a climb out of a template's fixed prefix is hidden (answered as unknown); the others say why.
    expect(c.resolveResource('a__file:///notes/../x')).toEqual({ refusal: { reason: expect.stringMatching(/climbs out/), hidden: true } });
    expect(c.resolveResource('a__file:///notes/%2e%2e/x')).toEqual({ refusal: { reason: expect.stringMatching(/encoded dot/), hidden: false } });
    expect(c.resolveResource('b__file:///notes/a%2Fb')).toEqual({ refusal: { reason: expect.stringMatching(/encoded slash/), hidden: false } });
    expect(c.resource('a__file:///notes/../x')).toBeUndefined();
    // Unknown stays unknown.
    expect(c.resolveResource('c__file:///notes/7')).toEqual({});
  });

  test('result URIs get the prefix (read contents, resource links, embedded resources), nothing else changes', () => {
    const r = {
      content: [{ type: 'text', text: 'file:///x' }, { type: 'resource_link', uri: 'file:///x', name: 'x' }, { type: 'resource', resource: { uri: 'memo://m', text: 't' } }],
      structuredContent: { uri: 'file:///x' },
    };
    expect(exposeResultUris('tools/call', r, 'a__')).toEqual({
      content: [{ type: 'text', text: 'file:///x' }, { type: 'resource_link', uri: 'a__file:///x', name: 'x' }, { type: 'resource', resource: { uri: 'a__memo://m', text: 't' } }],
      structuredContent: { uri: 'file:///x' },
    });
    expect(exposeResultUris('resources/read', { contents: [{ uri: 'file:///x', text: 't' }] }, 'a__')).toEqual({ contents: [{ uri: 'a__file:///x', text: 't' }] });
    expect(exposeResultUris('tools/call', r, '')).toBe(r);
  });
});
