// Opt-in CloudWatch metrics (docs/requirements.md#monitoring): how long tasks take and how they end, published under
// CW_CLOUDWATCH_NAMESPACE. Queue depth and the age of the oldest task need nothing from the worker: SQS
// reports them to CloudWatch itself (AWS/SQS). The local Prometheus endpoint (health-server.ts) is separate.
//
// Deliberately small: samples are aggregated per outcome in memory and sent once a minute as statistic
// sets, so one PutMetricData call carries a minute of work and the metric count stays inside CloudWatch's
// free tier (TaskDuration plus one Tasks metric per outcome). Publishing never blocks or fails a task.
import {
  CloudWatchClient,
  PutMetricDataCommand,
  type PutMetricDataCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { errorMessage } from '../core/errors.ts';

export interface TaskMetrics {
  /**
   * Records one finished delivery: its outcome as the queue consumer names it (completed, already-done,
   * skipped, retried, dead-lettered, released, error) and how long it took. Never throws, never waits.
   */
  recordTask(outcome: string, durationMs: number): void;
  /** Sends what is buffered now. Failures are logged and the samples dropped; it never throws. */
  flush(): Promise<void>;
  /** Stops the timer and sends what is left (call it on shutdown). */
  close(): Promise<void>;
}

/** The part of the worker's pino logger used here. */
export interface MetricsLogger {
  warn(meta: object, message: string): void;
  debug(meta: object, message: string): void;
}

/** The part of CloudWatchClient used here, so tests can pass a fake. */
export interface PutMetricDataClient {
  send(command: PutMetricDataCommand): Promise<unknown>;
}

export interface CloudWatchMetricsOptions {
  /** CW_CLOUDWATCH_NAMESPACE; IAM allows PutMetricData for this namespace only (infra/). */
  namespace: string;
  /** AWS_REGION. Default: the SDK's own resolution (AWS_REGION, the profile). */
  region?: string | undefined;
  /** Seconds between sends. Default 60, CloudWatch's standard resolution. */
  flushIntervalSeconds?: number;
  logger?: MetricsLogger;
  /** Default: a CloudWatchClient; it honours AWS_ENDPOINT_URL_CLOUDWATCH like every AWS SDK client. */
  client?: PutMetricDataClient;
}

interface Aggregate {
  count: number;
  sum: number;
  min: number;
  max: number;
}

/** A publisher that does nothing: what the daemon uses when CW_CLOUDWATCH_NAMESPACE is unset. */
export const noTaskMetrics: TaskMetrics = {
  recordTask() {},
  async flush() {},
  async close() {},
};

export function createCloudWatchMetrics(options: CloudWatchMetricsOptions): TaskMetrics {
  const client = options.client ?? new CloudWatchClient(options.region ? { region: options.region } : {});
  const pending = new Map<string, Aggregate>();
  let sending: Promise<void> = Promise.resolve();

  function recordTask(outcome: string, durationMs: number): void {
    if (!Number.isFinite(durationMs) || durationMs < 0) return;
    const aggregate = pending.get(outcome);
    if (aggregate) {
      aggregate.count += 1;
      aggregate.sum += durationMs;
      aggregate.min = Math.min(aggregate.min, durationMs);
      aggregate.max = Math.max(aggregate.max, durationMs);
    } else {
      pending.set(outcome, { count: 1, sum: durationMs, min: durationMs, max: durationMs });
    }
  }

  function takeBatch(): PutMetricDataCommandInput | undefined {
    if (pending.size === 0) return undefined;
    const timestamp = new Date();
    const all: Aggregate = { count: 0, sum: 0, min: Number.POSITIVE_INFINITY, max: 0 };
    const data: NonNullable<PutMetricDataCommandInput['MetricData']> = [];
    for (const [outcome, aggregate] of pending) {
      data.push({
        MetricName: 'Tasks',
        Dimensions: [{ Name: 'Outcome', Value: outcome }],
        Timestamp: timestamp,
        Unit: 'Count',
        Value: aggregate.count,
      });
      all.count += aggregate.count;
      all.sum += aggregate.sum;
      all.min = Math.min(all.min, aggregate.min);
      all.max = Math.max(all.max, aggregate.max);
    }
    pending.clear();
    data.push({
      MetricName: 'TaskDuration',
      Timestamp: timestamp,
      Unit: 'Milliseconds',
      StatisticValues: { SampleCount: all.count, Sum: all.sum, Minimum: all.min, Maximum: all.max },
    });
    return { Namespace: options.namespace, MetricData: data };
  }

  async function send(batch: PutMetricDataCommandInput): Promise<void> {
    try {
      await client.send(new PutMetricDataCommand(batch));
      options.logger?.debug(
        { namespace: options.namespace, metrics: batch.MetricData?.length },
        'metrics sent',
      );
    } catch (error) {
      // Metrics must never cost a task: drop this minute and say what to check.
      options.logger?.warn(
        { namespace: options.namespace, error: errorMessage(error) },
        'CloudWatch metrics not sent: check the worker may call cloudwatch:PutMetricData for this namespace (Terraform worker_metrics_namespace) and AWS_REGION',
      );
    }
  }

  function flush(): Promise<void> {
    const batch = takeBatch();
    if (batch) sending = sending.then(() => send(batch));
    return sending;
  }

  const timer = setInterval(() => void flush(), (options.flushIntervalSeconds ?? 60) * 1_000);
  timer.unref();

  return {
    recordTask,
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}

/**
 * The daemon's entry point: CloudWatch when CW_CLOUDWATCH_NAMESPACE is set, otherwise nothing. Pass the
 * region the SQS client uses (AWS_REGION, else the one in the queue URL) so both talk to the same region.
 */
export function createTaskMetrics(
  options: { namespace?: string | undefined; region?: string | undefined },
  logger?: MetricsLogger,
): TaskMetrics {
  if (!options.namespace) return noTaskMetrics;
  return createCloudWatchMetrics({
    namespace: options.namespace,
    region: options.region,
    ...(logger ? { logger } : {}),
  });
}
