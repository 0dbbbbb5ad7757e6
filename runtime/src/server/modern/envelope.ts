/**
 * The per-request envelope of the 2026-07-28 revision (basic/index "Per-request protocol fields", basic/versioning):
 * every request carries its protocol version and client capabilities in `params._meta`, mirrored by the
 * MCP-Protocol-Version header. Checked in the order that gives each fault its own answer:
 *   missing or malformed `_meta` fields            -> 400 / -32602
 *   MCP-Protocol-Version missing or not the claim  -> 400 / -32020
 *   a revision the proxy does not serve            -> 400 / -32022 (data: supported, requested)
 *   a log level that is not one                    -> 400 / -32602
 */
import { ErrorCode } from '../../pipeline/errors';
import { ALL_PROTOCOL_VERSIONS, LOG_LEVELS, META, MODERN_PROTOCOL_VERSIONS, ModernErrorCode } from '../../protocol';
import { EnvelopeError, headerMismatch, invalidEnvelope } from './errors';

export interface ModernEnvelope {
  readonly protocolVersion: string;
  readonly clientCapabilities: Record<string, unknown>;
  /** The least severe log message the caller wants for this request; none when absent. */
  readonly logLevel?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export function readEnvelope(params: Record<string, unknown> | undefined, headers: Readonly<Record<string, string | undefined>>): ModernEnvelope {
  const meta = params?._meta;
  if (!isObject(meta)) throw invalidEnvelope('params._meta is required: it carries the protocol version and client capabilities');
  const version = meta[META.protocolVersion];
  if (typeof version !== 'string' || version === '') throw invalidEnvelope(`params._meta["${META.protocolVersion}"] must be a non-empty string`);
  const caps = meta[META.clientCapabilities];
  if (!isObject(caps)) throw invalidEnvelope(`params._meta["${META.clientCapabilities}"] must be an object`);
  const header = headers['mcp-protocol-version'];
  if (header === undefined) throw headerMismatch('the MCP-Protocol-Version header is required');
  if (header !== version) throw headerMismatch('the MCP-Protocol-Version header does not match the protocol version in params._meta');
  if (!MODERN_PROTOCOL_VERSIONS.includes(version)) {
    throw new EnvelopeError(400, ModernErrorCode.UnsupportedProtocolVersion, 'Unsupported protocol version', {
      supported: [...ALL_PROTOCOL_VERSIONS],
      requested: version.slice(0, 100),
    });
  }
  const level = meta[META.logLevel];
  if (level !== undefined && (typeof level !== 'string' || !LOG_LEVELS.includes(level))) {
    throw new EnvelopeError(400, ErrorCode.InvalidParams, `params._meta["${META.logLevel}"] must be one of ${LOG_LEVELS.join(', ')}`);
  }
  return { protocolVersion: version, clientCapabilities: caps, ...(level === undefined ? {} : { logLevel: level as string }) };
}
