/**
 * A loopback Secrets Manager endpoint for tests: node:http on 127.0.0.1 speaking the service's real wire protocol
 * (awsJson1_1: `POST /`, `X-Amz-Target: secretsmanager.<Operation>`, `Content-Type: application/x-amz-json-1.1`,
 * errors as HTTP 400 `{"__type": "<Code>", "Message": ...}`), so the real `SecretsManagerClient` can be pointed at it.
 * Only GetSecretValue is implemented (by ARN or name, AWSCURRENT). Every request's SigV4 signature is verified.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SecretsManagerClient, type SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import { TEST_CREDENTIALS, verifySigV4, type SigV4Credentials } from './sigv4-upstream';
import { listenOnLoopback } from './net';

const TARGET_PREFIX = 'secretsmanager.';

export interface LoopbackSecretsManagerOptions {
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default '123456789012' */
  readonly accountId?: string;
  /** Secrets by name: a string is stored as SecretString. */
  readonly secrets?: Readonly<Record<string, string>>;
  /** Principals allowed to call. @default [TEST_CREDENTIALS] */
  readonly credentials?: readonly SigV4Credentials[];
}

/** One call the endpoint answered. */
export interface SecretsManagerCall {
  readonly operation: string;
  readonly secretId?: string;
  readonly status: number;
  readonly errorType?: string;
}

interface StoredSecret {
  readonly name: string;
  readonly arn: string;
  readonly value: string;
  readonly versionId: string;
  readonly created: number;
}

class ServiceError extends Error {
  constructor(readonly type: string, message: string, readonly status = 400) {
    super(message);
  }
}

export class LoopbackSecretsManager {
  static async start(opts: LoopbackSecretsManagerOptions = {}): Promise<LoopbackSecretsManager> {
    const ep = new LoopbackSecretsManager(opts);
    await listenOnLoopback(ep.server);
    return ep;
  }

  readonly region: string;
  readonly calls: SecretsManagerCall[] = [];
  private readonly accountId: string;
  private readonly credentials: readonly SigV4Credentials[];
  private readonly secrets = new Map<string, StoredSecret>();
  private readonly server: Server;
  private denied = new Set<string>();
  private nextVersion = 1;

  private constructor(opts: LoopbackSecretsManagerOptions) {
    this.region = opts.region ?? 'us-east-1';
    this.accountId = opts.accountId ?? '123456789012';
    this.credentials = opts.credentials ?? [TEST_CREDENTIALS];
    for (const [name, value] of Object.entries(opts.secrets ?? {})) this.putSecret(name, value);
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  /** `http://127.0.0.1:<port>` */
  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** A real SecretsManagerClient pointed at this endpoint (static test credentials, no retries). */
  client(overrides: Partial<SecretsManagerClientConfig> = {}): SecretsManagerClient {
    return new SecretsManagerClient({ region: this.region, endpoint: this.endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 1, ...overrides });
  }

  /** Creates or replaces a secret; returns its ARN (with the 6-character suffix Secrets Manager appends). */
  putSecret(name: string, value: string): string {
    const existing = this.secrets.get(name);
    const arn = existing?.arn ?? `arn:aws:secretsmanager:${this.region}:${this.accountId}:secret:${name}-${suffix(name)}`;
    this.secrets.set(name, { name, arn, value, versionId: `v${this.nextVersion++}`, created: Math.floor(Date.now() / 1000) });
    return arn;
  }

  arnOf(name: string): string {
    const s = this.secrets.get(name);
    if (!s) throw new Error(`no secret ${name}`);
    return s.arn;
  }

  /** Further GetSecretValue calls for this secret answer AccessDeniedException (as when IAM denies it). */
  deny(name: string): void {
    this.denied.add(name);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
    let secretId: string | undefined;
    try {
      if (req.method !== 'POST' || (req.url ?? '/') !== '/') throw new ServiceError('UnknownOperationException', 'Unknown operation', 404);
      const verdict = await verifySigV4(req, body, { service: 'secretsmanager', region: this.region, credentials: this.credentials });
      if (!verdict.ok) throw new ServiceError(verdict.reason === 'unknown access key' ? 'UnrecognizedClientException' : 'InvalidSignatureException', verdict.reason);
      if (!String(req.headers['content-type'] ?? '').startsWith('application/x-amz-json-1.1')) {
        throw new ServiceError('SerializationException', 'Expected application/x-amz-json-1.1');
      }
      const input = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
      if (operation !== 'GetSecretValue') throw new ServiceError('UnknownOperationException', `Operation ${operation} is not supported by this endpoint`);
      secretId = typeof input.SecretId === 'string' ? input.SecretId : undefined;
      if (!secretId) throw new ServiceError('InvalidParameterException', 'SecretId is required');
      const secret = [...this.secrets.values()].find((s) => s.name === secretId || s.arn === secretId);
      if (!secret) throw new ServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
      if (this.denied.has(secret.name)) throw new ServiceError('AccessDeniedException', 'not authorized to perform: secretsmanager:GetSecretValue');
      this.calls.push({ operation, secretId, status: 200 });
      this.send(res, 200, {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: secret.versionId,
        SecretString: secret.value,
        VersionStages: ['AWSCURRENT'],
        CreatedDate: secret.created,
      });
    } catch (err) {
      const e = err instanceof ServiceError ? err : new ServiceError('InternalServiceError', 'internal error', 500);
      this.calls.push({ operation, secretId, status: e.status, errorType: e.type });
      this.send(res, e.status, { __type: e.type, Message: e.message });
    }
  }

  private send(res: ServerResponse, status: number, doc: unknown): void {
    const text = JSON.stringify(doc);
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': 'loopback' });
    res.end(text);
  }
}

function suffix(name: string): string {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h.toString(36).padStart(6, 'a').slice(-6);
}
