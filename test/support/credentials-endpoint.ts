/**
 * Loopback AWS credential endpoints for tests, speaking the protocols the AWS SDK's providers use:
 * - the container credentials endpoint (ECS / EKS Pod Identity; AWS_CONTAINER_CREDENTIALS_FULL_URI): `GET <path>` with
 *   the `Authorization` token, answering `{AccessKeyId, SecretAccessKey, Token, Expiration}`; a wrong or missing token
 *   gets 403;
 * - the instance metadata service (IMDS on EC2, MMDS on AgentCore Runtime; AWS_EC2_METADATA_SERVICE_ENDPOINT):
 *   IMDSv2 only: `PUT /latest/api/token` for a session token, then `GET /latest/meta-data/iam/security-credentials/`
 *   (the role name) and `.../<role>` (`{Code: "Success", AccessKeyId, SecretAccessKey, Token, Expiration}`), each
 *   with `x-aws-ec2-metadata-token`; without it, 401.
 * Every fetch issues a new set of temporary credentials (rotation) valid for `lifetimeMs`, and hands it to `onIssue`
 * (e.g. the loopback CloudWatch Logs endpoint's allowCredentials) before answering.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './net';

export interface IssuedCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiresAt: number;
}

export interface CredentialsEndpointOptions {
  /** How long each issued set is valid. @default 1 hour */
  readonly lifetimeMs?: number;
  /** Called with each issued set before it is served. */
  readonly onIssue?: (c: IssuedCredentials) => void;
  /** Authorization token the container endpoint requires. @default a random one */
  readonly authorizationToken?: string;
}

const ROLE = 'proxy-execution-role';
const CONTAINER_PATH = '/v2/credentials/loopback';

export class LoopbackCredentialsEndpoint {
  static async start(opts: CredentialsEndpointOptions = {}): Promise<LoopbackCredentialsEndpoint> {
    const ep = new LoopbackCredentialsEndpoint(opts);
    ep.port = (await listenOnLoopback(ep.server)).port;
    return ep;
  }

  /** Every set issued so far, in order. */
  readonly issued: IssuedCredentials[] = [];
  /** Requests refused (wrong token, no IMDS session token). */
  refused = 0;
  readonly authorizationToken: string;
  lifetimeMs: number;
  private readonly server: Server;
  private readonly imdsTokens = new Set<string>();
  private port = 0;
  private serial = 0;

  private constructor(private readonly opts: CredentialsEndpointOptions) {
    this.lifetimeMs = opts.lifetimeMs ?? 3_600_000;
    this.authorizationToken = opts.authorizationToken ?? `loopback-container-token-${randomBytes(8).toString('hex')}`;
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  /** AWS_CONTAINER_CREDENTIALS_FULL_URI */
  get containerUri(): string {
    return `http://127.0.0.1:${this.port}${CONTAINER_PATH}`;
  }

  /** AWS_EC2_METADATA_SERVICE_ENDPOINT */
  get imdsEndpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private issue(): IssuedCredentials {
    const n = ++this.serial;
    const c: IssuedCredentials = {
      accessKeyId: `ASIALOOPBACK${String(n).padStart(8, '0')}`,
      secretAccessKey: `loopback-rotating-secret-${n}-${randomBytes(8).toString('hex')}`,
      sessionToken: `loopback-session-token-${n}-${randomBytes(16).toString('hex')}`,
      expiresAt: Date.now() + this.lifetimeMs,
    };
    this.opts.onIssue?.(c);
    this.issued.push(c);
    return c;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for await (const _ of req) {
      // drain
    }
    const send = (status: number, body: unknown, type = 'application/json') => {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    const answer = (c: IssuedCredentials, extra: Record<string, unknown> = {}) =>
      send(200, { ...extra, AccessKeyId: c.accessKeyId, SecretAccessKey: c.secretAccessKey, Token: c.sessionToken, Expiration: new Date(c.expiresAt).toISOString() });
    const url = req.url ?? '/';
    if (req.method === 'GET' && url === CONTAINER_PATH) {
      if (req.headers.authorization !== this.authorizationToken) {
        this.refused++;
        return send(403, { Code: 'AccessDenied', Message: 'Authorization token is not valid' });
      }
      return answer(this.issue());
    }
    if (req.method === 'PUT' && url === '/latest/api/token') {
      const token = randomBytes(16).toString('hex');
      this.imdsTokens.add(token);
      return send(200, token, 'text/plain');
    }
    if (req.method === 'GET' && url.startsWith('/latest/meta-data/iam/security-credentials/')) {
      if (!this.imdsTokens.has(String(req.headers['x-aws-ec2-metadata-token'] ?? ''))) {
        this.refused++;
        return send(401, '', 'text/plain');
      }
      const role = url.slice('/latest/meta-data/iam/security-credentials/'.length);
      if (role === '') return send(200, ROLE, 'text/plain');
      if (role !== ROLE) return send(404, '', 'text/plain');
      return answer(this.issue(), { Code: 'Success', Type: 'AWS-HMAC', LastUpdated: new Date().toISOString() });
    }
    send(404, { message: 'not found' });
  }
}
