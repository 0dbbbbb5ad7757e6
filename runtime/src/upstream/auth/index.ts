import type { UpstreamAuthFactory } from './types';

/** Placeholder until the upstream-auth module lands: only `none` is supported. */
export const createUpstreamAuthenticator: UpstreamAuthFactory = (upstreamName, cfg) => {
  if (cfg.type !== 'none') throw new Error(`upstream "${upstreamName}": auth type ${cfg.type} not implemented yet`);
  return { kind: 'none', authorize: async () => {}, invalidate: () => false };
};
export * from './types';
