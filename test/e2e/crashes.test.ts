// The daemon killed (SIGKILL, no chance to clean up) at the worst moments, and the same task delivered
// twice or to two daemons at once: each case ends with nothing lost and exactly one pull request whose
// progress comment is finished. Crashes between two GitHub writes are made by holding the worker's
// request at a proxy in front of the GitHub test server and killing the worker while it waits.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import {
  bash,
  type E2eStack,
  finishedWithPullRequest,
  type IssueState,
  queueDrained,
  solvePolicy,
  startE2eStack,
  waitFor,
  workerLogs,
} from '../support/e2e-stack.ts';

describe('end to end: crashes and duplicates', { timeout: 170_000 }, () => {
  let stack: E2eStack;
  before(async () => {
    stack = await startE2eStack();
  });
  afterEach(async () => {
    await stack.killWorkers();
    stack.policy = solvePolicy;
    assert.deepEqual(stack.github.violations, []);
  });
  after(async () => {
    await stack?.close();
  });

  const logs = workerLogs;

  /** One open PR from auto-code/issue-N, the one progress comment finished, the queue empty. */
  async function assertOnePullRequest(number: number, explain: () => string): Promise<IssueState> {
    const state = await finishedWithPullRequest(stack, number, explain);
    await queueDrained(stack, explain, 30_000);
    const final = await stack.issue(number);
    assert.equal(final.pulls.length, 1, JSON.stringify(final.pulls));
    assert.equal(final.pulls[0]!.state, 'open');
    assert.equal(final.comments.length, 1, 'still the one progress comment');
    assert.equal(final.branchSha, state.branchSha);
    return final;
  }

  it('kill -9 during the agent run: a new daemon finishes the task, one pull request', async () => {
    let firstRun = true;
    stack.policy = (request, step) => {
      // The first run's first reply comes slowly, so the kill lands while the agent works.
      if (step === 0 && firstRun) {
        firstRun = false;
        return { content: bash('sleep 1'), delayMs: 5_000 };
      }
      return solvePolicy(request, step);
    };
    const { number } = await stack.label();
    const before = stack.ollama.chats.length;
    const first = stack.startWorker();
    await waitFor(
      'the agent’s first model call',
      () => stack.ollama.chats.length > before,
      60_000,
      logs(first),
    );
    first.child.kill('SIGKILL');
    await first.exited;
    assert.equal((await stack.issue(number)).pulls.length, 0);

    const second = stack.startWorker();
    await assertOnePullRequest(number, logs(second));
    // The new daemon (same worker id) removed the killed one's container.
    await waitFor('no sandbox containers', async () => (await stack.containers()) === 0, 30_000);
    // ...and the killed run's workspace, whose process is gone.
    await waitFor('no workspaces', async () => stack.workspaces().length === 0, 30_000);
  });

  it('kill -9 between the push and the pull request: one pull request after redelivery', async () => {
    const { number } = await stack.label();
    const hold = stack.githubProxy.hold('POST', /^\/repos\/octo\/demo\/pulls$/);
    const first = stack.startWorker();
    await hold.arrived;
    assert.ok((await stack.issue(number)).branchSha, 'the branch was pushed before the pull request');
    first.child.kill('SIGKILL');
    await first.exited;
    hold.drop();
    assert.equal((await stack.issue(number)).pulls.length, 0);

    const second = stack.startWorker();
    await assertOnePullRequest(number, logs(second));
  });

  it('kill -9 between the pull request and the final report: the redelivery finishes the comment', async () => {
    const { number } = await stack.label();
    const hold = stack.githubProxy.hold(
      'PATCH',
      /^\/repos\/octo\/demo\/issues\/comments\/\d+$/,
      /pull request opened/,
    );
    const first = stack.startWorker();
    await hold.arrived;
    assert.equal((await stack.issue(number)).pulls.length, 1, 'the pull request exists before the report');
    first.child.kill('SIGKILL');
    await first.exited;
    hold.drop();
    const chatsBefore = stack.ollama.chats.length;

    const second = stack.startWorker();
    await assertOnePullRequest(number, logs(second));
    assert.equal(stack.ollama.chats.length, chatsBefore, 'the redelivery did not run the agent again');
  });

  it('the same message delivered twice: one pull request, the second delivery writes nothing new', async () => {
    const { number } = await stack.label();
    await stack.duplicateQueued();
    const worker = stack.startWorker();
    await assertOnePullRequest(number, logs(worker));
    const outcomes = await waitFor(
      'both deliveries handled',
      () => {
        const finished = worker.lines.filter((line) => line.message === 'task finished');
        return finished.length === 2 ? finished.map((line) => line.outcome) : undefined;
      },
      30_000,
      logs(worker),
    );
    assert.deepEqual(outcomes, ['completed', 'already-done']);
  });

  it('the same message delivered to two daemons at once: one pull request', async () => {
    const { number } = await stack.label();
    await stack.duplicateQueued();
    const one = stack.startWorker({ CW_WORKER_ID: `${stack.workerId}-a` });
    const two = stack.startWorker({ CW_WORKER_ID: `${stack.workerId}-b` });
    await assertOnePullRequest(number, logs(one, two));
  });
});
