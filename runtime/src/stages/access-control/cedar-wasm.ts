/**
 * cedar-wasm, loaded on first use. Loading it compiles a 4 MB WebAssembly module (~45-70 ms of the main thread and
 * ~25 MB of RSS on the 2-core bench machine), which a proxy without access-control rules (a pass-through, a local demo)
 * never needs.
 *
 * In the bundle, start-up compiles the module ahead, off the main thread (`compileCedarAhead`, `WebAssembly.compile`),
 * while the main thread builds the other stages and loads the audit sink; runtime/build.mjs patches cedar-wasm's
 * loader to take that module (`takeCedarModule`) instead of compiling its own synchronously. Where the loader is not
 * patched (tests, `check` from source) nothing is compiled ahead and cedar-wasm loads as published.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as CedarWasm from '@cedar-policy/cedar-wasm/nodejs';

let loaded: typeof CedarWasm | undefined;
let ahead: WebAssembly.Module | undefined;
let aheadPending: Promise<void> | undefined;

export function cedarWasm(): typeof CedarWasm {
  // A static require: esbuild bundles the module and runs its top level (the wasm compile) only when this is called.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('@cedar-policy/cedar-wasm/nodejs') as typeof CedarWasm;
  return loaded;
}

/**
 * Starts compiling cedar-wasm's module in the background, when this code runs from the bundle (the module file beside
 * it: cedar-wasm's loader there reads `${__dirname}/cedar_wasm_bg.wasm`). A failed compile is left to the loader,
 * which compiles again and reports the error where cedar-wasm is first used.
 */
export function compileCedarAhead(): void {
  if (loaded || aheadPending) return;
  const file = join(typeof __dirname === 'string' ? __dirname : '.', 'cedar_wasm_bg.wasm');
  if (!existsSync(file)) return;
  aheadPending = WebAssembly.compile(readFileSync(file)).then(
    (m) => {
      ahead = m;
    },
    () => undefined,
  );
}

/** Waits for a compile started by compileCedarAhead (at once when none was started). Never rejects. */
export function cedarCompiledAhead(): Promise<void> {
  return aheadPending ?? Promise.resolve();
}

let tookAhead = false;

/** The module compiled ahead, once (the patched loader's source of it); undefined when there is none. */
export function takeCedarModule(): WebAssembly.Module | undefined {
  const m = ahead;
  ahead = undefined;
  if (m) tookAhead = true;
  return m;
}

/** How the loaded cedar-wasm got its module (for the start-up log): compiled ahead, or by its own loader. */
export function cedarModuleSource(): 'compiled ahead' | 'loader' | 'not loaded' {
  return !loaded ? 'not loaded' : tookAhead ? 'compiled ahead' : 'loader';
}
