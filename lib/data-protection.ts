import { Token, type Size } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { KNOWN_DETECTORS, LIMITS, type RedactConfig, type SanitizeConfig } from './config/contract';
import type { Problems } from './errors';

/** Built-in detectors of sensitive values, shared by redaction and tokenization. */
export enum Detector {
  EMAIL = 'EMAIL',
  PHONE = 'PHONE',
  CREDIT_CARD = 'CREDIT_CARD',
  US_SSN = 'US_SSN',
  IBAN = 'IBAN',
  IP_ADDRESS = 'IP_ADDRESS',
  AWS_ACCESS_KEY = 'AWS_ACCESS_KEY',
  AWS_SECRET_KEY = 'AWS_SECRET_KEY',
  JWT = 'JWT',
  BEARER_TOKEN = 'BEARER_TOKEN',
  PRIVATE_KEY = 'PRIVATE_KEY',
}

/** What happens to control characters in string arguments. */
export enum ControlCharacters {
  /** Remove them. */
  STRIP = 'strip',
  /** Refuse the call. */
  REJECT = 'reject',
  /** Leave them. */
  ALLOW = 'allow',
}

/** What the prompt-injection heuristics do when they fire. */
export enum InjectionHeuristics {
  /** Refuse the call. */
  REJECT = 'reject',
  /** Forward the call and record the finding in the audit trail. */
  AUDIT = 'audit',
  /** Do not run them. */
  OFF = 'off',
}

/** How redacted text is replaced. */
export enum RedactionReplacement {
  /** `[REDACTED:EMAIL]` */
  LABEL = 'label',
  /** Keep the last 4 characters. */
  MASK = 'mask',
}

/** What a matching deny pattern does. */
export enum DenyPatternAction {
  /** Refuse the call. */
  REJECT = 'reject',
  /** Forward the call and record `sanitize.deny_pattern.<name>` in the audit trail. */
  AUDIT = 'audit',
}

/** A regular expression tested on every string value and key of the arguments. */
export interface DenyPattern {
  /** A name for audit records (letters, digits, `_`, `-`). */
  readonly name: string;
  /** The pattern (RE2 syntax: no backreferences or lookaround). */
  readonly pattern: string;
  /**
   * @default false
   */
  readonly caseInsensitive?: boolean;
  /**
   * @default DenyPatternAction.REJECT
   */
  readonly action?: DenyPatternAction;
}

/** An extra redaction detector. */
export interface CustomDetector {
  /** UPPER_SNAKE_CASE name, shown in the replacement label and audit records. */
  readonly name: string;
  /** The pattern (RE2 syntax). */
  readonly pattern: string;
}

/** Input sanitization of call arguments. */
export interface SanitizationOptions {
  /**
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Validate arguments against the tool's input schema.
   * @default true
   */
  readonly validateSchema?: boolean;
  /**
   * With schema validation: reject top-level arguments the tool's input schema does not declare.
   * @default true
   */
  readonly rejectUnknownArguments?: boolean;
  /**
   * Largest accepted arguments object.
   * @default Size.kibibytes(256)
   */
  readonly maxArgumentSize?: Size;
  /**
   * Deepest accepted nesting.
   * @default 32
   */
  readonly maxDepth?: number;
  /**
   * Longest accepted string, in characters.
   * @default 65536
   */
  readonly maxStringLength?: number;
  /**
   * @default ControlCharacters.STRIP
   */
  readonly controlCharacters?: ControlCharacters;
  /**
   * Patterns that refuse a call.
   * @default - none
   */
  readonly denyPatterns?: DenyPattern[];
  /**
   * @default InjectionHeuristics.REJECT
   */
  readonly injectionHeuristics?: InjectionHeuristics;
}

/** Redaction of results (and of the proxy's own logs). */
export interface RedactionOptions {
  /**
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * @default - every built-in detector
   */
  readonly detectors?: Detector[];
  /**
   * @default - none
   */
  readonly customDetectors?: CustomDetector[];
  /**
   * @default RedactionReplacement.LABEL
   */
  readonly replacement?: RedactionReplacement;
}

/** PII tokenization of call arguments: detected values are replaced by keyed, reversible tokens before they reach the upstream. */
export interface TokenizationOptions {
  /**
   * @default true (when this object is given)
   */
  readonly enabled?: boolean;
  /**
   * @default [EMAIL, PHONE, CREDIT_CARD, US_SSN, IBAN]
   */
  readonly detectors?: Detector[];
  /**
   * Argument paths always tokenized, as `<exposed tool name or *>:<dot.path>`.
   * @default - none
   */
  readonly argumentPaths?: string[];
  /**
   * Detokenize results for callers an access rule permits `AccessAction.DETOKENIZE` on the tool.
   * @default true
   */
  readonly detokenizeResults?: boolean;
  /**
   * An existing secret holding the tokenization key (at least 64 bytes of key material).
   * @default - a new secret with a generated 64-character key, encrypted with `encryptionKey`
   */
  readonly keySecret?: secretsmanager.ISecret;
  /**
   * The KMS key that encrypts the new secret (ignored with `keySecret`).
   * @default - a new customer-managed key with rotation
   */
  readonly encryptionKey?: kms.IKey;
}

/** Renders the sanitize section. */
export function renderSanitize(o: SanitizationOptions | undefined, problems: Problems): SanitizeConfig {
  const enabled = o?.enabled ?? true;
  const maxArgumentBytes = o?.maxArgumentSize !== undefined && !Token.isUnresolved(o.maxArgumentSize.toBytes()) ? o.maxArgumentSize.toBytes() : undefined;
  problems.range('sanitization.maxArgumentSize', maxArgumentBytes, 1, 16 * 1024 * 1024, 'Use a Size from 1 byte to 16 MiB.');
  problems.range('sanitization.maxDepth', o?.maxDepth, 1, 1000);
  problems.range('sanitization.maxStringLength', o?.maxStringLength, 1, 16 * 1024 * 1024);
  const names = new Set<string>();
  (o?.denyPatterns ?? []).forEach((d, i) => {
    problems.pattern(`sanitization.denyPatterns[${i}].name`, d.name, LIMITS.denyPatternName, 'Use letters, digits, _ and - only.');
    if (names.has(d.name)) problems.add(`sanitization.denyPatterns[${i}].name`, 'is used twice', d.name, 'Give each deny pattern a unique name.');
    names.add(d.name);
    checkPattern(`sanitization.denyPatterns[${i}].pattern`, d.pattern, problems);
  });
  return {
    enabled,
    ...(o?.validateSchema !== undefined ? { validateSchema: o.validateSchema } : {}),
    ...(o?.rejectUnknownArguments !== undefined ? { rejectUnknownArguments: o.rejectUnknownArguments } : {}),
    ...(maxArgumentBytes !== undefined ? { maxArgumentBytes } : {}),
    ...(o?.maxDepth !== undefined ? { maxDepth: o.maxDepth } : {}),
    ...(o?.maxStringLength !== undefined ? { maxStringLength: o.maxStringLength } : {}),
    ...(o?.controlCharacters ? { controlCharacters: o.controlCharacters.toString() as SanitizeConfig['controlCharacters'] } : {}),
    ...(o?.denyPatterns?.length ? { denyPatterns: o.denyPatterns.map((d) => ({ name: d.name, pattern: d.pattern, caseInsensitive: d.caseInsensitive ?? false, action: (d.action ?? DenyPatternAction.REJECT).toString() as 'reject' | 'audit' })) } : {}),
    ...(o?.injectionHeuristics ? { injectionHeuristics: o.injectionHeuristics.toString() as SanitizeConfig['injectionHeuristics'] } : {}),
  };
}

/** Renders the redact section. */
export function renderRedact(o: RedactionOptions | undefined, problems: Problems): RedactConfig {
  const enabled = o?.enabled ?? true;
  checkDetectors('redaction.detectors', o?.detectors, problems);
  const names = new Set<string>();
  (o?.customDetectors ?? []).forEach((d, i) => {
    problems.pattern(`redaction.customDetectors[${i}].name`, d.name, LIMITS.customDetectorName, 'Use UPPER_SNAKE_CASE.');
    if (names.has(d.name) || (KNOWN_DETECTORS as readonly string[]).includes(d.name)) {
      problems.add(`redaction.customDetectors[${i}].name`, 'collides with another detector', d.name, 'Choose a unique name.');
    }
    names.add(d.name);
    checkPattern(`redaction.customDetectors[${i}].pattern`, d.pattern, problems);
  });
  return {
    enabled,
    ...(o?.detectors ? { detectors: o.detectors.map((d) => d.toString()) } : {}),
    ...(o?.customDetectors?.length ? { custom: o.customDetectors.map((d) => ({ name: d.name, pattern: d.pattern })) } : {}),
    ...(o?.replacement ? { replacement: o.replacement.toString() as RedactConfig['replacement'] } : {}),
  };
}

/** Checks detector lists: known names, no duplicates. */
export function checkDetectors(prop: string, detectors: Detector[] | undefined, problems: Problems): void {
  if (detectors === undefined) return;
  if (detectors.length === 0) problems.add(prop, 'is empty', detectors, 'Omit it for the defaults, or disable the stage with enabled: false.');
  const seen = new Set<string>();
  detectors.forEach((d, i) => {
    if (!(KNOWN_DETECTORS as readonly string[]).includes(d)) problems.add(`${prop}[${i}]`, 'is not a known detector', d, `Use one of ${KNOWN_DETECTORS.join(', ')}.`);
    if (seen.has(d)) problems.add(`${prop}[${i}]`, 'is listed twice', d, 'Remove the duplicate.');
    seen.add(d);
  });
}

/**
 * Only emptiness is checked here: patterns are RE2 syntax (not JavaScript's), and the synth-time `check` compiles
 * them with the runtime's own RE2 engine, naming the prop of any pattern it cannot run.
 */
function checkPattern(prop: string, pattern: string, problems: Problems): void {
  if (Token.isUnresolved(pattern)) return;
  if (pattern.length === 0) problems.add(prop, 'must not be empty', pattern, 'Give a regular expression (RE2 syntax).');
}
