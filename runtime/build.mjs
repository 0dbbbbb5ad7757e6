#!/usr/bin/env node
/**
 * Builds the proxy runtime:
 *   assets/runtime/index.js           the proxy, minified CommonJS (node20 target), no node_modules needed at run time
 *   assets/runtime/aws-sdk.js         the AWS SDK packages the proxy imports, required by index.js on first use
 *   assets/runtime/aws-logs.js        the few @smithy / @aws-sdk packages of the audit sink's CloudWatch Logs client, ditto
 *   assets/runtime/verify-audit.js    the audit-log verifier command (runtime/cli/verify-audit.ts)
 *   assets/runtime/pin.js             the tool-pinning command (runtime/cli/pin.ts)
 *   assets/runtime/cedar_wasm_bg.wasm the Cedar engine, loaded by @cedar-policy/cedar-wasm/nodejs from `${__dirname}`
 *   assets/runtime/THIRD_PARTY_NOTICES the third-party packages in the three bundles and the wasm, with their licence texts
 *                                     (runtime/build-notices.mjs; also written to THIRD_PARTY_NOTICES at the package root)
 *   schema/config.schema.json         JSON Schema of the configuration contract (configJsonSchema())
 * Usage: node runtime/build.mjs [--quiet] [--readable DIR]
 *   --readable DIR  only an unminified index.js (+ aws-sdk.js and the wasm) into DIR, for CPU profiles with real function names
 *                   (run it with `PROXY_BUNDLE=DIR/index.js npm run bench -- --profile`)
 */
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeThirdPartyNotices } from './build-notices.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'assets', 'runtime');
const outFile = join(outDir, 'index.js');
const quiet = process.argv.includes('--quiet');
const say = (msg) => quiet || process.stdout.write(`${msg}\n`);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'warning',
  legalComments: 'none',
  // The metafile lists every input file of a bundle: THIRD_PARTY_NOTICES is generated from it.
  metafile: true,
  absWorkingDir: root,
  // The proxy forwards tool results untouched and never validates outputSchema, so the SDK's Ajv validator is never
  // constructed (the client gets a no-op validator): replace the module so Ajv stays out of the bundle.
  // zod re-exports every locale (~260 KiB minified); the proxy only uses the default English messages.
  plugins: [
    {
      name: 'trim-bundle',
      setup(b) {
        const stubs = {
          ajv: 'export class AjvJsonSchemaValidator { constructor() { throw new Error("Ajv is not bundled: pass jsonSchemaValidator"); } }',
          'zod-locales': `export { default as en } from ${JSON.stringify(join(root, 'node_modules', 'zod', 'v4', 'locales', 'en.js'))};`,
        };
        b.onResolve({ filter: /validation\/ajv-provider\.js$/ }, () => ({ path: 'ajv', namespace: 'stub' }));
        b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (a) =>
          a.importer.includes(`${join('node_modules', 'zod', 'v4')}`) ? { path: 'zod-locales', namespace: 'stub' } : undefined,
        );
        b.onLoad({ filter: /.*/, namespace: 'stub' }, (a) => ({ contents: stubs[a.path], loader: 'js', resolveDir: root }));
      },
    },
  ],
};

/**
 * The AWS SDK (~625 KiB minified; the runtime imports it only dynamically, when a configuration calls AWS: CloudWatch
 * audit, SigV4 or AgentCore upstream auth, Secrets Manager keys) goes to its own file beside the entry,
 * assets/runtime/aws-sdk.js, required on first use. A configuration that never calls AWS no longer parses it at
 * start-up (~50 ms of a cold start on this project's bench machine). Each package in it is evaluated on first access,
 * as in a single bundle. Both builds see the same node_modules, so the versions match.
 */
const AWS_SDK_FILE = 'aws-sdk.js';
const AWS_SDK_SPECIFIER = /^@(aws-sdk|smithy)\//;
/**
 * The audit sink's CloudWatch Logs client (runtime/src/stages/audit/sinks/cloudwatch-logs/) needs only the SigV4
 * signer and one credential provider: those go to a small file of their own, assets/runtime/aws-logs.js, so a proxy
 * whose only AWS calls are its audit trail (the construct's default) does not parse the whole SDK file at cold start.
 * The AWS SDK's full default chain, which that client uses only on a developer's machine, stays in aws-sdk.js.
 */
const AWS_LOGS_FILE = 'aws-logs.js';
const AUDIT_CLIENT_DIR = join('runtime', 'src', 'stages', 'audit', 'sinks', 'cloudwatch-logs');
const SHARED_WITH_SDK_FILE = new Set(['@aws-sdk/credential-provider-node']);
function splitAwsSdk(seen, logsSeen = seen) {
  return {
    name: 'split-aws-sdk',
    setup(b) {
      b.onResolve({ filter: AWS_SDK_SPECIFIER }, (a) => {
        const logs = a.importer.includes(AUDIT_CLIENT_DIR) && !SHARED_WITH_SDK_FILE.has(a.path);
        (logs ? logsSeen : seen).add(a.path);
        return { path: a.path, namespace: logs ? 'aws-logs' : 'aws-sdk' };
      });
      b.onResolve({ filter: /^\.\/aws-(sdk|logs)\.js$/ }, (a) => ({ path: a.path, external: true }));
      for (const [namespace, file] of [['aws-sdk', AWS_SDK_FILE], ['aws-logs', AWS_LOGS_FILE]]) {
        b.onLoad({ filter: /.*/, namespace }, (a) => ({
          contents: `module.exports = require(${JSON.stringify(`./${file}`)})[${JSON.stringify(a.path)}];`,
          loader: 'js',
          resolveDir: root,
        }));
      }
    },
  };
}

/** assets/runtime/<file> (or DIR/<file>): one lazy getter per package the entry imports. Returns esbuild's result. */
async function buildAwsSdk(specifiers, dir, minify, file = AWS_SDK_FILE) {
  if (specifiers.size === 0) return undefined;
  const contents = [...specifiers]
    .sort()
    .map((s) => `Object.defineProperty(exports, ${JSON.stringify(s)}, { enumerable: true, get: () => require(${JSON.stringify(s)}) });`)
    .join('\n');
  return build({ ...common, stdin: { contents, resolveDir: root, loader: 'js' }, outfile: join(dir, file), minify });
}

/** Bundles a one-off script from TypeScript source text, runs it with node and returns what it printed. */
async function runSnippet(contents) {
  const tmp = mkdtempSync(join(tmpdir(), 'proxy-build-'));
  try {
    const script = join(tmp, 'snippet.cjs');
    await build({ ...common, stdin: { contents, resolveDir: root, loader: 'ts' }, outfile: script });
    // Bundled cedar-wasm reads its module from beside the script.
    copyFileSync(join(root, 'node_modules', '@cedar-policy', 'cedar-wasm', 'nodejs', 'cedar_wasm_bg.wasm'), join(tmp, 'cedar_wasm_bg.wasm'));
    return execFileSync(process.execPath, [script], { encoding: 'utf8' });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

// The Cedar schema in Cedar's JSON form, converted here once instead of at every cold start.
const cedarSchemaJson = (await runSnippet(
  "import { cedarWasm } from './runtime/src/stages/access-control/cedar-wasm'; import { CEDAR_SCHEMA } from './runtime/src/stages/access-control/cedar-schema';" +
    "const r = cedarWasm().schemaToJson(CEDAR_SCHEMA); if (r.type !== 'success') throw new Error(JSON.stringify(r.errors)); process.stdout.write(JSON.stringify(r.json));",
)).trim();

const readableAt = process.argv.indexOf('--readable');
if (readableAt >= 0) {
  const dir = resolve(process.argv[readableAt + 1] ?? '');
  mkdirSync(dir, { recursive: true });
  const sdk = new Set();
  const logs = new Set();
  await build({
    ...common,
    plugins: [...common.plugins, splitAwsSdk(sdk, logs)],
    entryPoints: [join(root, 'runtime', 'src', 'main.ts')],
    outfile: join(dir, 'index.js'),
    minify: false,
    define: { __PROXY_VERSION__: JSON.stringify(`${pkg.version}-readable`), __CEDAR_SCHEMA_JSON__: cedarSchemaJson },
  });
  await buildAwsSdk(sdk, dir, false);
  await buildAwsSdk(logs, dir, false, AWS_LOGS_FILE);
  copyFileSync(join(root, 'node_modules', '@cedar-policy', 'cedar-wasm', 'nodejs', 'cedar_wasm_bg.wasm'), join(dir, 'cedar_wasm_bg.wasm'));
  say(`readable runtime bundle: ${join(dir, 'index.js')}`);
  process.exit(0);
}

mkdirSync(outDir, { recursive: true });
// No notices from an earlier build survive a build that fails before writing its own.
for (const f of [join(outDir, 'THIRD_PARTY_NOTICES'), join(root, 'THIRD_PARTY_NOTICES')]) rmSync(f, { force: true });
const sdk = new Set();
const logs = new Set();
/** Each written bundle's metafile, by file name in assets/runtime/. */
const metafiles = {};
metafiles['index.js'] = (await build({
  ...common,
  plugins: [...common.plugins, splitAwsSdk(sdk, logs)],
  entryPoints: [join(root, 'runtime', 'src', 'main.ts')],
  outfile: outFile,
  minify: true,
  sourcemap: false,
  define: { __PROXY_VERSION__: JSON.stringify(pkg.version), __CEDAR_SCHEMA_JSON__: cedarSchemaJson },
})).metafile;
const sdkResult = await buildAwsSdk(sdk, outDir, true);
if (sdkResult) metafiles[AWS_SDK_FILE] = sdkResult.metafile;
else if (existsSync(join(outDir, AWS_SDK_FILE))) rmSync(join(outDir, AWS_SDK_FILE));
const logsResult = await buildAwsSdk(logs, outDir, true, AWS_LOGS_FILE);
if (logsResult) metafiles[AWS_LOGS_FILE] = logsResult.metafile;
else if (existsSync(join(outDir, AWS_LOGS_FILE))) rmSync(join(outDir, AWS_LOGS_FILE));

metafiles['verify-audit.js'] = (await build({
  ...common,
  entryPoints: [join(root, 'runtime', 'cli', 'verify-audit.ts')],
  outfile: join(outDir, 'verify-audit.js'),
  minify: true,
  banner: { js: '#!/usr/bin/env node' },
})).metafile;

// The pin command discovers upstreams as the runtime does (their auth may use the AWS SDK file built above).
const pinSdk = new Set();
await build({
  ...common,
  plugins: [...common.plugins, splitAwsSdk(pinSdk)],
  entryPoints: [join(root, 'runtime', 'cli', 'pin.ts')],
  outfile: join(outDir, 'pin.js'),
  minify: true,
  banner: { js: '#!/usr/bin/env node' },
  define: { __PROXY_VERSION__: JSON.stringify(pkg.version) },
});
for (const m of pinSdk) if (!sdk.has(m)) throw new Error(`pin.js needs ${m}, which the runtime's AWS SDK file does not hold`);

// Cedar's Node build reads its wasm from `${__dirname}/cedar_wasm_bg.wasm`: in the bundle that is assets/runtime/.
const cedarWasmDir = join(root, 'node_modules', '@cedar-policy', 'cedar-wasm');
const wasm = join(cedarWasmDir, 'nodejs', 'cedar_wasm_bg.wasm');
const bundleText = readFileSync(outFile, 'utf8');
const shipped = [];
if (bundleText.includes('cedar_wasm_bg.wasm')) {
  copyFileSync(wasm, join(outDir, 'cedar_wasm_bg.wasm'));
  shipped.push({ file: 'cedar_wasm_bg.wasm', packageDir: cedarWasmDir });
} else if (existsSync(join(outDir, 'cedar_wasm_bg.wasm'))) {
  rmSync(join(outDir, 'cedar_wasm_bg.wasm'));
}

// THIRD_PARTY_NOTICES in the code asset (the staging copies every file of assets/runtime/) and at the package root.
// Fails the build when a bundled package's licence is not in the allowlist or missing.
const notices = writeThirdPartyNotices({
  root,
  bundles: metafiles,
  shipped,
  outFiles: [join(outDir, 'THIRD_PARTY_NOTICES'), join(root, 'THIRD_PARTY_NOTICES')],
  product: pkg.name,
  version: pkg.version,
  notes: shipped.length
    ? [
        'cedar_wasm_bg.wasm is compiled from the Cedar Rust crates (https://github.com/cedar-policy/cedar, Apache-2.0) and\n' +
          'their Rust dependencies; @cedar-policy/cedar-wasm ships no list of those, so none is reproduced here.',
      ]
    : [],
});

// schema/config.schema.json from the zod contract.
mkdirSync(join(root, 'schema'), { recursive: true });
writeFileSync(
  join(root, 'schema', 'config.schema.json'),
  await runSnippet("import { configJsonSchema } from './runtime/src/config/load'; process.stdout.write(JSON.stringify(configJsonSchema(), null, 2) + '\\n');"),
);

const kib = (f) => `${(statSync(f).size / 1024).toFixed(1)} KiB`;
say(`runtime bundle: ${outFile} ${kib(outFile)}`);
if (sdkResult) say(`AWS SDK:        ${join(outDir, AWS_SDK_FILE)} ${kib(join(outDir, AWS_SDK_FILE))} (loaded on first use)`);
if (logsResult) say(`audit AWS:      ${join(outDir, AWS_LOGS_FILE)} ${kib(join(outDir, AWS_LOGS_FILE))} (signer + credential providers of the audit sink's client)`);
if (existsSync(join(outDir, 'cedar_wasm_bg.wasm'))) say(`cedar wasm:     ${join(outDir, 'cedar_wasm_bg.wasm')} ${kib(join(outDir, 'cedar_wasm_bg.wasm'))}`);
say(`audit verifier: ${join(outDir, 'verify-audit.js')} ${kib(join(outDir, 'verify-audit.js'))}`);
say(`pin command:    ${join(outDir, 'pin.js')} ${kib(join(outDir, 'pin.js'))}`);
say(`config schema:  ${join(root, 'schema', 'config.schema.json')}`);
say(`notices:        ${join(outDir, 'THIRD_PARTY_NOTICES')} (${notices.length} third-party packages, all licences allowed)`);
