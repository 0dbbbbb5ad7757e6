/**
 * AWS SigV4: every request is signed over its exact body with the runtime's AWS credentials (inside AgentCore Runtime,
 * the execution role), e.g. for an AgentCore Gateway with IAM inbound auth or another AgentCore Runtime.
 */
import type { HttpRequest } from '@smithy/protocol-http';
import type { UpstreamAuthConfig } from '../../config/sections/upstream-auth';
import { credentialProvider, memo, resolveRegion } from './aws';
import { authLogger, guarded, step } from './failure';
import { stripInboundCredentials } from './headers';
import type { OutgoingRequest, UpstreamAuthOptions, UpstreamAuthenticator } from './types';

type SigV4Config = Extract<UpstreamAuthConfig, { type: 'sigv4' }>;

/** Headers a previous signature (or a caller) may have left; the signer sets them afresh. */
const SIGNER_HEADERS = ['x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256'] as const;

export function sigv4Authenticator(upstreamName: string, cfg: SigV4Config, options: UpstreamAuthOptions = {}): UpstreamAuthenticator {
  const region = resolveRegion(upstreamName, cfg.region);
  const credentials = credentialProvider(options);
  // Loaded on first use (start-up discovery), so proxies without SigV4 upstreams do not load the signer.
  const loadSigner = memo(async () => {
    const [{ SignatureV4 }, { Sha256 }, { HttpRequest }] = await Promise.all([
      import('@smithy/signature-v4'),
      import('@smithy/core/checksum'),
      import('@smithy/protocol-http'),
    ]);
    // Sha256 from @smithy/core is node:crypto based: ~20x faster than a JS SHA-256 on large bodies.
    const signer = new SignatureV4({ service: cfg.service, region, credentials, sha256: Sha256, uriEscapePath: true, applyChecksum: true });
    return { signer, HttpRequest };
  });
  const log = authLogger(options.logger);

  return {
    kind: 'sigv4',
    async authorize(req) {
      stripInboundCredentials(req.headers);
      for (const h of SIGNER_HEADERS) req.headers.delete(h);
      const signed = await guarded(upstreamName, 'sigv4', log, () =>
        step('SigV4 signing', async () => {
          const { signer, HttpRequest } = await loadSigner();
          return signer.sign(toSmithyRequest(req, HttpRequest));
        }),
      );
      for (const [name, value] of Object.entries(signed.headers)) {
        if (name !== 'host') req.headers.set(name, value);
      }
    },
    // A signature is computed per request from credentials the SDK chain refreshes itself: a retry would not differ.
    invalidate: () => false,
  };
}

/** The request as the signer sees it: the host fetch will send, the raw (already encoded) path, the decoded query. */
function toSmithyRequest(req: OutgoingRequest, Request: typeof HttpRequest): HttpRequest {
  const headers: Record<string, string> = { host: req.url.host };
  req.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of req.url.searchParams) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return new Request({
    method: req.method.toUpperCase(),
    protocol: req.url.protocol,
    hostname: req.url.hostname,
    port: req.url.port ? Number(req.url.port) : undefined,
    path: req.url.pathname,
    query,
    headers,
    body: req.body,
  });
}
