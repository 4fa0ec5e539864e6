// SQS consumption: the poller (worker/queue/poller.ts) does the long poll, p-queue bounds how many tasks
// run at once, and each message is kept safe until its task is finished by worker/queue/delivery.ts:
// heartbeat while it runs, a hard timeout that aborts it, the retry schedule or the dead-letter queue
// when it fails (worker/queue/failure-outcome.ts), and release on shutdown.
//
// A message is only received when a task slot is free, so no message waits invisibly behind another task.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import PQueue from 'p-queue';
import type { Logger } from 'pino';
import type { Settings } from '../core/settings.ts';
import { noTaskMetrics, type TaskMetrics } from '../daemon/cloudwatch-metrics.ts';
import type { HealthState, Metrics } from '../daemon/health-server.ts';
import { createDeadLetterQueue, RELEASE_VISIBILITY_SECONDS } from './dead-letter.ts';
import { type DeliveryDeps, runDelivery } from './delivery.ts';
import { setVisibility } from './heartbeat.ts';
import {
  createPollState,
  findDeadLetterTarget,
  type Poller,
  type PollerOptions,
  startPolling,
} from './poller.ts';
import { ShutdownAbort } from './task-abort.ts';
import type { TaskHandler } from './task-handler.ts';

export interface QueueConsumerOptions {
  client: SQSClient;
  queueUrl: string;
  settings: Settings['queue'];
  workerId: string;
  handler: TaskHandler;
  logger: Logger;
  metrics: Metrics;
  /** How long handler.onFailure may take before the queue goes on without it. Default 30000 ms. */
  failureReportTimeoutMs?: number;
  /** How long an aborted task may take to stop before the queue goes on without it. Default 30000 ms. */
  abortSettleMs?: number;
  /** Opt-in CloudWatch publisher (CW_CLOUDWATCH_NAMESPACE). Default: none. */
  taskMetrics?: TaskMetrics;
}

export interface QueueConsumer {
  /** Finds the dead-letter queue (retrying while the queue is unreachable), then polls. Never throws. */
  start(): void;
  /** Stops receiving, lets running tasks finish within the grace period, then aborts and releases them. */
  stop(): Promise<void>;
  state(): HealthState;
}

/** Runs one delivery and records its outcome and duration, whatever happened. */
async function runTask(deps: DeliveryDeps, taskMetrics: TaskMetrics, message: Message): Promise<void> {
  const { metrics, logger } = deps;
  const started = performance.now();
  metrics.inFlight.inc();
  let outcome = 'error';
  try {
    outcome = await runDelivery(deps, message);
  } catch (error) {
    // A queue call failed mid-way (delete, visibility, DLQ send): the message is still in the queue and
    // comes back after its visibility timeout, so nothing is lost; the next delivery decides again.
    logger.error({ error, message_id: message.MessageId }, 'could not settle the message; it will reappear');
  } finally {
    const elapsedMs = performance.now() - started;
    metrics.inFlight.dec();
    metrics.tasks.inc({ outcome });
    metrics.duration.observe({ outcome }, elapsedMs / 1_000);
    taskMetrics.recordTask(outcome, elapsedMs);
  }
}

/** Lets running tasks finish within the grace period, then aborts them so they are released. */
async function drain(
  slots: PQueue,
  running: Map<string, AbortController>,
  settings: Settings['queue'],
  logger: Logger,
): Promise<void> {
  if (slots.pending === 0) return;
  logger.info(
    { in_flight: slots.pending, grace_seconds: settings.shutdownGraceSeconds },
    'waiting for running tasks to finish',
  );
  const grace = new AbortController();
  const graceOver = sleep(settings.shutdownGraceSeconds * 1_000, 'grace-over', { signal: grace.signal });
  const first = await Promise.race([slots.onIdle().then(() => 'idle'), graceOver]);
  grace.abort();
  graceOver.catch(() => undefined);
  if (first === 'grace-over') {
    logger.warn('grace period over: releasing the running tasks');
    for (const controller of running.values()) {
      controller.abort(new ShutdownAbort('the worker is shutting down'));
    }
  }
  await slots.onIdle();
}

export function createQueueConsumer(options: QueueConsumerOptions): QueueConsumer {
  const { client, queueUrl, settings, logger, metrics } = options;
  const taskMetrics = options.taskMetrics ?? noTaskMetrics;
  const slots = new PQueue({ concurrency: settings.concurrency });
  const running = new Map<string, AbortController>();
  const stopping = new AbortController();
  const state = createPollState(queueUrl);
  const pollerOptions: PollerOptions = {
    client,
    queueUrl,
    settings,
    logger,
    metrics,
    state,
    stopping: stopping.signal,
  };
  let poller: Poller | undefined;

  async function begin(): Promise<void> {
    const target = await findDeadLetterTarget(pollerOptions);
    if (!target || stopping.signal.aborted) return;
    const deps: DeliveryDeps = {
      ...options,
      deadLetters: createDeadLetterQueue(client, target.dlqUrl),
      schedule: { delaysSeconds: settings.retryDelaysSeconds, maxReceiveCount: target.maxReceiveCount },
      failureReportTimeoutMs: options.failureReportTimeoutMs ?? 30_000,
      abortSettleMs: options.abortSettleMs ?? 30_000,
      stopping: stopping.signal,
      running,
    };
    poller = startPolling(pollerOptions, (message) => accept(deps, message));
  }

  /** Hands the message to a slot and returns once another slot is free (or shutdown began). */
  async function accept(deps: DeliveryDeps, message: Message): Promise<undefined> {
    if (stopping.signal.aborted) {
      // Arrived with the last long poll after shutdown began: give it straight back.
      await setVisibility(client, queueUrl, message, RELEASE_VISIBILITY_SECONDS).catch(() => undefined);
      return undefined;
    }
    void slots.add(() => runTask(deps, taskMetrics, message));
    while (slots.pending >= settings.concurrency && !stopping.signal.aborted) {
      await new Promise<void>((resolve) => {
        const listening = new AbortController();
        const wake = () => {
          listening.abort();
          resolve();
        };
        slots.addEventListener('next', wake, { signal: listening.signal });
        stopping.signal.addEventListener('abort', wake, { signal: listening.signal });
      });
    }
    // Never acknowledged here: runDelivery deletes, delays or dead-letters the message itself.
    return undefined;
  }

  return {
    start() {
      void begin().catch((error: unknown) => {
        logger.error({ error }, 'the queue consumer stopped unexpectedly');
      });
    },

    async stop() {
      stopping.abort();
      state.setPolling(false);
      const pollDone = poller ? poller.stop() : Promise.resolve();
      await drain(slots, running, settings, logger);
      await pollDone;
    },

    state: () => ({ ...state.health(), inFlight: slots.pending }),
  };
}
