// Real daemon processes (test/support/daemon-entry.ts: startDaemon + signal handling, a test handler)
// against fauxqs: kill -9 mid-task loses nothing and the task completes once; SIGTERM lets a task finish
// within the grace period or releases it; a non-JSON message is dead-lettered while the daemon keeps running.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { type DaemonProcess, fastDaemonEnv, recordedEvents, spawnDaemon } from '../support/daemon-process.ts';
import { freePort } from '../support/free-port.ts';
import { type SqsEmulator, startSqsEmulator } from '../support/sqs-emulator.ts';
import { eventually, queueCount, receiveAll, sendRaw, sendTask } from '../support/task-messages.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function emulator(): Promise<SqsEmulator> {
  const started = await startSqsEmulator();
  cleanups.push(() => started.stop());
  return started;
}

function daemon(sqs: SqsEmulator, env: Record<string, string>): DaemonProcess {
  const started = spawnDaemon({ ...sqs.env, ...fastDaemonEnv({ CW_QUEUE_URL: sqs.queueUrl, ...env }) });
  cleanups.push(async () => {
    if (started.child.exitCode === null && started.child.signalCode === null) started.child.kill('SIGKILL');
    await started.exited;
  });
  return started;
}

const recordFile = () => join(mkdtempSync(join(tmpdir(), 'cw-daemon-')), 'events.jsonl');
const polling = (line: { message: string }) => line.message === 'polling the task queue';

describe('the daemon process', () => {
  test('kill -9 mid-task loses nothing: the next daemon completes the task exactly once', async () => {
    const sqs = await emulator();
    const record = recordFile();
    const env = { CW_TEST_HANDLER: 'slow', CW_TEST_WORK_MS: '1500', CW_TEST_RECORD_FILE: record };
    const first = daemon(sqs, env);
    await first.waitForLine(polling);
    await sendTask(sqs.client(), sqs.queueUrl, 31);
    await eventually(() => recordedEvents(record).length === 1, 10_000, 'the handler to start');
    first.child.kill('SIGKILL');
    assert.equal(await first.exited, 'SIGKILL');

    const second = daemon(sqs, env);
    // The message comes back after its visibility timeout (4 s here) and this daemon finishes it.
    await second.waitForLine((line) => line.message === 'task finished', 20_000);
    const client = sqs.client();
    await eventually(async () => (await queueCount(client, sqs.queueUrl)) === 0, 5_000, 'the delete');
    assert.equal(recordedEvents(record).filter((event) => event.event === 'done').length, 1);
    assert.deepEqual(
      recordedEvents(record)
        .filter((event) => event.event === 'start')
        .map((event) => event.receiveCount),
      [1, 2],
    );
    assert.equal(await queueCount(client, sqs.dlqUrl), 0);
  });

  test('SIGTERM during a task: the task finishes within the grace period, then the daemon exits 0', async () => {
    const sqs = await emulator();
    const record = recordFile();
    const running = daemon(sqs, {
      CW_TEST_HANDLER: 'slow',
      CW_TEST_WORK_MS: '1500',
      CW_TEST_RECORD_FILE: record,
      CW_SHUTDOWN_GRACE: '10',
    });
    await running.waitForLine(polling);
    await sendTask(sqs.client(), sqs.queueUrl, 32);
    await running.waitForLine((line) => line.message === 'task started');
    running.child.kill('SIGTERM');
    assert.equal(await running.exited, 0);
    assert.ok(running.lines.some((line) => line.message === 'task finished'));
    assert.equal(recordedEvents(record).filter((event) => event.event === 'done').length, 1);
    assert.equal(await queueCount(sqs.client(), sqs.queueUrl), 0);
  });

  test('SIGTERM with a task longer than the grace period: it is released at once and another daemon does it', async () => {
    const sqs = await emulator();
    const record = recordFile();
    const env = { CW_TEST_HANDLER: 'slow', CW_TEST_WORK_MS: '8000', CW_TEST_RECORD_FILE: record };
    const first = daemon(sqs, {
      ...env,
      CW_SHUTDOWN_GRACE: '1',
      CW_VISIBILITY_TIMEOUT: '30',
      CW_HEARTBEAT_INTERVAL: '10',
    });
    await first.waitForLine(polling);
    await sendTask(sqs.client(), sqs.queueUrl, 33);
    await first.waitForLine((line) => line.message === 'task started');
    const stoppedAt = Date.now();
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0);
    assert.ok(Date.now() - stoppedAt < 5_000, 'shutdown took longer than grace + last poll');
    assert.ok(first.lines.some((line) => String(line.message).startsWith('task released')));
    assert.equal(recordedEvents(record).filter((event) => event.event === 'aborted').length, 1);

    // Released, not waiting out its 30 s visibility: a second daemon picks it up within seconds.
    const second = daemon(sqs, { ...env, CW_TEST_WORK_MS: '100' });
    await second.waitForLine((line) => line.message === 'task finished', 8_000);
    assert.equal(recordedEvents(record).filter((event) => event.event === 'done').length, 1);
  });

  test('a non-JSON message on CW_QUEUE_URL reaches the DLQ within seconds, logged as ERROR; the daemon keeps running', async () => {
    const sqs = await emulator();
    const record = recordFile();
    const running = daemon(sqs, { CW_TEST_HANDLER: 'complete', CW_TEST_RECORD_FILE: record });
    await running.waitForLine(polling);
    const client = sqs.client();
    const sentAt = Date.now();
    await sendRaw(client, sqs.queueUrl, '{"schema_version": 1, "issue_number": "oops"');
    const error = await running.waitForLine((line) => line.level === 'ERROR', 5_000);
    assert.ok(Date.now() - sentAt < 5_000);
    for (const field of ['timestamp', 'level', 'message', 'issue_number', 'repository', 'worker_id']) {
      assert.ok(field in error, `ERROR line lacks ${field}: ${JSON.stringify(error)}`);
    }
    assert.equal(error.worker_id, 'test-worker');
    assert.match(error.timestamp as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    await eventually(async () => (await queueCount(client, sqs.dlqUrl)) === 1, 5_000, 'the DLQ');
    const [dead] = await receiveAll(client, sqs.dlqUrl);
    assert.match(dead!.MessageAttributes?.FailureReason?.StringValue ?? '', /not JSON/);

    await sendTask(client, sqs.queueUrl, 34);
    await running.waitForLine((line) => line.message === 'task finished' && line.issue_number === 34);
    assert.equal(running.child.exitCode, null, 'the daemon is still running');
  });

  test('when the queue goes away mid-run, the daemon backs off, reports degraded health and stays up', async () => {
    const sqs = await emulator();
    const healthPort = await freePort();
    const running = daemon(sqs, { CW_TEST_HANDLER: 'complete', CW_HEALTH_PORT: String(healthPort) });
    await running.waitForLine(polling);
    const healthy = await fetch(`http://127.0.0.1:${healthPort}/healthz`);
    assert.equal(healthy.status, 200);
    await sqs.stop();
    await running.waitForLine(
      (line) => line.message === 'polling the task queue failed; backing off',
      25_000,
    );
    const degraded = await fetch(`http://127.0.0.1:${healthPort}/healthz`);
    assert.equal(degraded.status, 503);
    const body = (await degraded.json()) as Record<string, unknown>;
    assert.equal(body.polling, false);
    assert.ok(typeof body.last_error === 'string' && body.last_error.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const failures = running.lines.filter(
      (line) => line.message === 'polling the task queue failed; backing off',
    );
    assert.ok(failures.length <= 3, `${failures.length} failed polls in a few seconds: no back-off`);
    assert.equal(running.child.exitCode, null, 'the daemon exited on a queue error');
    running.child.kill('SIGTERM');
    assert.equal(await running.exited, 0);
  });

  test('starts and keeps polling while the queue is unreachable, and says so', async () => {
    const sqs = await emulator();
    const port = sqs.server.port;
    await sqs.stop();
    const running = spawnDaemon({
      ...sqs.env,
      ...fastDaemonEnv({ CW_QUEUE_URL: `http://127.0.0.1:${port}/000000000000/nowhere` }),
    });
    cleanups.push(async () => {
      running.child.kill('SIGKILL');
      await running.exited;
    });
    await running.waitForLine((line) => line.level === 'ERROR' && /retrying/.test(line.message));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal(running.child.exitCode, null, 'the daemon exited on a queue error');
    running.child.kill('SIGTERM');
    assert.equal(await running.exited, 0);
  });
});
