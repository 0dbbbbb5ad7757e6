import { CfnOutput } from 'aws-cdk-lib';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type { Construct } from 'constructs';

/** What the outputs are made of. */
export interface OutputValues {
  readonly invocationUrl: string;
  readonly runtimeArn: string;
  readonly tokenEndpoint?: string;
  readonly authorizationEndpoint?: string;
  readonly clients: { [name: string]: cognito.IUserPoolClient };
}

/** One CfnOutput per thing a caller needs: the MCP URL, the runtime ARN, the OAuth2 endpoints, each client id. */
export function createOutputs(scope: Construct, v: OutputValues, exportNamePrefix?: string): CfnOutput[] {
  const out = (id: string, value: string, description: string) => new CfnOutput(scope, id, {
    value,
    description,
    ...(exportNamePrefix ? { exportName: `${exportNamePrefix}-${id}` } : {}),
  });
  return [
    out('McpEndpoint', v.invocationUrl, 'MCP endpoint of the governance proxy (Streamable HTTP)'),
    out('RuntimeArn', v.runtimeArn, 'ARN of the AgentCore Runtime running the proxy'),
    ...(v.tokenEndpoint ? [out('TokenEndpoint', v.tokenEndpoint, 'OAuth2 token endpoint of the proxy\'s Cognito user pool')] : []),
    ...(v.authorizationEndpoint ? [out('AuthorizationEndpoint', v.authorizationEndpoint, 'OAuth2 authorization endpoint people sign in at')] : []),
    ...Object.entries(v.clients).map(([name, client]) => out(`ClientId${name.replace(/[^A-Za-z0-9]/g, '')}`, client.userPoolClientId, `Cognito app client id of "${name}"`)),
  ];
}
