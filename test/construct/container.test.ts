/**
 * The container artifact: the same bundle and configuration as the code zip plus a generated linux/arm64 Node 22
 * Dockerfile, staged at synth without Docker (the image is built at deploy). No Docker here: what is checked is the
 * staged build context, the asset manifest, the template and the execution role.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { InboundAuth, McpGovernanceProxy, RuntimeArtifactType, Upstream } from '../../lib';
import { BUNDLE_DIR, newApp, roleStatements, statement } from './helpers';

const app = newApp();
const stack = new Stack(app, 'Container');
const proxy = new McpGovernanceProxy(stack, 'Proxy', {
  inboundAuth: InboundAuth.iam(),
  upstreams: [Upstream.url('docs', 'https://docs.example.com/mcp')],
  artifactType: RuntimeArtifactType.CONTAINER,
});
const template = Template.fromStack(stack);
const assembly = app.synth();
const runtime = Object.values<any>(template.findResources('AWS::BedrockAgentCore::Runtime'))[0].Properties;

test('the runtime runs a container image from the asset repository, tagged with the asset hash', () => {
  expect(runtime.AgentRuntimeArtifact.CodeConfiguration).toBeUndefined();
  expect(JSON.stringify(runtime.AgentRuntimeArtifact.ContainerConfiguration.ContainerUri)).toContain(runtime.EnvironmentVariables.MCP_PROXY_CODE_ASSET_HASH);
});

test('the image asset is for linux/arm64 and its build context is the bundle, the configuration and the Dockerfile', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(app.outdir, `${stack.artifactId}.assets.json`), 'utf8'));
  const images = Object.entries<any>(manifest.dockerImages ?? {});
  expect(images).toHaveLength(1);
  const [hash, image] = images[0];
  expect(hash).toBe(runtime.EnvironmentVariables.MCP_PROXY_CODE_ASSET_HASH);
  expect(image.source.platform).toBe('linux/arm64');
  const context = path.join(app.outdir, image.source.directory);
  const dockerfile = fs.readFileSync(path.join(context, 'Dockerfile'), 'utf8');
  expect(dockerfile).toMatch(/^FROM --platform=linux\/arm64 public\.ecr\.aws\/docker\/library\/node:22-slim$/m);
  expect(dockerfile).toMatch(/^EXPOSE 8000$/m);
  expect(dockerfile).toMatch(/^USER node$/m);
  expect(dockerfile).toMatch(/^CMD \["node", "index\.js"\]$/m);
  // The same bundle, copied (not linked) into the context; the same configuration the construct generated.
  expect(fs.lstatSync(path.join(context, 'index.js')).isSymbolicLink()).toBe(false);
  expect(fs.readFileSync(path.join(context, 'index.js')).equals(fs.readFileSync(path.join(BUNDLE_DIR, 'index.js')))).toBe(true);
  expect(fs.readFileSync(path.join(context, 'proxy-config.json'), 'utf8')).toBe(proxy.configDocument);
  expect(assembly.getStackArtifact(stack.artifactId)).toBeDefined();
});

test('the execution role pulls from the asset repository only (plus registry auth), and reads no S3 code object', () => {
  const sids = roleStatements(template).map((s) => s.Sid);
  expect(sids).toEqual(expect.arrayContaining(['PullContainerImage', 'EcrAuthorizationToken']));
  expect(sids).not.toContain('ReadCodeAsset');
  expect(statement(template, 'PullContainerImage').Action).toEqual(['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer']);
  expect(JSON.stringify(statement(template, 'PullContainerImage').Resource)).toMatch(/repository\/.*cdk-\w+-container-assets-/);
  expect(statement(template, 'EcrAuthorizationToken')).toMatchObject({ Action: 'ecr:GetAuthorizationToken', Resource: '*' });
});

test('cdk-nag AwsSolutions passes (the registry-auth wildcard is acknowledged with its reason)', () => {
  expect(new AwsSolutionsChecks().validateScope(stack).violations.map((v) => v.ruleName)).toEqual([]);
});

test('the code zip stays the default, with the same configuration', () => {
  const zipStack = new Stack(newApp(), 'Container');
  const zip = new McpGovernanceProxy(zipStack, 'Proxy', { inboundAuth: InboundAuth.iam(), upstreams: [Upstream.url('docs', 'https://docs.example.com/mcp')] });
  expect(zip.configDocument).toBe(proxy.configDocument);
  const r = Object.values<any>(Template.fromStack(zipStack).findResources('AWS::BedrockAgentCore::Runtime'))[0].Properties;
  expect(r.AgentRuntimeArtifact.CodeConfiguration.Runtime).toBe('NODE_22');
});
