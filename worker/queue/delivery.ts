// One delivery of one message, run to its end: deleted when the task finishes, otherwise retried,
// dead-lettered or released (worker/queue/failure-outcome.ts). Attempts with no delay between them run
// inside the same delivery, under one heartbeat.
import { DeleteMessageCommand, type Message } from '@aws-sdk/client-sqs';
import type { Logger } from 'pino';
import type { AnyTask } from '../../action/task-message.ts';
import { TimeoutError } from '../core/errors.ts';
import type { Settings } from '../core/settings.ts';
import { deadLetter, type FailureDeps, settleFailure } from './failure-outcome.ts';
import { type Heartbeat, startHeartbeat } from './heartbeat.ts';
import { decodeMessage } from './received-message.ts';
import { ShutdownAbort, untilAborted } from './task-abort.ts';

export interface DeliveryDeps extends FailureDeps {
  settings: Settings['queue'];
  logger: Logger;
  /** How long an aborted task may take to stop before the queue goes on without it. */
  abortSettleMs: number;
  /** Aborted when the daemon begins to shut down. */
  stopping: AbortSignal;
  /** The running attempt of each message, by message id, so shutdown can abort them. */
  running: Map<string, AbortController>;
}

interface Attempt {
  message: Message;
  task: AnyTask;
  receiveCount: number;
  attempt: number;
}

/** Runs the delivery; resolves with its outcome (a TaskOutcome status, retried, dead-lettered or released). */
export async function runDelivery(deps: DeliveryDeps, message: Message): Promise<string> {
  const received = decodeMessage(message, deps.logger);
  const { receiveCount, log } = received;
  if (!received.ok) {
    await deadLetter(
      deps,
      message,
      undefined,
      { kind: 'permanent', reason: received.reason, receiveCount },
      log,
    );
    return 'dead-lettered';
  }
  log.info({ receive_count: receiveCount }, 'task started');
  const heartbeat = startHeartbeat(deps.client, deps.queueUrl, message, deps.settings, log);
  try {
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await runAttempt(
        deps,
        { message, task: received.task, receiveCount, attempt },
        heartbeat,
        log,
      );
      if (outcome !== 'retry-now') return outcome;
    }
  } finally {
    heartbeat.stop();
  }
}

/** One run of the handler under the hard timeout; 'retry-now' asks for another attempt. */
async function runAttempt(
  deps: DeliveryDeps,
  attempt: Attempt,
  heartbeat: Heartbeat,
  log: Logger,
): Promise<string> {
  const { message, task, receiveCount } = attempt;
  const { settings } = deps;
  const controller = new AbortController();
  deps.running.set(message.MessageId!, controller);
  const deadline = setTimeout(
    () => controller.abort(new TimeoutError(`the task ran longer than ${settings.taskTimeoutSeconds} s`)),
    settings.taskTimeoutSeconds * 1_000,
  );
  try {
    if (deps.stopping.aborted) controller.abort(new ShutdownAbort('the worker is shutting down'));
    const work = deps.handler.handle(task, {
      messageId: message.MessageId!,
      receiveCount,
      signal: controller.signal,
      logger: log,
    });
    const outcome = await untilAborted(work, controller.signal, deps.abortSettleMs, log);
    heartbeat.stop();
    await deps.client.send(
      new DeleteMessageCommand({ QueueUrl: deps.queueUrl, ReceiptHandle: message.ReceiptHandle }),
    );
    log.info({ outcome: outcome.status, detail: outcome.detail, url: outcome.url }, 'task finished');
    return outcome.status;
  } catch (thrown) {
    // After an abort the signal's reason is the truth, whatever the handler threw on its way out.
    const error = controller.signal.aborted ? controller.signal.reason : thrown;
    if (controller.signal.aborted && thrown !== controller.signal.reason) {
      log.debug({ error: thrown }, 'the handler stopped after its abort');
    }
    return await settleFailure(deps, { ...attempt, error }, heartbeat, log);
  } finally {
    clearTimeout(deadline);
    deps.running.delete(message.MessageId!);
  }
}
