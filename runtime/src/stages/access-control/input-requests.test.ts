/**
 * Input requests under Cedar: `input/<kind>` decided per caller, upstream and tool; deny by default; typed rules that
 * omit `actions` never cover an input request; URL elicitation restricted by host; pass-through when disabled.
 */
import { inputEvent, type InputRequestEvent } from '../../pipeline/input-request';
import { compileAccessControl, createAccessControlStage } from './index';
import { acl, ctxFor, jwtCaller, memoryLog, tool } from './test-fixtures';

const reports = tool('reports', 'build_report');
const github = tool('github', 'search_issues');
const ev = (target = reports, method = 'sampling/createMessage', params: Record<string, unknown> = { messages: [] }): InputRequestEvent => inputEvent(target, method, params)!;
const urlElicit = (url: string, target = reports) => ev(target, 'elicitation/create', { mode: 'url', url, message: 'sign in', elicitationId: 'e1' });

describe('input requests are decided by Cedar (action input/<kind>)', () => {
  const build = async () =>
    createAccessControlStage(
      acl({
        enabled: true,
        ruleSets: [
          {
            name: 'base',
            rules: [
              { id: 'call', effect: 'permit', groups: ['staff'] },
              { id: 'reports-sample', effect: 'permit', actions: ['input/sampling', 'input/elicitation-form'], upstreams: ['reports'] },
              {
                id: 'url-to-sso',
                effect: 'permit',
                actions: ['input/elicitation-url'],
                when: 'context.input has urlHost && (context.input.urlHost == "sso.example.com" || context.input.urlHost like "*.sso.example.com")',
              },
              { id: 'no-sampling-for-guests', effect: 'forbid', actions: ['input/sampling'], groups: ['guest'] },
            ],
          },
        ],
      }),
      memoryLog().log,
    );

  it('permits only the kinds and upstreams a rule names', async () => {
    const stage = await build();
    const staff = ctxFor(jwtCaller('u1', ['staff']), reports, {});
    expect(stage.onInputRequest!(staff, ev())).toEqual({ effect: 'allow', policyIds: ['base.reports-sample'] });
    expect(stage.onInputRequest!(staff, ev(reports, 'elicitation/create', { message: 'name?', requestedSchema: { type: 'object', properties: {} } }))).toMatchObject({ effect: 'allow' });
    // Another upstream may not sample, although the caller may call its tool (the rule without actions covers calls only).
    expect(stage.onInputRequest!(ctxFor(jwtCaller('u1', ['staff']), github, {}), ev(github))).toEqual({ effect: 'deny', policyIds: [], reason: 'policy' });
    // Roots: named by no rule, denied.
    expect(stage.onInputRequest!(staff, ev(reports, 'roots/list', {}))).toMatchObject({ effect: 'deny', reason: 'policy' });
  });

  it('forbid wins for the callers it names', async () => {
    const stage = await build();
    expect(stage.onInputRequest!(ctxFor(jwtCaller('g1', ['guest']), reports, {}), ev())).toEqual({ effect: 'deny', policyIds: ['base.no-sampling-for-guests'], reason: 'policy' });
  });

  it('URL elicitation: only to the hosts a rule permits; a URL that does not parse has no host and is denied', async () => {
    const stage = await build();
    const c = ctxFor(jwtCaller('u1', ['staff']), reports, {});
    expect(stage.onInputRequest!(c, urlElicit('https://sso.example.com/login'))).toMatchObject({ effect: 'allow', policyIds: ['base.url-to-sso'] });
    expect(stage.onInputRequest!(c, urlElicit('https://eu.sso.example.com/login'))).toMatchObject({ effect: 'allow' });
    expect(stage.onInputRequest!(c, urlElicit('https://sso.example.com.attacker.net/login'))).toMatchObject({ effect: 'deny' });
    expect(stage.onInputRequest!(c, urlElicit('javascript:alert(1)'))).toMatchObject({ effect: 'deny' });
    // A form elicitation is not a URL elicitation: the URL rule does not permit it from github.
    expect(stage.onInputRequest!(ctxFor(jwtCaller('u1', ['staff']), github, {}), ev(github, 'elicitation/create', { message: 'password?' }))).toMatchObject({ effect: 'deny' });
  });

  it('a caller without identity is denied', async () => {
    const stage = await build();
    expect(stage.onInputRequest!(ctxFor(undefined, reports, {}), ev())).toMatchObject({ effect: 'deny' });
  });

  it('access control off: pass-through (the caller’s declared capabilities still apply, see the server)', async () => {
    const stage = await createAccessControlStage(acl({ enabled: false }), memoryLog().log);
    expect(stage.onInputRequest!(ctxFor(jwtCaller('u1'), reports, {}), urlElicit('https://anywhere.example/'))).toEqual({ effect: 'allow', policyIds: [] });
  });

  it('a rule without actions compiles to the call actions only; a policy reading context.input must name input actions', () => {
    const { cedar } = compileAccessControl(acl({ enabled: true, ruleSets: [{ name: 's', rules: [{ effect: 'permit', groups: ['x'] }] }] }));
    expect(cedar).toContain('action in [McpProxy::Action::"tools/call", McpProxy::Action::"resources/read", McpProxy::Action::"prompts/get", McpProxy::Action::"detokenize"]');
    expect(cedar).not.toContain('input/');
    expect(() =>
      compileAccessControl(acl({ enabled: true, ruleSets: [{ name: 's', rules: [{ effect: 'permit', actions: ['tools/call'], when: 'context.input.kind == "sampling"' }] }] })),
    ).toThrow(/does not match the proxy's Cedar schema/);
    expect(() =>
      compileAccessControl(acl({ enabled: true, ruleSets: [{ name: 's', rules: [{ effect: 'forbid', actions: ['input/sampling'], annotations: { destructiveHint: true } }] }] })),
    ).not.toThrow();
  });
});
