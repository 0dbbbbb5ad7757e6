/**
 * The workload access token that AgentCore Identity's credential APIs take. Inside AgentCore Runtime it arrives with
 * each inbound request (`WorkloadAccessToken` header, passed as ctx.workloadAccessToken). Without an inbound request
 * (discovery at start-up, background refresh), the proxy asks GetWorkloadAccessToken for the configured workload
 * identity, and caches the answer.
 */
import type { BedrockAgentCoreClient } from '@aws-sdk/client-bedrock-agentcore';
import { agentCoreClient, memo, resolveRegion } from './aws';
import { CredentialFailure, StepError, authLogger, step } from './failure';
import { SingleFlightCache, jwtSecondsLeft, useUntil } from './token-cache';
import type { UpstreamAuthOptions, UpstreamCallContext } from './types';

/** Workload access tokens are opaque; when one carries no readable expiry it is reused this long. */
const WORKLOAD_TOKEN_TTL_SECONDS = 300;
const WORKLOAD_TOKEN_SKEW_SECONDS = 60;

export interface WorkloadToken {
  readonly token: string;
  /** Whether the proxy obtained it itself (and may drop and obtain it again). */
  readonly own: boolean;
}

export class WorkloadTokenSource {
  private readonly cache: SingleFlightCache<string>;

  constructor(
    private readonly client: () => Promise<BedrockAgentCoreClient>,
    private readonly workloadName: string | undefined,
    private readonly now: () => number,
  ) {
    this.cache = new SingleFlightCache(now);
  }

  /** The inbound request's token if it carried one, else the proxy's own for the configured workload. */
  async get(ctx: UpstreamCallContext): Promise<WorkloadToken> {
    if (ctx.workloadAccessToken) return { token: ctx.workloadAccessToken, own: false };
    if (!this.workloadName) {
      throw new CredentialFailure('no workload access token (the request carried none and auth.workloadName is not set)');
    }
    return { token: await this.cache.get(() => this.fetch(this.workloadName!)), own: true };
  }

  /** Drops the proxy's own token after AgentCore Identity refused it. */
  dropOwn(): void {
    this.cache.invalidate();
  }

  private async fetch(workloadName: string) {
    const { GetWorkloadAccessTokenCommand } = await import('@aws-sdk/client-bedrock-agentcore');
    const client = await this.client();
    const out = await step('GetWorkloadAccessToken', () => client.send(new GetWorkloadAccessTokenCommand({ workloadName })));
    const token = out.workloadAccessToken;
    if (!token) throw new CredentialFailure('GetWorkloadAccessToken returned no token');
    const now = this.now();
    const lifetime = jwtSecondsLeft(token, now) ?? WORKLOAD_TOKEN_TTL_SECONDS;
    return { value: token, useUntil: useUntil(now, lifetime, WORKLOAD_TOKEN_SKEW_SECONDS) };
  }
}

/**
 * Calls `exchange` with the workload access token. When the proxy's own workload token is refused
 * (UnauthorizedException, e.g. expired early), it is dropped and the exchange tried once more with a fresh one.
 */
export async function exchangeWithRetry<T>(
  workload: WorkloadTokenSource,
  ctx: UpstreamCallContext,
  exchange: (workloadAccessToken: string) => Promise<T>,
): Promise<T> {
  const first = await workload.get(ctx);
  try {
    return await exchange(first.token);
  } catch (err) {
    const refused = err instanceof StepError && (err.original as { name?: string } | undefined)?.name === 'UnauthorizedException';
    if (!first.own || !refused) throw err;
    workload.dropOwn();
    return exchange((await workload.get(ctx)).token);
  }
}

/**
 * What every AgentCore Identity authenticator (OAuth2, API key) sets up once per upstream: the region, the clock, the
 * secret-free logger, the lazily created data-plane client, the workload token source and the credential cache.
 */
export function agentCoreExchangeSetup(upstreamName: string, cfg: { readonly region?: string; readonly workloadName?: string }, options: UpstreamAuthOptions) {
  const region = resolveRegion(upstreamName, cfg.region);
  const now = options.now ?? Date.now;
  const client = memo(() => agentCoreClient(options, region));
  return {
    now,
    log: authLogger(options.logger),
    client,
    workload: new WorkloadTokenSource(client, cfg.workloadName, now),
    cache: new SingleFlightCache<string>(now),
  };
}
