/** Who gained or lost access between two policies: both evaluated by the stage over the same probes. */
import { configSchema } from '../../config/schema';
import { accessControlSchema } from '../../config/sections/access-control';
import { diffAccess, previousSection } from './access-diff';

const config = configSchema.parse({ version: 1, upstreams: [{ name: 'crm', url: 'http://127.0.0.1:1/mcp' }, { name: 'files', url: 'http://127.0.0.1:2/mcp' }] });
const section = (rules: unknown[]) => accessControlSchema.parse({ enabled: true, ruleSets: [{ name: 'base', rules }] });

test('lists exactly the decisions that differ, with the policies that now decide', async () => {
  const before = section([{ id: 'a', effect: 'permit', groups: ['analysts'], upstreams: ['crm'], tools: ['search_*'] }]);
  const after = section([
    { id: 'a', effect: 'permit', groups: ['analysts'], tools: ['search_*'] },
    { id: 'b', effect: 'forbid', groups: ['analysts'], tools: ['search_secrets'], exceptGroups: ['leads'] },
  ]);
  const { changes, probes, truncated } = await diffAccess(config, before, after, []);
  expect(truncated).toBe(false);
  expect(probes).toBeGreaterThan(0);
  const rows = changes.map((c) => `${c.caller.groups.join(',')}|${c.action}|${c.upstream}/${c.target}|${c.before}->${c.after}|${c.afterPolicies.join(',')}`).sort();
  // Rules without actions cover all three: analysts gain search_* on files (the upstream restriction went), and lose
  // search_secrets on crm (the new forbid); nobody else changes (leads are exempt, but no rule permits them).
  const expected = ['tools/call', 'resources/read', 'prompts/get'].flatMap((a) => [
    `analysts|${a}|crm/search_secrets|allow->deny|base.b`,
    `analysts|${a}|files/search_|deny->allow|base.a`,
    `analysts|${a}|files/search_x|deny->allow|base.a`,
  ]);
  expect(rows).toEqual(expected.sort());
});

test('the same policy gives no change; a previous section is read from a report model, shadow dropped', async () => {
  const s = section([{ effect: 'permit', groups: ['g'] }]);
  expect((await diffAccess(config, s, s, [])).changes).toEqual([]);
  expect(previousSection({ enabled: true, ruleSets: [{ name: 'x', rules: [] }], shadow: { ruleSets: [] } })).toEqual({ enabled: true, ruleSets: [{ name: 'x', rules: [] }] });
});
