import type { Principal, Stage } from '../../pipeline/context';
import { GovernanceError } from '../../pipeline/errors';
import { ConfigError } from '../../config/load';
import { compilePolicies } from './compile';
import { callerEntity } from './entities';
import { createAccessControlStage } from './index';
import { callerId, callerIdProblems, isCallerId } from './principal-id';
import { ANONYMOUS, IAM, acl, ctxFor, memoryLog, tool } from './test-fixtures';

const ISS = 'https://idp.example.com';
const jwt = (claims: { sub?: string; clientId?: string; groups?: string[] }): Principal => ({
  kind: 'jwt',
  ...(claims.sub !== undefined ? { sub: claims.sub } : {}),
  ...(claims.clientId !== undefined ? { clientId: claims.clientId } : {}),
  issuer: ISS,
  groups: claims.groups ?? [],
  scopes: [],
  claims: {},
});

// Callers whose raw identifiers are all "X" (or "iam"): each must be its own Cedar principal.
const callers: Record<string, Principal> = {
  'a person whose sub is X (through client app-1)': jwt({ sub: 'X', clientId: 'app-1' }),
  'a person whose sub is X (no client id)': jwt({ sub: 'X' }),
  'the client X acting for itself (Cognito: sub = client id)': jwt({ sub: 'X', clientId: 'X' }),
  'the client X acting for itself (no sub)': jwt({ clientId: 'X' }),
  'a person whose sub is "iam"': jwt({ sub: 'iam', clientId: 'app-1' }),
  'a client whose id is "anonymous"': jwt({ clientId: 'anonymous' }),
  'an IAM caller': IAM,
  'an anonymous caller': ANONYMOUS,
};

describe('principal ids: typed by what identified the caller', () => {
  it.each([
    ['a person whose sub is X (through client app-1)', 'subject:X'],
    ['a person whose sub is X (no client id)', 'subject:X'],
    ['the client X acting for itself (Cognito: sub = client id)', 'client:X'],
    ['the client X acting for itself (no sub)', 'client:X'],
    ['a person whose sub is "iam"', 'subject:iam'],
    ['a client whose id is "anonymous"', 'client:anonymous'],
    ['an IAM caller', 'iam'],
    ['an anonymous caller', 'anonymous'],
  ])('%s -> %s', (label, id) => {
    expect(callerId(callers[label])).toBe(id);
    expect(callerEntity(callers[label]).uid).toEqual({ type: 'McpProxy::Caller', id });
    expect(isCallerId(id)).toBe(true);
  });

  it('a person and a client never share an id, nor a JWT caller and the IAM or anonymous caller', () => {
    const person = callerId(callers['a person whose sub is X (through client app-1)']);
    const client = callerId(callers['the client X acting for itself (Cognito: sub = client id)']);
    expect(person).not.toBe(client);
    expect(callerId(callers['a person whose sub is "iam"'])).not.toBe(callerId(IAM));
    expect(callerId(callers['a client whose id is "anonymous"'])).not.toBe(callerId(ANONYMOUS));
  });

  it('a JWT caller naming nobody has no id (fail closed; the identity stage refuses such tokens)', () => {
    expect(() => callerId(jwt({}))).toThrow(/without sub or client id/);
    expect(() => callerId(jwt({ sub: '', clientId: '' }))).toThrow(/without sub or client id/);
  });

  it.each(['X', 'subject:', 'client:', 'user:X', 'IAM', ''])('"%s" is not a caller id', (id) => {
    expect(isCallerId(id)).toBe(false);
  });
});

describe('raw Cedar naming callers', () => {
  const ruleSet = (cedar: string) => acl({ ruleSets: [{ name: 'raw', cedar }] });

  it('an untyped caller id is a configuration error naming both typed spellings', () => {
    const cfg = ruleSet('permit (principal == McpProxy::Caller::"alice", action, resource);\nforbid (principal, action, resource) when { principal in [McpProxy::Caller::"bot", McpProxy::Caller::"iam"] };');
    let err: unknown;
    try {
      compilePolicies(cfg);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toContain('accessControl.ruleSets[0] ("raw").cedar (policy 1): McpProxy::Caller::"alice" is no caller\'s id');
    expect(msg).toContain('McpProxy::Caller::"subject:alice"');
    expect(msg).toContain('McpProxy::Caller::"client:alice"');
    expect(msg).toContain('(policy 2): McpProxy::Caller::"bot"');
    expect(msg).not.toContain('"iam" is no caller');
  });

  it('in a typed rule\'s when condition too', () => {
    expect(() => compilePolicies(acl({ ruleSets: [{ name: 's', rules: [{ effect: 'forbid', when: 'principal == McpProxy::Caller::"mallory"' }] }] }))).toThrow(
      /rules\[0\]\.when: McpProxy::Caller::"mallory" is no caller's id/,
    );
  });

  it('typed ids are accepted', () => {
    expect(callerIdProblems({ principal: { op: '==', entity: { type: 'McpProxy::Caller', id: 'subject:alice' } } })).toEqual([]);
    expect(() => compilePolicies(ruleSet('permit (principal == McpProxy::Caller::"client:bot", action, resource);'))).not.toThrow();
  });
});

describe('per-principal policies apply to that principal only (the stage, end to end through Cedar)', () => {
  const search = tool('github', 'search_issues', { readOnlyHint: true });
  const purge = tool('github', 'purge', { destructiveHint: true });
  let stage: Stage;

  beforeAll(async () => {
    stage = await createAccessControlStage(
      acl({
        enabled: true,
        ruleSets: [{
          name: 'per-principal',
          cedar: [
            '@id("person-x") permit (principal == McpProxy::Caller::"subject:X", action, resource);',
            '@id("client-x") permit (principal == McpProxy::Caller::"client:X", action, resource is McpProxy::Tool) when { resource.readOnly };',
            '@id("anyone-search") permit (principal, action, resource) when { resource.name == "search_issues" };',
            '@id("not-iam") forbid (principal == McpProxy::Caller::"iam", action, resource);',
          ].join('\n'),
        }],
      }),
      memoryLog().log,
    );
  });

  function may(p: Principal, target = purge): boolean {
    try {
      stage.onRequest!(ctxFor(p, target));
      return true;
    } catch (err) {
      if (err instanceof GovernanceError) return false;
      throw err;
    }
  }

  it('the person X may purge; the client X (sub = client id, or no sub) may not, only search', () => {
    expect(may(callers['a person whose sub is X (through client app-1)'])).toBe(true);
    expect(may(callers['the client X acting for itself (Cognito: sub = client id)'])).toBe(false);
    expect(may(callers['the client X acting for itself (no sub)'])).toBe(false);
    expect(may(callers['the client X acting for itself (no sub)'], search)).toBe(true);
  });

  it('a person whose sub is "iam" is not the IAM caller: the forbid naming the IAM caller does not apply to it', () => {
    const person = ctxFor(jwt({ sub: 'iam', clientId: 'app-1' }), search);
    stage.onRequest!(person);
    expect(person.decision).toMatchObject({ effect: 'allow', policyIds: ['per-principal.anyone-search'] });
    const iam = ctxFor(IAM, search);
    expect(() => stage.onRequest!(iam)).toThrow(GovernanceError);
    expect(iam.decision?.policyIds).toEqual(['per-principal.not-iam']);
  });
});
