/**
 * runtime/build-notices.mjs on real esbuild bundles of fixture packages in a temporary node_modules: the notices list
 * what esbuild put into each bundle (nested copies, scoped packages, subpath package.json files, plugin stubs), carry
 * each package's licence and notice text, and the build fails, naming the package, on a licence outside the allowlist
 * or none at all.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build, type Metafile } from 'esbuild';
// @ts-expect-error plain ESM build module without type declarations (checked here by behaviour)
import { ALLOWED_LICENSES, checkLicenses, collectPackages, licenseAllowed, renderNotices, writeThirdPartyNotices } from '../../runtime/build-notices.mjs';

interface Pkg {
  name: string;
  version: string;
  license?: string;
  files: string[];
  texts: Array<{ file: string; text: string }>;
}

const MIT_TEXT = 'MIT License\n\nCopyright (c) 2020 Someone\n\nPermission is hereby granted, free of charge, ...';
let root: string;

/** Writes node_modules/<dir> with a package.json and files. */
function pkg(dir: string, manifest: Record<string, unknown>, files: Record<string, string> = {}): void {
  const d = path.join(root, dir);
  fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(d, 'package.json'), JSON.stringify({ main: 'index.js', ...manifest }));
  if (!('index.js' in files)) fs.writeFileSync(path.join(d, 'index.js'), `module.exports = ${JSON.stringify(manifest.name)};`);
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(d, f)), { recursive: true });
    fs.writeFileSync(path.join(d, f), text);
  }
}

async function bundle(entry: string, outfile: string, stub = false): Promise<Metafile> {
  const result = await build({
    absWorkingDir: root,
    entryPoints: [path.join(root, entry)],
    bundle: true,
    platform: 'node',
    outfile: path.join(root, 'out', outfile),
    metafile: true,
    logLevel: 'silent',
    plugins: stub
      ? [
          {
            name: 'stub',
            setup(b) {
              b.onResolve({ filter: /^stubbed$/ }, () => ({ path: 'stubbed', namespace: 'stub' }));
              b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents: 'module.exports = 1', loader: 'js' }));
            },
          },
        ]
      : [],
  });
  return result.metafile;
}

let packages: Pkg[];
let notices: string;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'notices-'));
  pkg('node_modules/mit-pkg', { name: 'mit-pkg', version: '1.2.3', license: 'MIT' }, { LICENSE: MIT_TEXT, 'index.js': "module.exports = require('inner');" });
  // A nested copy of `inner` at another version, used only by mit-pkg; the hoisted one is not bundled.
  pkg('node_modules/mit-pkg/node_modules/inner', { name: 'inner', version: '2.0.0', license: 'ISC' }, { 'LICENSE.md': 'ISC text' });
  pkg('node_modules/inner', { name: 'inner', version: '1.0.0', license: 'ISC' }, { LICENSE: 'ISC old' });
  // A scoped package with a subpath package.json (as cedar-wasm's nodejs/) and a NOTICE beside its licence.
  pkg('node_modules/@scope/dual', { name: '@scope/dual', version: '0.1.0', license: '(MIT OR GPL-3.0-only)' }, {
    'LICENSE-MIT': 'dual MIT text',
    NOTICE: 'dual notice',
    'sub/package.json': JSON.stringify({ name: 'not-a-package-name', type: 'commonjs' }),
    'sub/index.js': 'module.exports = 2;',
  });
  pkg('node_modules/apache-nofile', { name: 'apache-nofile', version: '3.0.0', license: 'Apache-2.0' });
  pkg('node_modules/unused', { name: 'unused', version: '9.9.9', license: 'GPL-3.0-only' });
  fs.writeFileSync(path.join(root, 'a.js'), "require('mit-pkg'); require('@scope/dual/sub'); require('stubbed');");
  fs.writeFileSync(path.join(root, 'b.js'), "require('apache-nofile'); require('mit-pkg');");
  fs.writeFileSync(path.join(root, 'c.js'), 'module.exports = 3;');
  fs.writeFileSync(path.join(root, 'shipped.wasm'), 'wasm');
  const bundles = { 'a.js': await bundle('a.js', 'a.js', true), 'b.js': await bundle('b.js', 'b.js'), 'c.js': await bundle('c.js', 'c.js') };
  packages = collectPackages(root, bundles, [{ file: 'engine.wasm', packageDir: path.join(root, 'node_modules', 'apache-nofile') }]);
  notices = renderNotices(packages, { product: 'demo', version: '1.0.0', bundles: Object.keys(bundles), apacheText: 'APACHE STANDARD TEXT', notes: ['engine.wasm is compiled\nfrom crates'] });
}, 60_000);

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

test('lists exactly the packages esbuild put into the bundles, by package root, with the files each is in', () => {
  expect(packages.map((p) => [p.name, p.version, p.license, p.files])).toEqual([
    ['@scope/dual', '0.1.0', '(MIT OR GPL-3.0-only)', ['a.js']],
    ['apache-nofile', '3.0.0', 'Apache-2.0', ['b.js', 'engine.wasm']],
    ['inner', '2.0.0', 'ISC', ['a.js', 'b.js']],
    ['mit-pkg', '1.2.3', 'MIT', ['a.js', 'b.js']],
  ]);
});

test('carries each package licence and notice file, the licence first', () => {
  const dual = packages.find((p) => p.name === '@scope/dual')!;
  expect(dual.texts).toEqual([
    { file: 'LICENSE-MIT', text: 'dual MIT text' },
    { file: 'NOTICE', text: 'dual notice' },
  ]);
  expect(notices).toContain(MIT_TEXT);
  expect(notices).toContain('ISC text');
  expect(notices).not.toContain('ISC old');
  expect(notices).toContain('--- NOTICE ---\ndual notice');
  // Apache-2.0 without a file of its own: the standard text, said so.
  expect(notices).toMatch(/apache-nofile 3\.0\.0\n\nApache-2\.0 \(the package ships no licence file; standard text\):\n\nAPACHE STANDARD TEXT/);
  expect(notices).toMatch(/^mit-pkg\s+1\.2\.3\s+MIT\s+a\.js, b\.js$/m);
  expect(notices).toContain('esbuild bundled them into a.js, b.js, c.js, and engine.wasm is copied');
  expect(notices).toContain('\nNote: engine.wasm is compiled\n      from crates\n');
});

test('identical licence texts are printed once, naming every package they cover', () => {
  const twins = [{ name: 'x', version: '1.0.0', license: 'MIT', files: ['a.js'], texts: [{ file: 'LICENSE', text: 'same\n  text' }] }, { name: 'y', version: '2.0.0', license: 'MIT', files: ['a.js'], texts: [{ file: 'LICENSE', text: 'same text' }] }];
  const text = renderNotices(twins, { product: 'demo', version: '1.0.0', bundles: ['a.js'] });
  expect(text).toContain('x 1.0.0, y 2.0.0');
  expect(text.split('same').length - 1).toBe(1);
});

test('the build fails on a bundled package whose licence is not allowed or missing, naming each and the bundle', () => {
  const gpl = { ...packages[0], name: 'copyleft-lib', version: '4.0.0', license: 'GPL-3.0-only', files: ['index.js'] };
  const none = { ...packages[0], name: 'mystery-lib', version: '0.0.1', license: undefined, files: ['aws-sdk.js'] };
  expect(() => checkLicenses([...packages, gpl, none])).toThrow(
    /copyleft-lib@4\.0\.0 .*licence "GPL-3\.0-only" is not in the allowlist, bundled into index\.js\n.*mystery-lib@0\.0\.1 .*declares no licence, bundled into aws-sdk\.js/,
  );
  expect(() => checkLicenses(packages)).not.toThrow();
});

test('writeThirdPartyNotices, as the build calls it, writes nothing and throws when a GPL package gets into a bundle', async () => {
  fs.writeFileSync(path.join(root, 'd.js'), "require('mit-pkg'); require('unused');");
  const out = path.join(root, 'out', 'THIRD_PARTY_NOTICES');
  const run = async () =>
    writeThirdPartyNotices({ root, bundles: { 'd.js': await bundle('d.js', 'd.js') }, shipped: [], outFiles: [out], product: 'demo', version: '1.0.0' });
  await expect(run()).rejects.toThrow(/unused@9\.9\.9 .*GPL-3\.0-only/);
  expect(fs.existsSync(out)).toBe(false);
  fs.writeFileSync(path.join(root, 'd.js'), "require('mit-pkg');");
  expect((await run()).map((p: Pkg) => p.name)).toEqual(['inner', 'mit-pkg']);
  expect(fs.readFileSync(out, 'utf8')).toContain(MIT_TEXT);
});

test.each([
  ['MIT', true],
  ['Apache-2.0', true],
  ['BSD-3-Clause', true],
  ['0BSD', true],
  ['BlueOak-1.0.0', true],
  ['CC0-1.0', true],
  ['(MIT OR Apache-2.0)', true],
  ['MIT OR GPL-3.0-only', true],
  ['MIT AND ISC', true],
  ['(MIT AND BSD-2-Clause) OR GPL-2.0', true],
  ['MIT AND GPL-3.0-only', false],
  ['GPL-3.0-only', false],
  ['LGPL-2.1-or-later', false],
  ['MPL-2.0', false],
  ['AGPL-3.0', false],
  ['SSPL-1.0', false],
  ['Apache-2.0 WITH LLVM-exception', false],
  ['SEE LICENSE IN LICENSE.txt', false],
  ['UNLICENSED', false],
  ['(MIT', false],
  ['', false],
  [undefined, false],
])('licence %p allowed: %p', (expression, allowed) => {
  expect(licenseAllowed(expression)).toBe(allowed);
});

test('the allowlist holds permissive licences only', () => {
  expect(ALLOWED_LICENSES.filter((l: string) => /GPL|MPL|EPL|CDDL|SSPL|EUPL|OSL|CC-BY-SA/i.test(l))).toEqual([]);
});

test('a package that declares its licence the old way (licenses array or object) is read', () => {
  pkg('node_modules/old-style', { name: 'old-style', version: '1.0.0', licenses: [{ type: 'MIT' }, { type: 'Apache-2.0' }] });
  pkg('node_modules/obj-style', { name: 'obj-style', version: '1.0.0', license: { type: 'BSD-2-Clause' } });
  const meta = { inputs: { 'node_modules/old-style/index.js': {}, 'node_modules/obj-style/index.js': {} } };
  const found = collectPackages(root, { 'x.js': meta });
  expect(found.map((p: Pkg) => [p.name, p.license])).toEqual([
    ['obj-style', 'BSD-2-Clause'],
    ['old-style', '(MIT OR Apache-2.0)'],
  ]);
  expect(() => checkLicenses(found)).not.toThrow();
});
