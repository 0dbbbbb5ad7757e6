/**
 * Release check: the package as npm would publish it. `npm pack` of the built tree into a temporary folder, the
 * tarball installed with npm (offline: it has no dependencies of its own) into a fresh CDK app beside which only
 * aws-cdk-lib and constructs exist (linked from this repository's node_modules, the versions the peer ranges name),
 * the README's "Use it in your stack" snippet type-checked against the shipped .d.ts and synthesized. Then what the
 * tarball holds: the licence, the notices, the bundles, the wasm, the schemas, the docs, and nothing it should not.
 * Needs `npm run build` first (npm test runs it).
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';
// @ts-expect-error plain ESM build script without type declarations (its function is checked here by behaviour)
import { repositoryFields } from '../../scripts/set-repository.mjs';

const root = path.resolve(__dirname, '..', '..');
const rootPkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface PackedFile {
  readonly path: string;
}

let work: string;
let files: string[];
let installed: string;
let outdir: string;

/** The README's first TypeScript block under "## Use it in your stack". */
function readmeSnippet(): string {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Use it in your stack'));
  const m = /```ts\n([\s\S]*?)```/.exec(section);
  if (!m) throw new Error('README.md: no ```ts block under "## Use it in your stack"');
  return m[1];
}

/** A CDK app whose one stack's constructor is the README snippet (its imports hoisted to the top of the file). */
function appSource(snippet: string): string {
  const lines = snippet.split('\n');
  const imports = lines.filter((l) => l.startsWith('import '));
  const body = lines.filter((l) => !l.startsWith('import '));
  return [
    "import { App, Stack } from 'aws-cdk-lib';",
    ...imports,
    '',
    'class ReadmeStack extends Stack {',
    '  constructor(scope: App, id: string) {',
    '    super(scope, id);',
    ...body.map((l) => (l ? `    ${l}` : l)),
    '  }',
    '}',
    '',
    'const app = new App({ outdir: process.env.RELEASE_CHECK_OUTDIR });',
    "new ReadmeStack(app, 'ReadmeStack');",
    'app.synth();',
    '',
  ].join('\n');
}

/** Runs a command to completion; rejects with what it printed when it fails. */
function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(args[0] ?? command)} exited ${code}:\n${output}`))));
  });
}

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'release-check-'));
  const packed = JSON.parse(
    execFileSync(npm, ['pack', '--json', '--pack-destination', work], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
  ) as Array<{ filename: string; files: PackedFile[] }>;
  files = packed[0].files.map((f) => f.path).sort();
  const tarball = path.join(work, packed[0].filename);

  const app = path.join(work, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'release-check-app', version: '0.0.0', private: true }));
  // The package has no dependencies, only peers: installed offline from the tarball, peers provided below.
  execFileSync(npm, ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--legacy-peer-deps', tarball], {
    cwd: app,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  installed = path.join(app, 'node_modules', rootPkg.name);
  for (const peer of ['aws-cdk-lib', 'constructs', '@types/node']) {
    fs.mkdirSync(path.dirname(path.join(app, 'node_modules', peer)), { recursive: true });
    fs.symlinkSync(path.join(root, 'node_modules', peer), path.join(app, 'node_modules', peer), 'dir');
  }

  const source = appSource(readmeSnippet());
  const compilerOptions = { target: 'ES2022', module: 'commonjs', moduleResolution: 'node', strict: true, skipLibCheck: true, types: ['node'] };
  fs.writeFileSync(path.join(app, 'app.ts'), source);
  fs.writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...compilerOptions, noEmit: true }, files: ['app.ts'] }));
  fs.writeFileSync(path.join(app, 'app.js'), ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS } }).outputText);
  outdir = path.join(work, 'cdk.out');
  // Without the CDK CLI's variables (outdir, context) that a surrounding `cdk` invocation may have set.
  const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CDK_')));
  // In parallel (each is ~20 s on a busy 2-core machine): the snippet type-checked against the shipped declarations,
  // and synthesized (the construct's synth-time check runs the installed package's bundle).
  await Promise.all([
    run(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], { cwd: app }),
    run(process.execPath, [path.join(app, 'app.js')], { cwd: app, env: { ...cleanEnv, RELEASE_CHECK_OUTDIR: outdir } }),
  ]);
}, 240_000);

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test('the README snippet synthesizes from the installed tarball: one AgentCore runtime whose code asset carries the bundle, the wasm and the notices', () => {
  const template = JSON.parse(fs.readFileSync(path.join(outdir, 'ReadmeStack.template.json'), 'utf8'));
  const runtimes = Object.values(template.Resources as Record<string, { Type: string; Properties: any }>).filter(
    (r) => r.Type === 'AWS::BedrockAgentCore::Runtime',
  );
  expect(runtimes).toHaveLength(1);
  const prefix: string = runtimes[0].Properties.AgentRuntimeArtifact.CodeConfiguration.Code.S3.Prefix;
  const asset = path.join(outdir, `asset.${prefix.replace(/\.zip$/, '')}`);
  for (const f of ['index.js', 'aws-sdk.js', 'aws-logs.js', 'cedar_wasm_bg.wasm', 'proxy-config.json', 'THIRD_PARTY_NOTICES']) {
    expect(fs.existsSync(path.join(asset, f)) ? f : `${f} missing from the code asset`).toBe(f);
  }
  expect(fs.readFileSync(path.join(asset, 'THIRD_PARTY_NOTICES'), 'utf8')).toBe(fs.readFileSync(path.join(installed, 'THIRD_PARTY_NOTICES'), 'utf8'));
  // Every file of the installed package's assets/runtime/ is in the code asset, plus the configuration.
  expect(fs.readdirSync(asset).sort()).toEqual([...fs.readdirSync(path.join(installed, 'assets', 'runtime')), 'proxy-config.json'].sort());
});

test('the tarball holds the licence, the notices, the bundles, the wasm, the schemas, the jsii assembly and the docs', () => {
  const required = [
    'LICENSE',
    'THIRD_PARTY_NOTICES',
    'README.md',
    'CHANGELOG.md',
    'API.md',
    '.jsii',
    'package.json',
    'lib/index.js',
    'lib/index.d.ts',
    'assets/runtime/index.js',
    'assets/runtime/aws-sdk.js',
    'assets/runtime/aws-logs.js',
    'assets/runtime/verify-audit.js',
    'assets/runtime/cedar_wasm_bg.wasm',
    'assets/runtime/THIRD_PARTY_NOTICES',
    'schema/config.schema.json',
    'schema/audit-record.schema.json',
    'schema/mcp.cedarschema',
  ];
  expect(required.filter((f) => !files.includes(f))).toEqual([]);
  expect(fs.readFileSync(path.join(installed, 'LICENSE'), 'utf8')).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
  expect(fs.readFileSync(path.join(installed, 'LICENSE'), 'utf8')).toContain('END OF TERMS AND CONDITIONS');
});

test('the tarball holds no tests, sources, source maps, build state or runtime sources', () => {
  const forbidden = files.filter(
    (f) =>
      /^(runtime|bench|examples|bin|scripts|docs|dist|cdk\.out)\//.test(f) ||
      /(^|\/)(test|tests|__tests__|node_modules)\//.test(f) ||
      /\.test\.|\.spec\./.test(f) ||
      /\.map$/.test(f) ||
      (/\.(ts|mts|cts)$/.test(f) && !/\.d\.(ts|mts|cts)$/.test(f)) ||
      /tsbuildinfo$/.test(f) ||
      /(^|\/)tsconfig[^/]*\.json$/.test(f),
  );
  expect(forbidden).toEqual([]);
  const inlineMaps = files.filter((f) => f.endsWith('.js') && fs.readFileSync(path.join(installed, f), 'utf8').includes('sourceMappingURL='));
  expect(inlineMaps).toEqual([]);
});

test('THIRD_PARTY_NOTICES names the packages the bundles are known to contain, with their versions and licences', () => {
  const notices = fs.readFileSync(path.join(installed, 'THIRD_PARTY_NOTICES'), 'utf8');
  expect(notices).toBe(fs.readFileSync(path.join(installed, 'assets', 'runtime', 'THIRD_PARTY_NOTICES'), 'utf8'));
  for (const name of ['jose', 'zod', 're2js', '@modelcontextprotocol/sdk', '@cedar-policy/cedar-wasm', '@aws-sdk/client-secrets-manager', '@smithy/signature-v4']) {
    const version = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')).version as string;
    expect(notices).toMatch(new RegExp(`^${name.replace(/[/.]/g, '\\$&')}\\s+${version.replace(/\./g, '\\.')}\\s+(MIT|Apache-2\\.0)\\s`, 'm'));
  }
  expect(notices).toMatch(/^@cedar-policy\/cedar-wasm\s+\S+\s+Apache-2\.0\s+cedar_wasm_bg\.wasm, index\.js$/m);
  expect(notices).toContain('Permission is hereby granted, free of charge'); // MIT texts travel with the code
  expect(notices).toContain('TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION');
});

test('package.json: Construct Hub keywords, stability, and homepage and bugs derived from the one repository URL', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8'));
  expect(pkg.keywords).toEqual(expect.arrayContaining(['awscdk', 'cdk', 'aws-cdk', 'bedrock-agentcore', 'mcp', 'governance']));
  expect(pkg.stability).toBe('experimental');
  expect(pkg.license).toBe('Apache-2.0');
  expect(pkg.repository.url).not.toMatch(/example\.invalid|example\.com/);
  // Run `node scripts/set-repository.mjs https://github.com/OWNER/NAME` to change all three together.
  expect({ repository: pkg.repository, homepage: pkg.homepage, bugs: pkg.bugs }).toEqual(repositoryFields(pkg.repository.url));
  expect(pkg.peerDependencies).toEqual(rootPkg.peerDependencies);
  expect(pkg.dependencies ?? {}).toEqual({});
});
