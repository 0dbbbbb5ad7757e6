import { Arn, ArnFormat, Duration, Fn, Stack, Token } from 'aws-cdk-lib';
import type * as agentcore from 'aws-cdk-lib/aws-bedrockagentcore';
import { LIMITS, type UpstreamConfig } from './config/contract';
import * as perms from './perms';
import { sid, type ProxyBindContext } from './private/bind-context';
import { secretReason } from './private/secrets';
import { UpstreamAuth, UpstreamAuthType } from './upstream-auth';

/** The MCP protocol era the proxy speaks to an upstream. */
export enum UpstreamProtocol {
  /**
   * Probe with `server/discover`; fall back to `initialize` when the upstream refuses it without a modern error (the
   * MCP versioning rules). The answer is remembered and probed again when it stops holding.
   */
  AUTO = 'auto',
  /** The initialize-era revisions (2024-11-05 to 2025-11-25: `initialize`, `Mcp-Session-Id`) only, without a probe. */
  LEGACY = 'legacy',
  /** Revision 2026-07-28 (stateless) only: an upstream that does not speak it is reported unavailable. */
  MODERN = 'modern',
}

/** Options every upstream takes. */
export interface UpstreamOptions {
  /**
   * How the proxy authenticates to the upstream. The caller's own token is never forwarded.
   * @default - `UpstreamAuth.sigV4()` for AgentCore Gateway and Runtime upstreams, `UpstreamAuth.none()` for URLs
   */
  readonly auth?: UpstreamAuth;
  /**
   * Per-request timeout. Explicit on purpose: the MCP SDK's 60 s default surprises users.
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;
  /**
   * Namespace prefix for this upstream's tool, resource and prompt names (letters, digits, `_`, `-`).
   * @default - the upstream name
   */
  readonly prefix?: string;
  /**
   * Static headers sent to the upstream. They are written in plain text into the configuration: values that look
   * like credentials (by name or by shape) fail synth; send a secret header with `UpstreamAuth.apiKey({ headerName })`.
   * @default - none
   */
  readonly headers?: { [name: string]: string };
  /**
   * The MCP protocol era to speak to the upstream. Pin it only when the probe is unwanted (an extra request per
   * upstream at start-up and after the upstream changes era) or to refuse an upstream that does not speak 2026-07-28.
   * @default UpstreamProtocol.AUTO
   */
  readonly protocol?: UpstreamProtocol;
  /**
   * Allow credentials (any `auth` other than `UpstreamAuth.none()`) over a plain `http://` URL. A documented
   * relaxation for upstreams on a network you trust (a private subnet); anyone on the path can read or replay them.
   * @default false - credentials over http fail synth
   */
  readonly allowCredentialsOverHttp?: boolean;
}

/** Options for upstreams whose name can be derived. */
export interface NamedUpstreamOptions extends UpstreamOptions {
  /**
   * Unique upstream name: starts with a letter; letters, digits, `_`, `-`; at most 48 characters. Used as the
   * namespace prefix and in audit records and access rules.
   * @default - the gateway's or runtime's name when it is a literal that fits, else `gateway` / `runtime`
   */
  readonly name?: string;
}

/** Options for `Upstream.agentCoreRuntime()`. */
export interface RuntimeUpstreamOptions extends NamedUpstreamOptions {
  /**
   * The runtime endpoint to call.
   * @default 'DEFAULT'
   */
  readonly qualifier?: string;
}

/** An AgentCore Gateway known by its ARN and MCP URL (for gateways created outside this app). */
export interface GatewayUpstreamAttributes {
  /** The gateway ARN (`arn:<partition>:bedrock-agentcore:<region>:<account>:gateway/<id>`). */
  readonly gatewayArn: string;
  /** The gateway's MCP URL (`https://<id>.gateway.bedrock-agentcore.<region>.amazonaws.com/mcp`). */
  readonly gatewayUrl: string;
}

/**
 * The result of binding an Upstream.
 * @internal
 */
export interface UpstreamBinding {
  readonly config: UpstreamConfig;
  /** What the upstream is, for the compliance report. */
  readonly kind: string;
  readonly authDescription: string;
}

/** An MCP server the proxy fronts (Streamable HTTP). */
export abstract class Upstream {
  /**
   * An AgentCore Gateway. With the default SigV4 auth the execution role gets `bedrock-agentcore:InvokeGateway` on
   * this gateway only (the gateway must use IAM inbound authorization). For a gateway with a JWT authorizer, pass an
   * OAuth2 `auth` instead.
   */
  public static agentCoreGateway(gateway: agentcore.IGateway, options: NamedUpstreamOptions = {}): Upstream {
    return new GatewayUpstream(gateway.gatewayArn, gateway.gatewayUrl, literalName(gateway.gatewayName) ?? 'gateway', options);
  }

  /** An AgentCore Gateway known by its ARN and URL. */
  public static agentCoreGatewayFromAttributes(attrs: GatewayUpstreamAttributes, options: NamedUpstreamOptions = {}): Upstream {
    return new GatewayUpstream(attrs.gatewayArn, attrs.gatewayUrl, 'gateway', options);
  }

  /**
   * An MCP server hosted on AgentCore Runtime (MCP protocol). With the default SigV4 auth the execution role gets
   * `bedrock-agentcore:InvokeAgentRuntime` on this runtime and its endpoint only.
   */
  public static agentCoreRuntime(runtime: agentcore.IBedrockAgentRuntime, options: RuntimeUpstreamOptions = {}): Upstream {
    return new RuntimeUpstream(runtime, options);
  }

  /** Any Streamable HTTP MCP server by URL. */
  public static url(name: string, url: string, options: UpstreamOptions = {}): Upstream {
    return new UrlUpstream(name, url, options);
  }

  /**
   * Grants what the upstream needs and renders its configuration.
   * @internal
   */
  public abstract _bind(prop: string, ctx: ProxyBindContext): UpstreamBinding;
}

/** Validates the common options and renders one upstream's configuration. */
function render(o: UpstreamOptions, name: string, url: string, kind: string, defaultAuth: UpstreamAuth, prop: string, ctx: ProxyBindContext): UpstreamBinding {
  ctx.problems.pattern(`${prop}.name`, name, LIMITS.upstreamName, 'Start with a letter; use letters, digits, _ and - (at most 48 characters).');
  ctx.problems.pattern(`${prop}.prefix`, o.prefix, LIMITS.upstreamPrefix, 'Use letters, digits, _ and - only.');
  if (!Token.isUnresolved(url) && !/^https?:\/\/[^\s/]+/.test(url)) {
    ctx.problems.add(`${prop}.url`, 'must be an http(s) URL', url, 'Use the upstream\'s Streamable HTTP MCP endpoint, e.g. https://host/mcp.');
  }
  const timeout = o.timeout ?? Duration.seconds(30);
  let timeoutMs = 30_000;
  if (!timeout.isUnresolved()) {
    timeoutMs = timeout.toMilliseconds();
    ctx.problems.range(`${prop}.timeout`, timeoutMs, 1, LIMITS.maxUpstreamTimeoutMs, 'Use a Duration from 1 ms to 15 minutes.');
  }
  for (const [header, value] of Object.entries(o.headers ?? {})) {
    if (/^(authorization|proxy-authorization|cookie|x-api-key|workloadaccesstoken)$/i.test(header)) {
      ctx.problems.add(`${prop}.headers`, `must not carry credentials (${header})`, header, 'Use the auth option: credentials belong in Secrets Manager, not in the configuration.');
    } else {
      const why = secretReason(ctx.scope, header, value);
      if (why) {
        ctx.problems.add(`${prop}.headers.${header}`, `${why}: static headers are written in plain text into proxy-config.json (in the code asset)`, undefined,
          `Keep the value in Secrets Manager and use auth: UpstreamAuth.apiKey({ apiKey: <ISecret>, headerName: '${header}' }) (read at run time through AgentCore Identity).`);
      }
    }
    if (!Token.isUnresolved(header) && !/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/.test(header)) {
      ctx.problems.add(`${prop}.headers`, 'has an invalid header name', header, 'Use RFC 9110 token characters.');
    }
  }
  const auth = (o.auth ?? defaultAuth)._bind(name, `${prop}.auth`, ctx);
  if (auth.config.type !== 'none' && !Token.isUnresolved(url) && /^http:\/\//i.test(url) && !o.allowCredentialsOverHttp) {
    ctx.problems.add(`${prop}.url`, `is plain http, and the proxy would send ${auth.description} credentials over it`, url,
      'Use https, or (only on a network you trust, such as a private VPC subnet) set allowCredentialsOverHttp: true on the upstream.');
  }
  return {
    config: {
      name,
      url,
      ...(o.prefix !== undefined ? { prefix: o.prefix } : {}),
      timeoutMs,
      ...(o.headers && Object.keys(o.headers).length > 0 ? { headers: { ...o.headers } } : {}),
      ...(o.protocol !== undefined && o.protocol !== UpstreamProtocol.AUTO ? { protocol: o.protocol } : {}),
      auth: auth.config,
    },
    kind,
    authDescription: auth.description,
  };
}

class GatewayUpstream extends Upstream {
  constructor(private readonly gatewayArn: string, private readonly gatewayUrl: string | undefined, private readonly defaultName: string, private readonly named: NamedUpstreamOptions) {
    super();
  }
  public _bind(prop: string, ctx: ProxyBindContext): UpstreamBinding {
    const name = this.named.name ?? this.defaultName;
    if (!this.gatewayUrl) {
      ctx.problems.add(`${prop}`, 'the gateway has no gatewayUrl', undefined, 'Use Upstream.agentCoreGatewayFromAttributes({ gatewayArn, gatewayUrl }).');
    }
    const sigV4 = this.named.auth === undefined || this.named.auth.type === UpstreamAuthType.SIGV4;
    if (sigV4) {
      // IAM-authorized gateways check InvokeGateway against the caller; JWT-authorized ones ignore it.
      ctx.addStatement(sid('Upstream', name, 'InvokeGateway'), { actions: perms.GATEWAY_INVOKE_ACTIONS, resources: [this.gatewayArn] });
    }
    return render(this.named, name, this.gatewayUrl ?? 'https://invalid.invalid/mcp', 'AgentCore Gateway', UpstreamAuth.sigV4(), prop, ctx);
  }
}

class RuntimeUpstream extends Upstream {
  constructor(private readonly runtime: agentcore.IBedrockAgentRuntime, private readonly named: RuntimeUpstreamOptions) {
    super();
  }
  public _bind(prop: string, ctx: ProxyBindContext): UpstreamBinding {
    const name = this.named.name ?? literalName(this.runtime.agentRuntimeName) ?? 'runtime';
    const qualifier = this.named.qualifier ?? 'DEFAULT';
    ctx.problems.pattern(`${prop}.qualifier`, qualifier, /^[a-zA-Z][a-zA-Z0-9_]{0,47}$/, 'Use the runtime endpoint name (DEFAULT unless you created another).');
    const arn = this.runtime.agentRuntimeArn;
    const sigV4 = this.named.auth === undefined || this.named.auth.type === UpstreamAuthType.SIGV4;
    if (sigV4) {
      ctx.addStatement(sid('Upstream', name, 'InvokeRuntime'), {
        actions: perms.RUNTIME_INVOKE_ACTIONS,
        resources: [arn, `${arn}/runtime-endpoint/${qualifier}`],
      });
    }
    const region = Token.isUnresolved(arn) ? Arn.split(arn, ArnFormat.SLASH_RESOURCE_NAME).region ?? Stack.of(ctx.scope).region : arn.split(':')[3];
    const url = `https://bedrock-agentcore.${region}.${Stack.of(ctx.scope).urlSuffix}/runtimes/${encodeArn(arn)}/invocations?qualifier=${qualifier}`;
    return render(this.named, name, url, 'AgentCore Runtime', UpstreamAuth.sigV4(), prop, ctx);
  }
}

class UrlUpstream extends Upstream {
  constructor(private readonly name: string, private readonly url: string, private readonly options: UpstreamOptions) {
    super();
  }
  public _bind(prop: string, ctx: ProxyBindContext): UpstreamBinding {
    return render(this.options, this.name, this.url, 'URL', UpstreamAuth.none(), prop, ctx);
  }
}

/** The invocation URL takes the URL-encoded runtime ARN (`:` -> `%3A`, `/` -> `%2F`), also when the ARN is a token. */
export function encodeArn(arn: string): string {
  if (!Token.isUnresolved(arn)) return encodeURIComponent(arn);
  return Fn.join('%2F', Fn.split('/', Fn.join('%3A', Fn.split(':', arn))));
}

function literalName(value: string | undefined): string | undefined {
  if (value === undefined || Token.isUnresolved(value)) return undefined;
  return LIMITS.upstreamName.test(value) ? value : undefined;
}
