import { Token } from 'aws-cdk-lib';
import { AccessAction, type ToolAnnotationConditions } from './access-control';
import type { Problems } from './errors';

/** The caller a policy test asks about: the attributes its token would carry. */
export interface PolicyTestCaller {
  /**
   * The caller's groups (the `groups` claim, `cognito:groups` with Cognito).
   * @default - none
   */
  readonly groups?: string[];
  /**
   * The caller's scopes (with Cognito: `<resource server>/<scope>`).
   * @default - none
   */
  readonly scopes?: string[];
  /**
   * The caller's OAuth2 client id.
   * @default - none
   */
  readonly clientId?: string;
  /**
   * The caller's subject (`sub`).
   * @default - 'policy-test' (when neither `clientId` nor `anonymous` is set)
   */
  readonly subject?: string;
  /**
   * An anonymous caller (no identity: no subject, client, groups or scopes). Only such a caller reaches the proxy
   * when identity is not required; a test with it states what such a caller would get.
   * @default false
   */
  readonly anonymous?: boolean;
}

/** What a policy test asks: may this caller do this action on these targets. */
export interface PolicyTestProps {
  /** A name for the test, shown in the synth error and the compliance report (unique among the tests). */
  readonly name: string;
  /**
   * The caller.
   * @default - an authenticated caller with no groups, scopes or client id
   */
  readonly caller?: PolicyTestCaller;
  /**
   * The action (`AccessAction.DETOKENIZE` is not supported).
   * @default AccessAction.CALL_TOOL
   */
  readonly action?: AccessAction;
  /**
   * The target: the upstream's own name of the tool or prompt, or the resource URI, or a glob (`*` matches any run of
   * characters). A glob is checked on the names it covers that the policies mention (see docs/ACCESS-CONTROL.md,
   * "Policy tests").
   */
  readonly target: string;
  /**
   * The upstreams the target belongs to.
   * @default - every upstream
   */
  readonly upstreams?: string[];
  /**
   * The target tool's annotations, as its upstream would declare them.
   * @default - none: the MCP defaults (not read-only, destructive, not idempotent, open world)
   */
  readonly annotations?: ToolAnnotationConditions;
  /**
   * The call's arguments (for rules with `when` conditions on `context.arguments`).
   * @default - no arguments
   */
  readonly arguments?: { [name: string]: any };
}

/** The decision a policy test expects. */
export enum PolicyTestExpectation {
  /** The caller may do it. */
  ALLOW = 'allow',
  /** The caller may not. */
  DENY = 'deny',
}

/** The JSON a policy test is handed to the runtime's `check --policy-tests` as (runtime/src/stages/access-control/policy-tests.ts). */
export interface PolicyTestConfig {
  readonly name: string;
  readonly expect: 'allow' | 'deny';
  readonly principal: { kind: 'jwt' | 'iam' | 'anonymous'; sub?: string; clientId?: string; groups?: string[]; scopes?: string[] };
  readonly action: 'tools/call' | 'resources/read' | 'prompts/get';
  readonly target: string;
  readonly upstreams?: string[];
  readonly annotations?: { readOnlyHint?: boolean; destructiveHint?: boolean; idempotentHint?: boolean; openWorldHint?: boolean };
  readonly arguments?: Record<string, unknown>;
}

/**
 * An expectation about the access-control policy, checked at synth against the compiled Cedar policies (by the
 * runtime's own `check`, evaluating exactly as the deployed proxy does). A test that does not hold fails the synth,
 * naming the test, the decision and the policies that decided it; the compliance report lists every test and its result.
 */
export class PolicyTest {
  /** The caller may do the action on every target the test names. */
  public static allow(props: PolicyTestProps): PolicyTest {
    return new PolicyTest(PolicyTestExpectation.ALLOW, props);
  }

  /** The caller may not do the action on any target the test names. */
  public static deny(props: PolicyTestProps): PolicyTest {
    return new PolicyTest(PolicyTestExpectation.DENY, props);
  }

  /** Allow or deny. */
  public readonly expectation: PolicyTestExpectation;
  /** What the test asks. */
  public readonly props: PolicyTestProps;

  private constructor(expectation: PolicyTestExpectation, props: PolicyTestProps) {
    this.expectation = expectation;
    this.props = props;
  }

  /** @internal */
  public _render(prop: string, ctx: { upstreamNames: readonly string[]; iam: boolean }, problems: Problems): PolicyTestConfig {
    const p = this.props;
    const c = p.caller ?? {};
    if (Token.isUnresolved(p.name) || p.name.trim().length === 0) problems.add(`${prop}.name`, 'must be a non-blank literal', p.name, 'Name the test.');
    if (Token.isUnresolved(p.target) || p.target.length === 0) problems.add(`${prop}.target`, 'must be a non-empty literal', p.target, 'Give a name, URI or glob.');
    if (p.action === AccessAction.DETOKENIZE) {
      problems.add(`${prop}.action`, 'is DETOKENIZE, which policy tests do not evaluate', p.action, 'Use CALL_TOOL, READ_RESOURCE or GET_PROMPT.');
    }
    p.upstreams?.forEach((u, i) => {
      if (!Token.isUnresolved(u) && !ctx.upstreamNames.includes(u)) problems.add(`${prop}.upstreams[${i}]`, 'names no configured upstream', u, `Use one of: ${ctx.upstreamNames.join(', ')}.`);
    });
    if (p.upstreams !== undefined && p.upstreams.length === 0) problems.add(`${prop}.upstreams`, 'is an empty list', [], 'Omit it for every upstream, or name one.');
    if (c.anonymous && (c.groups?.length || c.scopes?.length || c.clientId !== undefined || c.subject !== undefined)) {
      problems.add(`${prop}.caller`, 'is anonymous and names identity attributes', c, 'An anonymous caller has none: drop them or anonymous.');
    }
    const kind = c.anonymous ? 'anonymous' : ctx.iam ? 'iam' : 'jwt';
    const sub = c.anonymous ? undefined : (c.subject ?? (c.clientId === undefined ? 'policy-test' : undefined));
    const a = p.annotations;
    const annotations = a && {
      ...(a.readOnly !== undefined ? { readOnlyHint: a.readOnly } : {}),
      ...(a.destructive !== undefined ? { destructiveHint: a.destructive } : {}),
      ...(a.idempotent !== undefined ? { idempotentHint: a.idempotent } : {}),
      ...(a.openWorld !== undefined ? { openWorldHint: a.openWorld } : {}),
    };
    return {
      name: p.name,
      expect: this.expectation === PolicyTestExpectation.ALLOW ? 'allow' : 'deny',
      principal: {
        kind,
        ...(sub !== undefined ? { sub } : {}),
        ...(c.clientId !== undefined ? { clientId: c.clientId } : {}),
        groups: [...(c.groups ?? [])],
        scopes: [...(c.scopes ?? [])],
      },
      action: (p.action ?? AccessAction.CALL_TOOL).toString() as PolicyTestConfig['action'],
      target: p.target,
      ...(p.upstreams ? { upstreams: [...p.upstreams] } : {}),
      ...(annotations ? { annotations } : {}),
      ...(p.arguments ? { arguments: { ...p.arguments } } : {}),
    };
  }
}

/** Renders `accessControl.tests` (unique names). */
export function renderPolicyTests(tests: readonly PolicyTest[] | undefined, ctx: { upstreamNames: readonly string[]; iam: boolean }, problems: Problems): PolicyTestConfig[] {
  const seen = new Set<string>();
  return (tests ?? []).map((t, i) => {
    const prop = `accessControl.tests[${i}]`;
    if (seen.has(t.props.name)) problems.add(`${prop}.name`, 'is used by another test', t.props.name, 'Give each test a unique name.');
    seen.add(t.props.name);
    return t._render(prop, ctx, problems);
  });
}
