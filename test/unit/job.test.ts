import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import type { RunInput, Runner, RunResult, Verdict } from '../../worker/agent/runner.ts';
import { PermanentError, TransientError } from '../../worker/core/errors.ts';
import { loadSettings } from '../../worker/core/settings.ts';
import type { ChangeSet, Forge, Preparation, Progress, TaskKey } from '../../worker/forge/forge.ts';
import { createJobHandler } from '../../worker/job/dispatch.ts';
import { gitEnvironment, metadataDirOf, runGit } from '../../worker/job/git.ts';
import { removeAbandonedWorkspaces, runJob } from '../../worker/job/pipeline.ts';
import { fakeRunner } from '../support/fake-runner.ts';
import { createFakeSandboxProvider } from '../support/fake-sandbox.ts';
import { taskMessage } from '../support/task-messages.ts';
import { createThrowawayRepo } from '../support/throwaway-repo.ts';

const logger = pino({ level: 'silent' });

const task = taskMessage({ issue_number: 5, repository: 'octo-org/demo', event: 'manual' });

const okVerdict: Verdict = {
  ok: true,
  checks: [{ name: 'changes', ok: true, detail: '1 file changed' }],
  feedback: '',
};

/** A hand-built Forge that records every call; publish looks at the workspace while it still exists. */
function fakeForge(repoPath: string, preparation?: Preparation) {
  const reports: Progress[] = [];
  const published: Array<ChangeSet & { log: string; exists: boolean }> = [];
  const gitConfigFor: Array<TaskKey | undefined> = [];
  const forge: Forge = {
    async prepare() {
      return (
        preparation ?? {
          action: 'run',
          repository: { cloneUrl: repoPath, defaultBranch: 'main', branch: 'auto-code/issue-5' },
        }
      );
    },
    async gitConfig(forTask) {
      gitConfigFor.push(forTask);
      return [['http.https://example.invalid/.extraheader', 'AUTHORIZATION: basic c2VjcmV0']];
    },
    async report(_task, progress) {
      reports.push(progress);
    },
    async publish(_task, change) {
      const env = gitEnvironment([['safe.directory', change.repo.dir]]);
      // The commit lives in the worker's own git directory, not in the agent's .git.
      const gitDir = metadataDirOf(change.repo.dir);
      const log = await runGit(['--git-dir', gitDir, 'log', '-1', '--format=%H%n%B', change.commitSha], {
        env,
      });
      published.push({ ...change, log, exists: existsSync(change.repo.dir) });
      return { url: 'https://example.invalid/pull/1', created: true };
    },
  };
  return { forge, reports, published, gitConfigFor };
}

describe('job pipeline', () => {
  const repo = createThrowawayRepo({ 'README.md': '# demo\n', '.codingworker.yml': 'test: make test\n' });
  after(() => repo.remove());
  const deps = (forge: Forge, runner: Runner, env: Record<string, string> = {}) => {
    const workDir = mkdtempSync(join(repo.scratch, 'work-'));
    const sandbox = createFakeSandboxProvider();
    return {
      workDir,
      sandbox,
      deps: {
        settings: loadSettings({ CW_WORK_DIR: workDir, CW_WORKER_ID: 'test-worker', ...env }),
        forge,
        runner,
        sandboxProvider: sandbox,
        now: () => new Date('2026-11-24T12:00:00Z'),
      },
    };
  };
  const context = () => ({ signal: new AbortController().signal, logger });
  const workspacesIn = (workDir: string) => readdirSync(join(workDir, 'workspaces'));

  it('goes prepare -> started -> agent with verify -> commit -> publish -> done, and removes the workspace', async () => {
    const { forge, reports, published, gitConfigFor } = fakeForge(repo.path);
    const { runner, calls, verdicts } = fakeRunner(({ workspace }) => {
      writeFileSync(join(workspace, 'greet.py'), 'def greet():\n    return "hi"\n');
      writeFileSync(join(workspace, '.codingworker.yml'), 'test: "true"\n');
    });
    const { deps: jobDeps, workDir, sandbox } = deps(forge, runner);
    const result = await runJob(task, jobDeps, context());

    assert.equal(result.status, 'completed');
    assert.deepEqual(gitConfigFor, [task], 'credentials are asked for this task (a repository-scoped token)');
    assert.equal(result.url, 'https://example.invalid/pull/1');
    assert.equal(result.detail, 'opened https://example.invalid/pull/1');
    assert.deepEqual(
      reports.map((report) => report.stage),
      ['started', 'working', 'verifying', 'publishing', 'done'],
    );
    assert.deepEqual(reports[2], { stage: 'verifying', message: 'checking the change (round 1)' });
    assert.deepEqual(reports[1], {
      stage: 'working',
      message: 'step 1',
      step: 1,
      lastAction: 'cat > greet.py',
    });
    assert.equal(reports.at(-1)!.url, 'https://example.invalid/pull/1');
    assert.equal(reports.at(-1)!.commitSha, result.commitSha);

    assert.match(calls[0]!.workspace, new RegExp(`^${workDir}/workspaces/p${process.pid}-octo-org-demo-5-`));
    assert.equal(verdicts[0]!.ok, true);
    assert.deepEqual(sandbox.commands.slice(-1), ['make test'], 'the test command from before the agent ran');

    const [change] = published;
    assert.equal(change!.exists, true, 'the workspace exists while the forge publishes');
    assert.equal(change!.branch, 'auto-code/issue-5');
    assert.equal(change!.title, '[auto-code] Add a greeting');
    assert.equal(
      change!.log,
      `${result.commitSha}\n[auto-code] Add a greeting\n\n- Added greet.py\n\nResolves #5\nGenerated by CodingWorker (Ollama qwen2.5-coder:1.5b)\n\n`,
    );
    assert.equal(change!.description, result.description);
    assert.match(result.description!, /\*\*関連Issue\*\*: #5/);
    assert.match(result.description!, /- `greet\.py`: 追加 \(\+2 \/ -0 行\)/);
    assert.match(result.description!, /- `\.codingworker\.yml`: 変更/);
    assert.match(result.description!, /2026-11-24 12:00:00 UTC/);
    assert.deepEqual(workspacesIn(workDir), [], 'workspace removed');
    for (const stage of ['prepare', 'clone', 'agent', 'check', 'commit', 'publish', 'cleanup']) {
      assert.equal(typeof result.timings[stage], 'number', stage);
    }
  });

  it("stops the repository's test command at once when the task is aborted during verification", async () => {
    const { forge, published } = fakeForge(repo.path);
    const controller = new AbortController();
    const reason = new TransientError('the worker is shutting down');
    const { runner } = fakeRunner(({ workspace }) => {
      writeFileSync(join(workspace, 'notes.txt'), 'x\n');
      setTimeout(() => controller.abort(reason), 200);
    });
    // `make test` (.codingworker.yml) runs until its 30 s timeout unless the abort reaches it.
    const sandbox = createFakeSandboxProvider((command) => (command === 'make test' ? 'hang' : {}));
    const { deps: jobDeps, workDir } = deps(forge, runner, { CW_COMMAND_TIMEOUT: '30' });
    const started = performance.now();
    await assert.rejects(
      runJob(task, { ...jobDeps, sandboxProvider: sandbox }, { signal: controller.signal, logger }),
      reason,
    );
    assert.ok(performance.now() - started < 5_000, `took ${Math.round(performance.now() - started)} ms`);
    assert.deepEqual([sandbox.started.length, sandbox.destroyed], [1, 1], 'its sandbox was removed');
    assert.equal(published.length, 0);
    assert.deepEqual(workspacesIn(workDir), [], 'workspace removed');
  });

  it('writes nothing when the forge says the work is done or no longer applies', async () => {
    for (const preparation of [
      { action: 'already-done', url: 'https://example.invalid/pull/9', detail: 'merged already' },
      { action: 'skip', reason: 'the issue was closed' },
    ] satisfies Preparation[]) {
      const { forge, reports, published } = fakeForge(repo.path, preparation);
      const { runner, calls } = fakeRunner(() => undefined);
      const { deps: jobDeps, workDir } = deps(forge, runner);
      const result = await runJob(task, jobDeps, context());
      assert.equal(result.status, preparation.action === 'skip' ? 'skipped' : 'already-done');
      assert.equal(result.detail, preparation.action === 'skip' ? 'the issue was closed' : 'merged already');
      assert.deepEqual([reports.length, published.length, calls.length], [0, 0, 0]);
      assert.equal(existsSync(join(workDir, 'workspaces')), false);
    }
  });

  async function failure(
    work: (input: RunInput) => void,
    result: Partial<RunResult> = {},
    env: Record<string, string> = {},
  ) {
    const { forge, published } = fakeForge(repo.path);
    const { runner } = fakeRunner(work, result);
    const { deps: jobDeps, workDir } = deps(forge, runner, env);
    const error = await runJob(task, jobDeps, context()).then(
      () => assert.fail('the job should have failed'),
      (caught: unknown) => caught as Error,
    );
    assert.equal(published.length, 0, 'nothing published');
    assert.deepEqual(workspacesIn(workDir), [], 'workspace removed');
    return error;
  }

  it('on a full disk fails as a resource failure naming CW_WORK_DIR, before any clone or agent', async () => {
    const { forge, published } = fakeForge(repo.path);
    const { runner, calls } = fakeRunner(() => undefined);
    const { deps: jobDeps, workDir } = deps(forge, runner);
    // A statfs double: 8 MB left on the disk.
    const fullDisk = async () => ({ bavail: 2048, bsize: 4096 });
    await assert.rejects(runJob(task, { ...jobDeps, statfs: fullDisk }, context()), {
      name: 'ResourceError',
      message: new RegExp(`only 8 MB free under ${workDir} \\(CW_WORK_DIR\\)`),
    });
    assert.equal(calls.length, 0, 'the agent never ran');
    assert.equal(published.length, 0);
  });

  it('fails permanently, with the reason, when the agent stopped early, changed nothing or failed verification', async () => {
    const write = ({ workspace }: RunInput) => writeFileSync(join(workspace, 'a.txt'), 'a\n');
    const early = await failure(write, { finished: false, reason: 'step limit 30 reached' });
    assert.ok(early instanceof PermanentError);
    assert.match(early.message, /the agent stopped before finishing \(step limit 30 reached\)/);

    const nothing = await failure(() => undefined, { verdict: okVerdict });
    assert.ok(nothing instanceof PermanentError);
    assert.match(nothing.message, /without changing any file/);

    const failedVerdict: Verdict = {
      ok: false,
      checks: [
        { name: 'changes', ok: true, detail: '1 file changed' },
        { name: 'python syntax', ok: false, detail: 'exit 1\n./a.py:1: invalid syntax' },
      ],
      feedback: 'fix it',
    };
    const unverified = await failure(write, { verdict: failedVerdict, verifyRounds: 3 });
    assert.ok(unverified instanceof PermanentError);
    assert.equal(unverified.message, 'verification failed after 3 rounds: python syntax: exit 1');
  });

  it('refuses changes under .github/workflows/ for every forge, unless allowed', async () => {
    const workflow = ({ workspace }: RunInput) => {
      mkdirSync(join(workspace, '.github', 'workflows'), { recursive: true });
      writeFileSync(join(workspace, '.github', 'workflows', 'ci.yml'), 'on: push\njobs: {}\n');
    };
    // Even when a runner ignores its verdict.
    const refused = await failure(workflow, { verdict: okVerdict });
    assert.ok(refused instanceof PermanentError);
    assert.match(
      refused.message,
      /\.github\/workflows\/ci\.yml: changes under \.github\/workflows\/ are refused; set CW_ALLOW_WORKFLOW_CHANGES=true/,
    );

    const { forge, published } = fakeForge(repo.path);
    const { runner } = fakeRunner(workflow);
    const { deps: jobDeps } = deps(forge, runner, { CW_ALLOW_WORKFLOW_CHANGES: 'true' });
    assert.equal((await runJob(task, jobDeps, context())).status, 'completed');
    assert.equal(published.length, 1);
  });

  it("passes the runner's own errors on with their kind and still removes the workspace", async () => {
    const error = await failure(() => {
      throw new TransientError(
        'Ollama is not reachable at http://127.0.0.1:11434: start it with `ollama serve`',
      );
    });
    assert.ok(error instanceof TransientError);
  });

  it('stops before starting when the task is already aborted', async () => {
    const { forge, reports } = fakeForge(repo.path);
    const { runner } = fakeRunner(() => undefined);
    const { deps: jobDeps } = deps(forge, runner);
    const controller = new AbortController();
    controller.abort(new TransientError('shutting down'));
    await assert.rejects(runJob(task, jobDeps, { signal: controller.signal, logger }), /shutting down/);
    assert.equal(reports.length, 0);
  });

  it('as a TaskHandler: runs the job and tells the forge about a retry or the dead-letter queue', async () => {
    const { forge, reports } = fakeForge(repo.path, { action: 'skip', reason: 'closed' });
    const { runner } = fakeRunner(() => undefined);
    const handler = createJobHandler(deps(forge, runner).deps);
    const outcome = await handler.handle(task, { ...context(), messageId: 'm-1', receiveCount: 1 });
    assert.equal(outcome.status, 'skipped');
    const at = new Date('2026-11-24T12:05:00Z');
    await handler.onFailure!(task, {
      kind: 'transient',
      reason: 'Ollama down',
      next: { action: 'retry', at },
    });
    await handler.onFailure!(task, {
      kind: 'permanent',
      reason: 'nothing changed',
      next: { action: 'dead-letter' },
    });
    assert.deepEqual(reports, [
      { stage: 'failed', message: 'Ollama down', retryAt: at },
      { stage: 'failed', message: 'nothing changed', deadLetter: true },
    ]);
  });
});

describe('abandoned workspaces', () => {
  it('removes the workspaces of processes that are gone, and only those', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'cw-abandoned-'));
    const root = join(workDir, 'workspaces');
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    for (const name of [`p${gone}-octo-demo-1-1-aa`, `p${process.pid}-octo-demo-2-1-bb`, 'notes']) {
      mkdirSync(join(root, name, 'repo'), { recursive: true });
    }
    const settings = loadSettings({ CW_WORK_DIR: workDir });
    assert.equal(await removeAbandonedWorkspaces(settings), 1);
    assert.deepEqual(readdirSync(root).sort(), ['notes', `p${process.pid}-octo-demo-2-1-bb`]);
    assert.equal(await removeAbandonedWorkspaces(loadSettings({ CW_WORK_DIR: join(workDir, 'none') })), 0);
  });
});
