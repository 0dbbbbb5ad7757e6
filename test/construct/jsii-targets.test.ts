/**
 * The jsii assembly targets Python, Java, .NET and Go, and Python bindings generate and byte-compile
 * (`jsii-pacmak --targets python --code-only`, then `python3 -m py_compile`). Needs the assembly (.jsii) that
 * `npm run build` writes.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from './helpers';

const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));

test('package.json names a package for each jsii language', () => {
  expect(Object.keys(pkg.jsii.targets).sort()).toEqual(['dotnet', 'go', 'java', 'python']);
  expect(pkg.jsii.targets.python).toEqual({ distName: 'cdk-mcp-governance-proxy', module: 'cdk_mcp_governance_proxy' });
  expect(pkg.jsii.targets.go.moduleName).toMatch(/^github\.com\//);
});

test('jsii-pacmak generates Python bindings that byte-compile', () => {
  const assembly = path.join(REPO_ROOT, '.jsii');
  if (!fs.existsSync(assembly)) throw new Error('.jsii is missing: run `npm run build` (npm test builds first).');
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-proxy-pacmak-'));
  try {
    const pacmak = spawnSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'jsii-pacmak'), ['--targets', 'python', '--code-only', '--outdir', outdir], {
      cwd: REPO_ROOT, encoding: 'utf8', timeout: 300_000,
    });
    expect(pacmak.status).toBe(0);
    const init = path.join(outdir, 'python', 'src', 'cdk_mcp_governance_proxy', '__init__.py');
    const code = fs.readFileSync(init, 'utf8');
    for (const name of ['class McpGovernanceProxy(', 'class CognitoClient(', 'class IMcpGovernanceProxy(', 'class AccessEffect(']) expect(code).toContain(name);
    const files = [init, path.join(outdir, 'python', 'src', 'cdk_mcp_governance_proxy', '_jsii', '__init__.py')];
    const compile = spawnSync('python3', ['-m', 'py_compile', ...files], { encoding: 'utf8', timeout: 120_000 });
    expect(compile.stderr).toBe('');
    expect(compile.status).toBe(0);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}, 400_000);
