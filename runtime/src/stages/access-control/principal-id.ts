/**
 * The Cedar entity id of a caller (`McpProxy::Caller::"<id>"`), and the check that raw Cedar names callers by such ids.
 *
 * Ids are typed by what identified the caller, so that two different callers never share one (and with it each other's
 * per-principal policies): a person and an OAuth2 client whose identifiers happen to be equal, a token whose `sub` is
 * "iam" and the IAM caller.
 *
 *   subject:<sub>        a JWT naming a subject other than its own client (a person, a service account)
 *   client:<client_id>   a JWT of a client acting for itself: no `sub`, or `sub` equal to its client id (client
 *                        credentials: Cognito and Okta put the client id in `sub`)
 *   iam                  every SigV4 caller (the container cannot see which, docs/IDENTITY.md)
 *   anonymous            identity mode `none`
 */
import type { Principal } from '../../pipeline/context';
import { CEDAR_NAMESPACE as NS } from './cedar-schema';

export const SUBJECT_PREFIX = 'subject:';
export const CLIENT_PREFIX = 'client:';

/** The caller's entity id. Throws for a JWT caller that names nobody (the identity stage refuses such tokens). */
export function callerId(p: Principal): string {
  if (p.kind !== 'jwt') return p.kind;
  if (p.sub !== undefined && p.sub !== '' && p.sub !== p.clientId) return SUBJECT_PREFIX + p.sub;
  if (p.clientId !== undefined && p.clientId !== '') return CLIENT_PREFIX + p.clientId;
  throw new Error('a JWT caller without sub or client id has no Cedar principal');
}

/** Whether a `McpProxy::Caller` entity id is one callerId can produce. */
export function isCallerId(id: string): boolean {
  if (id === 'iam' || id === 'anonymous') return true;
  for (const prefix of [SUBJECT_PREFIX, CLIENT_PREFIX]) if (id.startsWith(prefix) && id.length > prefix.length) return true;
  return false;
}

/**
 * Problems with the caller ids a policy names (in its JSON form, as cedar-wasm's policyToJson returns it): an id no
 * caller can have would make the policy silently never apply, which for a forbid is a hole. Each names the fix.
 */
export function callerIdProblems(policyJson: unknown): string[] {
  const bad = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.type === `${NS}::Caller` && typeof o.id === 'string' && !isCallerId(o.id)) bad.add(o.id);
      for (const x of Object.values(o)) walk(x);
    }
  };
  walk(policyJson);
  return [...bad].map(
    (id) =>
      `${NS}::Caller::${JSON.stringify(id)} is no caller's id: caller ids are typed, write ${NS}::Caller::${JSON.stringify(SUBJECT_PREFIX + id)} ` +
      `for the subject (sub) ${JSON.stringify(id)}, ${NS}::Caller::${JSON.stringify(CLIENT_PREFIX + id)} for the client ${JSON.stringify(id)} acting for itself, ` +
      `or match attributes (principal.sub, principal.clientId); see docs/ACCESS-CONTROL.md, "Principals"`,
  );
}
