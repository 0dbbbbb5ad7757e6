/**
 * Writes test/conformance/RESULTS.md: the official MCP conformance suite's server scenarios, run against each
 * conformant upstream directly and through the proxy (the BUILT bundle) in front of it, in both editions: 0.1.16
 * (2025 revisions) and 0.2.0-alpha.12 (`--requirements 2026-07-28`, the required server scenarios).
 *   npx tsx test/conformance/run.ts      (build first: npm run build:runtime)
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServerEverything } from '../support/everything';
import { startModernUpstream, type ModernUpstream } from '../support/modern-upstream';
import { spawnProxy } from '../support/proxy';
import { startSdkUpstream } from '../support/upstream';
import { createModernReferenceServer } from './modern-reference-server';
import { createReferenceServer } from './reference-server';
import { compare, conformanceVersion, MODERN_REQUIREMENTS, regressions, requiredServerScenarios, runConformance, type Comparison, type ScenarioResult } from './suite';

const cell = (r?: { ok: boolean; passed: number; failed: number; warnings: number }) =>
  r ? `${r.ok ? 'pass' : '**fail**'} (${r.passed}✓ ${r.failed}✗${r.warnings ? ` ${r.warnings}⚠` : ''})` : 'n/a';

function table(rows: Comparison[]): string {
  const lines = ['| scenario | upstream direct | through the proxy |', '|---|---|---|'];
  for (const r of rows) lines.push(`| ${r.scenario} | ${cell(r.upstream)} | ${cell(r.proxy)} |`);
  const up = rows.filter((r) => r.upstream?.ok).length;
  const px = rows.filter((r) => r.proxy?.ok).length;
  lines.push(`| **scenarios passed** | **${up}/${rows.length}** | **${px}/${rows.length}** |`);
  return lines.join('\n');
}

function notes(rows: Comparison[]): string {
  const out: string[] = [];
  for (const r of rows) {
    if (r.upstream?.ok === r.proxy?.ok && r.upstream?.ok) continue;
    const f = [...(r.upstream?.failures ?? []).map((x) => `upstream: ${x}`), ...(r.proxy?.failures ?? []).map((x) => `proxy: ${x}`)];
    if (f.length) out.push(`- \`${r.scenario}\`: ${f.join('; ').replace(/\|/g, '/').replace(/\n/g, ' ')}`);
  }
  return out.length ? out.join('\n') : '- none';
}

/** Explanations for scenarios an upstream passes only vacuously, or that the proxy refuses by design. */
const WHY: Record<string, string> = {
  'tools-call-simple-text':
    'server-everything has no `test_simple_text` tool; it answers the unknown tool with an `isError` result whose text satisfies the check. The proxy answers an unknown tool with JSON-RPC -32602 (as MCP specifies, and identically for hidden tools).',
  'tools-call-error':
    'server-everything has no `test_error_handling` tool; its "tool not found" `isError` result satisfies the check. The proxy answers an unknown tool with -32602.',
  'resources-subscribe':
    'server-everything accepts a subscription to any URI; the proxy only to a resource it lists (fail closed: `test://watched-resource` is not one of server-everything\'s resources).',
  'resources-unsubscribe': 'as resources-subscribe.',
};

/**
 * The 2026-07-28 edition: the modern reference upstream directly, through the proxy with the upstream's era probed
 * (`protocol: auto`, which finds it modern), and through the proxy with the upstream pinned to the legacy era (a
 * modern caller in front of a 2025 upstream: what needs bridging between the eras shows here).
 */
async function modernSection(): Promise<{ summary: string; section: string }> {
  const required = requiredServerScenarios();
  let up: ModernUpstream | undefined;
  up = await startModernUpstream(() => createModernReferenceServer(() => up?.notify), { legacy: 'stateless', localhostOnly: true });
  const columns: [string, ScenarioResult[]][] = [['upstream direct', await runConformance(up.url, { edition: '2026', only: required })]];
  for (const [label, protocol] of [['through the proxy (upstream era probed: modern)', 'auto'], ['through the proxy (upstream pinned to legacy)', 'legacy']] as const) {
    const proxy = await spawnProxy({ version: 1, upstreams: [{ name: 'reference', url: up.url, timeoutMs: 30_000, protocol }] }, { env: { MCP_PROXY_LOG_LEVEL: 'info' } });
    columns.push([label, await runConformance(proxy.url, { edition: '2026', only: required })]);
    await proxy.stop();
  }
  await up.close();
  const lines = [`| scenario | ${columns.map(([l]) => l).join(' | ')} |`, `|---|${columns.map(() => '---|').join('')}`];
  for (const name of required) lines.push(`| ${name} | ${columns.map(([, rs]) => cell(rs.find((r) => r.scenario === name))).join(' | ')} |`);
  const passed = columns.map(([, rs]) => rs.filter((r) => r.ok).length);
  lines.push(`| **required scenarios passed** | ${passed.map((n) => `**${n}/${required.length}**`).join(' | ')} |`);
  const rows = compare(columns[0][1], columns[1][1]);
  const reg = regressions(rows);
  const legacyRows = compare(columns[0][1], columns[2][1]);
  const failures = (rs: ScenarioResult[], who: string) => rs.filter((r) => !r.ok).map((r) => `- ${who} \`${r.scenario}\`: ${r.failures.join('; ').replace(/\|/g, '/').replace(/\n/g, ' ')}`);
  const notes = [...failures(columns[0][1], 'upstream'), ...failures(columns[1][1], 'proxy'), ...failures(columns[2][1], 'proxy, legacy upstream')];
  const summary = `- Modern reference upstream (test/conformance/modern-reference-server.ts), 0.2.0-alpha.12 required ${MODERN_REQUIREMENTS} server scenarios: ${passed[0]}/${required.length} directly, ${passed[1]}/${required.length} through the proxy (modern upstream), ${passed[2]}/${required.length} through the proxy with the upstream pinned to legacy; scenarios the upstream passes but the proxy (modern upstream) fails: ${reg.length ? reg.map((r) => r.scenario).join(', ') : 'none'}.`;
  const section = `## ${MODERN_REQUIREMENTS}: modern reference upstream (test/conformance/modern-reference-server.ts)

@modelcontextprotocol/conformance ${conformanceVersion('2026')} (npm alias \`conformance-next\`), \`server --requirements ${MODERN_REQUIREMENTS}\`, on Node 22
(bench/lib/deploy-node.mjs); only the ${required.length} required server scenarios are tabled (the suite runs and reports its extension
and pending scenarios too, unscored). The upstream is the SDK v2 server package (\`@modelcontextprotocol/server\`) behind its
\`createMcpHandler\` (dual-era), localhost-only. The jest test \`test/conformance/conformance-2026.test.ts\` asserts the first two columns.
The third column pins the proxy's upstream leg to the legacy era (\`protocol: legacy\`): a modern caller in front of a 2025 upstream.
Multi round-trip requests (\`input-required-result-*\`) between a modern caller and a modern upstream are governed: each input
request decided and redacted, the upstream's \`requestState\` sealed by the proxy and checked on the retry (docs/INPUT-REQUESTS.md).
\`input-required-result-ignore-extra-params\` warns through the proxy (a SHOULD): its client sends \`inputResponses\` without the
\`requestState\` the proxy issued, which the proxy treats as a fresh call (responses it did not ask for never reach the
upstream), so the upstream asks again instead of completing.
A legacy upstream's server-to-client request cannot become an \`input_required\` result without keeping the upstream's
request open across the caller's retry (state the stateless proxy does not keep), so these scenarios fail in that column
(${legacyRows.filter((r) => r.upstream?.ok && !r.proxy?.ok).length} scenarios the upstream passes): the caller gets -32021 naming a capability it did not declare, else an error.

${lines.join('\n')}

Failures:

${notes.length ? notes.join('\n') : '- none'}
`;
  return { summary, section };
}

async function main() {
  const sections: string[] = [];
  const summary: string[] = [];

  const ref = await startSdkUpstream(createReferenceServer);
  const refProxy = await spawnProxy({ version: 1, upstreams: [{ name: 'reference', url: ref.url, timeoutMs: 30_000 }] }, { env: { MCP_PROXY_LOG_LEVEL: 'info' } });
  const refRows = compare(await runConformance(ref.url), await runConformance(refProxy.url));
  await refProxy.stop();
  await ref.close();

  // The same server sending its sampling and elicitation requests outside the call's stream, as the conformance
  // repository's own reference server does: the proxy attributes them to the one call in flight.
  const oos = await startSdkUpstream(() => createReferenceServer({ outOfStream: true }));
  const oosProxy = await spawnProxy({ version: 1, upstreams: [{ name: 'reference', url: oos.url, timeoutMs: 30_000 }] }, { env: { MCP_PROXY_LOG_LEVEL: 'info' } });
  const oosRows = compare(await runConformance(oos.url), await runConformance(oosProxy.url));
  await oosProxy.stop();
  await oos.close();

  const ev = await startServerEverything();
  const evProxy = await spawnProxy({ version: 1, upstreams: [{ name: 'everything', url: ev.url, timeoutMs: 30_000 }] }, { env: { MCP_PROXY_LOG_LEVEL: 'info' } });
  const evRows = compare(await runConformance(ev.url), await runConformance(evProxy.url));
  await evProxy.stop();
  await ev.stop();

  for (const [title, rows, what] of [
    ['Reference upstream (test/conformance/reference-server.ts)', refRows, 'implements every tool, resource and prompt the server scenarios call'],
    [
      'Reference upstream, requests outside the call stream (reference-server.ts, outOfStream)',
      oosRows,
      'sends its sampling and elicitation requests on the session\'s GET stream, not on the call\'s response stream, as the conformance repository\'s own reference server does; the proxy delivers each to the one call in flight on that upstream and refuses (and audits) one it cannot attribute',
    ],
    ['@modelcontextprotocol/server-everything (Streamable HTTP)', evRows, 'the MCP reference "everything" server; it does not implement the suite\'s test tools, so many scenarios fail directly too'],
  ] as const) {
    const reg = regressions(rows);
    summary.push(`- ${title}: upstream passes ${rows.filter((r) => r.upstream?.ok).length}/${rows.length} scenarios directly, ${rows.filter((r) => r.proxy?.ok).length}/${rows.length} through the proxy; scenarios the upstream passes but the proxy fails: ${reg.length ? reg.map((r) => r.scenario).join(', ') : 'none'}.`);
    const why = reg.map((r) => `- \`${r.scenario}\`: ${WHY[r.scenario] ?? 'unexplained: investigate'}`).join('\n');
    sections.push(`## ${title}\n\nThe upstream ${what}.\n\n${table(rows)}\n\n${reg.length ? `Why the proxy fails where the upstream passes:\n\n${why}\n\n` : ''}Failures:\n\n${notes(rows)}\n`);
  }

  const modern = await modernSection();
  summary.push(modern.summary);

  const md = `# MCP conformance: upstream directly vs. through the proxy

Generated by \`npx tsx test/conformance/run.ts\` (after \`npm run build:runtime\`) on ${new Date().toISOString().slice(0, 10)} with
@modelcontextprotocol/conformance ${conformanceVersion()}, all server scenarios of its active suite, Node ${process.version}.
The jest test \`test/conformance/conformance.test.ts\` asserts that the proxy passes every scenario the reference upstream passes.
Cells: scenario result (checks succeeded ✓, failed ✗, warnings ⚠).

${summary.join('\n')}

How the proxy differs by design (stateless, AgentCore contract):
- It issues no \`Mcp-Session-Id\`, so scenarios that need a session (SSE polling, multiple streams) report a warning, not a failure.
- It answers \`GET /mcp\` with 405 (no standalone SSE stream); server-to-client requests (sampling, elicitation) and
  request-related notifications (progress, log messages) travel on the SSE response of the \`tools/call\` that caused them,
  governed: decided by Cedar (\`input/<kind>\`), redacted, the answers sanitized and tokenized, each round audited. With
  access control off (these runs) input requests pass as the caller's client allows.
- \`resources/subscribe\` is accepted for resources the caller may read, but no update notification is ever delivered.
- Bound to 127.0.0.1, it validates Host/Origin (DNS-rebinding protection); bound to 0.0.0.0 (AgentCore) it does not.
- A 2026-07-28 caller (the request's \`_meta\` carries its protocol version) is served by the modern leg, statelessly, on the
  same endpoint; \`resources/subscribe\` is not a method there (404), and \`subscriptions/listen\` announces list changes only.

${sections.join('\n')}`;
  writeFileSync(join(__dirname, 'RESULTS.md'), `${md}\n${modern.section}`);
  process.stdout.write(`${summary.join('\n')}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
