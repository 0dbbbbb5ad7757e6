/**
 * Entry point of the bundled proxy (assets/runtime/index.js).
 *   node index.js                    load config -> build pipeline -> listen -> discover upstreams -> ready
 *   node index.js check --config f   validate the configuration only (see cli.ts)
 *   node index.js shadow-report f    summarize the shadow policy's disagreements in an audit export (see cli.ts)
 * Exit codes: 0 normal (including graceful shutdown), 1 check found problems / fatal start-up error, 2 invalid configuration.
 */
import './v8-flags';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCommand } from './command';
import { ConfigError, configDigest, readConfigDocument, resolveConfig } from './config/load';
import type { ProxyConfig } from './config/schema';
import { createLogger, setting } from './log';
import { buildPipeline } from './pipeline/build';
import type { AuditHealth } from './server/health';
import { ProxyHttpServer } from './server/http';
import type { ProxyAuditor } from './stages/audit';
import { STATE_KEY_ENV, StateSealer } from './server/state-seal';
import { McpHandler } from './server/mcp-handler';
import { UpstreamManager } from './upstream/manager';
import { PROXY_NAME, PROXY_VERSION } from './version';

/**
 * `proxy-config.json` beside the bundle (how the construct ships it), when present. `__dirname` exists in the CJS
 * bundle. When absent, readConfigDocument explains every way to provide a configuration.
 */
function defaultConfigFile(): string | undefined {
  const file = join(typeof __dirname === 'string' ? __dirname : process.cwd(), 'proxy-config.json');
  return existsSync(file) ? file : undefined;
}

/** PORT / HOST environment variables override the configured listen address (local runs, demos, tests). */
export function applyEnvOverrides(config: ProxyConfig, env: NodeJS.ProcessEnv): ProxyConfig {
  const port = env.PORT !== undefined && env.PORT !== '' ? Number(env.PORT) : undefined;
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new ConfigError(`PORT: must be an integer between 0 and 65535, got "${env.PORT}"`);
  }
  return {
    ...config,
    server: { ...config.server, host: env.HOST || config.server.host, port: port ?? config.server.port },
  };
}

async function serve(): Promise<void> {
  const log = createLogger('proxy');
  let config: ProxyConfig;
  let digest: string;
  try {
    const document = readConfigDocument({ defaultFile: defaultConfigFile() });
    digest = configDigest(document);
    config = applyEnvOverrides(resolveConfig(document), process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }

  // Upstream discovery needs nothing from the pipeline: it runs while the stages are built (start-up waits for the
  // longer of the two, not their sum).
  const upstreams = new UpstreamManager(config, log, { clientInfo: { name: PROXY_NAME, version: PROXY_VERSION } });
  const ready = upstreams.start();
  // Stages validate and compile their sections when built: a failure there is a configuration error too.
  let built: Awaited<ReturnType<typeof buildPipeline>>;
  try {
    built = await buildPipeline(config, log, { checkedStamp: process.env.MCP_PROXY_CONFIG_CHECKED || undefined, configDigest: digest });
  } catch (err) {
    process.stderr.write(`Invalid proxy configuration: ${(err as Error)?.message ?? String(err)}\n`);
    process.exit(2);
  }
  const { pipeline, auditor } = built;
  // MRTR requestState: MCP_PROXY_STATE_KEY, else a key derived from the tokenization key, else one per process.
  const sealer = process.env[STATE_KEY_ENV] || !built.stateKey ? StateSealer.fromEnv(process.env, log) : new StateSealer(built.stateKey);
  const handler = new McpHandler({ pipeline, upstreams, log, serverInfo: { name: PROXY_NAME, version: PROXY_VERSION }, sealer });
  const { pinning } = built;
  const quarantined = pinning
    ? () => {
        const c = upstreams.catalog;
        return pinning.quarantined([...c.tools, ...c.prompts, ...c.resourceTemplates, ...c.resources]);
      }
    : undefined;
  const health = { status: () => upstreams.status(), collisions: () => upstreams.collisions(), audit: () => auditHealth(auditor), quarantined };
  const http = new ProxyHttpServer({ ...config.server, handler, health, log, ready });
  const address = await http.listen();
  log.info('listening', { host: setting(address.address), port: address.port, path: setting(config.server.path) });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal, inFlight: http.inFlight });
    const drained = await http.shutdown(config.server.shutdownGraceMs);
    if (!drained) log.warn('shutdown grace period elapsed with requests in flight', { graceMs: config.server.shutdownGraceMs });
    try {
      await pipeline.close();
    } catch (err) {
      log.error('pipeline close failed', { error: (err as Error).message });
    }
    await upstreams.close();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  await ready;
  // "ready" means: upstream discovery ran once and, fail-closed, the audit sink has accepted audit_start (the log
  // stream exists and takes records). Until then the proxy listens, /ping says ready: false, and governed calls are
  // refused with -32008; the trail retries the sink with backoff meanwhile.
  if (!auditor.isReady()) {
    log.warn('not ready: waiting for the audit sink to accept the first record (fail-closed); governed calls are refused until then', {
      destination: auditor.stats().destination,
    });
    await auditor.ready();
  }
  const status = upstreams.status();
  const counts = upstreams.catalog.counts();
  log.info('ready', {
    readyMs: Math.round(process.uptime() * 1000),
    port: address.port,
    configDigest: digest,
    audit: auditor.stats().sink,
    upstreams: status.length,
    degraded: status.filter((s) => s.state !== 'healthy').map((s) => s.name),
    ...counts,
  });
}

function auditHealth(auditor: ProxyAuditor): AuditHealth {
  const s = auditor.stats();
  return {
    ready: auditor.isReady(),
    healthy: s.healthy,
    ...(s.unhealthyReason ? { unhealthyReason: s.unhealthyReason } : {}),
    buffered: s.buffered,
    oldestPendingMs: s.oldestPendingMs,
    arrivalPerSec: s.arrivalPerSec,
    deliveryPerSec: s.deliveryPerSec,
    ...(s.lastSendMs !== undefined ? { lastSendMs: s.lastSendMs } : {}),
    ...(s.lastDeliveredAt ? { lastDeliveredAt: s.lastDeliveredAt } : {}),
    consecutiveFailures: s.consecutiveFailures,
    ...(s.lastError ? { lastError: s.lastError } : {}),
  };
}

function main(): void {
  const argv = process.argv.slice(2);
  const cmd = parseCommand(argv);
  // The commands' modules are loaded only for them (see command.ts).
  if (cmd.kind === 'shadow-report') {
    void import('./cli').then(({ runShadowReport }) => {
      const out = runShadowReport(argv.slice(1), () => readFileSync(0, 'utf8'));
      process.stdout.write(out.text);
      process.exitCode = out.exitCode;
    });
    return;
  }
  if (cmd.kind === 'check') {
    import('./cli')
      .then(({ runCheckWithTests }) => runCheckWithTests({ argv: argv.slice(1), env: process.env, defaultFile: defaultConfigFile() }))
      .then((outcome) => {
        process.stdout.write(`${JSON.stringify(outcome.output)}\n`);
        process.exitCode = outcome.exitCode;
      })
      .catch((err) => {
        process.stdout.write(`${JSON.stringify({ ok: false, errors: [`(check): ${(err as Error).message}`] })}\n`);
        process.exitCode = 1;
      });
    return;
  }
  serve().catch((err) => {
    createLogger('proxy').error('fatal start-up error', { error: (err as Error)?.message });
    process.exit(1);
  });
}

main();
