import { Token } from 'aws-cdk-lib';

/**
 * Thrown by `McpGovernanceProxy` when its props are invalid (`name` is `McpGovernanceProxyValidationError`).
 * jsii cannot export Error subclasses, so every language recognizes it with `McpGovernanceProxyErrors` (as aws-cdk-lib
 * does with `Errors`); TypeScript users may also import the class from `cdk-mcp-governance-proxy/lib/errors`.
 * The message lists every problem found, each naming the prop, the bad value and the fix; `problems` holds the same lines.
 */
export class McpGovernanceProxyValidationError extends Error {
  /** One line per problem: `<prop>: <what is wrong> (got <value>). <fix>` */
  public readonly problems: string[];

  constructor(constructPath: string, problems: string[]) {
    super(`Invalid McpGovernanceProxy props at ${constructPath} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'McpGovernanceProxyValidationError';
    this.problems = problems;
    Object.setPrototypeOf(this, McpGovernanceProxyValidationError.prototype);
  }
}

/** Recognizes the construct's validation errors in any jsii language. */
export class McpGovernanceProxyErrors {
  /** Whether `x` is the error `McpGovernanceProxy` throws for invalid props. */
  public static isValidationError(x: any): boolean {
    return x instanceof McpGovernanceProxyValidationError || (x !== null && typeof x === 'object' && x.name === 'McpGovernanceProxyValidationError' && Array.isArray(x.problems));
  }

  /** The problems of a validation error, one line each (`<prop>: <what is wrong> (got <value>). <fix>`); empty for anything else. */
  public static problemsOf(x: any): string[] {
    return McpGovernanceProxyErrors.isValidationError(x) ? [...(x as McpGovernanceProxyValidationError).problems] : [];
  }

  private constructor() {}
}

/**
 * Collects validation problems so that all of them surface at once.
 * @internal
 */
export class Problems {
  private readonly lines: string[] = [];

  /** Records a problem: `prop`, what is wrong, the offending value (shown JSON-encoded), and the fix. */
  add(prop: string, message: string, value?: unknown, fix?: string): void {
    const shown = value === undefined ? '' : ` (got ${show(value)})`;
    this.lines.push(`${prop}: ${message}${shown}.${fix ? ` ${fix}` : ''}`);
  }

  /** Checks a string against a pattern unless it is an unresolved token. */
  pattern(prop: string, value: string | undefined, re: RegExp, fix: string): void {
    if (value === undefined || Token.isUnresolved(value)) return;
    if (!re.test(value)) this.add(prop, `does not match ${re}`, value, fix);
  }

  /** Checks an integer range unless it is an unresolved token. */
  range(prop: string, value: number | undefined, min: number, max: number, fix?: string): void {
    if (value === undefined || Token.isUnresolved(value)) return;
    if (!Number.isInteger(value) || value < min || value > max) {
      this.add(prop, `must be an integer from ${min} to ${max}`, value, fix);
    }
  }

  get all(): readonly string[] {
    return this.lines;
  }

  throwIfAny(constructPath: string): void {
    if (this.lines.length > 0) throw new McpGovernanceProxyValidationError(constructPath, [...this.lines]);
  }
}

function show(value: unknown): string {
  if (typeof value === 'string' && Token.isUnresolved(value)) return '<token>';
  try {
    const s = JSON.stringify(value);
    return s.length > 120 ? `${s.slice(0, 117)}...` : s;
  } catch {
    return String(value);
  }
}
