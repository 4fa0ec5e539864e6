// What happens to a message whose attempt failed: released at shutdown, retried now, hidden until a later
// retry, or moved to the dead-letter queue. The choice itself is worker/queue/retry-policy.ts; this file
// carries it out on the queue and tells the issue.
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from 'pino';
import type { AnyTask } from '../../action/task-message.ts';
import { errorMessage, type FailureKind, failureKind } from '../core/errors.ts';
import type { Metrics } from '../daemon/health-server.ts';
import { type DeadLetterQueue, RELEASE_VISIBILITY_SECONDS } from './dead-letter.ts';
import { type Heartbeat, setVisibility } from './heartbeat.ts';
import { decideRetry, type RetrySchedule } from './retry-policy.ts';
import { ShutdownAbort } from './task-abort.ts';
import type { FailureNotice, TaskHandler } from './task-handler.ts';

/** What a failure needs from the consumer: the queue, its dead-letter queue and schedule, the reporters. */
export interface FailureDeps {
  client: SQSClient;
  queueUrl: string;
  workerId: string;
  metrics: Metrics;
  handler: TaskHandler;
  deadLetters: DeadLetterQueue;
  schedule: RetrySchedule;
  /** How long handler.onFailure may take before the queue goes on without it. */
  failureReportTimeoutMs: number;
}

export interface AttemptFailure {
  message: Message;
  task: AnyTask;
  /** The error the attempt ended with (the abort reason when it was aborted). */
  error: unknown;
  receiveCount: number;
  attempt: number;
}

/** 'retry-now' keeps the delivery going; every other outcome ends it. */
export type FailureOutcome = 'retry-now' | 'retried' | 'dead-lettered' | 'released';

/**
 * Tells the handler (the issue) about a retry or dead-letter, best effort and bounded: a forge that does
 * not answer must not hold the task slot (and with it every later message) forever.
 */
async function notify(
  deps: FailureDeps,
  task: AnyTask | undefined,
  notice: FailureNotice,
  log: Logger,
): Promise<void> {
  if (!task || !deps.handler.onFailure) return;
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${deps.failureReportTimeoutMs} ms`)),
      deps.failureReportTimeoutMs,
    );
  });
  try {
    await Promise.race([deps.handler.onFailure(task, notice), limit]);
  } catch (error) {
    log.warn({ error }, 'could not report the failure on the issue');
  } finally {
    clearTimeout(timer);
  }
}

/** Moves the message to the dead-letter queue with the failure; `task` is undefined for a malformed one. */
export async function deadLetter(
  deps: FailureDeps,
  message: Message,
  task: AnyTask | undefined,
  failure: { kind: FailureKind; reason: string; receiveCount: number },
  log: Logger,
): Promise<void> {
  await deps.deadLetters.send(message, deps.queueUrl, { ...failure, workerId: deps.workerId });
  deps.metrics.deadLettered.inc({ kind: failure.kind });
  log.error(
    { failure_kind: failure.kind, reason: failure.reason, dlq: deps.deadLetters.url },
    'task moved to the dead-letter queue',
  );
  await notify(
    deps,
    task,
    { kind: failure.kind, reason: failure.reason, next: { action: 'dead-letter' } },
    log,
  );
}

export async function settleFailure(
  deps: FailureDeps,
  failure: AttemptFailure,
  heartbeat: Heartbeat,
  log: Logger,
): Promise<FailureOutcome> {
  const { message, task, error, receiveCount, attempt } = failure;
  if (error instanceof ShutdownAbort) {
    heartbeat.stop();
    await setVisibility(deps.client, deps.queueUrl, message, RELEASE_VISIBILITY_SECONDS);
    log.warn('task released for another delivery: the worker is shutting down');
    return 'released';
  }
  const kind = failureKind(error);
  const reason = errorMessage(error);
  const decision = decideRetry({ kind, receiveCount, attempt }, deps.schedule);
  if (decision.action === 'retry-now') {
    deps.metrics.retries.inc({ kind });
    log.warn({ failure_kind: kind, reason, attempt }, 'task failed; retrying now');
    await notify(deps, task, { kind, reason, next: { action: 'retry', at: new Date() } }, log);
    return 'retry-now';
  }
  heartbeat.stop();
  if (decision.action === 'retry-later') {
    await setVisibility(deps.client, deps.queueUrl, message, decision.delaySeconds);
    deps.metrics.retries.inc({ kind });
    log.warn(
      { failure_kind: kind, reason, attempt, retry_in_seconds: decision.delaySeconds },
      'task failed; retrying later',
    );
    const at = new Date(Date.now() + decision.delaySeconds * 1_000);
    await notify(deps, task, { kind, reason, next: { action: 'retry', at } }, log);
    return 'retried';
  }
  await deadLetter(deps, message, task, { kind, reason, receiveCount }, log);
  return 'dead-lettered';
}
