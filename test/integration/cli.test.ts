// The real CLI (worker/cli/cli.ts) end to end on the embedded queue: start, enqueue, doctor, dlq list/redrive,
// health and metrics, with the real job handler (it fails as transient here: no GitHub, no Ollama).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { CLI_ENTRY, type DaemonProcess, fastDaemonEnv, spawnDaemon } from '../support/daemon-process.ts';
import { freePort } from '../support/free-port.ts';
import { eventually } from '../support/task-messages.ts';
import { issuesPayload } from '../support/webhooks.ts';

const run = promisify(execFile);

async function cli(env: Record<string, string>, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI_ENTRY, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('codingworker CLI on the embedded queue', () => {
  let env: Record<string, string>;
  let daemon: DaemonProcess;
  let payloadFile: string;
  let healthPort: number;

  before(async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'cw-cli-'));
    healthPort = await freePort();
    env = {
      CW_WORK_DIR: workDir,
      CW_EMBEDDED_QUEUE_PORT: String(await freePort()),
      CW_RETRY_DELAYS: '0,1,1',
    };
    payloadFile = join(workDir, 'payload.json');
    writeFileSync(payloadFile, JSON.stringify(issuesPayload('labeled')));
  });

  after(async () => {
    if (daemon && daemon.child.exitCode === null) {
      daemon.child.kill('SIGKILL');
      await daemon.exited;
    }
  });

  test('without a running daemon, enqueue and doctor fail and say to start it', async () => {
    const enqueue = await cli(env, 'enqueue', '--payload', payloadFile);
    assert.equal(enqueue.code, 1);
    assert.match(enqueue.stderr, /cannot reach the embedded queue .*codingworker start/);
    const doctor = await cli(env, 'doctor');
    assert.equal(doctor.code, 1);
    assert.match(doctor.stdout, /^FAIL queue: .* -> fix: start the worker first/m);
  });

  test('start runs the embedded queue and prints its URL; enqueue reaches it; doctor passes the queue', async () => {
    daemon = spawnDaemon(fastDaemonEnv({ ...env, CW_HEALTH_PORT: String(healthPort) }), [CLI_ENTRY, 'start']);
    await daemon.waitForLine((line) => line.message === 'polling the task queue');
    assert.match(daemon.stderr(), /consuming http:\/\/127\.0\.0\.1:\d+\/000000000000\/codingworker-tasks/);
    const enqueue = await cli(env, 'enqueue', '--payload', payloadFile);
    assert.equal(enqueue.code, 0, enqueue.stderr);
    assert.match(
      enqueue.stdout,
      /enqueued Codertocat\/Hello-World#1 as message \S+ on http:\/\/127\.0\.0\.1/,
    );
    const doctor = await cli(env, 'doctor');
    assert.match(doctor.stdout, /^PASS queue: .*maxReceiveCount 3/m);
    const longer = await cli({ ...env, CW_RETRY_DELAYS: '0,60,300,600,900' }, 'doctor');
    assert.match(longer.stdout, /^FAIL queue: .*maxReceiveCount 3 is below the 5 deliveries/m);
    assert.match(
      longer.stdout,
      /^FAIL queue: .*at most 2 non-zero delays/m,
      'the fix gives the number that works',
    );
    // Ollama and GitHub are absent here: their lines fail, and the exit code must say so.
    assert.equal(doctor.code, /^FAIL /m.test(doctor.stdout) ? 1 : 0, doctor.stdout);
  });

  test('a job that cannot reach GitHub fails as transient, is retried on the schedule and lands in the DLQ; dlq list shows why', async () => {
    await daemon.waitForLine((line) => line.message === 'task moved to the dead-letter queue', 15_000);
    const retries = daemon.lines.filter((line) => String(line.message).startsWith('task failed; retrying'));
    assert.equal(retries.length, 3);
    const list = await cli(env, 'dlq', 'list');
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /MESSAGE ID\s+ISSUE\s+REPOSITORY\s+FAILURE\s+FAILED AT\s+RECEIVES/);
    assert.match(list.stdout, /#1\s+Codertocat\/Hello-World\s+transient: \S.*\s+\S+Z\s+3$/m);
  });

  test('health and metrics answer on 127.0.0.1', async () => {
    const health = (await (await fetch(`http://127.0.0.1:${healthPort}/healthz`)).json()) as Record<
      string,
      unknown
    >;
    assert.equal(health.polling, true);
    assert.equal(health.in_flight, 0);
    assert.ok(typeof health.last_poll_at === 'string');
    const metrics = await (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text();
    assert.match(metrics, /codingworker_tasks_total\{outcome="dead-lettered"\} 1/);
    assert.match(metrics, /codingworker_retries_total\{kind="transient"\} 3/);
    assert.match(metrics, /codingworker_task_duration_seconds_count\{outcome="retried"\} 2/);
    assert.match(metrics, /codingworker_queue_depth \d+/);
    assert.match(metrics, /codingworker_tasks_in_flight 0/);
  });

  test('dlq redrive sends it back as a fresh message; the daemon takes it again', async () => {
    const list = await cli(env, 'dlq', 'list');
    const messageId = /^(\S+)\s+#1/m.exec(list.stdout)?.[1];
    assert.ok(messageId, list.stdout);
    const wrongId = await cli(env, 'dlq', 'redrive', '--message-id', 'no-such-id');
    assert.equal(wrongId.code, 1);
    assert.match(wrongId.stderr, /no message no-such-id/);
    const before = daemon.lines.filter((line) => line.message === 'task started').length;
    const redrive = await cli(env, 'dlq', 'redrive', '--message-id', messageId);
    assert.equal(redrive.code, 0, redrive.stderr);
    assert.match(redrive.stdout, /moved 1 message\(s\) back/);
    await eventually(
      () => daemon.lines.filter((line) => line.message === 'task started').length > before,
      10_000,
      'the redriven task',
    );
    const restarted = daemon.lines.filter((line) => line.message === 'task started').at(-1)!;
    assert.equal(restarted.receive_count, 1, 'a fresh message with a fresh receive count');
  });

  test('SIGTERM stops the daemon cleanly', async () => {
    daemon.child.kill('SIGTERM');
    assert.equal(await daemon.exited, 0);
    assert.ok(daemon.lines.some((line) => line.message === 'stopped'));
  });
});
