/**
 * Entry point of the pin command, bundled by esbuild into assets/runtime/pin.js:
 *   node pin.js --config FILE [--lock FILE] [--upstream NAME ...] [--check]
 */
import { runPin } from './pin-cli';

runPin(process.argv.slice(2), { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) }).then(
  (code) => {
    process.exitCode = code;
    // Upstream transports may keep sockets alive briefly after close: the command is done.
    setImmediate(() => process.exit(code));
  },
  (err: unknown) => {
    process.stderr.write(`pin: ${(err as Error)?.message ?? String(err)}\n`);
    process.exit(2);
  },
);
