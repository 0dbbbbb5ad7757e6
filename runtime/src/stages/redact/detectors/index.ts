/** The built-in detector registry. One detector per file; each file documents what it matches and why. */
import type { DETECTORS } from '../../../config/sections/redact';
import { awsAccessKey } from './aws-access-key';
import { awsSecretKey } from './aws-secret-key';
import { bearerToken } from './bearer-token';
import { creditCard } from './credit-card';
import { email } from './email';
import { iban } from './iban';
import { ipAddress } from './ip-address';
import { jwt } from './jwt';
import { phone } from './phone';
import { privateKey } from './private-key';
import type { Detector } from './types';
import { usSsn } from './us-ssn';

export type BuiltInDetectorName = (typeof DETECTORS)[number];

export const BUILT_IN_DETECTORS: Readonly<Record<BuiltInDetectorName, Detector>> = {
  EMAIL: email,
  PHONE: phone,
  CREDIT_CARD: creditCard,
  US_SSN: usSsn,
  IBAN: iban,
  IP_ADDRESS: ipAddress,
  AWS_ACCESS_KEY: awsAccessKey,
  AWS_SECRET_KEY: awsSecretKey,
  JWT: jwt,
  BEARER_TOKEN: bearerToken,
  PRIVATE_KEY: privateKey,
};

/**
 * Which label wins when spans of different detectors overlap and have the same length (most specific first).
 * Custom detectors rank after every built-in, in configuration order.
 */
export const DETECTOR_PRIORITY: readonly BuiltInDetectorName[] = [
  'PRIVATE_KEY', 'JWT', 'BEARER_TOKEN', 'AWS_SECRET_KEY', 'AWS_ACCESS_KEY', 'CREDIT_CARD', 'IBAN', 'US_SSN', 'EMAIL', 'IP_ADDRESS', 'PHONE',
];

export type { Detector, Span } from './types';
export { customDetector, compileLinearPattern } from './linear-pattern';
