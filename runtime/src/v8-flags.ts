/**
 * V8 settings the proxy needs, applied when the bundle starts (imported first by main.ts, before any code has run
 * often enough to be optimized).
 *
 * `--no-turbo-inline-js-wasm-calls`: with TurboFan inlining JS->Wasm calls (the default on Node 20 and 22), the proxy
 * under sustained load with Cedar enabled died with a V8 fatal error, "unreachable code" in
 * `Deoptimizer::DoComputeBuiltinContinuation` (SIGTRAP): a lazy deoptimization of the access-control `evaluate`
 * function while its inlined call into cedar-wasm was on the stack. Seen on Node 20.20 after 75-140 s at 40-60 calls/s
 * (and after ~70k calls in `npm run bench`); with this flag the same soak ran clean (see docs/SOAK.md). The cost is the
 * generic JS->Wasm wrapper on a few Cedar calls per request. Node's documentation calls changing V8 flags after start-up
 * unsupported in general; JIT flags read at compile time, as this one is, take effect for every later compilation.
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--no-turbo-inline-js-wasm-calls');
