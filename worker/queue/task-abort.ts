// How a running task is stopped: the shutdown reason, and waiting (bounded) for an aborted task to let go
// of its container and workspace before the queue decides what happens to its message.
import type { Logger } from 'pino';

/** The reason given to a task's AbortSignal when the daemon shuts down (not a failure of the task). */
export class ShutdownAbort extends Error {
  override name = 'ShutdownAbort';
}

/**
 * Settles with the task, or rejects with the signal's reason once it aborts. After the abort the task gets
 * up to settleMs to stop (remove its container and workspace) before the queue retries or dead-letters,
 * so a retry never runs beside the attempt it replaces; a task that ignores its signal is left behind.
 */
export function untilAborted<T>(
  work: Promise<T>,
  signal: AbortSignal,
  settleMs: number,
  log: Logger,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    const onAbort = () => {
      const timer = setTimeout(() => {
        log.warn({ settle_ms: settleMs }, 'the task did not stop within its time after the abort');
        reject(signal.reason);
      }, settleMs);
      settled.then(() => {
        clearTimeout(timer);
        reject(signal.reason);
      });
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    // Once aborted, the signal's reason is the outcome, whatever the task does on its way out.
    work.then(
      (value) => signal.aborted || resolve(value),
      (error: unknown) => signal.aborted || reject(error),
    );
  });
}
