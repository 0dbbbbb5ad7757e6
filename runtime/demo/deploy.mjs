/**
 * "Deploys" the demo's proxy on loopback the way AgentCore would run it, from a real synthesis of the construct:
 *
 *   1. synthesizes examples/local-demo.ts (LocalDemoStack) into a cloud assembly: the construct writes
 *      proxy-config.json into its code asset, and the synth-time check runs the bundle's own `check` on it;
 *   2. takes the runtime's environment variables from the synthesized template and resolves the CloudFormation
 *      parameters (issuer, CRM URL) with the loopback URLs, as CloudFormation would at deploy time;
 *   3. changes exactly two deploy-bound settings for a laptop, and says so: the tokenization key comes from an
 *      environment variable (a random key per run) instead of the Secrets Manager secret, and the audit trail goes to
 *      stdout (captured into a file) instead of the CloudWatch log group.
 * The proxy validates the resulting file again when it starts (the same validator as `check`).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tsImport } from 'tsx/esm/api';

/** Loads examples/local-demo.ts (TypeScript, through tsx: no compiled lib/ needed). */
export async function loadDemoStack(root) {
  const mod = await tsImport(join(root, 'examples', 'local-demo.ts'), import.meta.url);
  const exports = mod.LocalDemoStack ? mod : mod.default;
  return { LocalDemoStack: exports.LocalDemoStack, LOCAL_DEMO: exports.LOCAL_DEMO };
}

/** Resolves a CloudFormation value of the runtime's environment: literals and `Ref`s to the given parameters. */
function resolveCfn(value, parameters) {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof value.Ref === 'string' && value.Ref in parameters) return parameters[value.Ref];
  return undefined;
}

/**
 * @param opts.outdir      where the cloud assembly and the local files go
 * @param opts.parameters  `{ Issuer, CrmUrl }`
 * @param opts.stack       the loaded LocalDemoStack class
 * @returns `{ configFile, env, localChanges, assetDir, synthesizedFile, synthDigest, ruleSets, complianceReport }`
 */
export async function synthesizeDemoProxy({ outdir, parameters, LocalDemoStack }) {
  const { App } = await import('aws-cdk-lib');
  // The built-in CloudFormation template linter is left to `npm run synth` (it adds seconds and checks the template,
  // not the proxy); the construct's own synth-time validation, the runtime's `check`, runs as in any synth.
  const app = new App({ outdir, builtinCloudFormationValidation: false });
  const stack = new LocalDemoStack(app, 'McpProxyLocalDemo');
  const assembly = app.synth();

  const template = assembly.getStackByName(stack.stackName).template;
  const runtime = Object.values(template.Resources).find((r) => r.Type === 'AWS::BedrockAgentCore::Runtime');
  if (!runtime) throw new Error('the synthesized demo stack has no AWS::BedrockAgentCore::Runtime');
  const assetDir = readdirSync(outdir)
    .filter((d) => d.startsWith('asset.') && existsSync(join(outdir, d, 'proxy-config.json')))
    .map((d) => join(outdir, d));
  if (assetDir.length !== 1) throw new Error(`expected one code asset with proxy-config.json in ${outdir}, found ${assetDir.length}`);
  const synthesized = JSON.parse(readFileSync(join(assetDir[0], 'proxy-config.json'), 'utf8'));

  // The runtime's environment as CloudFormation would set it. Values that are neither literals nor our parameters
  // (the tokenization secret's ARN) belong to the settings replaced below.
  const env = {};
  const unresolved = [];
  for (const [name, value] of Object.entries(runtime.Properties.EnvironmentVariables ?? {})) {
    const resolved = resolveCfn(value, parameters);
    if (resolved === undefined) unresolved.push(name);
    else env[name] = resolved;
  }

  const { cloudwatch, ...auditRest } = synthesized.audit;
  const document = {
    ...synthesized,
    tokenize: { ...synthesized.tokenize, key: { source: 'env', variable: 'MCP_PROXY_TOKENIZATION_KEY' } },
    audit: { ...auditRest, sink: 'stdout' },
  };
  const localChanges = [
    `tokenize.key: Secrets Manager secret -> environment variable MCP_PROXY_TOKENIZATION_KEY (a random key per run)`,
    `audit.sink: CloudWatch Logs (${cloudwatch?.logGroupName}) -> stdout, captured into a file`,
  ];
  // Every remaining placeholder must be one we can fill: anything else means the props grew a deploy-time value.
  const placeholders = [...JSON.stringify(document).matchAll(/\$\{env:([A-Za-z0-9_]+)\}/g)].map((m) => m[1]);
  const missing = placeholders.filter((v) => env[v] === undefined);
  if (missing.length) throw new Error(`the demo cannot resolve ${missing.join(', ')} (runtime environment ${unresolved.join(', ')} not resolvable)`);

  env.MCP_PROXY_TOKENIZATION_KEY = randomBytes(64).toString('hex');
  const configFile = join(outdir, 'proxy-config.local.json');
  writeFileSync(configFile, `${JSON.stringify(document, null, 2)}\n`);

  // Written by the construct's synth-time validation, after the runtime's `check` accepted the synthesized file.
  const compliance = JSON.parse(readFileSync(join(outdir, `${stack.artifactId}-Proxy-compliance.json`), 'utf8'));
  return {
    configFile,
    env,
    localChanges,
    assetDir: assetDir[0],
    synthesizedFile: join(assetDir[0], 'proxy-config.json'),
    synthDigest: compliance.configDigest,
    ruleSets: compliance.accessControl.ruleSets,
    complianceReport: join(outdir, `${stack.artifactId}-Proxy-compliance.md`),
  };
}
