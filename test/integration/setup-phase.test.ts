// The setup phase against real parts: the Docker sandbox (NetworkMode none), the worker's egress proxy on a
// Unix socket, a real package manager (pip) installing from a local stand-in index (a PEP 503 "simple"
// server on loopback that this test starts, serving a wheel it builds), the setup cache, and the job
// pipeline with a local repository. The runner is a hand-built fake that makes a change and calls
// verify(): what is under test is what happens before and after it.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunInput, Runner } from '../../worker/agent/runner.ts';
import type { Statfs } from '../../worker/core/free-space.ts';
import { loadSettings } from '../../worker/core/settings.ts';
import { createLocalForge } from '../../worker/forge/local-forge.ts';
import { runJob } from '../../worker/job/pipeline.ts';
import { createDockerSandboxProvider } from '../../worker/sandbox/docker-sandbox.ts';
import { LABEL_WORKER } from '../../worker/sandbox/sandbox.ts';
import { type LocalPypi, pipInstallCommand, startLocalPypi } from '../support/local-pypi.ts';
import {
  docker,
  removeTestContainers,
  requireImage,
  silent,
  testWorkerId,
} from '../support/sandbox-fixtures.ts';
import { taskMessage } from '../support/task-messages.ts';
import { createThrowawayRepo } from '../support/throwaway-repo.ts';

after(() => removeTestContainers());

/** Changes main.py as an agent would, then verifies: the verdict is the job's own. */
const changingRunner: Runner = {
  async run(input: RunInput) {
    const path = join(input.workspace, 'main.py');
    writeFileSync(path, `${readFileSync(path, 'utf8')}# touched\n`);
    const verdict = await input.verify(input.signal);
    return {
      finished: true,
      reason: 'done',
      summary: ['Touch main.py'],
      steps: [],
      verdict,
      verifyRounds: 1,
      strategy: 'pipeline',
      modelCalls: 0,
      promptTokens: 0,
      completionTokens: 0,
      newPromptTokens: 0,
      modelMs: 0,
      durationMs: 1,
    };
  },
};

describe('setup phase (real sandbox, egress proxy, pip, cache)', { timeout: 300_000 }, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'cw-setup-it-'));
  let index: LocalPypi;
  const workerId = testWorkerId('setup');
  after(() => {
    void index?.close();
    rmSync(scratch, { recursive: true, force: true });
  });
  before(async () => {
    await requireImage();
    index = await startLocalPypi(scratch);
  });

  function repoWith(config: string, requirements = 'tinydep==1.0\n') {
    return createThrowawayRepo({
      'main.py': 'import tinydep\n\nprint(tinydep.ANSWER)\n',
      'requirements.txt': requirements,
      '.codingworker.yml': config,
    });
  }

  const pipInstall = () => pipInstallCommand(index);
  const testLine = 'test: PYTHONPATH=.deps python3 main.py\n';

  async function job(
    repo: ReturnType<typeof createThrowawayRepo>,
    issue: number,
    env: Record<string, string> = {},
    repository = 'octo/deps',
    statfs?: Statfs,
  ) {
    const settings = loadSettings({
      CW_WORK_DIR: join(scratch, 'work'),
      CW_WORKER_ID: workerId,
      CW_EGRESS_ALLOW: `127.0.0.1:${index.port}`,
      CW_SANDBOX_PIDS: '128',
      ...env,
    });
    const sandboxProvider = createDockerSandboxProvider(settings.sandbox, silent, docker, workerId);
    const forge = createLocalForge({ repoPath: repo.path, logger: silent });
    const started = performance.now();
    try {
      const result = await runJob(
        taskMessage({ repository, issue_number: issue }),
        { settings, forge, runner: changingRunner, sandboxProvider, statfs },
        { signal: new AbortController().signal, logger: silent },
      );
      return { result, ms: performance.now() - started };
    } catch (error) {
      return { error: error as Error, ms: performance.now() - started };
    }
  }

  async function nothingLeft(): Promise<void> {
    const left = await docker.listContainers({
      all: true,
      filters: { label: [`${LABEL_WORKER}=${workerId}`] },
    });
    assert.deepEqual(left, [], 'no container is left');
    const workspaces = join(scratch, 'work', 'workspaces');
    assert.deepEqual(readdirSync(workspaces), [], 'no workspace is left');
  }

  it('without setup the test command fails: the dependency is missing', async () => {
    const repo = repoWith(testLine);
    const outcome = await job(repo, 1);
    assert.match(String(outcome.error?.message), /verification failed.*test command/);
    await nothingLeft();
    repo.remove();
  });

  it('with setup, pip installs through the proxy from the local index and the test passes; a second task restores it from the cache', async (t) => {
    const repo = repoWith(`${testLine}setup: ${pipInstall()}\n`);
    const first = await job(repo, 2);
    assert.equal(first.error, undefined, first.error?.message);
    assert.equal(first.result?.status, 'completed');
    assert.ok(
      index.requests.some((url) => url.startsWith('/files/tinydep')),
      'pip fetched the wheel from the index',
    );
    // What setup installed is not part of the change (the repository does not even ignore .deps/).
    assert.doesNotMatch(repo.git('show', '--stat', '--format=', 'auto-code/issue-2'), /\.deps/);
    assert.equal(
      repo.git('show', '--stat', '--format=', 'auto-code/issue-2').trim().split('\n').length,
      2,
      'main.py only',
    );
    const before = index.requests.length;
    const second = await job(repo, 3);
    assert.equal(second.result?.status, 'completed', second.error?.message);
    assert.equal(
      index.requests.length,
      before,
      'the second task did not run setup: no request reached the index',
    );
    t.diagnostic(
      `setup cold ${Math.round(first.ms)} ms, warm (cache hit) ${Math.round(second.ms)} ms: ${Math.round(first.ms - second.ms)} ms saved`,
    );
    // A changed lock file runs setup again.
    writeFileSync(join(repo.path, 'requirements.txt'), 'tinydep==1.0  # pinned\n');
    repo.git('commit', '-qam', 'touch requirements');
    const third = await job(repo, 4);
    assert.equal(third.result?.status, 'completed', third.error?.message);
    assert.ok(index.requests.length > before, 'a changed requirements.txt ran setup again');
    await nothingLeft();
    repo.remove();
  });

  it("what setup writes into the clone's .git is never run by host git", async () => {
    const repo = repoWith(
      `${testLine}setup: ["${pipInstall()}", "git config core.fsmonitor 'touch fsmonitor-ran; true'"]\n`,
    );
    const outcome = await job(repo, 8, {}, 'octo/planted');
    assert.equal(outcome.result?.status, 'completed', outcome.error?.message);
    assert.doesNotMatch(repo.git('show', '--stat', '--format=', 'auto-code/issue-8'), /fsmonitor-ran/);
    await nothingLeft();
    repo.remove();
  });

  it('a host not on the allow-list is refused with the setting to change, and the task fails permanently with the command', async () => {
    const repo = repoWith(`${testLine}setup: ${pipInstall()}\n`);
    // Another repository: octo/deps' setup is in the cache now, and a hit would not go out at all.
    const outcome = await job(repo, 5, { CW_EGRESS_ALLOW: 'pypi.org' }, 'octo/refused');
    assert.match(String(outcome.error?.message), /setup command `python3 -m pip install.*` exited with \d+/);
    assert.match(String(outcome.error?.message), /CW_EGRESS_ALLOW/);
    assert.equal((outcome.error as { kind?: string }).kind, 'permanent');
    await nothingLeft();
    repo.remove();
  });

  it('a setup that fills the disk is stopped with the reason (the full disk is a statfs double)', async () => {
    // The disk is reported full once a workspace holds big.bin: the watchdog, the container's end and the
    // cleanup are real; no test may fill the machine's real disk.
    const workspaces = join(scratch, 'work', 'workspaces');
    const fullWhenBig: Statfs = async (path) => {
      const big = readdirSync(workspaces).some(
        (name) =>
          (statSync(join(workspaces, name, 'big.bin'), { throwIfNoEntry: false })?.size ?? 0) >= 2_000_000,
      );
      return big ? { bavail: 0, bsize: 4096 } : statfs(path);
    };
    const repo = repoWith(
      `${testLine}setup: "head -c 2000000 /dev/zero > big.bin; sleep 60"\nsetup_timeout: 50\n`,
    );
    const started = performance.now();
    const outcome = await job(repo, 7, {}, 'octo/full', fullWhenBig);
    assert.match(
      String(outcome.error?.message),
      /setup filled the disk and was stopped: only 0 MB free under .* \(CW_WORK_DIR\)/,
    );
    assert.ok(performance.now() - started < 40_000, 'stopped long before setup_timeout');
    await nothingLeft();
    repo.remove();
  });

  it('a failing, a hanging and a forking setup each end the task with its reason and leave nothing behind', async () => {
    for (const [config, reason] of [
      ['setup: [echo preparing, "echo broken >&2; exit 3"]\n', /exited with 3.*\n[\s\S]*broken/],
      ['setup: sleep 120\nsetup_timeout: 3\n', /did not finish within setup_timeout \(3 s\)/],
      [
        'setup: "f() { f | f & }; f; sleep 5; exit 1"\nsetup_timeout: 30\n',
        /setup command `f\(\) \{ f \| f & \}; f; sleep 5; exit 1` exited with \d+|did not finish within setup_timeout \(30 s\)/,
      ],
    ] as const) {
      const repo = repoWith(`${testLine}${config}`);
      const outcome = await job(repo, 6);
      assert.match(String(outcome.error?.message), reason);
      await nothingLeft();
      repo.remove();
    }
  });
});
