/**
 * V8 settings the proxy needs, applied when the bundle starts (imported first by main.ts, before any code has run
 * often enough to be optimized and before cedar-wasm is compiled). Node's documentation calls changing V8 flags after
 * start-up unsupported in general; both flags here are read when code is compiled, so they take effect for every
 * later compilation (checked: the RSS and tier figures below move with them).
 *
 * `--no-turbo-inline-js-wasm-calls`: with TurboFan inlining JS->Wasm calls (the default on Node 20 and 22), the proxy
 * under sustained load with Cedar enabled died with a V8 fatal error, "unreachable code" in
 * `Deoptimizer::DoComputeBuiltinContinuation` (SIGTRAP): a lazy deoptimization of the access-control `evaluate`
 * function while its inlined call into cedar-wasm was on the stack. Seen on Node 20.20 after 75-140 s at 40-60 calls/s
 * (and after ~70k calls in `npm run bench`); with this flag the same soak ran clean (see docs/SOAK.md). The cost is the
 * generic JS->Wasm wrapper on a few Cedar calls per request.
 *
 * `--liftoff-only`: WebAssembly (only cedar-wasm here) runs on V8's baseline compiler and is never recompiled by
 * TurboFan. Tiering up the hot Cedar functions kept ~30-35 MiB of RSS for the life of the process (the full pipeline
 * after warm-up: 179 -> 150 MiB; cedar-wasm alone, 20,000 decisions: 103 -> 63 MiB) and spent CPU on background
 * compilation in the first thousands of calls, while the optimized code decided only ~11 µs faster (28 vs 40 µs per
 * `statefulIsAuthorized`, cedar-wasm alone). In the proxy the difference was within noise: full-pipeline CPU per call,
 * tools/list over 10,000 Cedar-filtered tools, 10,000-rule decisions, and start-up (pre-parsing policies is faster:
 * 30 vs 57-95 ms for one policy) (bench/README.md, "V8 flags").
 */
import { setFlagsFromString } from 'node:v8';

export const PROXY_V8_FLAGS = ['--no-turbo-inline-js-wasm-calls', '--liftoff-only'] as const;

for (const flag of PROXY_V8_FLAGS) setFlagsFromString(flag);
