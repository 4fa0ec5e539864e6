// The local forge (`codingworker run --repo-path`): prepare finds earlier work on the task branch, and
// publish pushes through the pipeline's TaskRepo, so a hook the agent planted never runs on the host.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import { failureKind } from '../../worker/core/errors.ts';
import { createLocalForge } from '../../worker/forge/local-forge.ts';
import { commitMessage } from '../../worker/job/commit-message.ts';
import { createGit } from '../../worker/job/git.ts';
import { taskMessage } from '../support/task-messages.ts';
import { createThrowawayRepo } from '../support/throwaway-repo.ts';

const task = taskMessage({ issue_number: 9, repository: 'octo/demo', title: 'Add a greeting', body: '' });

describe('local forge', () => {
  const repo = createThrowawayRepo({ 'README.md': '# demo\n' });
  after(() => repo.remove());

  it('pushes the task branch through the TaskRepo, without running a planted hook, then calls it done', async () => {
    const forge = createLocalForge({ repoPath: repo.path, logger: pino({ level: 'silent' }) });
    const preparation = await forge.prepare(task);
    assert.equal(preparation.action, 'run');
    if (preparation.action !== 'run') return;
    const { cloneUrl, defaultBranch, branch } = preparation.repository;
    const git = createGit({ author: { name: 'cw', email: 'cw@example.com' }, allowFileProtocol: true });
    const ws = await git.clone(cloneUrl, join(repo.scratch, 'ws'), { branch: defaultBranch });
    await ws.createBranch(branch);
    writeFileSync(join(ws.dir, 'hello.py'), 'print("hi")\n');
    const pwned = join(repo.scratch, 'PWNED-pre-push');
    mkdirSync(join(ws.dir, '.git', 'hooks'), { recursive: true });
    writeFileSync(join(ws.dir, '.git', 'hooks', 'pre-push'), `#!/bin/sh\ntouch ${pwned}\n`);
    chmodSync(join(ws.dir, '.git', 'hooks', 'pre-push'), 0o755);
    const message = commitMessage({
      title: task.title,
      issueNumber: task.issue_number,
      model: 'm',
      summary: ['add hello'],
      changedFiles: ['hello.py'],
    });
    const commitSha = await ws.commit(message);
    const published = await forge.publish(task, {
      repo: ws,
      branch,
      commitSha,
      title: '[auto-code] Add a greeting',
      description: '',
    });
    assert.equal(repo.git('rev-parse', branch).trim(), commitSha);
    assert.match(published.url, /^file:.*#auto-code\/issue-9$/);
    assert.equal(existsSync(pwned), false, 'the planted pre-push hook ran on the host');
    assert.equal((await forge.prepare(task)).action, 'already-done');
  });

  it('refuses a repository without commits as permanent, saying so', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'cw-empty-'));
    try {
      execFileSync('git', ['init', '--quiet', '--initial-branch=main', empty]);
      const forge = createLocalForge({ repoPath: empty, logger: pino({ level: 'silent' }) });
      await assert.rejects(forge.prepare(task), (error: unknown) => {
        assert.equal(failureKind(error), 'permanent');
        assert.match((error as Error).message, /has no commits on its branch main: commit something first/);
        return true;
      });
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
