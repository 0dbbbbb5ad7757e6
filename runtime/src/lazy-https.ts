/**
 * node:https on first use. Requiring it loads Node's TLS modules, ~15-35 ms of a Node 22 cold start (bench/README.md,
 * "Where the time goes") that a configuration reaching nothing over https (a loopback or in-VPC http upstream, no
 * JWKS) never needs. The bundle is CommonJS, so `require` is Node's own.
 */
import type * as Https from 'node:https';

let https: typeof Https | undefined;

export function lazyHttps(): typeof Https {
  return (https ??= require('node:https') as typeof Https);
}
