/**
 * cedar-wasm, loaded on first use. Loading it compiles a 4 MB WebAssembly module (~60-70 ms and ~25 MB of RSS on the
 * 2-core bench machine), which a proxy without access-control rules (a pass-through, a local demo) never needs.
 */
import type * as CedarWasm from '@cedar-policy/cedar-wasm/nodejs';

let loaded: typeof CedarWasm | undefined;

export function cedarWasm(): typeof CedarWasm {
  // A static require: esbuild bundles the module and runs its top level (the wasm compile) only when this is called.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('@cedar-policy/cedar-wasm/nodejs') as typeof CedarWasm;
  return loaded;
}
