// `codingworker doctor`: runs every Check (worker/daemon/doctor-check.ts) and prints one line each with the fix.
// The queue check lives here; the sandbox, model and GitHub modules export their own check(), gathered by
// jobChecks in worker/daemon/compose.ts. `codingworker start` runs the same list and warns on failures,
// because the daemon keeps polling even when a dependency is down.
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type Logger, pino } from 'pino';
import { errorMessage } from '../core/errors.ts';
import { freeSpaceCheck } from '../core/free-space.ts';
import type { Settings } from '../core/settings.ts';
import { resolveDeadLetterTarget } from '../queue/dead-letter.ts';
import { TASK_QUEUE_ATTRIBUTES } from '../queue/embedded-queue.ts';
import { deliveriesNeeded } from '../queue/retry-policy.ts';
import { configuredQueue } from '../queue/sqs-client.ts';
import { jobChecks } from './compose.ts';
import type { Check, CheckResult } from './doctor-check.ts';

/** The task queue is reachable, has a dead-letter queue, and its attributes fit the worker's settings. */
export function queueCheck(settings: Settings, client?: SQSClient): Check {
  return async (): Promise<CheckResult> => {
    const target = configuredQueue(settings);
    const sqs = client ?? target.client;
    const name = 'queue';
    try {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: target.queueUrl, AttributeNames: ['All'] }),
      );
      const dlq = await resolveDeadLetterTarget(sqs, target.queueUrl);
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.dlqUrl, AttributeNames: ['QueueArn'] }));
      const problems: string[] = [];
      const needed = deliveriesNeeded(settings.queue.retryDelaysSeconds);
      if (dlq.maxReceiveCount < needed) {
        problems.push(
          `maxReceiveCount ${dlq.maxReceiveCount} is below the ${needed} deliveries CW_RETRY_DELAYS needs: ${
            target.embedded
              ? `the embedded queue allows ${dlq.maxReceiveCount}; give CW_RETRY_DELAYS at most ${dlq.maxReceiveCount - 1} non-zero delays, or use an SQS queue with maxReceiveCount ${needed}`
              : `set maxReceiveCount to ${needed} in the queue's redrive policy (maxReceiveCount in infra/queues.tf)`
          }`,
        );
      }
      const visibility = Number(Attributes?.VisibilityTimeout ?? 0);
      if (visibility < settings.queue.heartbeatIntervalSeconds) {
        problems.push(
          `the queue's VisibilityTimeout ${visibility} s is below the heartbeat ${settings.queue.heartbeatIntervalSeconds} s: set it to ${TASK_QUEUE_ATTRIBUTES.VisibilityTimeout}`,
        );
      }
      const detail = `${target.queueUrl} (${Attributes?.ApproximateNumberOfMessages ?? '?'} waiting, DLQ ${dlq.dlqUrl}, maxReceiveCount ${dlq.maxReceiveCount})`;
      if (problems.length > 0) return { name, ok: false, detail, fix: problems.join('; ') };
      return { name, ok: true, detail };
    } catch (error) {
      return {
        name,
        ok: false,
        detail: `${target.queueUrl}: ${errorMessage(error)}`,
        fix: target.embedded
          ? 'start the worker first (codingworker start), or set CW_QUEUE_URL to an SQS queue'
          : 'check CW_QUEUE_URL, AWS_REGION, AWS credentials (aws sts get-caller-identity) and AWS_ENDPOINT_URL_SQS',
      };
    }
  };
}

/** Every check the worker knows: the queue, free space under CW_WORK_DIR, then the job's own (Docker, the model, GitHub). */
export function allChecks(settings: Settings, logger: Logger = pino({ level: 'silent' })): Check[] {
  return [
    queueCheck(settings),
    freeSpaceCheck(settings.agent.workDir, undefined, settings.agent.minFreeMb * 1024 ** 2),
    ...jobChecks(settings, logger),
  ];
}

/** Runs the checks in order; a check that throws counts as failed. */
export async function runChecks(checks: Check[]): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of checks) {
    try {
      results.push(...[await check()].flat());
    } catch (error) {
      results.push({
        name: check.name || 'check',
        ok: false,
        detail: errorMessage(error),
        fix: 'see the message',
      });
    }
  }
  return results;
}

/** "PASS queue ..." / "FAIL queue ... -> fix: ..." / "WARN ...". */
export function formatResult(result: CheckResult): string {
  if (result.ok) return `PASS ${result.name}: ${result.detail}`;
  const label = result.severity === 'warning' ? 'WARN' : 'FAIL';
  return `${label} ${result.name}: ${result.detail}${result.fix ? ` -> fix: ${result.fix}` : ''}`;
}

/** True when no check failed with error severity (warnings do not fail doctor). */
export function allPassed(results: CheckResult[]): boolean {
  return results.every((result) => result.ok || result.severity === 'warning');
}
