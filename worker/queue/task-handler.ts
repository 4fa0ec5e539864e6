// The contract between the queue consumer (worker/queue/delivery.ts) and the job that does the work.
import type { Logger } from 'pino';
import type { AnyTask } from '../../action/task-message.ts';
import type { FailureKind } from '../core/errors.ts';

export interface TaskContext {
  /** The SQS message id of this delivery. */
  messageId: string;
  /** 1 on the first delivery; SQS's ApproximateReceiveCount. */
  receiveCount: number;
  /** Aborted on the task's hard timeout and on shutdown: stop the work (kill the container) when it fires. */
  signal: AbortSignal;
  /** A child logger carrying issue_number, repository and worker_id. */
  logger: Logger;
}

/**
 * completed:    the work was done by this delivery.
 * already-done: an earlier delivery did it (SQS delivers at least once); nothing was written again.
 * skipped:      the task no longer applies (issue closed, label removed, ...): not an error, not retried.
 */
export interface TaskOutcome {
  status: 'completed' | 'already-done' | 'skipped';
  detail: string;
  url?: string;
}

export interface FailureNotice {
  kind: FailureKind;
  reason: string;
  next: { action: 'retry'; at: Date } | { action: 'dead-letter' };
}

export interface TaskHandler {
  /**
   * Does the task. Must be safe to run again for the same task: look at the forge's state before writing.
   * Throw a TaskError (worker/core/errors.ts) to choose how the failure is treated.
   */
  handle(task: AnyTask, context: TaskContext): Promise<TaskOutcome>;
  /** Told when a failed task is about to be retried or dead-lettered, so the issue can say so. Best effort. */
  onFailure?(task: AnyTask, notice: FailureNotice): Promise<void>;
}
