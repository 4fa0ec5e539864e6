// The daemon, composed: settings -> logger -> queue (embedded or SQS) -> handler -> health. It keeps
// running whatever the outside world does (queue, Ollama or GitHub down): it warns, backs off and retries.
import type { Logger } from 'pino';
import { regionFromQueueUrl } from '../../action/queue-url.ts';
import { diskProblem } from '../core/free-space.ts';
import { createLogger } from '../core/logger.ts';
import type { Settings } from '../core/settings.ts';
import { createQueueConsumer } from '../queue/consumer.ts';
import { openQueue } from '../queue/sqs-client.ts';
import type { TaskHandler } from '../queue/task-handler.ts';
import { createTaskMetrics, noTaskMetrics } from './cloudwatch-metrics.ts';
import { createTaskHandler } from './compose.ts';
import { allChecks, formatResult, runChecks } from './doctor.ts';
import { createMetrics, type HealthServer, startHealthServer } from './health-server.ts';

export interface DaemonOptions {
  /** The task handler. Default: createTaskHandler from worker/daemon/compose.ts. */
  handler?: (settings: Settings, logger: Logger) => TaskHandler | Promise<TaskHandler>;
  /** Where log lines go besides CW_LOG_FILE. Default process.stdout. */
  stdout?: { write(chunk: string): unknown };
  /** Skip the start-up dependency checks (tests that have no Ollama/GitHub and do not care). Default false. */
  skipChecks?: boolean;
}

export interface Daemon {
  queueUrl: string;
  /** The health/metrics port actually bound, or undefined when CW_HEALTH_PORT is 0. */
  healthPort: number | undefined;
  logger: Logger;
  /** Graceful stop: no new messages, running tasks get the grace period, then are released. */
  stop(): Promise<void>;
}

export async function startDaemon(settings: Settings, options: DaemonOptions = {}): Promise<Daemon> {
  const { logger, close: closeLog } = await createLogger({
    workerId: settings.workerId,
    level: settings.log.level,
    file: settings.log.file,
    retentionDays: settings.log.retentionDays,
    ...(options.stdout ? { stdout: options.stdout } : {}),
  });

  const { client, queueUrl, embedded, close: closeQueue } = await openQueue(settings, logger);

  const metrics = createMetrics();
  // CloudWatch only for a real SQS queue: the embedded queue is a local trial with no AWS account.
  const taskMetrics = !embedded
    ? createTaskMetrics(
        {
          namespace: settings.health.cloudwatchNamespace,
          region: settings.queue.region ?? regionFromQueueUrl(queueUrl),
        },
        logger,
      )
    : noTaskMetrics;
  const handler = await (options.handler ?? createTaskHandler)(settings, logger);
  const consumer = createQueueConsumer({
    client,
    queueUrl,
    settings: settings.queue,
    workerId: settings.workerId,
    handler,
    logger,
    metrics,
    taskMetrics,
  });
  let health: HealthServer | undefined;
  if (settings.health.port !== 0) {
    health = await startHealthServer(settings.health.port, metrics, consumer.state, () =>
      diskProblem(settings.agent.workDir, undefined, settings.agent.minFreeMb * 1024 ** 2),
    );
    logger.info({ url: `http://127.0.0.1:${health.port}/healthz` }, 'health and metrics listening');
  }
  consumer.start();

  if (!options.skipChecks) {
    // Dependencies are reported, never waited for: tasks that arrive while one is down fail as transient
    // and are retried on the schedule.
    void runChecks(allChecks(settings, logger)).then((results) => {
      for (const result of results) {
        if (!result.ok) logger.warn({ check: result.name, fix: result.fix }, formatResult(result));
      }
    });
  }

  let stopped: Promise<void> | undefined;
  return {
    queueUrl,
    healthPort: health?.port,
    logger,
    stop() {
      stopped ??= (async () => {
        logger.info('shutting down: no new tasks');
        await consumer.stop();
        await taskMetrics.close();
        await health?.close();
        await closeQueue();
        logger.info('stopped');
        await closeLog();
      })();
      return stopped;
    },
  };
}

/** SIGTERM/SIGINT stop the daemon gracefully; a second signal exits at once (messages reappear later). */
export function stopOnSignals(daemon: Daemon): Promise<void> {
  return new Promise((resolve) => {
    let signalled = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (signalled) {
        daemon.logger.warn(
          { signal },
          'second signal: exiting now; running tasks reappear after their visibility timeout',
        );
        process.exit(130);
      }
      signalled = true;
      daemon.logger.info({ signal }, 'signal received');
      void daemon.stop().then(resolve);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
