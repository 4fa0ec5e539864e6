// The GitHub forge against the GitHub test server (OpenAPI-checked, real git http-backend): prepare's
// decisions, the single progress comment, statuses vs check runs, and idempotent publishing.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { afterEach, describe, it } from 'node:test';
import { PROGRESS_MARKER } from '../../action/progress-marker.ts';
import { failureKind } from '../../worker/core/errors.ts';
import type { ChangeSet } from '../../worker/forge/forge.ts';
import type { TaskRepo } from '../../worker/job/git.ts';
import { type ForgeFixture, FULL_NAME, startForgeFixture } from '../support/github-forge-fixture.ts';

let fixture: ForgeFixture | undefined;
afterEach(async () => {
  const current = fixture;
  fixture = undefined;
  if (!current) return;
  try {
    assert.deepEqual(current.server.violations, [], 'the forge sent or received something GitHub would not');
  } finally {
    await current.close();
  }
});

function change(repo: TaskRepo, commitSha: string, issue = 1): ChangeSet {
  return {
    repo,
    branch: `auto-code/issue-${issue}`,
    commitSha,
    title: '[auto-code] Add a greeting',
    description: `## Summary\n\nAdds hello().\n\nResolves #${issue}\n`,
  };
}

describe('GitHub forge: prepare re-validates against GitHub', () => {
  it('runs a task whose issue is open, labelled and triggered by someone with write access', async () => {
    fixture = await startForgeFixture();
    const preparation = await fixture.forge.prepare(fixture.task());
    assert.equal(preparation.action, 'run');
    if (preparation.action !== 'run') return;
    assert.equal(preparation.repository.cloneUrl, `${fixture.server.url}/git/${FULL_NAME}.git`);
    assert.equal(preparation.repository.defaultBranch, 'main');
    assert.equal(preparation.repository.branch, 'auto-code/issue-1');
  });

  it('skips a closed issue, a removed label, a dropped permission, an unknown sender and a missing issue', async () => {
    fixture = await startForgeFixture();
    const { forge, server } = fixture;
    const issue = server.repository(FULL_NAME).issues.get(1)!;
    const skipReason = async (task = fixture!.task()) => {
      const preparation = await forge.prepare(task);
      assert.equal(preparation.action, 'skip');
      return preparation.action === 'skip' ? preparation.reason : '';
    };

    issue.state = 'closed';
    assert.match(await skipReason(), /is closed/);
    issue.state = 'open';

    issue.labels = ['bug'];
    assert.match(await skipReason(), /no longer carries the auto-code label/);
    // GitHub and the action match labels without regard to case; so must the re-check.
    issue.labels = ['Auto-Code'];
    assert.equal((await forge.prepare(fixture.task())).action, 'run');
    issue.labels = ['auto-code'];

    server.setRole(FULL_NAME, 'labeller', 'triage');
    assert.match(await skipReason(), /labeller.*triage role.*below CW_MIN_PERMISSION=write/);
    server.setRole(FULL_NAME, 'labeller', undefined);
    assert.match(await skipReason(), /none role/);
    assert.match(await skipReason(fixture.task({ sender: 'nobody-known' })), /nobody-known.*none role/);
    server.setRole(FULL_NAME, 'labeller', 'maintain');
    assert.equal((await forge.prepare(fixture.task())).action, 'run');

    assert.match(await skipReason(fixture.task({ issue_number: 99 })), /no longer exists/);
  });

  it('refuses a repository without commits as permanent, saying so, instead of a raw git error later', async () => {
    fixture = await startForgeFixture();
    // An empty repository: its default branch does not exist yet (as on GitHub before the first push).
    execFileSync('git', [
      '--git-dir',
      fixture.server.repository(FULL_NAME).gitDir,
      'update-ref',
      '-d',
      'refs/heads/main',
    ]);
    await assert.rejects(fixture.forge.prepare(fixture.task()), (error: unknown) => {
      assert.equal(failureKind(error), 'permanent');
      assert.match(
        (error as Error).message,
        /octo\/\S+ has no commits on its default branch main: push a first commit/,
      );
      return true;
    });
    assert.deepEqual(fixture.server.violations, []);
  });

  it('lets a bot listed in CW_ALLOWED_BOTS through, as the action does, and still skips an unlisted bot', async () => {
    fixture = await startForgeFixture({ env: { CW_ALLOWED_BOTS: 'renovate[bot], dependabot[bot]' } });
    const { forge, server } = fixture;
    server.addUser('renovate[bot]', 'Bot');
    server.addUser('evil[bot]', 'Bot');
    // Apps are not collaborators: the action vouches for a listed bot without a role, so must the worker.
    assert.equal((await forge.prepare(fixture.task({ sender: 'renovate[bot]' }))).action, 'run');
    assert.equal((await forge.prepare(fixture.task({ sender: 'Renovate[bot]' }))).action, 'run');
    const refused = await forge.prepare(fixture.task({ sender: 'evil[bot]' }));
    assert.equal(refused.action, 'skip');
    assert.match(refused.action === 'skip' ? refused.reason : '', /evil\[bot\].* bot .*CW_ALLOWED_BOTS/);
  });

  it('treats an open PR with our commit and a merged PR as done, and never resurrects a closed one', async () => {
    fixture = await startForgeFixture();
    const { forge, server } = fixture;
    const task = fixture.task();
    const { repo: workspace, commitSha } = await fixture.makeChange(task);
    const published = await forge.publish(task, change(workspace, commitSha));
    assert.equal(published.created, true);

    const open = await forge.prepare(task);
    assert.equal(open.action, 'already-done');
    assert.equal(open.action === 'already-done' && open.url, published.url);

    const pull = server.repository(FULL_NAME).pulls[0]!;
    pull.state = 'closed';
    pull.merged = true;
    const merged = await forge.prepare(task);
    assert.equal(merged.action, 'already-done');
    assert.match(merged.action === 'already-done' ? merged.detail : '', /was merged/);

    pull.merged = false;
    const closed = await forge.prepare(task);
    assert.equal(closed.action, 'skip');
    assert.match(closed.action === 'skip' ? closed.reason : '', /closed without merging.*does not reopen/);
  });

  it('reuses an open PR from the task branch that lacks a CodingWorker commit, and updates it', async () => {
    fixture = await startForgeFixture();
    const { forge, server } = fixture;
    const task = fixture.task();
    const first = await fixture.makeChange(task);
    // An open PR from the branch whose commit is not ours (e.g. someone pushed to the branch by hand).
    const repo = server.repository(FULL_NAME);
    await forge.publish(task, change(first.repo, first.commitSha));
    repo.pulls[0]!.body = 'by hand';
    const { execFileSync } = await import('node:child_process');
    execFileSync('git', [
      '--git-dir',
      repo.gitDir,
      'update-ref',
      'refs/heads/auto-code/issue-1',
      'refs/heads/main',
    ]);
    assert.equal((await forge.prepare(task)).action, 'run');
    const second = await fixture.makeChange(task);
    const published = await forge.publish(task, change(second.repo, second.commitSha));
    assert.equal(published.created, false);
    assert.equal(repo.pulls.length, 1);
    assert.match(repo.pulls[0]!.body, /Resolves #1/);
    assert.equal(await server.branchSha(FULL_NAME, 'auto-code/issue-1'), second.commitSha);
  });
});

describe('GitHub forge: publish and report are safe to repeat', () => {
  it('runs a whole task: one edited comment, one PR, the branch pushed, a commit status; a redelivery changes nothing', async () => {
    fixture = await startForgeFixture({ workingIntervalMs: 60_000 });
    const { forge, server } = fixture;
    const task = fixture.task();
    const repo = server.repository(FULL_NAME);

    await forge.report(task, { stage: 'started', message: 'working on it' });
    for (let step = 1; step <= 12; step += 1) {
      await forge.report(task, {
        stage: 'working',
        message: `step ${step}`,
        step,
        lastAction: `ls -la #${step}`,
      });
    }
    const { repo: workspace, commitSha } = await fixture.makeChange(task);
    await forge.report(task, { stage: 'publishing', message: 'pushing the branch', commitSha });
    const published = await forge.publish(task, change(workspace, commitSha));
    await forge.report(task, {
      stage: 'done',
      message: 'pull request opened',
      url: published.url,
      commitSha,
    });

    assert.equal(published.created, true);
    assert.equal(await server.branchSha(FULL_NAME, 'auto-code/issue-1'), commitSha);
    assert.equal(repo.pulls.length, 1);
    const pull = repo.pulls[0]!;
    assert.equal(pull.title, '[auto-code] Add a greeting');
    assert.equal(pull.draft, false);
    assert.match(pull.body, /Resolves #1/);
    assert.equal(published.url, `${server.url}/${FULL_NAME}/pull/${pull.number}`);

    assert.equal(repo.comments.length, 1, 'the queued comment is edited in place, never a second one');
    const comment = repo.comments[0]!;
    assert.ok(comment.body.startsWith(PROGRESS_MARKER));
    assert.match(comment.body, /✅ pull request opened/);
    assert.ok(comment.body.includes(`Pull request: ${published.url}`));
    // "working" is throttled: 12 quick steps make one edit.
    const edits = server.requests.filter((request) => request.operationId === 'issues/update-comment');
    assert.equal(edits.length, 1 + 1 + 1 + 1, 'started, one working, publishing, done');

    assert.deepEqual(
      repo.statuses.map((status) => [status.sha, status.state, status.context]),
      [
        [commitSha, 'pending', 'CodingWorker'],
        [commitSha, 'success', 'CodingWorker'],
      ],
    );
    assert.equal(repo.statuses[1]!.targetUrl, published.url);
    assert.equal(repo.checkRuns.length, 0);

    // Redelivery of the same message: prepare sees the PR and nothing is written.
    const writesBefore = server.requests.filter((request) => request.method !== 'GET').length;
    const again = await forge.prepare(task);
    assert.equal(again.action, 'already-done');
    const writesAfter = server.requests.filter((request) => request.method !== 'GET').length;
    assert.equal(writesAfter, writesBefore);
  });

  it('publishing twice, or after a crash between push and PR, ends with exactly one PR', async () => {
    fixture = await startForgeFixture();
    const { forge, server } = fixture;
    const task = fixture.task();
    const repo = server.repository(FULL_NAME);

    // Crash between push and PR: the PR creation never happens (the plugins give up on 502s).
    const crashed = await fixture.makeChange(task);
    server.failNext('pulls/create', { status: 502, times: 10 });
    await assert.rejects(forge.publish(task, change(crashed.repo, crashed.commitSha)), {
      name: 'TransientError',
    });
    assert.equal(await server.branchSha(FULL_NAME, 'auto-code/issue-1'), crashed.commitSha);
    assert.equal(repo.pulls.length, 0);
    server.failNext('pulls/create', { status: 502, times: 0 });

    // The redelivery runs again (no PR yet), makes a new commit, replaces the branch and opens the PR.
    assert.equal((await forge.prepare(task)).action, 'run');
    const rerun = await fixture.makeChange(task);
    const first = await forge.publish(task, change(rerun.repo, rerun.commitSha));
    const second = await forge.publish(task, change(rerun.repo, rerun.commitSha));
    assert.equal(first.created, true);
    assert.deepEqual(second, { url: first.url, created: false });
    assert.equal(repo.pulls.length, 1);
    assert.equal(await server.branchSha(FULL_NAME, 'auto-code/issue-1'), rerun.commitSha);
  });

  it('a crash between the PR and the final report: the redelivery finishes the comment and opens nothing', async () => {
    fixture = await startForgeFixture();
    const { forge, server } = fixture;
    const task = fixture.task();
    const repo = server.repository(FULL_NAME);
    const { repo: workspace, commitSha } = await fixture.makeChange(task);
    await forge.report(task, { stage: 'publishing', message: 'pushing the branch', commitSha });
    const published = await forge.publish(task, change(workspace, commitSha));
    // ... the worker dies here. A new process (fresh forge state) gets the message again.
    const { createGitHubForge } = await import('../../worker/forge/github-forge.ts');
    const { loadSettings } = await import('../../worker/core/settings.ts');
    const settings = loadSettings({ GITHUB_API_URL: server.url, GITHUB_TOKEN: fixture.token });
    const restarted = createGitHubForge({
      settings: settings.github,
      client: fixture.client,
      logger: (await import('pino')).default({ level: 'silent' }),
      workerId: 'restarted',
    });
    const again = await restarted.prepare(task);
    assert.equal(again.action, 'already-done');
    assert.equal(repo.pulls.length, 1);
    assert.equal(repo.comments.length, 1);
    assert.match(repo.comments[0]!.body, /✅ pull request opened/);
    assert.ok(repo.comments[0]!.body.includes(published.url));
    assert.deepEqual(
      repo.statuses.map((status) => status.state),
      ['pending', 'success'],
    );
    // And once finished, a further redelivery writes nothing at all.
    const writes = () => server.requests.filter((request) => request.method !== 'GET').length;
    const before = writes();
    assert.equal((await restarted.prepare(task)).action, 'already-done');
    assert.equal(writes(), before);
  });

  it('two deliveries publishing at once still end with one PR (the 422 race is looked up again)', async () => {
    fixture = await startForgeFixture();
    const { forge, server } = fixture;
    const task = fixture.task();
    const { repo: workspace, commitSha } = await fixture.makeChange(task);
    const results = await Promise.all([
      forge.publish(task, change(workspace, commitSha)),
      forge.publish(task, change(workspace, commitSha)),
    ]);
    assert.equal(server.repository(FULL_NAME).pulls.length, 1);
    assert.equal(results[0].url, results[1].url);
    assert.equal(results.filter((result) => result.created).length, 1);
    const creates = server.requests.filter((request) => request.operationId === 'pulls/create');
    assert.deepEqual(
      creates.map((request) => request.status),
      [201, 422],
      'both looked before either created: the loser got 422 and found the winner',
    );
  });

  it('opens drafts when CW_PR_DRAFT is set and says when a failure is retried or dead-lettered', async () => {
    fixture = await startForgeFixture({ env: { CW_PR_DRAFT: 'true' } });
    const { forge, server } = fixture;
    const task = fixture.task();
    const { repo: workspace, commitSha } = await fixture.makeChange(task);
    await forge.publish(task, change(workspace, commitSha));
    assert.equal(server.repository(FULL_NAME).pulls[0]!.draft, true);

    await forge.report(task, {
      stage: 'failed',
      message: 'the model did not answer',
      retryAt: new Date('2026-11-24T21:05:00Z'),
    });
    const comment = () => server.repository(FULL_NAME).comments[0]!.body;
    assert.match(comment(), /❌ failed/);
    assert.match(comment(), /automatic retry at 21:05 UTC \(2026-11-24\)/);
    await forge.report(task, { stage: 'failed', message: 'verification failed', deadLetter: true });
    assert.match(comment(), /dead-letter queue/);
    assert.equal(server.repository(FULL_NAME).comments.length, 1);
  });

  it('keeps no state for an issue after its final report: the next delivery finds the comment again', async () => {
    fixture = await startForgeFixture();
    const { forge, server } = fixture;
    const task = fixture.task();
    const lookups = () =>
      server.requests.filter(
        (request) => request.method === 'GET' && /\/issues\/\d+\/comments/.test(request.url),
      ).length;
    await forge.report(task, { stage: 'started', message: 'working on it' });
    await forge.report(task, { stage: 'verifying', message: 'checking' });
    assert.equal(lookups(), 1, 'the comment is looked up once while the task runs');
    await forge.report(task, { stage: 'failed', message: 'the model did not answer', deadLetter: true });
    assert.equal(lookups(), 1);
    await forge.report(task, { stage: 'started', message: 'working on it again' });
    assert.equal(lookups(), 2, 'after the final report the issue was forgotten and its comment found anew');
    assert.equal(server.repository(FULL_NAME).comments.length, 1, 'and it is still the one comment');
  });

  it('writes a new progress comment when none exists, and ignores a marker planted by an outsider', async () => {
    fixture = await startForgeFixture();
    const { forge, server } = fixture;
    const repo = server.repository(FULL_NAME);
    repo.comments.length = 0;
    repo.comments.push({
      id: 5,
      issueNumber: 1,
      body: `${PROGRESS_MARKER} planted`,
      user: 'stranger',
      createdAt: '2026-01-01T00:00:00Z',
      updatedAt: '2026-01-01T00:00:00Z',
    });
    await forge.report(fixture.task(), { stage: 'started', message: 'working on it' });
    await forge.report(fixture.task(), { stage: 'working', message: 'step 1', step: 1 });
    assert.equal(repo.comments.length, 2);
    assert.equal(repo.comments[0]!.body, `${PROGRESS_MARKER} planted`);
    assert.match(repo.comments[1]!.body, /step 1/);
    assert.equal(repo.comments[1]!.user, 'maint');
  });
});

describe('GitHub forge: App authentication', () => {
  it('uses repository-scoped installation tokens and reports with a check run instead of statuses', async () => {
    fixture = await startForgeFixture({ app: true });
    const { forge, server, client } = fixture;
    assert.equal(client.mode, 'app');
    const task = fixture.task();
    const repo = server.repository(FULL_NAME);
    assert.equal((await forge.prepare(task)).action, 'run');
    const { repo: workspace, commitSha } = await fixture.makeChange(task);
    await forge.report(task, { stage: 'publishing', message: 'pushing the branch', commitSha });
    const published = await forge.publish(task, change(workspace, commitSha));
    await forge.report(task, {
      stage: 'done',
      message: 'pull request opened',
      url: published.url,
      commitSha,
    });

    assert.equal(repo.statuses.length, 0);
    assert.equal(repo.checkRuns.length, 1, 'one check run, updated in place');
    const run = repo.checkRuns[0]!;
    assert.equal(run.headSha, commitSha);
    assert.equal(run.status, 'completed');
    assert.equal(run.conclusion, 'success');
    assert.equal(run.detailsUrl, published.url);
    assert.equal(repo.pulls[0]!.user, 'codingworker-test-4242[bot]');

    const tokenRequests = server.requests.filter(
      (request) => request.operationId === 'apps/create-installation-access-token',
    );
    assert.ok(tokenRequests.length >= 1);
    assert.ok(tokenRequests.every((request) => JSON.parse(request.body).repositories?.[0] === 'demo'));

    // A second worker process (fresh forge state) finds the same check run rather than adding one.
    const check = await client.check();
    assert.equal(check.ok, true, check.detail);
    assert.match(check.detail, /check runs/);
  });

  it('a personal access token cannot write check runs, so the PAT forge uses statuses (doctor says so)', async () => {
    fixture = await startForgeFixture();
    assert.equal(fixture.client.mode, 'token');
    const check = await fixture.client.check();
    assert.equal(check.ok, true, check.detail);
    assert.match(check.detail, /authenticated as maint.*commit statuses/);
    const octokit = fixture.client.rest(FULL_NAME);
    await assert.rejects(
      octokit.rest.checks.create({ owner: 'octo', repo: 'demo', name: 'x', head_sha: 'a'.repeat(40) }),
      { status: 403 },
    );
  });
});
