/**
 * Start-up warm-up: the work a first request would otherwise do lazily (`Stage.warmUp`: compiling the code paths every
 * request takes), run while start-up waits on the network (the issuer's signing keys, the audit log stream, upstream
 * discovery), so that a new session's first call does not wait for it. Each task runs in its own macrotask, so an
 * I/O completion waits at most for the task in progress; the total CPU is the same as doing it on the first call.
 * A task that throws is logged and skipped: the first request then does that work itself, and fails as it would have.
 */
import type { Logger } from '../log';
import type { Stage } from './context';

/** Runs each stage's warm-up in turn, one per macrotask; resolves when all have run (never rejects). */
export function warmUpInBackground(stages: readonly Stage[], log: Logger): Promise<void> {
  const tasks = stages.filter((s) => s.warmUp);
  return new Promise((resolve) => {
    const next = (i: number) => {
      if (i >= tasks.length) return resolve();
      setImmediate(() => {
        const stage = tasks[i];
        try {
          stage.warmUp!();
        } catch (err) {
          log.warn('start-up warm-up failed; the first request does that work instead', { stage: stage.name, error: (err as Error)?.message });
        }
        next(i + 1);
      });
    };
    next(0);
  });
}
