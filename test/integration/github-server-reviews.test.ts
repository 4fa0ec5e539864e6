// The GitHub test server's review, changed-file and workflow-run operations, through a real Octokit:
// what a revision of CodingWorker's pull request reads and writes. Every request and response is checked
// against GitHub's OpenAPI description; a reply to a reply is refused as GitHub refuses it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Octokit } from '@octokit/rest';
import { type GitHubServer, startGitHubServer } from '../support/github-server.ts';

const run = promisify(execFile);
const TOKEN = 'ghp_reviewtest00000000000000000000000';
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const repo = { owner: 'octo', repo: 'demo' };

/** Pushes a branch with one commit changing hello.py straight into the server's bare repository. */
async function pushBranch(server: GitHubServer, branch: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'cw-reviews-'));
  const gitDir = server.repository('octo/demo').gitDir;
  const git = (...args: string[]) =>
    run('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], { cwd: dir });
  await git('clone', '--quiet', gitDir, '.');
  await git('checkout', '--quiet', '-b', branch);
  await writeFile(join(dir, 'hello.py'), 'def hello():\n    return "hi"\n');
  await git('add', 'hello.py');
  await git('commit', '--quiet', '-m', 'Add hello');
  await git('push', '--quiet', 'origin', branch);
  await rm(dir, { recursive: true, force: true });
}

describe('GitHub test server: reviews, files and workflow runs', () => {
  let server: GitHubServer;
  let octokit: Octokit;
  let pullNumber: number;

  before(async () => {
    server = await startGitHubServer();
    server.addToken(TOKEN, 'maintainer');
    await server.addRepository({ owner: 'octo', name: 'demo', files: { 'README.md': '# demo\n' } });
    server.setRole('octo/demo', 'maintainer', 'admin');
    await pushBranch(server, 'auto-code/issue-3');
    octokit = new Octokit({ baseUrl: server.url, auth: TOKEN, log: quiet });
    const { data } = await octokit.rest.pulls.create({
      ...repo,
      head: 'auto-code/issue-3',
      base: 'main',
      title: 't',
    });
    pullNumber = data.number;
  });
  after(() => server.close());

  it('serves a pull request with its head, and its changed files with patches from git', async () => {
    const { data: pull } = await octokit.rest.pulls.get({ ...repo, pull_number: pullNumber });
    assert.equal(pull.head.ref, 'auto-code/issue-3');
    assert.equal(pull.head.sha, await server.branchSha('octo/demo', 'auto-code/issue-3'));
    assert.equal(pull.head.repo?.full_name, 'octo/demo');
    const { data: files } = await octokit.rest.pulls.listFiles({ ...repo, pull_number: pullNumber });
    assert.deepEqual(
      files.map((file) => [file.filename, file.status, file.additions]),
      [['hello.py', 'added', 2]],
    );
    assert.match(files[0]!.patch ?? '', /^@@ .* @@\n\+def hello\(\):\n\+ {4}return "hi"/);
    assert.deepEqual(server.violations, []);
  });

  it('renders a fork head as another repository, which head= filters never match', async () => {
    const { data: other } = await octokit.rest.pulls
      .create({ ...repo, head: 'auto-code/issue-3', base: 'main', title: 'x' })
      .catch(async () => {
        // One open pull request per head: close the first, open the "fork" one, then restore.
        await octokit.rest.pulls.update({ ...repo, pull_number: pullNumber, state: 'closed' });
        const created = await octokit.rest.pulls.create({
          ...repo,
          head: 'auto-code/issue-3',
          base: 'main',
          title: 'x',
        });
        await octokit.rest.pulls.update({ ...repo, pull_number: pullNumber, state: 'open' });
        return created;
      });
    server.repository('octo/demo').pulls.find((pull) => pull.number === other.number)!.headRepository =
      'mallory/demo';
    const { data: fork } = await octokit.rest.pulls.get({ ...repo, pull_number: other.number });
    assert.equal(fork.head.repo?.full_name, 'mallory/demo');
    const listed = await octokit.rest.pulls.list({ ...repo, state: 'all', head: 'octo:auto-code/issue-3' });
    assert.ok(!listed.data.some((pull) => pull.number === other.number));
    await octokit.rest.pulls.update({ ...repo, pull_number: other.number, state: 'closed' });
    assert.deepEqual(server.violations, []);
  });

  it('lists review comments with their hunk, filters by since, and takes a reply on the thread only', async () => {
    const first = server.addReviewComment('octo/demo', pullNumber, {
      user: 'maintainer',
      body: 'Say hello.',
      path: 'hello.py',
      line: 2,
    });
    const { data: got } = await octokit.rest.pulls.getReviewComment({ ...repo, comment_id: first.id });
    assert.equal(got.diff_hunk, '@@ -2,1 +2,1 @@\n+    return "hi"');
    assert.equal(got.line, 2);
    const { data: reply } = await octokit.rest.pulls.createReplyForReviewComment({
      ...repo,
      pull_number: pullNumber,
      comment_id: first.id,
      body: 'Done.',
    });
    assert.equal(reply.in_reply_to_id, first.id);
    assert.equal(reply.user.login, 'maintainer');
    await assert.rejects(
      octokit.rest.pulls.createReplyForReviewComment({
        ...repo,
        pull_number: pullNumber,
        comment_id: reply.id,
        body: 'x',
      }),
      (error: { status?: number }) => error.status === 422,
    );
    const all = await octokit.rest.pulls.listReviewComments({ ...repo, pull_number: pullNumber });
    assert.deepEqual(
      all.data.map((comment) => comment.body),
      ['Say hello.', 'Done.'],
    );
    const later = await octokit.rest.pulls.listReviewComments({
      ...repo,
      pull_number: pullNumber,
      since: new Date(Date.now() + 60_000).toISOString(),
    });
    assert.deepEqual(later.data, []);
    server.editReviewComment('octo/demo', first.id, 'Say hello, world.');
    const edited = await octokit.rest.pulls.getReviewComment({ ...repo, comment_id: first.id });
    assert.ok(Date.parse(edited.data.updated_at) > Date.parse(got.updated_at), 'an edit moves updated_at on');
    assert.deepEqual(server.violations, []);
  });

  it('serves a review and its comments', async () => {
    const { review, comments } = await server.addReview('octo/demo', pullNumber, {
      user: 'maintainer',
      state: 'CHANGES_REQUESTED',
      body: 'Two things.',
      comments: [{ path: 'hello.py', line: 1, body: 'Rename it.' }],
    });
    const { data } = await octokit.rest.pulls.getReview({
      ...repo,
      pull_number: pullNumber,
      review_id: review.id,
    });
    assert.equal(data.state, 'CHANGES_REQUESTED');
    assert.equal(data.body, 'Two things.');
    const listed = await octokit.rest.pulls.listCommentsForReview({
      ...repo,
      pull_number: pullNumber,
      review_id: review.id,
    });
    assert.deepEqual(
      listed.data.map((comment) => comment.id),
      comments.map((comment) => comment.id),
    );
    const reviews = await octokit.rest.pulls.listReviews({ ...repo, pull_number: pullNumber });
    assert.ok(reviews.data.some((entry) => entry.id === review.id));
    await assert.rejects(
      octokit.rest.pulls.getReview({ ...repo, pull_number: pullNumber + 100, review_id: review.id }),
      (error: { status?: number }) => error.status === 404,
    );
    assert.deepEqual(server.violations, []);
  });

  it('serves workflow runs by workflow and head commit, their jobs, and a job log through the redirect', async () => {
    const headSha = (await server.branchSha('octo/demo', 'auto-code/issue-3'))!;
    const failed = server.addWorkflowRun('octo/demo', {
      workflowId: 77,
      name: 'CI',
      headSha,
      headBranch: 'auto-code/issue-3',
      conclusion: 'failure',
      jobs: [{ name: 'test', conclusion: 'failure', log: 'line 1\nAssertionError: 1 != 2\n' }],
    });
    server.addWorkflowRun('octo/demo', {
      workflowId: 78,
      name: 'Lint',
      headSha,
      headBranch: 'x',
      conclusion: 'success',
      jobs: [],
    });
    const { data: got } = await octokit.rest.actions.getWorkflowRun({ ...repo, run_id: failed.id });
    assert.equal(got.conclusion, 'failure');
    assert.equal(got.workflow_id, 77);
    const { data: runs } = await octokit.rest.actions.listWorkflowRuns({
      ...repo,
      workflow_id: 77,
      head_sha: headSha,
    });
    assert.deepEqual(
      runs.workflow_runs.map((entry) => entry.id),
      [failed.id],
    );
    const { data: jobs } = await octokit.rest.actions.listJobsForWorkflowRun({ ...repo, run_id: failed.id });
    assert.equal(jobs.jobs[0]?.conclusion, 'failure');
    const log = await octokit.rest.actions.downloadJobLogsForWorkflowRun({
      ...repo,
      job_id: jobs.jobs[0]!.id,
    });
    assert.equal(String(log.data), 'line 1\nAssertionError: 1 != 2\n');
    assert.deepEqual(server.violations, []);
  });

  it('catches a reply without a body as a violation of the description', async () => {
    const comment = server.addReviewComment('octo/demo', pullNumber, {
      user: 'maintainer',
      body: 'x',
      path: 'hello.py',
      line: 1,
    });
    const before = server.violations.length;
    await assert.rejects(
      octokit.request('POST /repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies', {
        ...repo,
        pull_number: pullNumber,
        comment_id: comment.id,
        body: undefined as unknown as string,
        request: { retries: 0 },
      }),
    );
    assert.equal(server.violations.length, before + 1);
    server.violations.length = before;
  });
});
