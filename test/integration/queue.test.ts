// The queue consumer against a real SQS emulator (fauxqs) with the real AWS SDK, timings scaled down
// through settings: long poll, heartbeat, the retry schedule, the dead-letter queue, timeout, concurrency.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { createLogger } from '../../worker/core/logger.ts';
import { loadSettings } from '../../worker/core/settings.ts';
import type { TaskMetrics } from '../../worker/daemon/cloudwatch-metrics.ts';
import { createMetrics, type Metrics } from '../../worker/daemon/health-server.ts';
import { createQueueConsumer, type QueueConsumer } from '../../worker/queue/consumer.ts';
import type { TaskHandler } from '../../worker/queue/task-handler.ts';
import { recordedEvents } from '../support/daemon-process.ts';
import { createTestHandler, type TestHandlerName } from '../support/daemon-test-handler.ts';
import { type SqsEmulator, startSqsEmulator } from '../support/sqs-emulator.ts';
import { eventually, queueCount, receiveAll, sendRaw, sendTask } from '../support/task-messages.ts';

interface Harness {
  emulator: SqsEmulator;
  client: SQSClient;
  consumer: QueueConsumer;
  metrics: Metrics;
  lines: Array<Record<string, unknown>>;
  record: string;
  /** Every SQS command the consumer sent: name and input. */
  commands: Array<{ name: string; input: Record<string, unknown>; at: number }>;
}

let harness: Harness | undefined;

async function startConsumer(
  handlerName: TestHandlerName,
  env: Record<string, string> = {},
  workMs = 1_000,
  options: {
    onFailure?: TaskHandler['onFailure'];
    failureReportTimeoutMs?: number;
    abortSettleMs?: number;
    cleanupMs?: number;
    taskMetrics?: TaskMetrics;
  } = {},
): Promise<Harness> {
  const emulator = await startSqsEmulator();
  const settings = loadSettings({
    CW_QUEUE_URL: emulator.queueUrl,
    CW_WAIT_TIME_SECONDS: '1',
    CW_VISIBILITY_TIMEOUT: '5',
    CW_HEARTBEAT_INTERVAL: '3',
    CW_RETRY_DELAYS: '0,1,2',
    CW_SHUTDOWN_GRACE: '1',
    CW_WORKER_ID: 'queue-test',
    ...env,
  });
  const lines: Array<Record<string, unknown>> = [];
  const stdout = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const { logger } = await createLogger({
    workerId: settings.workerId,
    level: 'debug',
    retentionDays: 7,
    stdout,
  });
  const client = emulator.client();
  const commands: Harness['commands'] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      commands.push({
        name: String(context.commandName),
        input: args.input as Record<string, unknown>,
        at: Date.now(),
      });
      return next(args);
    },
    { step: 'initialize' },
  );
  const record = join(mkdtempSync(join(tmpdir(), 'cw-queue-')), 'events.jsonl');
  const metrics = createMetrics();
  const consumer = createQueueConsumer({
    client,
    queueUrl: emulator.queueUrl,
    settings: settings.queue,
    workerId: settings.workerId,
    handler: {
      ...createTestHandler(handlerName, {
        recordFile: record,
        workMs,
        ...(options.cleanupMs ? { cleanupMs: options.cleanupMs } : {}),
      }),
      ...(options.onFailure ? { onFailure: options.onFailure } : {}),
    },
    logger,
    metrics,
    ...(options.failureReportTimeoutMs ? { failureReportTimeoutMs: options.failureReportTimeoutMs } : {}),
    ...(options.abortSettleMs ? { abortSettleMs: options.abortSettleMs } : {}),
    ...(options.taskMetrics ? { taskMetrics: options.taskMetrics } : {}),
  });
  consumer.start();
  harness = { emulator, client, consumer, metrics, lines, record, commands };
  return harness;
}

const events = (h: Harness, event: string) => recordedEvents(h.record).filter((item) => item.event === event);
const visibilityChanges = (h: Harness) =>
  h.commands.filter((command) => command.name === 'ChangeMessageVisibilityCommand');

describe('queue consumer on fauxqs', () => {
  beforeEach(() => {
    harness = undefined;
  });
  afterEach(async () => {
    await harness?.consumer.stop();
    await harness?.emulator.stop();
  });

  test('long-polls: a message sent mid-poll is taken at once, without a burst of receives', async () => {
    const h = await startConsumer('complete', { CW_WAIT_TIME_SECONDS: '2' });
    await eventually(
      () => h.consumer.state().polling && h.consumer.state().lastPollAt !== undefined,
      5_000,
      'a poll',
    );
    const sentAt = Date.now();
    await sendTask(h.client, h.emulator.queueUrl, 11);
    await eventually(() => events(h, 'done').length === 1, 5_000, 'the task');
    const latency = (events(h, 'start')[0]!.at as number) - sentAt;
    assert.ok(latency < 1_500, `taken ${latency} ms after sending`);
    const receives = h.commands.filter((command) => command.name === 'ReceiveMessageCommand');
    assert.ok(receives.every((command) => command.input.WaitTimeSeconds === 2));
    const elapsedSeconds = (Date.now() - receives[0]!.at) / 1_000;
    assert.ok(
      receives.length <= elapsedSeconds / 2 + 3,
      `${receives.length} receives in ${elapsedSeconds} s`,
    );
    await eventually(
      async () => (await queueCount(h.client, h.emulator.queueUrl)) === 0,
      5_000,
      'the delete',
    );
  });

  test('heartbeat keeps a long task invisible past the visibility timeout, then it is deleted once', async () => {
    const h = await startConsumer('slow', { CW_VISIBILITY_TIMEOUT: '2', CW_HEARTBEAT_INTERVAL: '1' }, 4_500);
    await sendTask(h.client, h.emulator.queueUrl, 12);
    await eventually(() => events(h, 'start').length === 1, 5_000, 'the start');
    // 3.5 s into a task whose message is received with a 2 s visibility timeout.
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    assert.deepEqual(
      await receiveAll(h.client, h.emulator.queueUrl),
      [],
      'the message became visible mid-task',
    );
    await eventually(() => events(h, 'done').length === 1, 8_000, 'the end of the task');
    assert.ok(visibilityChanges(h).length >= 3, `only ${visibilityChanges(h).length} heartbeats`);
    assert.ok(visibilityChanges(h).every((command) => command.input.VisibilityTimeout === 2));
    await eventually(
      async () => (await queueCount(h.client, h.emulator.queueUrl)) === 0,
      5_000,
      'the delete',
    );
    assert.equal(events(h, 'start').length, 1);
  });

  test('transient failures follow the schedule (now, +1 s, +2 s) then reach the DLQ with the reason', async () => {
    const h = await startConsumer('transient');
    await sendTask(h.client, h.emulator.queueUrl, 13);
    await eventually(async () => (await queueCount(h.client, h.emulator.dlqUrl)) === 1, 15_000, 'the DLQ');
    const starts = events(h, 'start');
    assert.deepEqual(
      starts.map((start) => start.receiveCount),
      [1, 1, 2, 3],
    );
    const gaps = starts.slice(1).map((start, index) => (start.at as number) - (starts[index]!.at as number));
    assert.ok(gaps[0]! < 500, `immediate retry took ${gaps[0]} ms`);
    assert.ok(gaps[1]! >= 900 && gaps[1]! < 2_500, `first delayed retry after ${gaps[1]} ms, expected ~1000`);
    assert.ok(
      gaps[2]! >= 1_900 && gaps[2]! < 3_500,
      `second delayed retry after ${gaps[2]} ms, expected ~2000`,
    );
    assert.deepEqual(
      visibilityChanges(h).map((command) => command.input.VisibilityTimeout),
      [1, 2],
    );
    const [dead] = await receiveAll(h.client, h.emulator.dlqUrl);
    const attribute = (name: string) => dead!.MessageAttributes?.[name]?.StringValue;
    assert.equal(attribute('FailureKind'), 'transient');
    assert.equal(attribute('FailureReason'), 'the model server is unreachable (test)');
    assert.equal(attribute('WorkerId'), 'queue-test');
    assert.equal(attribute('ReceiveCount'), '3');
    assert.equal(attribute('IssueNumber'), '13', 'the original attributes travel with it');
    assert.ok(!Number.isNaN(Date.parse(attribute('FailedAt')!)));
    assert.equal(await queueCount(h.client, h.emulator.queueUrl), 0);
    assert.deepEqual(
      events(h, 'failure').map((failure) => failure.next),
      ['retry', 'retry', 'retry', 'dead-letter'],
    );
    const metrics = await h.metrics.registry.metrics();
    assert.match(metrics, /codingworker_retries_total\{kind="transient"\} 3/);
    assert.match(metrics, /codingworker_dead_lettered_total\{kind="transient"\} 1/);
  });

  test('a message that is not JSON reaches the DLQ once, with its reason and an ERROR line; polling goes on', async () => {
    const h = await startConsumer('complete');
    await sendRaw(h.client, h.emulator.queueUrl, 'this is not json');
    await eventually(async () => (await queueCount(h.client, h.emulator.dlqUrl)) === 1, 5_000, 'the DLQ');
    const error = h.lines.find((line) => line.level === 'ERROR')!;
    for (const field of ['timestamp', 'level', 'message', 'issue_number', 'repository', 'worker_id']) {
      assert.ok(field in error, `ERROR line lacks ${field}: ${JSON.stringify(error)}`);
    }
    assert.equal(error.worker_id, 'queue-test');
    assert.match(String(error.reason), /not JSON/);
    const [dead] = await receiveAll(h.client, h.emulator.dlqUrl);
    assert.equal(dead!.Body, 'this is not json');
    assert.equal(dead!.MessageAttributes?.FailureKind?.StringValue, 'permanent');
    assert.match(dead!.MessageAttributes?.FailureReason?.StringValue ?? '', /message body is not JSON/);
    await sendTask(h.client, h.emulator.queueUrl, 14);
    await eventually(() => events(h, 'done').length === 1, 5_000, 'the next task');
    assert.equal(events(h, 'start').length, 1, 'the bad message never reached the handler');
  });

  test('a permanent failure goes to the DLQ at once, after one run', async () => {
    const h = await startConsumer('permanent');
    await sendTask(h.client, h.emulator.queueUrl, 15);
    await eventually(async () => (await queueCount(h.client, h.emulator.dlqUrl)) === 1, 5_000, 'the DLQ');
    assert.equal(events(h, 'start').length, 1);
    const [dead] = await receiveAll(h.client, h.emulator.dlqUrl);
    assert.equal(dead!.MessageAttributes?.FailureKind?.StringValue, 'permanent');
    assert.equal(dead!.MessageAttributes?.ReceiveCount?.StringValue, '1');
  });

  test('each finished task is handed to the CloudWatch publisher with its outcome and duration', async () => {
    const recorded: Array<{ outcome: string; durationMs: number }> = [];
    const taskMetrics: TaskMetrics = {
      recordTask: (outcome, durationMs) => recorded.push({ outcome, durationMs }),
      flush: async () => {},
      close: async () => {},
    };
    const h = await startConsumer('slow', {}, 200, { taskMetrics });
    await sendTask(h.client, h.emulator.queueUrl, 19);
    await eventually(() => recorded.length === 1, 5_000, 'a recorded task');
    assert.equal(recorded[0]?.outcome, 'completed');
    assert.ok((recorded[0]?.durationMs ?? 0) >= 200, `${recorded[0]?.durationMs} ms covers the work`);
  });

  test('a failure report that never answers does not hold the task slot: the next task still runs', async () => {
    let told = 0;
    const h = await startConsumer('permanent', {}, 1_000, {
      onFailure: () => {
        told += 1;
        return new Promise<void>(() => {});
      },
      failureReportTimeoutMs: 300,
    });
    await sendTask(h.client, h.emulator.queueUrl, 17);
    await sendTask(h.client, h.emulator.queueUrl, 18);
    // With one slot, the second task can only run once the first one's stuck report was given up on.
    await eventually(
      async () => (await queueCount(h.client, h.emulator.dlqUrl)) === 2,
      8_000,
      'both in the DLQ',
    );
    assert.equal(events(h, 'start').length, 2);
    // The move to the DLQ comes before the notice, so the second notice may still be on its way.
    await eventually(() => told === 2, 3_000, 'the issue told of each failure');
    await eventually(
      () =>
        h.lines.filter((line) => line.message === 'could not report the failure on the issue').length === 2,
      3_000,
      'a WARN for each unanswered report',
    );
  });

  test('the hard timeout aborts the task and dead-letters it as a timeout', async () => {
    const h = await startConsumer('slow', { CW_TASK_TIMEOUT: '1' }, 10_000);
    await sendTask(h.client, h.emulator.queueUrl, 16);
    await eventually(async () => (await queueCount(h.client, h.emulator.dlqUrl)) === 1, 6_000, 'the DLQ');
    assert.equal(events(h, 'aborted').length, 1, 'the handler saw its signal abort');
    const [dead] = await receiveAll(h.client, h.emulator.dlqUrl);
    assert.equal(dead!.MessageAttributes?.FailureKind?.StringValue, 'timeout');
    assert.match(dead!.MessageAttributes?.FailureReason?.StringValue ?? '', /longer than 1 s/);
    assert.ok(h.lines.some((line) => line.level === 'ERROR' && line.failure_kind === 'timeout'));
  });

  test('a timed-out task is dead-lettered only after it has cleaned up, so nothing of it is left', async () => {
    const h = await startConsumer('slow-cleanup', { CW_TASK_TIMEOUT: '1' }, 10_000, { cleanupMs: 1_500 });
    await sendTask(h.client, h.emulator.queueUrl, 18);
    await eventually(async () => (await queueCount(h.client, h.emulator.dlqUrl)) === 1, 8_000, 'the DLQ');
    assert.equal(events(h, 'cleaned').length, 1, 'the clean-up finished before the task was given up');
  });

  test('a handler that ignores its abort signal still cannot hold the task past the timeout', async () => {
    const h = await startConsumer('ignore-abort', { CW_TASK_TIMEOUT: '1' }, 4_000, { abortSettleMs: 500 });
    const sentAt = Date.now();
    await sendTask(h.client, h.emulator.queueUrl, 17);
    await eventually(async () => (await queueCount(h.client, h.emulator.dlqUrl)) === 1, 6_000, 'the DLQ');
    assert.ok(Date.now() - sentAt < 3_500, 'the consumer waited for the handler instead of the timeout');
  });

  test('concurrency 2 runs two tasks at once; concurrency 1 runs them one after the other', async () => {
    for (const [concurrency, overlapping] of [
      ['2', true],
      ['1', false],
    ] as const) {
      const h = await startConsumer('slow', { CW_CONCURRENCY: concurrency }, 1_500);
      await sendTask(h.client, h.emulator.queueUrl, 21);
      await sendTask(h.client, h.emulator.queueUrl, 22);
      await eventually(() => events(h, 'done').length === 2, 10_000, 'both tasks');
      const [first, second] = events(h, 'start');
      const firstDone = events(h, 'done')[0]!;
      assert.equal(
        (second!.at as number) < (firstDone.at as number),
        overlapping,
        `concurrency ${concurrency}: second started ${(second!.at as number) - (first!.at as number)} ms after the first`,
      );
      if (concurrency === '1') {
        // No message is received while the only slot is busy: none waits invisibly behind another task.
        const receivesDuringFirst = h.commands.filter(
          (command) =>
            command.name === 'ReceiveMessageCommand' &&
            command.at > (first!.at as number) &&
            command.at < (firstDone.at as number),
        );
        assert.equal(receivesDuringFirst.length, 0);
      }
      await h.consumer.stop();
      await h.emulator.stop();
      harness = undefined;
    }
  });
});
