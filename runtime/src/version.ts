/** The proxy's version, injected by runtime/build.mjs from package.json (`0.0.0-dev` when run from source). */
declare const __PROXY_VERSION__: string | undefined;

export const PROXY_VERSION: string = typeof __PROXY_VERSION__ === 'string' ? __PROXY_VERSION__ : '0.0.0-dev';
export const PROXY_NAME = 'mcp-governance-proxy';
