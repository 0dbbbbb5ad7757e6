/**
 * A loopback AgentCore Identity (data plane) endpoint for tests: node:http on 127.0.0.1 speaking the service's real
 * wire protocol as @aws-sdk/client-bedrock-agentcore sends it (restJson1; routes from the client's operation schemas):
 *
 *   POST /identities/GetWorkloadAccessToken        {workloadName}                       -> {workloadAccessToken}
 *   POST /identities/GetWorkloadAccessTokenForJWT  {workloadName, userToken}            -> {workloadAccessToken}
 *   POST /identities/oauth2/token                  {workloadIdentityToken, resourceCredentialProviderName,
 *                                                   scopes, oauth2Flow, ...}            -> {accessToken}
 *   POST /identities/api-key                       {workloadIdentityToken, resourceCredentialProviderName} -> {apiKey}
 *
 * Errors are `X-Amzn-ErrorType: <Code>` with a JSON `{message}` body and the service's status codes (400 Validation,
 * 401 Unauthorized, 403 AccessDenied, 404 ResourceNotFound, 429 Throttling, 500 InternalServer). Every request's SigV4
 * signature (service `bedrock-agentcore`) is verified. Workload access tokens are opaque values this endpoint mints
 * and remembers; OAuth2 access tokens come from a per-provider minting function (e.g. an oauth2-mock-server issuer).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BedrockAgentCoreClient, type BedrockAgentCoreClientConfig } from '@aws-sdk/client-bedrock-agentcore';
import { TEST_CREDENTIALS, verifySigV4, type SigV4Credentials } from './sigv4-upstream';
import { listenOnLoopback } from './net';

export type IdentityOperation = 'GetWorkloadAccessToken' | 'GetWorkloadAccessTokenForJWT' | 'GetResourceOauth2Token' | 'GetResourceApiKey';

const ROUTES: Record<string, IdentityOperation> = {
  '/identities/GetWorkloadAccessToken': 'GetWorkloadAccessToken',
  '/identities/GetWorkloadAccessTokenForJWT': 'GetWorkloadAccessTokenForJWT',
  '/identities/oauth2/token': 'GetResourceOauth2Token',
  '/identities/api-key': 'GetResourceApiKey',
};

/** What the minting function of an OAuth2 provider is asked for. */
export interface OAuth2MintRequest {
  readonly providerName: string;
  readonly scopes: readonly string[];
  /** The workload the workload access token was minted for. */
  readonly workloadName: string;
}

export interface LoopbackAgentCoreIdentityOptions {
  /** @default 'us-east-1' */
  readonly region?: string;
  /** Workload identities GetWorkloadAccessToken knows. @default [] */
  readonly workloads?: readonly string[];
  /** OAuth2 credential providers: name -> mints an access token. */
  readonly oauth2Providers?: Readonly<Record<string, (req: OAuth2MintRequest) => string | Promise<string>>>;
  /** API key credential providers: name -> key (a function is read on every call, so a test can rotate it). */
  readonly apiKeyProviders?: Readonly<Record<string, string | (() => string)>>;
  /** Principals allowed to call. @default [TEST_CREDENTIALS] */
  readonly credentials?: readonly SigV4Credentials[];
}

/** One call the endpoint answered (no token values). */
export interface IdentityCall {
  readonly operation: IdentityOperation | string;
  readonly status: number;
  readonly errorType?: string;
  readonly providerName?: string;
  readonly scopes?: readonly string[];
  readonly oauth2Flow?: string;
  readonly workloadName?: string;
}

/** What is known of a call while it is being answered. */
type CallRecord = { operation: string } & { -readonly [K in Exclude<keyof IdentityCall, 'operation' | 'status'>]?: IdentityCall[K] };

class ServiceError extends Error {
  constructor(readonly type: string, message: string, readonly status: number, readonly extra: Record<string, unknown> = {}) {
    super(message);
  }
}

const STATUS: Record<string, number> = {
  ValidationException: 400,
  UnauthorizedException: 401,
  AccessDeniedException: 403,
  ResourceNotFoundException: 404,
  ThrottlingException: 429,
  InternalServerException: 500,
};

export class LoopbackAgentCoreIdentity {
  static async start(opts: LoopbackAgentCoreIdentityOptions = {}): Promise<LoopbackAgentCoreIdentity> {
    const ep = new LoopbackAgentCoreIdentity(opts);
    await listenOnLoopback(ep.server);
    return ep;
  }

  readonly region: string;
  readonly calls: IdentityCall[] = [];
  private readonly workloads: Set<string>;
  private readonly oauth2Providers: NonNullable<LoopbackAgentCoreIdentityOptions['oauth2Providers']>;
  private readonly apiKeyProviders: NonNullable<LoopbackAgentCoreIdentityOptions['apiKeyProviders']>;
  private readonly credentials: readonly SigV4Credentials[];
  /** Minted workload access token -> workload name. */
  private readonly workloadTokens = new Map<string, string>();
  private readonly faults: { operation: IdentityOperation | '*'; type: string; remaining: number; message?: string }[] = [];
  private readonly server: Server;
  private delayMs = 0;

  private constructor(opts: LoopbackAgentCoreIdentityOptions) {
    this.region = opts.region ?? 'us-east-1';
    this.workloads = new Set(opts.workloads ?? []);
    this.oauth2Providers = opts.oauth2Providers ?? {};
    this.apiKeyProviders = opts.apiKeyProviders ?? {};
    this.credentials = opts.credentials ?? [TEST_CREDENTIALS];
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  /** `http://127.0.0.1:<port>` */
  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** A real BedrockAgentCoreClient pointed at this endpoint (static test credentials, no retries). */
  client(overrides: Partial<BedrockAgentCoreClientConfig> = {}): BedrockAgentCoreClient {
    return new BedrockAgentCoreClient({ region: this.region, endpoint: this.endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 1, ...overrides });
  }

  /**
   * Mints a workload access token for `workloadName`, as AgentCore Runtime does before it passes one to the agent in
   * the `WorkloadAccessToken` header.
   */
  issueWorkloadToken(workloadName: string): string {
    const token = `wat-${randomUUID()}-${randomUUID()}`;
    this.workloadTokens.set(token, workloadName);
    return token;
  }

  /** Every workload access token minted so far stops being accepted (as when they expire). */
  expireWorkloadTokens(): void {
    this.workloadTokens.clear();
  }

  /** The next `n` calls of `operation` answer the given error (with `message`, e.g. to plant a canary in it). */
  failNext(n: number, operation: IdentityOperation | '*', type: keyof typeof STATUS | string, message?: string): void {
    this.faults.push({ operation, type, remaining: n, message });
  }

  /** Delays every answer by `ms` (0 to stop). */
  delayResponses(ms: number): void {
    this.delayMs = ms;
  }

  count(operation: IdentityOperation): number {
    return this.calls.filter((c) => c.operation === operation && c.status === 200).length;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const path = (req.url ?? '/').split('?')[0];
    const operation = ROUTES[path] ?? path;
    const record: CallRecord = { operation };
    try {
      if (!ROUTES[path]) throw new ServiceError('UnknownOperationException', 'Unknown operation', 404);
      if (req.method !== 'POST') throw new ServiceError('UnknownOperationException', 'Method not allowed', 405);
      const verdict = await verifySigV4(req, body, { service: 'bedrock-agentcore', region: this.region, credentials: this.credentials });
      if (!verdict.ok) throw new ServiceError(verdict.reason === 'unknown access key' ? 'UnrecognizedClientException' : 'InvalidSignatureException', verdict.reason, 403);
      if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
        throw validation('Content-Type must be application/json');
      }
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        throw new ServiceError('ValidationException', 'Could not parse request body', 400, { reason: 'CannotParse' });
      }
      const fault = this.faults.find((f) => f.remaining > 0 && (f.operation === '*' || f.operation === operation));
      if (fault) {
        fault.remaining--;
        throw new ServiceError(fault.type, fault.message ?? `injected ${fault.type}`, STATUS[fault.type] ?? 400);
      }
      const out = await this.dispatch(ROUTES[path], input, record);
      if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
      this.calls.push({ ...record, status: 200 });
      this.send(res, 200, out);
    } catch (err) {
      const e = err instanceof ServiceError ? err : new ServiceError('InternalServerException', 'internal error', 500);
      this.calls.push({ ...record, status: e.status, errorType: e.type });
      this.send(res, e.status, { message: e.message, ...e.extra }, e.type);
    }
  }

  private async dispatch(
    operation: IdentityOperation,
    input: Record<string, unknown>,
    record: CallRecord,
  ): Promise<Record<string, unknown>> {
    switch (operation) {
      case 'GetWorkloadAccessToken':
      case 'GetWorkloadAccessTokenForJWT': {
        const workloadName = requireString(input, 'workloadName');
        record.workloadName = workloadName;
        if (!/^[A-Za-z0-9_.-]{3,255}$/.test(workloadName)) throw validation('workloadName does not match the pattern');
        if (operation === 'GetWorkloadAccessTokenForJWT') requireString(input, 'userToken');
        if (!this.workloads.has(workloadName)) throw new ServiceError('ResourceNotFoundException', 'Workload identity not found', 404);
        return { workloadAccessToken: this.issueWorkloadToken(workloadName) };
      }
      case 'GetResourceOauth2Token': {
        const workloadName = this.workloadOf(requireString(input, 'workloadIdentityToken'));
        const providerName = requireString(input, 'resourceCredentialProviderName');
        const flow = requireString(input, 'oauth2Flow');
        const scopes = input.scopes;
        if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string')) throw validation('scopes is required');
        Object.assign(record, { providerName, scopes, oauth2Flow: flow, workloadName });
        if (!['M2M', 'USER_FEDERATION', 'ON_BEHALF_OF_TOKEN_EXCHANGE'].includes(flow)) throw validation('oauth2Flow is not a valid value');
        if (flow !== 'M2M') throw validation('only the M2M flow is implemented by this loopback endpoint');
        const mint = this.oauth2Providers[providerName];
        if (!mint) throw new ServiceError('ResourceNotFoundException', 'Credential provider not found', 404);
        return { accessToken: await mint({ providerName, scopes: scopes as string[], workloadName }) };
      }
      case 'GetResourceApiKey': {
        const workloadName = this.workloadOf(requireString(input, 'workloadIdentityToken'));
        const providerName = requireString(input, 'resourceCredentialProviderName');
        Object.assign(record, { providerName, workloadName });
        const key = this.apiKeyProviders[providerName];
        if (key === undefined) throw new ServiceError('ResourceNotFoundException', 'Credential provider not found', 404);
        return { apiKey: typeof key === 'function' ? key() : key };
      }
    }
  }

  private workloadOf(token: string): string {
    const workload = this.workloadTokens.get(token);
    if (!workload) throw new ServiceError('UnauthorizedException', 'Invalid workload access token', 401);
    return workload;
  }

  private send(res: ServerResponse, status: number, doc: unknown, errorType?: string): void {
    const text = JSON.stringify(doc);
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': randomUUID(),
    };
    if (errorType) headers['x-amzn-errortype'] = errorType;
    res.writeHead(status, headers);
    res.end(text);
  }
}

function validation(message: string): ServiceError {
  return new ServiceError('ValidationException', message, 400, { reason: 'FieldValidationFailed' });
}

function requireString(input: Record<string, unknown>, field: string): string {
  const v = input[field];
  if (typeof v !== 'string' || v.length === 0) throw validation(`${field} is required`);
  return v;
}
