#!/usr/bin/env node
/**
 * `npm run demo`: the governance proxy in front of the demo CRM (upstream.mjs), on 127.0.0.1, with the governance a
 * deployment has: a local OIDC issuer (issuer.mjs) with three personas, and the configuration the construct
 * synthesizes for examples/local-demo.ts (deploy.mjs): JWT identity, Cedar rules (typed and raw), input
 * sanitization, redaction, PII tokenization with detokenization where the policy permits it, and the hash-chained
 * audit trail captured into a file. Builds the proxy bundle first if it is missing or older than runtime/src.
 *
 *   npm run demo                      interactive: prints how each persona gets a token and connects; Ctrl-C stops
 *   npm run demo -- --smoke           checks every persona's outcomes (smoke.mjs) and the audit trail, exits 0 or 1
 *   npm run demo -- --pass-through    the proxy with the runtime's defaults (no identity, no policy): for debugging
 *                                     upstreams; with --smoke, lists the tools and calls get_weather
 *
 * The proxy listens on 127.0.0.1:8000 (PORT overrides); smoke runs use an ephemeral port unless PORT is set.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProxy } from './proxy.mjs';
import { startDemoUpstream } from './upstream.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bundleDir = join(root, 'assets', 'runtime');
const smoke = process.argv.includes('--smoke');
const passThrough = process.argv.includes('--pass-through');
const port = process.env.PORT ?? (smoke ? '0' : '8000');
const log = (line = '') => process.stdout.write(`${line}\n`);

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

const bundle = join(bundleDir, 'index.js');
if (!existsSync(bundle) || statSync(bundle).mtimeMs < newestSource(join(root, 'runtime', 'src'))) {
  log('Building the proxy bundle...');
  execFileSync(process.execPath, [join(root, 'runtime', 'build.mjs')], { stdio: 'inherit' });
}

/** Everything started, stopped in reverse order. */
const running = [];
let stopping = false;
async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  for (const s of running.reverse()) await s().catch(() => {});
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

function fail(err) {
  console.error(`\n${smoke ? 'smoke test failed' : 'demo failed'}: ${err instanceof Error ? err.message : String(err)}`);
  void stopAll(1);
}

/** Runs the shipped audit verifier on the file; returns its JSON result and the records' counts. */
function verifyAudit(file) {
  let result;
  try {
    result = JSON.parse(execFileSync(process.execPath, [join(bundleDir, 'verify-audit.js'), '--json', file], { encoding: 'utf8' }));
  } catch (err) {
    result = err.stdout ? JSON.parse(err.stdout) : { ok: false, instances: [], problems: [{ message: err.message }] };
  }
  // Audit records among the captured lines (the others are EMF metric lines): the chain members mark them.
  const records = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l))
    .filter((r) => typeof r.seq === 'number' && typeof r.hash === 'string');
  const outcomes = records.filter((r) => r.type === 'outcome');
  const refused = outcomes.filter((r) => r.outcome?.status === 'denied');
  return {
    result,
    records: result.instances.reduce((n, i) => n + i.records, 0),
    calls: outcomes.filter((r) => r.rpc?.method === 'tools/call').length,
    denials: refused.filter((r) => r.decision?.effect === 'deny').length,
    rejectedInputs: refused.filter((r) => r.decision?.effect !== 'deny').length,
  };
}

async function governed() {
  const [{ loadDemoStack, synthesizeDemoProxy }, { startDemoIssuer }] = await Promise.all([import('./deploy.mjs'), import('./issuer.mjs')]);
  const upstream = await startDemoUpstream();
  running.push(() => upstream.close());
  const { LocalDemoStack, LOCAL_DEMO } = await loadDemoStack(root);
  const issuer = await startDemoIssuer(LOCAL_DEMO);
  running.push(() => issuer.stop());

  const outdir = mkdtempSync(join(tmpdir(), 'mcp-proxy-demo-'));
  if (smoke) running.push(async () => rmSync(outdir, { recursive: true, force: true }));
  const deployed = await synthesizeDemoProxy({ outdir, parameters: { Issuer: issuer.issuer, CrmUrl: upstream.url }, LocalDemoStack });
  const auditFile = join(outdir, 'audit.jsonl');
  log(`Configuration: synthesized from examples/local-demo.ts by the construct (${deployed.synthesizedFile})`);
  const rules = deployed.ruleSets.map((r) => `${r.name} (${r.rules.length} typed rules${r.cedar ? ' + raw Cedar' : ''})`).join(', ');
  log(`  accepted at synth by the runtime's own check: ${deployed.synthDigest}, rule sets ${rules}`);
  log('  local changes (a laptop has no Secrets Manager secret or CloudWatch log group):');
  for (const change of deployed.localChanges) log(`    ${change}`);

  const proxy = await startProxy({
    bundle: join(deployed.assetDir, 'index.js'),
    cwd: deployed.assetDir,
    env: { ...deployed.env, MCP_PROXY_CONFIG_FILE: deployed.configFile },
    port,
    auditFile,
    relayLogs: !smoke,
  });
  running.push(() => proxy.stop());
  log(`Proxy ready in ${proxy.readyLog.readyMs} ms on ${proxy.url} with the local file (${proxy.readyLog.configDigest})`);
  log(`  issuer ${issuer.issuer}, CRM upstream ${upstream.url}`);

  if (!smoke) {
    log(`\nEach persona gets an access token from the local issuer (or use the one printed, valid for an hour):`);
    for (const name of Object.keys(issuer.personas)) {
      log(`\n  ${name}: ${issuer.personas[name].title}`);
      log(`    ${issuer.curl(name)}`);
      log(`    token: ${await issuer.token(name)}`);
    }
    log(`
Connect with MCP Inspector:  npx @modelcontextprotocol/inspector
  Transport "Streamable HTTP", URL ${proxy.url}; under Authentication, send the header
  "Authorization" with the value "Bearer <token>" (older versions: paste the token into "Bearer Token").
Or from a shell:  TOKEN=$(<curl line above>)
  curl -s ${proxy.url} -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
    -H 'accept: application/json, text/event-stream' -d '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'
Policy: examples/local-demo.ts; in plain words: ${deployed.complianceReport}
Audit trail (hash-chained JSON lines): ${auditFile}
  verify it:  node ${relative(process.cwd(), join(bundleDir, 'verify-audit.js'))} ${auditFile}
Press Ctrl-C to stop.`);
    return;
  }

  const { runGovernedSmoke, JANE, SCENARIO } = await import('./smoke.mjs');
  const { tokens } = await runGovernedSmoke({ url: proxy.url, issuer, upstream, log });
  const exit = await proxy.stop();
  if (exit !== 0) throw new Error(`the proxy exited with ${exit} on SIGTERM`);
  const audit = verifyAudit(auditFile);
  const instance = audit.result.instances[0];
  const text = readFileSync(auditFile, 'utf8');
  const leaked = [...tokens, ...Object.values(JANE)].filter((secret) => text.includes(secret));
  log(`\naudit trail: ${audit.records} records (${audit.calls} tool calls), ${audit.denials} denials by policy, ${audit.rejectedInputs} rejected input, chain ${audit.result.ok ? 'ok' : 'BROKEN'} (verify-audit.js)`);
  if (!audit.result.ok) throw new Error(`the audit verifier found problems: ${JSON.stringify(audit.result.problems)}`);
  if (audit.result.instances.length !== 1 || !instance.started || !instance.stopped) throw new Error('the audit trail should hold one complete chain, audit_start to audit_stop');
  // Four calls per persona; the analyst's and support's refusals are policy denials, the admin's is rejected input.
  const personas = Object.keys(SCENARIO).length;
  if (audit.calls !== 4 * personas || audit.denials !== 2 || audit.rejectedInputs !== 1) {
    throw new Error(`the audit trail should record ${4 * personas} tool calls, 2 policy denials and 1 rejected input`);
  }
  if (leaked.length) throw new Error(`the audit trail holds ${leaked.length} bearer token(s) or raw PII values`);
  log('  no bearer token and no raw PII in the audit trail');
  log(`smoke test passed in ${process.uptime().toFixed(1)} s (proxy ready in ${proxy.readyLog.readyMs} ms)`);
  await stopAll(0);
}

async function ungoverned() {
  const upstream = await startDemoUpstream();
  running.push(() => upstream.close());
  const config = { version: 1, server: { host: '127.0.0.1' }, upstreams: [{ name: 'crm', url: upstream.url, timeoutMs: 10_000 }] };
  const proxy = await startProxy({ bundle, cwd: root, env: { MCP_PROXY_CONFIG: JSON.stringify(config) }, port, relayLogs: !smoke });
  running.push(() => proxy.stop());
  const url = proxy.url;
  if (!smoke) {
    log(`
PASS-THROUGH (no identity, no policy, no data protection; audit records discarded): for debugging upstreams only.
Proxy ready in ${proxy.readyLog.readyMs} ms.
  MCP endpoint (Streamable HTTP): ${url}
  Health:                         http://127.0.0.1:${proxy.port}/ping
  Demo upstream:                  ${upstream.url}
Point MCP Inspector at it:  npx @modelcontextprotocol/inspector  -> Transport "Streamable HTTP", URL ${url}
Press Ctrl-C to stop.`);
    return;
  }
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
  const client = new Client({ name: 'demo-smoke', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  const { tools } = await client.listTools();
  log(`tools/list through the proxy (${tools.length}): ${tools.map((t) => t.name).join(', ')}`);
  const result = await client.callTool({ name: 'get_weather', arguments: { city: 'Lisbon' } });
  log(`tools/call get_weather -> ${JSON.stringify(result.structuredContent ?? result.content)}`);
  await client.close();
  if (tools.length === 0 || result.isError) throw new Error('unexpected smoke result');
  log(`pass-through smoke test passed (proxy ready in ${proxy.readyLog.readyMs} ms)`);
  await stopAll(0);
}

(passThrough ? ungoverned() : governed()).catch(fail);
