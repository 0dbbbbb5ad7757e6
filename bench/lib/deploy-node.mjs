/**
 * The Node.js the proxy runs on when deployed: AgentCore Runtime runs the code zip on Node 22 (the construct's
 * `AgentCoreRuntime.NODE_22`). Start-up cost depends on the Node version (module loading, built-in modules, wasm
 * compilation), so the cold-start section also measures the bundle under Node 22 when this machine's node is another
 * major. Where that binary comes from, first match wins:
 *   1. this machine's node, when it is Node 22;
 *   2. BENCH_NODE22=<path to a node 22 binary>;
 *   3. a copy cached under node_modules/.cache/bench-node22 by an earlier run;
 *   4. the official binary from the npm registry (`npm pack node-<platform>-<arch>@22`, ~30 MB, cached as in 3).
 * When none works the section says why and measures this machine's node only.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const DEPLOY_NODE_MAJOR = 22;

function versionOf(bin) {
  return execFileSync(bin, ['--version'], { encoding: 'utf8', timeout: 30_000 }).trim();
}

/** @returns {{ path?: string, version?: string, source?: string, sameAsMachine?: boolean, missing?: string }} */
export function deploymentNode(root) {
  if (process.versions.node.startsWith(`${DEPLOY_NODE_MAJOR}.`)) {
    return { path: process.execPath, version: process.version, source: "this machine's node", sameAsMachine: true };
  }
  const major = (v) => v.replace(/^v/, '').split('.')[0];
  const usable = (bin, source) => {
    const version = versionOf(bin);
    if (major(version) !== String(DEPLOY_NODE_MAJOR)) return { missing: `${source} (${bin}) is ${version}, not Node ${DEPLOY_NODE_MAJOR}` };
    return { path: bin, version, source };
  };
  try {
    if (process.env.BENCH_NODE22) return usable(process.env.BENCH_NODE22, 'BENCH_NODE22');
    const cache = join(root, 'node_modules', '.cache', 'bench-node22');
    const bin = join(cache, 'package', 'bin', 'node');
    if (existsSync(bin)) return usable(bin, `npm registry package, cached in ${cache.slice(root.length)}`);
    const pkg = `node-${process.platform}-${process.arch}@${DEPLOY_NODE_MAJOR}`;
    mkdirSync(cache, { recursive: true });
    execFileSync('npm', ['pack', pkg, '--pack-destination', cache, '--silent'], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 180_000 });
    const tgz = readdirSync(cache).find((f) => f.endsWith('.tgz'));
    if (!tgz) return { missing: `npm pack ${pkg} produced no tarball` };
    execFileSync('tar', ['-xzf', join(cache, tgz), '-C', cache], { timeout: 120_000 });
    rmSync(join(cache, tgz), { force: true });
    return usable(bin, `npm registry package ${pkg}, cached in ${cache.slice(root.length)}`);
  } catch (e) {
    return { missing: `no Node ${DEPLOY_NODE_MAJOR} binary (${String(e.message ?? e).split('\n')[0].slice(0, 200)}); set BENCH_NODE22 to one` };
  }
}
