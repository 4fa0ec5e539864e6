// The outside world failing under the whole system: a task that fails on every delivery (poison) goes to
// the dead-letter queue with one failure comment, shows in `codingworker dlq list`, and `dlq redrive`
// completes it once; Ollama down then back; GitHub answering 5xx and rate limits; a task over its timeout;
// the workspace disk filling up. Each ends in exactly one pull request or a clear dead-letter.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  bash,
  closeChecked,
  type E2eStack,
  finishedWithPullRequest,
  type IssueState,
  solvePolicy,
  startE2eStack,
  waitFor,
  workerLogs,
} from '../support/e2e-stack.ts';

describe('end to end: failures outside the worker', () => {
  // A stack per test: a dead-lettered message or a fault left behind must not decide the next test.
  let stack: E2eStack;
  beforeEach(async () => {
    stack = await startE2eStack();
  });
  afterEach(() => closeChecked(stack));

  const logs = workerLogs;

  const finished = async (number: number, explain: () => string): Promise<IssueState> => {
    const state = await finishedWithPullRequest(stack, number, explain);
    await waitFor('an empty queue', async () => (await stack.queueDepth()).queue === 0, 30_000, explain);
    assert.equal(state.pulls.length, 1);
    assert.equal(state.comments.length, 1);
    return state;
  };

  /** A dead-letter: the message on the DLQ, no pull request, the one comment saying so. */
  const deadLettered = async (number: number, explain: () => string): Promise<IssueState> => {
    await waitFor(
      'the message on the dead-letter queue',
      async () => {
        const depth = await stack.queueDepth();
        return depth.dlq === 1 && depth.queue === 0;
      },
      60_000,
      explain,
    );
    const state = await waitFor('the failure comment', async () => {
      const current = await stack.issue(number);
      return current.comments.some((comment) => /dead-letter/.test(comment.body)) ? current : undefined;
    });
    assert.equal(state.pulls.length, 0);
    assert.equal(state.comments.length, 1, 'one failure comment: the progress comment, finished as failed');
    assert.match(state.comments[0]!.body, /failed/);
    return state;
  };

  it('a poison task: three deliveries, the DLQ, one failure comment, dlq list, then redrive completes it once', {
    timeout: 90_000,
  }, async () => {
    stack.policy = () => ({ status: 500, error: 'model crashed' });
    const { number } = await stack.label();
    const worker = stack.startWorker({ CW_RETRY_DELAYS: '1,1' });
    const state = await deadLettered(number, logs(worker));
    const deliveries = worker.lines
      .filter((line) => line.message === 'task started')
      .map((line) => line.receive_count);
    assert.deepEqual(deliveries, [1, 2, 3]);
    assert.match(state.comments[0]!.body, /model crashed|HTTP 500/);

    const listed = await stack.cli(['dlq', 'list']);
    assert.match(listed.stdout, new RegExp(`#${number}\\s+octo/demo\\s+transient`), listed.stdout);

    stack.policy = solvePolicy;
    const redriven = await stack.cli(['dlq', 'redrive']);
    assert.match(redriven.stdout, /moved 1 message/);
    await finished(number, logs(worker));
    assert.equal((await stack.queueDepth()).dlq, 0);
  });

  it('Ollama down when the task arrives, then back: a transient retry finishes it', {
    timeout: 90_000,
  }, async () => {
    await stack.stopOllamaProxy();
    const { number } = await stack.label();
    const worker = stack.startWorker({ CW_RETRY_DELAYS: '0,3,3' });
    const failure = await worker.waitForLine((line) => line.message === 'task failed; retrying now', 60_000);
    assert.equal(failure.failure_kind, 'transient');
    await stack.startOllamaProxy();
    await finished(number, logs(worker));
  });

  it('GitHub answering 5xx and secondary rate limits: retried, one pull request', {
    timeout: 90_000,
  }, async () => {
    const { number } = await stack.label();
    stack.github.failNext('pulls/create', { status: 502, times: 2 });
    stack.github.failNext('issues/update-comment', {
      status: 403,
      kind: 'secondary',
      retryAfter: 1,
      times: 2,
    });
    stack.github.failNext('repos/create-commit-status', { status: 429, retryAfter: 1, times: 1 });
    const worker = stack.startWorker();
    await finished(number, logs(worker));
    const statuses = (operation: string) =>
      stack.github.requests
        .filter((request) => request.operationId === operation)
        .map((request) => request.status);
    assert.deepEqual(statuses('pulls/create').slice(0, 3), [502, 502, 201]);
    assert.deepEqual(statuses('issues/update-comment').slice(0, 2), [403, 403]);
    assert.ok(statuses('repos/create-commit-status').includes(429));
  });

  it('a task exceeding its timeout: stopped, its container removed, dead-lettered with a comment', {
    timeout: 90_000,
  }, async () => {
    stack.policy = (request, step) => (step === 0 ? bash('sleep 120') : solvePolicy(request, step));
    const { number } = await stack.label();
    const worker = stack.startWorker({ CW_TASK_TIMEOUT: '5', CW_AGENT_TIMEOUT: '60' });
    const state = await deadLettered(number, logs(worker));
    assert.match(state.comments[0]!.body, /ran longer than 5 s/);
    assert.equal(state.branchSha, undefined);
    await waitFor('the sandbox container removed', async () => (await stack.containers()) === 0, 30_000);
    assert.deepEqual(stack.workspaces(), []);
  });

  it('the workspace disk filling up: a clear failure, the disk given back, the daemon still serving', {
    timeout: 90_000,
  }, async () => {
    const small = mkdtempSync(join(tmpdir(), 'cw-e2e-tmpfs-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', small]);
    try {
      stack.policy = (request, step) =>
        step === 0
          ? bash('head -c 64000000 /dev/zero > fill.bin; ls -la fill.bin')
          : step === 1
            ? bash(`cat > hello.py <<'EOF'\ndef hello():\n    return "hello"\nEOF`)
            : solvePolicy(request, 1);
      const { number } = await stack.label();
      // CW_MIN_FREE_MB=1: the task starts, and it is the agent that fills the disk mid-task.
      const worker = stack.startWorker({ CW_WORK_DIR: small, CW_MIN_FREE_MB: '1' });
      const state = await deadLettered(number, logs(worker));
      assert.match(state.comments[0]!.body, /space|disk|ENOSPC|too large|No space/i, state.comments[0]!.body);
      assert.deepEqual(listWorkspaces(small), [], 'the full workspace was removed');

      stack.policy = solvePolicy;
      assert.match(
        await drainDeadLetters(),
        /resource/,
        'dead-lettered as a resource failure, not a permanent one',
      );
      const next = await stack.label();
      await finished(next.number, logs(worker));
    } finally {
      await stack.killWorkers();
      execFileSync('umount', [small]);
      rmSync(small, { recursive: true, force: true });
    }
  });

  /** Empties the DLQ; returns what `codingworker dlq list` said about it first. */
  async function drainDeadLetters(): Promise<string> {
    const listed = await stack.cli(['dlq', 'list']);
    assert.doesNotMatch(listed.stdout, /is empty/);
    const { ReceiveMessageCommand, DeleteMessageCommand } = await import('@aws-sdk/client-sqs');
    const client = stack.sqs.client();
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: stack.sqs.dlqUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    for (const message of Messages) {
      await client.send(
        new DeleteMessageCommand({ QueueUrl: stack.sqs.dlqUrl, ReceiptHandle: message.ReceiptHandle }),
      );
    }
    client.destroy();
    return listed.stdout;
  }
});

function listWorkspaces(workDir: string): string[] {
  try {
    return execFileSync('ls', [join(workDir, 'workspaces')], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
  } catch {
    return [];
  }
}
