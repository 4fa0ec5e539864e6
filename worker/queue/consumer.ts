// SQS consumption: sqs-consumer does the long poll, p-queue bounds how many tasks run at once, and this
// file keeps each received message safe until its task is finished: heartbeat while it runs, a hard
// timeout that aborts it, the retry schedule (worker/queue/retry-policy.ts) when it fails, the dead-letter
// queue (worker/queue/dead-letter.ts) when it will not be retried, and release on shutdown.
//
// A message is only received when a task slot is free, so no message waits invisibly behind another task.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  SQSClient,
} from '@aws-sdk/client-sqs';
import PQueue from 'p-queue';
import type { Logger } from 'pino';
import { Consumer } from 'sqs-consumer';
import { regionFromQueueUrl } from '../../action/queue-url.ts';
import { parseTaskMessage, type TaskMessage } from '../../action/task-message.ts';
import { errorMessage, type FailureKind, failureKind, TimeoutError } from '../core/errors.ts';
import { taskLogger } from '../core/logger.ts';
import type { Settings } from '../core/settings.ts';
import { noTaskMetrics, type TaskMetrics } from '../daemon/cloudwatch-metrics.ts';
import type { HealthState, Metrics } from '../daemon/health-server.ts';
import {
  createDeadLetterQueue,
  type DeadLetterQueue,
  RELEASE_VISIBILITY_SECONDS,
  resolveDeadLetterTarget,
} from './dead-letter.ts';
import { decideRetry, deliveriesNeeded } from './retry-policy.ts';
import type { FailureNotice, TaskHandler } from './task-handler.ts';

/** Back-off after a failed poll or setup step: 1 s doubling to 60 s, so a dead network is not hammered. */
const BACKOFF_START_MS = 1_000;
const BACKOFF_MAX_MS = 60_000;
/** How often queue depth is sampled for /metrics. */
const DEPTH_SAMPLE_MS = 15_000;

export interface SqsClientOptions {
  queueUrl: string;
  region?: string | undefined;
  endpoint?: string | undefined;
  /** Only for the embedded queue, which accepts any key; AWS uses the SDK's default credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export function createSqsClient(options: SqsClientOptions): SQSClient {
  return new SQSClient({
    region: options.region ?? regionFromQueueUrl(options.queueUrl) ?? 'us-east-1',
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
}

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

/** The reason given to a task's AbortSignal when the daemon shuts down (not a failure of the task). */
class ShutdownAbort extends Error {
  override name = 'ShutdownAbort';
}

/**
 * Settles with the task, or rejects with the signal's reason once it aborts. After the abort the task gets
 * up to settleMs to stop (remove its container and workspace) before the queue retries or dead-letters,
 * so a retry never runs beside the attempt it replaces; a task that ignores its signal is left behind.
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal, settleMs: number, log: Logger): Promise<T> {
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

export function createQueueConsumer(options: QueueConsumerOptions): QueueConsumer {
  const { client, queueUrl, settings, workerId, handler, logger, metrics } = options;
  const failureReportTimeoutMs = options.failureReportTimeoutMs ?? 30_000;
  const abortSettleMs = options.abortSettleMs ?? 30_000;
  const taskMetrics = options.taskMetrics ?? noTaskMetrics;
  const slots = new PQueue({ concurrency: settings.concurrency });
  const running = new Map<string, AbortController>();
  const stopping = new AbortController();
  let consumer: Consumer | undefined;
  let deadLetters: DeadLetterQueue | undefined;
  let maxReceiveCount = 3;
  let failedPolls = 0;
  let health: Omit<HealthState, 'inFlight'> = {
    polling: false,
    lastPollAt: undefined,
    queueUrl,
    lastError: undefined,
  };

  const backoff = () => Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** Math.max(0, failedPolls - 1));

  async function setVisibility(message: Message, seconds: number): Promise<void> {
    await client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: message.ReceiptHandle,
        VisibilityTimeout: seconds,
      }),
    );
  }

  /**
   * Tells the handler (the issue) about a retry or dead-letter, best effort and bounded: a forge that does
   * not answer must not hold the task slot (and with it every later message) forever.
   */
  async function notify(handlerTask: TaskMessage | undefined, notice: FailureNotice, log: Logger) {
    if (!handlerTask || !handler.onFailure) return;
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${failureReportTimeoutMs} ms`)),
        failureReportTimeoutMs,
      );
    });
    try {
      await Promise.race([handler.onFailure(handlerTask, notice), limit]);
    } catch (error) {
      log.warn({ error }, 'could not report the failure on the issue');
    } finally {
      clearTimeout(timer);
    }
  }

  async function deadLetter(
    message: Message,
    task: TaskMessage | undefined,
    failure: { kind: FailureKind; reason: string; receiveCount: number },
    log: Logger,
  ): Promise<void> {
    await deadLetters!.send(message, queueUrl, { ...failure, workerId });
    metrics.deadLettered.inc({ kind: failure.kind });
    log.error(
      { failure_kind: failure.kind, reason: failure.reason, dlq: deadLetters!.url },
      'task moved to the dead-letter queue',
    );
    await notify(task, { kind: failure.kind, reason: failure.reason, next: { action: 'dead-letter' } }, log);
  }

  /** Runs one delivery of one message to its end: deleted, scheduled for retry, dead-lettered or released. */
  async function processMessage(message: Message): Promise<string> {
    const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? '1');
    const parsed = parseTaskMessage(message.Body ?? '');
    if (!parsed.ok) {
      const attribute = (name: string) => message.MessageAttributes?.[name]?.StringValue ?? null;
      const log = logger.child({
        issue_number: attribute('IssueNumber') === null ? null : Number(attribute('IssueNumber')),
        repository: attribute('Repository'),
        message_id: message.MessageId,
      });
      await deadLetter(message, undefined, { kind: 'permanent', reason: parsed.reason, receiveCount }, log);
      return 'dead-lettered';
    }
    const task = parsed.task;
    const log = taskLogger(logger, task).child({ message_id: message.MessageId });
    log.info({ receive_count: receiveCount }, 'task started');

    // Keeps the message hidden while the task runs; a task may take the full hour (docs/requirements.md#worker).
    const heartbeat = setInterval(() => {
      setVisibility(message, settings.visibilityTimeoutSeconds).catch((error: unknown) => {
        log.warn({ error }, 'heartbeat could not extend the message visibility');
      });
    }, settings.heartbeatIntervalSeconds * 1_000);
    try {
      for (let attempt = 1; ; attempt += 1) {
        const controller = new AbortController();
        running.set(message.MessageId!, controller);
        const deadline = setTimeout(
          () =>
            controller.abort(new TimeoutError(`the task ran longer than ${settings.taskTimeoutSeconds} s`)),
          settings.taskTimeoutSeconds * 1_000,
        );
        try {
          if (stopping.signal.aborted) controller.abort(new ShutdownAbort('the worker is shutting down'));
          const work = handler.handle(task, {
            messageId: message.MessageId!,
            receiveCount,
            signal: controller.signal,
            logger: log,
          });
          const outcome = await untilAborted(work, controller.signal, abortSettleMs, log);
          clearInterval(heartbeat);
          await client.send(
            new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
          );
          log.info({ outcome: outcome.status, detail: outcome.detail, url: outcome.url }, 'task finished');
          return outcome.status;
        } catch (thrown) {
          // After an abort the signal's reason is the truth, whatever the handler threw on its way out.
          const error = controller.signal.aborted ? controller.signal.reason : thrown;
          if (controller.signal.aborted && thrown !== controller.signal.reason) {
            log.debug({ error: thrown }, 'the handler stopped after its abort');
          }
          if (error instanceof ShutdownAbort) {
            clearInterval(heartbeat);
            await setVisibility(message, RELEASE_VISIBILITY_SECONDS);
            log.warn('task released for another delivery: the worker is shutting down');
            return 'released';
          }
          const kind = failureKind(error);
          const reason = errorMessage(error);
          const decision = decideRetry(
            { kind, receiveCount, attempt },
            { delaysSeconds: settings.retryDelaysSeconds, maxReceiveCount },
          );
          if (decision.action === 'retry-now') {
            metrics.retries.inc({ kind });
            log.warn({ failure_kind: kind, reason, attempt }, 'task failed; retrying now');
            await notify(task, { kind, reason, next: { action: 'retry', at: new Date() } }, log);
            continue;
          }
          clearInterval(heartbeat);
          if (decision.action === 'retry-later') {
            await setVisibility(message, decision.delaySeconds);
            metrics.retries.inc({ kind });
            log.warn(
              { failure_kind: kind, reason, attempt, retry_in_seconds: decision.delaySeconds },
              'task failed; retrying later',
            );
            const at = new Date(Date.now() + decision.delaySeconds * 1_000);
            await notify(task, { kind, reason, next: { action: 'retry', at } }, log);
            return 'retried';
          }
          await deadLetter(message, task, { kind, reason, receiveCount }, log);
          return 'dead-lettered';
        } finally {
          clearTimeout(deadline);
          running.delete(message.MessageId!);
        }
      }
    } finally {
      clearInterval(heartbeat);
    }
  }

  async function runTask(message: Message): Promise<void> {
    const started = performance.now();
    metrics.inFlight.inc();
    let outcome = 'error';
    try {
      outcome = await processMessage(message);
    } catch (error) {
      // A queue call failed mid-way (delete, visibility, DLQ send): the message is still in the queue and
      // comes back after its visibility timeout, so nothing is lost; the next delivery decides again.
      logger.error(
        { error, message_id: message.MessageId },
        'could not settle the message; it will reappear',
      );
    } finally {
      const elapsedMs = performance.now() - started;
      metrics.inFlight.dec();
      metrics.tasks.inc({ outcome });
      metrics.duration.observe({ outcome }, elapsedMs / 1_000);
      taskMetrics.recordTask(outcome, elapsedMs);
    }
  }

  /** Hands the message to a slot and returns once another slot is free (or shutdown began). */
  async function accept(message: Message): Promise<undefined> {
    if (stopping.signal.aborted) {
      // Arrived with the last long poll after shutdown began: give it straight back.
      await setVisibility(message, RELEASE_VISIBILITY_SECONDS).catch(() => undefined);
      return undefined;
    }
    void slots.add(() => runTask(message));
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
    // Never acknowledged here: runTask deletes, delays or dead-letters the message itself.
    return undefined;
  }

  async function sampleDepth(): Promise<void> {
    try {
      const { Attributes } = await client.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages'],
        }),
      );
      metrics.queueDepth.set(Number(Attributes?.ApproximateNumberOfMessages ?? 0));
    } catch {
      // The poll loop reports queue trouble; a missed sample only leaves the gauge stale.
    }
  }

  async function setUp(): Promise<void> {
    for (;;) {
      try {
        const target = await resolveDeadLetterTarget(client, queueUrl);
        deadLetters = createDeadLetterQueue(client, target.dlqUrl);
        maxReceiveCount = target.maxReceiveCount;
        const needed = deliveriesNeeded(settings.retryDelaysSeconds);
        if (maxReceiveCount < needed) {
          logger.warn(
            { max_receive_count: maxReceiveCount, needed },
            'the queue redrive maxReceiveCount is lower than the retry schedule needs: later retries go to the DLQ early; raise maxReceiveCount or shorten CW_RETRY_DELAYS',
          );
        }
        failedPolls = 0;
        return;
      } catch (error) {
        failedPolls += 1;
        health = { ...health, polling: false, lastError: errorMessage(error) };
        logger.error(
          { error, retry_in_ms: backoff() },
          'cannot read the task queue attributes; retrying (run codingworker doctor)',
        );
        await sleep(backoff(), undefined, { signal: stopping.signal }).catch(() => undefined);
        if (stopping.signal.aborted) return;
      }
    }
  }

  async function begin(): Promise<void> {
    await setUp();
    if (stopping.signal.aborted) return;
    consumer = Consumer.create({
      queueUrl,
      sqs: client,
      batchSize: 1,
      waitTimeSeconds: settings.waitTimeSeconds,
      visibilityTimeout: settings.visibilityTimeoutSeconds,
      messageAttributeNames: ['All'],
      messageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
      // The last long poll is awaited at shutdown so a message it brings is released, not stranded.
      pollingCompleteWaitTimeMs: (settings.waitTimeSeconds + 5) * 1_000,
      handleMessage: accept,
      preReceiveMessageCallback: async () => {
        if (failedPolls > 0)
          await sleep(backoff(), undefined, { signal: stopping.signal }).catch(() => undefined);
      },
      postReceiveMessageCallback: async () => {
        failedPolls = 0;
        health = { ...health, polling: true, lastPollAt: new Date(), lastError: undefined };
      },
    });
    consumer.on('error', (error) => {
      failedPolls += 1;
      health = { ...health, polling: false, lastError: errorMessage(error) };
      logger.error({ error, retry_in_ms: backoff() }, 'polling the task queue failed; backing off');
    });
    consumer.on('processing_error', (error) => {
      logger.error({ error }, 'unexpected error while handing a message to a task');
    });
    health = { ...health, polling: true };
    consumer.start();
    logger.info({ queue_url: queueUrl, concurrency: settings.concurrency }, 'polling the task queue');
    await sampleDepth();
    const sampler = setInterval(() => void sampleDepth(), DEPTH_SAMPLE_MS);
    sampler.unref();
    stopping.signal.addEventListener('abort', () => clearInterval(sampler), { once: true });
  }

  return {
    start() {
      void begin().catch((error: unknown) => {
        logger.error({ error }, 'the queue consumer stopped unexpectedly');
      });
    },

    async stop() {
      stopping.abort();
      health = { ...health, polling: false };
      const pollDone = consumer
        ? new Promise<void>((resolve) => {
            consumer!.once('stopped', () => resolve());
            consumer!.stop();
          })
        : Promise.resolve();
      if (slots.pending > 0) {
        logger.info(
          { in_flight: slots.pending, grace_seconds: settings.shutdownGraceSeconds },
          'waiting for running tasks to finish',
        );
        const grace = new AbortController();
        const graceOver = sleep(settings.shutdownGraceSeconds * 1_000, 'grace-over', {
          signal: grace.signal,
        });
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
      await pollDone;
    },

    state: () => ({ ...health, inFlight: slots.pending }),
  };
}
