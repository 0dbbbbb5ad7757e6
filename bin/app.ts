#!/usr/bin/env node
/**
 * The example CDK app (`npm run synth`): the three examples as environment-agnostic stacks, checked by cdk-nag
 * (AwsSolutions). Synthesizes offline: no AWS credentials, no Docker.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ExistingOidcExampleStack } from '../examples/existing-oidc';
import { GatewayCognitoExampleStack } from '../examples/gateway-cognito';
import { MultiUpstreamExampleStack } from '../examples/multi-upstream';

const app = new App();
new GatewayCognitoExampleStack(app, 'McpProxyGatewayCognito');
new MultiUpstreamExampleStack(app, 'McpProxyMultiUpstream');
new ExistingOidcExampleStack(app, 'McpProxyExistingOidc');
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
