/**
 * THIRD_PARTY_NOTICES for what the library ships: the third-party packages esbuild put into each runtime bundle (read
 * from the builds' metafiles, so the list is what the bundles contain, not what package.json declares) plus the files
 * copied beside them (cedar-wasm's module). For each package: name, version, declared licence, and the text of its
 * licence and notice files. Identical texts are printed once, followed by the packages they cover.
 *
 * The build fails when a bundled package declares a licence outside ALLOWED_LICENSES (permissive licences only: no
 * copyleft in the shipped bundle) or declares none, naming every such package. Called by runtime/build.mjs.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** SPDX identifiers a bundled package may carry. Permissive only: adding one is a legal decision, not a build fix. */
export const ALLOWED_LICENSES = Object.freeze([
  'MIT',
  'MIT-0',
  'Apache-2.0',
  'BSD-2-Clause',
  'BSD-3-Clause',
  'ISC',
  '0BSD',
  'BlueOak-1.0.0',
  'Unlicense',
  'CC0-1.0',
]);

/** Licence and notice files a package ships at its root (LICENSE, LICENSE.md, LICENCE-MIT, COPYING, NOTICE.txt, ...). */
const LICENSE_FILE = /^(licen[cs]e|copying|notice)([.\-_].*)?$/i;

/** A licence file's text without carriage returns, leading blank lines or trailing white space (indentation kept). */
const tidy = (text) => text.replace(/\r\n?/g, '\n').replace(/^(\s*\n)+/, '').trimEnd();

/** The package directory (`<...>/node_modules/<name>` or `<...>/node_modules/@scope/<name>`) a bundled file belongs to. */
export function packageDirOf(root, input) {
  // Inputs from plugins live in their own namespace (`stub:ajv`, `aws-sdk:@aws-sdk/...`): not files on disk.
  if (/^[a-z-]+:/.test(input) || input === '<stdin>') return undefined;
  const parts = input.split(/[\\/]/);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0 || at + 1 >= parts.length) return undefined;
  const nameParts = parts[at + 1].startsWith('@') ? 2 : 1;
  return join(root, ...parts.slice(0, at + 1 + nameParts));
}

/** The package.json licence field(s) as one SPDX expression, or undefined when the package declares none. */
function declaredLicense(manifest) {
  const one = (l) => (typeof l === 'string' ? l : l && typeof l.type === 'string' ? l.type : undefined);
  if (manifest.license !== undefined) return one(manifest.license);
  if (Array.isArray(manifest.licenses) && manifest.licenses.length > 0) {
    const ids = manifest.licenses.map(one);
    return ids.every(Boolean) ? (ids.length === 1 ? ids[0] : `(${ids.join(' OR ')})`) : undefined;
  }
  return undefined;
}

/**
 * Whether an SPDX expression allows shipping under ALLOWED_LICENSES: `A OR B` needs one side allowed, `A AND B`
 * both, `A WITH exception` and anything unparsable (`SEE LICENSE IN ...`, `UNLICENSED`) are not allowed.
 */
export function licenseAllowed(expression, allowed = ALLOWED_LICENSES) {
  if (typeof expression !== 'string') return false;
  const tokens = expression.match(/\(|\)|[^\s()]+/g) ?? [];
  let i = 0;
  const primary = () => {
    const t = tokens[i++];
    if (t === '(') {
      const v = or();
      if (tokens[i++] !== ')') throw new Error('unbalanced');
      return v;
    }
    if (t === undefined || t === ')' || /^(AND|OR|WITH)$/i.test(t)) throw new Error('unexpected token');
    if (/^WITH$/i.test(tokens[i] ?? '')) {
      i += 2;
      return false;
    }
    return allowed.includes(t);
  };
  const and = () => {
    let v = primary();
    while (/^AND$/i.test(tokens[i] ?? '')) {
      i++;
      v = primary() && v;
    }
    return v;
  };
  const or = () => {
    let v = and();
    while (/^OR$/i.test(tokens[i] ?? '')) {
      i++;
      v = and() || v;
    }
    return v;
  };
  try {
    const v = or();
    return i === tokens.length && v;
  } catch {
    return false;
  }
}

/**
 * The third-party packages in the given bundles and shipped files.
 * @param root       the directory esbuild resolved inputs against (its absWorkingDir)
 * @param bundles    { 'index.js': metafile, ... }: one esbuild metafile per written bundle
 * @param shipped    [{ file: 'cedar_wasm_bg.wasm', packageDir }]: files copied from a package as they are
 * @returns packages sorted by name, each { name, version, license, dir, files: [bundle or file names], texts: [{ file, text }] }
 */
export function collectPackages(root, bundles, shipped = []) {
  const byDir = new Map();
  const add = (dir, file) => {
    if (!byDir.has(dir)) byDir.set(dir, new Set());
    byDir.get(dir).add(file);
  };
  for (const [file, metafile] of Object.entries(bundles)) {
    for (const input of Object.keys(metafile.inputs)) {
      const dir = packageDirOf(root, input);
      if (dir) add(dir, file);
    }
  }
  for (const { file, packageDir } of shipped) add(packageDir, file);

  const packages = [...byDir].map(([dir, files]) => {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const texts = readdirSync(dir)
      .filter((f) => LICENSE_FILE.test(f) && statSync(join(dir, f)).isFile())
      .sort((a, b) => Number(/^notice/i.test(a)) - Number(/^notice/i.test(b)) || a.localeCompare(b))
      .map((f) => ({ file: f, text: tidy(readFileSync(join(dir, f), 'utf8')) }));
    return { name: manifest.name, version: manifest.version, license: declaredLicense(manifest), dir, files: [...files].sort(), texts };
  });
  // Two copies of one package at the same version (nested node_modules) are one entry.
  const unique = new Map();
  for (const p of packages) {
    const key = `${p.name}@${p.version}`;
    const seen = unique.get(key);
    if (seen) seen.files = [...new Set([...seen.files, ...p.files])].sort();
    else unique.set(key, p);
  }
  return [...unique.values()].sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
}

/** Throws one error naming every package whose licence is not allowed or missing, and how to proceed. */
export function checkLicenses(packages, allowed = ALLOWED_LICENSES) {
  const bad = packages.filter((p) => !licenseAllowed(p.license, allowed));
  if (bad.length === 0) return;
  const lines = bad.map(
    (p) => `  ${p.name}@${p.version} (${p.dir}): ${p.license === undefined ? 'declares no licence' : `licence "${p.license}" is not in the allowlist`}, bundled into ${p.files.join(', ')}`,
  );
  throw new Error(
    `The runtime bundle would ship third-party code under a licence the package may not carry:\n${lines.join('\n')}\n` +
      `Allowed: ${allowed.join(', ')} (runtime/build-notices.mjs, ALLOWED_LICENSES). Keep the package out of the bundle ` +
      '(another library, or an esbuild stub in runtime/build.mjs) rather than widening the allowlist.',
  );
}

/**
 * The notices text. A package that declares Apache-2.0 and ships no licence file is covered by `apacheText` (the
 * licence is the same text for every licensor); any other package without a file is listed with its declared licence.
 */
export function renderNotices(packages, { product, version, bundles, apacheText, notes = [] }) {
  const groups = new Map();
  const addGroup = (key, heading, text, pkg) => {
    if (!groups.has(key)) groups.set(key, { heading, text, packages: [] });
    groups.get(key).packages.push(pkg);
  };
  for (const p of packages) {
    if (p.texts.length > 0) {
      const body = p.texts.map((t) => (p.texts.length > 1 ? `--- ${t.file} ---\n${t.text}` : t.text)).join('\n\n');
      // Texts that differ only in white space (re-wrapped or re-indented copies of one licence) are printed once.
      const key = createHash('sha256').update(body.replace(/\s+/g, ' ').trim()).digest('hex');
      addGroup(key, p.texts.map((t) => t.file).join(', '), body, p);
    } else if (p.license === 'Apache-2.0' && apacheText) {
      addGroup('apache-2.0-standard', 'Apache-2.0 (the package ships no licence file; standard text)', tidy(apacheText), p);
    } else {
      addGroup(`none:${p.license}`, `${p.license} (declared in package.json; the package ships no licence or notice file)`, '', p);
    }
  }
  const nameWidth = Math.max(7, ...packages.map((p) => p.name.length));
  const versionWidth = Math.max(7, ...packages.map((p) => p.version.length));
  const licenseWidth = Math.max(7, ...packages.map((p) => p.license.length));
  const row = (a, b, c, d) => `${a.padEnd(nameWidth)}  ${b.padEnd(versionWidth)}  ${c.padEnd(licenseWidth)}  ${d}`.trimEnd();
  const copied = [...new Set(packages.flatMap((p) => p.files))].filter((f) => !bundles.includes(f)).sort();
  const out = [
    'THIRD-PARTY SOFTWARE NOTICES AND LICENCES',
    '',
    `${product} ${version} ships, in assets/runtime/ (the AgentCore Runtime code asset), code from the third-party`,
    `packages below: esbuild bundled them into ${bundles.join(', ')}${copied.length ? `, and ${copied.join(', ')} is copied as its package ships it` : ''}.`,
    'Generated at build by runtime/build-notices.mjs from what esbuild put into each bundle (its metafile); do not edit.',
    '',
    row('Package', 'Version', 'Licence', 'Shipped in'),
    ...packages.map((p) => row(p.name, p.version, p.license, p.files.join(', '))),
    ...(notes.length ? ['', ...notes.map((n) => `Note: ${n.replace(/\n/g, '\n      ')}`)] : []),
  ];
  for (const g of groups.values()) {
    out.push('', '='.repeat(100), '', `${g.packages.map((p) => `${p.name} ${p.version}`).join(', ')}`, '', `${g.heading}:`);
    if (g.text) out.push('', g.text);
  }
  return `${out.join('\n')}\n`;
}

/**
 * Collects, checks and writes the notices to each of `outFiles` (`notes`: lines printed after the table); returns the packages.
 * Throws (the build fails) before writing anything when a licence is not allowed.
 */
export function writeThirdPartyNotices({ root, bundles, shipped, outFiles, product, version, notes }) {
  const packages = collectPackages(root, bundles, shipped);
  checkLicenses(packages);
  const apacheFile = join(root, 'LICENSE');
  const apacheText = existsSync(apacheFile) ? readFileSync(apacheFile, 'utf8') : undefined;
  const text = renderNotices(packages, { product, version, bundles: Object.keys(bundles), apacheText, notes });
  for (const f of outFiles) writeFileSync(f, text);
  return packages;
}
