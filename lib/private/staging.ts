import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The file name the runtime reads beside its bundle by default. */
export const CONFIG_FILE_NAME = 'proxy-config.json';
/** The bundle's entry point inside the code asset. */
export const BUNDLE_ENTRY = 'index.js';

/**
 * Where the pre-built runtime bundle lives: `assets/runtime/` of this package, built by `npm run build:runtime` and
 * shipped in the npm package. Nothing is bundled at the user's synth.
 */
export function defaultBundleDir(): string {
  // lib/private/staging.(ts|js) -> <package root>/assets/runtime
  return path.resolve(__dirname, '..', '..', 'assets', 'runtime');
}

export interface StagedAsset {
  /** The directory to hand to the code asset. */
  readonly directory: string;
  /** The configuration file inside it. */
  readonly configFile: string;
  /** Whether the bundle entry point was found. */
  readonly bundlePresent: boolean;
}

/**
 * Puts the bundle files (as symbolic links, so the multi-megabyte bundle is not copied twice) plus the generated
 * configuration into a content-addressed staging directory under the OS temp dir. The code asset follows the links
 * when it fingerprints and copies the directory: same bundle and same configuration, same asset hash, wherever the
 * bundle lives; a policy change is a new asset, hence a new runtime version. Written atomically (temp dir + rename),
 * so concurrent synths of the same content are safe.
 */
export function stageCodeAsset(bundleDir: string, configJson: string, extraFiles: { [name: string]: string } = {}): StagedAsset {
  const files = listFiles(bundleDir).filter((f) => f !== CONFIG_FILE_NAME);
  const bundlePresent = files.includes(BUNDLE_ENTRY);
  const hash = createHash('sha256');
  hash.update(`${bundleDir}\0`);
  for (const f of files) {
    hash.update(`${f}\0`);
    hash.update(fs.readFileSync(path.join(bundleDir, f)));
    hash.update('\0');
  }
  hash.update(`${CONFIG_FILE_NAME}\0${configJson}`);
  for (const [name, content] of Object.entries(extraFiles).sort()) hash.update(`\0${name}\0${content}`);
  const digest = hash.digest('hex').slice(0, 32);
  const root = path.join(os.tmpdir(), 'cdk-mcp-governance-proxy');
  const directory = path.join(root, digest);
  const configFile = path.join(directory, CONFIG_FILE_NAME);
  // Reuse only a complete directory whose links still resolve (existsSync follows links).
  const complete = fs.existsSync(configFile) && files.every((f) => fs.existsSync(path.join(directory, f))) && Object.keys(extraFiles).every((f) => fs.existsSync(path.join(directory, f)));
  if (!complete) {
    if (fs.existsSync(directory)) fs.rmSync(directory, { recursive: true, force: true });
    fs.mkdirSync(root, { recursive: true });
    const tmp = fs.mkdtempSync(path.join(root, `.${digest}-`));
    for (const f of files) {
      const target = path.join(tmp, f);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      try {
        fs.symlinkSync(path.join(bundleDir, f), target);
      } catch {
        fs.copyFileSync(path.join(bundleDir, f), target);
      }
    }
    fs.writeFileSync(path.join(tmp, CONFIG_FILE_NAME), configJson);
    for (const [name, content] of Object.entries(extraFiles)) fs.writeFileSync(path.join(tmp, name), content);
    try {
      fs.renameSync(tmp, directory);
    } catch (e) {
      // Another process staged the same content first: theirs is identical.
      fs.rmSync(tmp, { recursive: true, force: true });
      if (!fs.existsSync(configFile)) throw e;
    }
  }
  return { directory, configFile, bundlePresent };
}

/** Relative paths of the files under `dir` (sorted, `/`-separated); none if it does not exist. */
function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const visit = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) visit(r);
      else if (entry.isFile()) out.push(r);
    }
  };
  visit('');
  return out.sort();
}
