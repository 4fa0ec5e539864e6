// The Docker engine restarted while the agent's command runs in the sandbox: the task fails as transient,
// is retried, and ends with exactly one pull request, its progress comment finished, nothing dead-lettered,
// no container and no workspace left. The engine restarted is a private dockerd started for this test (the
// shared one runs other tests' sandboxes); the worker reaches it through DOCKER_HOST, as a maintainer's would.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Docker from 'dockerode';
import { LABEL_WORKER } from '../../worker/sandbox/sandbox.ts';
import {
  bash,
  type E2eStack,
  progressComments,
  queueDrained,
  solvePolicy,
  startE2eStack,
  waitFor,
} from '../support/e2e-stack.ts';
import { type PrivateDocker, startPrivateDocker } from '../support/private-docker.ts';

const IMAGE = 'codingworker-sandbox:latest';
const SLOW_COMMAND = 'sleep 5';

describe('end to end: the Docker engine restarted mid-task', { timeout: 115_000 }, () => {
  let engine: PrivateDocker | undefined;
  let stack: E2eStack | undefined;
  before(async () => {
    engine = await startPrivateDocker();
    const loadMs = await engine.loadImage(IMAGE);
    console.log(`loaded ${IMAGE} into the private engine in ${loadMs} ms`);
    stack = await startE2eStack();
  });
  after(async () => {
    try {
      await stack?.close();
    } finally {
      await engine?.remove();
    }
  });

  it('retries the task as transient and opens one pull request', async () => {
    const e2e = stack!;
    const docker = engine!.docker;
    const sandboxes = (all = true) =>
      docker.listContainers({ all, filters: { label: [`${LABEL_WORKER}=${e2e.workerId}`] } });

    // The first reply of the first run is a command that lasts long enough to restart the engine under it;
    // every later conversation (the retry) solves the issue, counting past the slow step if it holds one.
    let slowSent = false;
    e2e.policy = (request, step) => {
      if (!slowSent) {
        slowSent = true;
        return bash(SLOW_COMMAND, 'Let me look around first.');
      }
      const slowInConversation = request.messages.some(
        (message) => message.role === 'assistant' && message.content.includes(SLOW_COMMAND),
      );
      return solvePolicy(request, slowInConversation ? step - 1 : step);
    };

    const { number } = await e2e.label();
    const worker = e2e.startWorker({ DOCKER_HOST: engine!.host });
    const explain = () =>
      `${worker.lines
        .filter((line) => line.source !== 'octokit')
        .map((line) => JSON.stringify(line))
        .join('\n')}\nstderr:\n${worker.stderr()}\ndockerd:\n${engine!.log()}`;

    // The sandbox is in the private engine, running the slow command: the worker really uses DOCKER_HOST.
    await waitFor(
      `"${SLOW_COMMAND}" running in a sandbox of the private engine`,
      async () => {
        const [running] = await sandboxes(false);
        if (!running) return false;
        const top = await docker
          .getContainer(running.Id)
          .top()
          .catch(() => undefined);
        return top?.Processes?.some((row: string[]) => row.join(' ').includes(SLOW_COMMAND)) === true;
      },
      60_000,
      explain,
    );
    const shared = await new Docker().listContainers({
      all: true,
      filters: { label: [`${LABEL_WORKER}=${e2e.workerId}`] },
    });
    assert.equal(shared.length, 0, 'no sandbox of this worker on the shared engine');

    const restart = await engine!.restart();
    console.log(
      `private dockerd stopped in ${restart.stopMs} ms, answering again ${restart.startMs} ms later`,
    );

    const failure = await worker.waitForLine((line) => line.message === 'task failed; retrying now', 60_000);
    assert.equal(failure.failure_kind, 'transient', JSON.stringify(failure));

    const state = await waitFor(
      `issue #${number} finished with a pull request`,
      async () => {
        const current = await e2e.issue(number);
        const done = progressComments(current).some((comment) =>
          comment.body.includes('pull request opened'),
        );
        return done && current.statuses.at(-1)?.state === 'success' ? current : undefined;
      },
      60_000,
      explain,
    );
    await queueDrained(e2e, explain, 30_000);
    const final = await e2e.issue(number);
    assert.equal(final.pulls.length, 1, JSON.stringify(final.pulls));
    assert.equal(final.pulls[0]!.state, 'open');
    assert.equal(final.comments.length, 1, 'one progress comment, finished');
    assert.equal(final.branchSha, state.branchSha);
    const failures = worker.lines.filter((line) => line.message === 'task failed; retrying now');
    assert.equal(failures.length, 1, 'one failed attempt, then the retry that opened the pull request');
    assert.match(String(failures[0]!.reason), /Docker engine|sandbox container/, JSON.stringify(failures[0]));

    // The first run's container could not be removed while the engine was down; the same daemon removes it
    // once the engine answers again (before the retry's sandbox starts), with no restart needed.
    let left: Docker.ContainerInfo[] = [];
    await waitFor(
      'no sandbox container left in the private engine',
      async () => {
        left = await sandboxes();
        return left.length === 0;
      },
      30_000,
      () =>
        `${explain()}\nleft: ${JSON.stringify(left.map(({ Id, State, Status }) => ({ Id, State, Status })))}`,
    );
    // Whether the first run's removal hit the engine while it was down depends on how fast it restarted
    // (often under 300 ms). When it did, the same daemon must have removed the container itself later.
    const said = (message: string) => worker.lines.some((line) => line.message === message);
    if (said('Could not remove the sandbox container; it is removed once the Docker engine answers again')) {
      assert.ok(
        said('Removed a sandbox container left behind while the engine was away'),
        'the daemon itself cleaned up',
      );
    }
    await waitFor('no workspace left', () => e2e.workspaces().length === 0, 30_000, explain);
    assert.deepEqual(e2e.github.violations, []);
  });
});
