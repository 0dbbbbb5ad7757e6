/**
 * Helpers for the construct tests. Stacks synthesize with the real runtime bundle (assets/runtime, built by
 * `npm run build:runtime`); MCP_PROXY_TEST_BUNDLE points them at another bundle directory instead.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { McpGovernanceProxy, Upstream, type McpGovernanceProxyProps } from '../../lib';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const BUNDLE_DIR = process.env.MCP_PROXY_TEST_BUNDLE ?? path.join(REPO_ROOT, 'assets', 'runtime');
export const BUNDLE_CONTEXT_KEY = 'cdk-mcp-governance-proxy:runtimeBundleDirectory';

const outdirs: string[] = [];
// Each synthesized assembly holds a copy of the multi-megabyte bundle: remove them when the test file is done.
afterAll(() => {
  for (const dir of outdirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** An App whose assembly goes to a fresh temp dir (removed after the test file) and whose proxies use BUNDLE_DIR. */
export function newApp(context: Record<string, unknown> = {}): App {
  if (!fs.existsSync(path.join(BUNDLE_DIR, 'index.js'))) {
    throw new Error(`The proxy bundle ${BUNDLE_DIR}/index.js is missing: run \`npm run build:runtime\` (npm test builds it first).`);
  }
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-proxy-cdk-'));
  outdirs.push(outdir);
  return new App({ outdir, context: { [BUNDLE_CONTEXT_KEY]: BUNDLE_DIR, ...context } });
}

export interface Built {
  readonly app: App;
  readonly stack: Stack;
  readonly proxy: McpGovernanceProxy;
  readonly template: Template;
}

/** A stack with one proxy; `props` are merged over a single URL upstream. */
export function build(props: Partial<McpGovernanceProxyProps> = {}, setup?: (stack: Stack) => Partial<McpGovernanceProxyProps>): Built {
  const app = newApp();
  const stack = new Stack(app, 'TestStack');
  const extra = setup ? setup(stack) : {};
  const proxy = new McpGovernanceProxy(stack, 'Proxy', {
    upstreams: [Upstream.url('docs', 'https://docs.example.com/mcp')],
    ...props,
    ...extra,
  });
  const template = Template.fromStack(stack);
  return { app, stack, proxy, template };
}

/** The configuration document as shipped in the code asset (parsed). */
export function configOf(proxy: McpGovernanceProxy): any {
  return JSON.parse(proxy.configDocument);
}

/** The execution role's policy statements, resolved. */
export function roleStatements(template: Template): any[] {
  const policies = template.findResources('AWS::IAM::Policy');
  const entry = Object.entries(policies).find(([id]) => id.startsWith('ProxyExecutionRoleDefaultPolicy'));
  if (!entry) throw new Error('no execution role policy');
  return (entry[1] as any).Properties.PolicyDocument.Statement;
}

/** One statement by Sid. */
export function statement(template: Template, sid: string): any {
  const s = roleStatements(template).find((x) => x.Sid === sid);
  if (!s) throw new Error(`no statement ${sid}; have ${roleStatements(template).map((x) => x.Sid).join(', ')}`);
  return s;
}

/** Runs the real bundle's `check` on a configuration file with the given environment. */
export function check(configFile: string, env: Record<string, string> = {}): { ok: boolean; digest?: string; policiesChecked?: string; errors?: string[] } {
  const res = spawnSync(process.execPath, [path.join(BUNDLE_DIR, 'index.js'), 'check', '--config', configFile], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env },
    timeout: 60_000,
  });
  const line = res.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line);
}

/** The staged proxy-config.json inside the assembly's copy of the code asset. */
export function assetConfigFile(app: App, template: Template): string {
  const runtime = Object.values(template.findResources('AWS::BedrockAgentCore::Runtime'))[0] as any;
  const key: string = runtime.Properties.AgentRuntimeArtifact.CodeConfiguration.Code.S3.Prefix;
  const hash = key.replace(/\.zip$/, '');
  return path.join(app.outdir, `asset.${hash}`, 'proxy-config.json');
}

/** Stand-ins for the deploy-time values of a document, as the synth-time check uses. */
export function sampleEnv(config: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const m of config.matchAll(/\$\{env:(MCP_PROXY_CFG_\d+)\}/g)) env[m[1]] = `https://deploy-time.example.com/${m[1]}`;
  return env;
}

/** A grantee for grant tests. */
export function newRole(stack: Stack, id = 'Caller'): iam.Role {
  return new iam.Role(stack, id, { assumedBy: new iam.AccountRootPrincipal() });
}
