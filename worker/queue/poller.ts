// The long poll: sqs-consumer receives one message at a time and hands it to the consumer; this file adds
// the back-off after failures, the health the daemon reports, the start-up lookup of the dead-letter
// queue, and the queue-depth gauge.
import { setTimeout as sleep } from 'node:timers/promises';
import { GetQueueAttributesCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from 'pino';
import { Consumer } from 'sqs-consumer';
import { errorMessage } from '../core/errors.ts';
import type { Settings } from '../core/settings.ts';
import type { HealthState, Metrics } from '../daemon/health-server.ts';
import { type DeadLetterTarget, resolveDeadLetterTarget } from './dead-letter.ts';
import { deliveriesNeeded } from './retry-policy.ts';

/** Back-off after a failed poll or setup step: 1 s doubling to 60 s, so a dead network is not hammered. */
const BACKOFF_START_MS = 1_000;
const BACKOFF_MAX_MS = 60_000;
/** How often queue depth is sampled for /metrics. */
const DEPTH_SAMPLE_MS = 15_000;

export type PollHealth = Omit<HealthState, 'inFlight'>;

/** Failures in a row (setup or poll) and the health they leave; the back-off grows with the failures. */
export interface PollState {
  failed(error: unknown): void;
  /** A setup step worked: the back-off starts over. */
  recovered(): void;
  received(): void;
  setPolling(polling: boolean): void;
  backoffMs(): number;
  failing(): boolean;
  health(): PollHealth;
}

export function createPollState(queueUrl: string): PollState {
  let failures = 0;
  let health: PollHealth = { polling: false, lastPollAt: undefined, queueUrl, lastError: undefined };
  return {
    failed(error) {
      failures += 1;
      health = { ...health, polling: false, lastError: errorMessage(error) };
    },
    recovered() {
      failures = 0;
    },
    received() {
      failures = 0;
      health = { ...health, polling: true, lastPollAt: new Date(), lastError: undefined };
    },
    setPolling(polling) {
      health = { ...health, polling };
    },
    backoffMs: () => Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** Math.max(0, failures - 1)),
    failing: () => failures > 0,
    health: () => health,
  };
}

export interface PollerOptions {
  client: SQSClient;
  queueUrl: string;
  settings: Settings['queue'];
  logger: Logger;
  metrics: Metrics;
  state: PollState;
  /** Aborted when the daemon begins to shut down. */
  stopping: AbortSignal;
}

const pause = (ms: number, signal: AbortSignal) => sleep(ms, undefined, { signal }).catch(() => undefined);

/**
 * Finds the dead-letter queue, retrying with back-off while the queue is unreachable. Undefined when
 * shutdown began first.
 */
export async function findDeadLetterTarget(options: PollerOptions): Promise<DeadLetterTarget | undefined> {
  const { client, queueUrl, settings, logger, state, stopping } = options;
  for (;;) {
    try {
      const target = await resolveDeadLetterTarget(client, queueUrl);
      const needed = deliveriesNeeded(settings.retryDelaysSeconds);
      if (target.maxReceiveCount < needed) {
        logger.warn(
          { max_receive_count: target.maxReceiveCount, needed },
          'the queue redrive maxReceiveCount is lower than the retry schedule needs: later retries go to the DLQ early; raise maxReceiveCount or shorten CW_RETRY_DELAYS',
        );
      }
      state.recovered();
      return target;
    } catch (error) {
      state.failed(error);
      logger.error(
        { error, retry_in_ms: state.backoffMs() },
        'cannot read the task queue attributes; retrying (run codingworker doctor)',
      );
      await pause(state.backoffMs(), stopping);
      if (stopping.aborted) return undefined;
    }
  }
}

async function sampleDepth(options: PollerOptions): Promise<void> {
  try {
    const { Attributes } = await options.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: options.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    options.metrics.queueDepth.set(Number(Attributes?.ApproximateNumberOfMessages ?? 0));
  } catch {
    // The poll loop reports queue trouble; a missed sample only leaves the gauge stale.
  }
}

export interface Poller {
  /** Stops receiving; resolves once the last long poll has come back. */
  stop(): Promise<void>;
}

/** Starts the long poll; each message goes to handleMessage, which is never expected to acknowledge it. */
export function startPolling(
  options: PollerOptions,
  handleMessage: (message: Message) => Promise<undefined>,
): Poller {
  const { client, queueUrl, settings, logger, state, stopping } = options;
  const consumer = Consumer.create({
    queueUrl,
    sqs: client,
    batchSize: 1,
    waitTimeSeconds: settings.waitTimeSeconds,
    visibilityTimeout: settings.visibilityTimeoutSeconds,
    messageAttributeNames: ['All'],
    messageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
    // The last long poll is awaited at shutdown so a message it brings is released, not stranded.
    pollingCompleteWaitTimeMs: (settings.waitTimeSeconds + 5) * 1_000,
    handleMessage,
    preReceiveMessageCallback: async () => {
      if (state.failing()) await pause(state.backoffMs(), stopping);
    },
    postReceiveMessageCallback: async () => state.received(),
  });
  consumer.on('error', (error) => {
    state.failed(error);
    logger.error({ error, retry_in_ms: state.backoffMs() }, 'polling the task queue failed; backing off');
  });
  consumer.on('processing_error', (error) => {
    logger.error({ error }, 'unexpected error while handing a message to a task');
  });
  state.setPolling(true);
  consumer.start();
  logger.info({ queue_url: queueUrl, concurrency: settings.concurrency }, 'polling the task queue');
  void sampleDepth(options);
  const sampler = setInterval(() => void sampleDepth(options), DEPTH_SAMPLE_MS);
  sampler.unref();
  stopping.addEventListener('abort', () => clearInterval(sampler), { once: true });
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        consumer.once('stopped', () => resolve());
        consumer.stop();
      }),
  };
}
