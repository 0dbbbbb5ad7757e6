/**
 * Which protocol era an upstream speaks (basic/versioning, "Backward Compatibility"): a `server/discover` request with
 * the full modern envelope goes first; a `DiscoverResult` (or a modern error such as -32022 naming 2026-07-28) means
 * modern; any other refusal (a 4xx without a recognized modern error body, or a JSON-RPC error a legacy server gives
 * an unknown method) means legacy, and the client falls back to `initialize`. Transport failures (refused connection,
 * 5xx, timeout, 401) decide nothing: they are thrown, and the probe runs again on the next attempt.
 *
 * The answer is remembered by the client until it stops holding (see client.ts). An upstream configured with
 * `protocol: legacy` or `modern` is not probed: legacy starts with `initialize`, modern with `server/discover` (which
 * it needs for the upstream's capabilities) and fails if the upstream is not modern.
 */
import type { UpstreamConfig } from '../config/sections/proxy';
import type { Logger } from '../log';
import type { UpstreamLeg } from './client';
import { EraMismatchError } from './errors';
import { LegacyLeg } from './legacy-leg';
import { ModernLeg } from './modern-leg';

export interface LegFactory {
  legacy(): LegacyLeg;
  modern(): ModernLeg;
}

/** Finds the leg to use for an upstream (probing when the configuration does not pin the era). */
export async function chooseLeg(config: UpstreamConfig, make: LegFactory, log: Logger): Promise<UpstreamLeg> {
  if (config.protocol === 'legacy') return make.legacy();
  const modern = make.modern();
  try {
    await modern.discover(true);
  } catch (err) {
    if (!(err instanceof EraMismatchError) || config.protocol === 'modern') throw err;
    log.info('upstream speaks the legacy protocol (server/discover refused); using initialize', { upstream: config.name, reason: err.message.slice(0, 200) });
    return make.legacy();
  }
  log.info('upstream speaks the modern protocol', { upstream: config.name, protocolVersion: modern.protocolVersion });
  return modern;
}
