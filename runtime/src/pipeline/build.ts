/** Builds the pipeline (stages in order, plus the auditor) from the configuration. */
import type { ProxyConfig } from '../config/schema';
import type { Logger } from '../log';
import type { Auditor, Stage } from './context';
import { Pipeline } from './pipeline';

export async function buildPipeline(_config: ProxyConfig, _log: Logger): Promise<Pipeline> {
  // Stages are wired here as their modules land: identity -> access-control -> sanitize -> tokenize -> redact.
  const stages: Stage[] = [];
  const auditor: Auditor = { beforeForward: async () => {}, complete: () => {}, close: async () => {} };
  return new Pipeline(stages, auditor);
}
