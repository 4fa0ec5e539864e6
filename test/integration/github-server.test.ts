// The GitHub test server itself: it must refuse what GitHub would not accept, answer what GitHub
// documents, require the token (API and git), and serve real pushes over git http-backend.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Octokit } from '@octokit/rest';
import { type GitHubServer, startGitHubServer } from '../support/github-server.ts';
import { checkOperations } from '../support/openapi-validator.ts';

const run = promisify(execFile);
const TOKEN = 'ghp_servertest0000000000000000000000000';
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

describe('GitHub test server', () => {
  let server: GitHubServer;
  let octokit: Octokit;

  before(async () => {
    server = await startGitHubServer();
    server.addToken(TOKEN, 'maintainer');
    await server.addRepository({ owner: 'octo', name: 'demo' });
    server.setRole('octo/demo', 'maintainer', 'admin');
    server.setRole('octo/demo', 'helper', 'triage');
    server.addIssue('octo/demo', { title: 'Fix the thing', labels: ['auto-code'] });
    octokit = new Octokit({ baseUrl: server.url, auth: TOKEN, log: quiet });
  });
  after(() => server.close());

  it('answers documented operations with responses that match the OpenAPI description', async () => {
    const { data: repo } = await octokit.rest.repos.get({ owner: 'octo', repo: 'demo' });
    assert.equal(repo.default_branch, 'main');
    assert.match(repo.clone_url, /^http:\/\/127\.0\.0\.1:\d+\/git\/octo\/demo\.git$/);
    const { data: issue } = await octokit.rest.issues.get({ owner: 'octo', repo: 'demo', issue_number: 1 });
    assert.deepEqual(
      issue.labels.map((label) => (typeof label === 'string' ? label : label.name)),
      ['auto-code'],
    );
    const { data: permission } = await octokit.rest.repos.getCollaboratorPermissionLevel({
      owner: 'octo',
      repo: 'demo',
      username: 'helper',
    });
    assert.equal(permission.permission, 'read');
    assert.equal(permission.role_name, 'triage');
    assert.deepEqual(server.violations, []);
  });

  it('refuses a request that violates the description and records the violation', async () => {
    const before = server.violations.length;
    await assert.rejects(
      octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
        owner: 'octo',
        repo: 'demo',
        issue_number: 1,
        body: 42 as unknown as string,
        request: { retries: 0 },
      }),
      (error: { status?: number }) => error.status === 500,
    );
    await assert.rejects(
      octokit.request('GET /repos/{owner}/{repo}/pulls', {
        owner: 'octo',
        repo: 'demo',
        state: 'weird' as 'all',
      }),
      (error: { status?: number }) => error.status === 500,
    );
    const found = server.violations.slice(before);
    assert.ok(
      found.some((violation) =>
        /issues\/create-comment: request body: \/body must be string/.test(violation),
      ),
    );
    assert.ok(found.some((violation) => /pulls\/list: query parameter state/.test(violation)));
    server.violations.length = before;
  });

  it('finds a response that GitHub would not send', () => {
    const repoGet = checkOperations([
      { operationId: 'repos/get', method: 'GET', path: '/repos/{owner}/{repo}' },
    ]).get('repos/get')!;
    assert.ok(
      repoGet
        .checkResponse(200, { id: 1, name: 'demo' })
        .some((problem) => /required property 'archive_url'/.test(problem)),
    );
    assert.ok(repoGet.checkResponse(201, {}).some((problem) => /not documented/.test(problem)));
    assert.ok(repoGet.checkResponse(404, { nope: true }).length === 0, 'basic-error has no required fields');
    assert.ok(repoGet.checkResponse(503, { message: 7 }).length > 0);
    assert.throws(() =>
      checkOperations([{ operationId: 'repos/get', method: 'GET', path: '/repos/{owner}' }]),
    );
  });

  it('requires the token and records requests without it', async () => {
    const anonymous = new Octokit({ baseUrl: server.url, log: quiet });
    await assert.rejects(anonymous.rest.repos.get({ owner: 'octo', repo: 'demo' }), { status: 401 });
    const wrong = new Octokit({ baseUrl: server.url, auth: 'ghp_wrong', log: quiet });
    await assert.rejects(wrong.rest.issues.get({ owner: 'octo', repo: 'demo', issue_number: 1 }), {
      status: 401,
    });
    assert.ok(server.requests.every((request) => !JSON.stringify(request).includes(TOKEN)));
    assert.deepEqual(server.violations, []);
  });

  it('pages comments, edits them, and refuses a second open pull request from the same head', async () => {
    for (let index = 0; index < 5; index += 1) {
      await octokit.rest.issues.createComment({
        owner: 'octo',
        repo: 'demo',
        issue_number: 1,
        body: `c${index}`,
      });
    }
    const all = await octokit.paginate(octokit.rest.issues.listComments, {
      owner: 'octo',
      repo: 'demo',
      issue_number: 1,
      per_page: 2,
    });
    assert.deepEqual(
      all.map((comment) => comment.body),
      ['c0', 'c1', 'c2', 'c3', 'c4'],
    );
    await octokit.rest.issues.updateComment({
      owner: 'octo',
      repo: 'demo',
      comment_id: all[0]!.id,
      body: 'edited',
    });
    assert.equal(server.repository('octo/demo').comments[0]!.body, 'edited');

    await assert.rejects(
      octokit.rest.pulls.create({ owner: 'octo', repo: 'demo', head: 'missing', base: 'main', title: 't' }),
      { status: 422 },
    );
    assert.deepEqual(server.violations, []);
  });

  it('serves real git over smart HTTP, requiring the token as an extra header', async () => {
    const work = await mkdtemp(join(tmpdir(), 'cw-gh-server-'));
    try {
      const cloneUrl = `${server.url}/git/octo/demo.git`;
      const header = `AUTHORIZATION: basic ${Buffer.from(`x-access-token:${TOKEN}`).toString('base64')}`;
      const env = {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: work,
        GIT_TERMINAL_PROMPT: '0',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_AUTHOR_NAME: 'T',
        GIT_AUTHOR_EMAIL: 't@example.com',
        GIT_COMMITTER_NAME: 'T',
        GIT_COMMITTER_EMAIL: 't@example.com',
      };
      const withToken = {
        ...env,
        GIT_CONFIG_COUNT: '1',
        GIT_CONFIG_KEY_0: `http.${server.url}/.extraheader`,
        GIT_CONFIG_VALUE_0: header,
      };
      await assert.rejects(run('git', ['clone', '--quiet', cloneUrl, join(work, 'denied')], { env }));
      await run('git', ['clone', '--quiet', '--depth=1', cloneUrl, join(work, 'repo')], { env: withToken });
      const repo = join(work, 'repo');
      await run('git', ['checkout', '--quiet', '-b', 'auto-code/issue-1'], { cwd: repo, env });
      await writeFile(join(repo, 'fix.txt'), 'fixed\n');
      await run('git', ['add', 'fix.txt'], { cwd: repo, env });
      await run('git', ['commit', '--quiet', '-m', 'Fix'], { cwd: repo, env });
      await run('git', ['push', '--quiet', 'origin', 'HEAD:refs/heads/auto-code/issue-1'], {
        cwd: repo,
        env: withToken,
      });
      const { stdout } = await run('git', ['rev-parse', 'HEAD'], { cwd: repo, env });
      assert.equal(await server.branchSha('octo/demo', 'auto-code/issue-1'), stdout.trim());

      const { data: pull } = await octokit.rest.pulls.create({
        owner: 'octo',
        repo: 'demo',
        head: 'auto-code/issue-1',
        base: 'main',
        title: 'Fix',
      });
      assert.equal(pull.head.sha, stdout.trim());
      await assert.rejects(
        octokit.rest.pulls.create({
          owner: 'octo',
          repo: 'demo',
          head: 'octo:auto-code/issue-1',
          base: 'main',
          title: 'again',
        }),
        { status: 422 },
      );
      const { data: commits } = await octokit.rest.pulls.listCommits({
        owner: 'octo',
        repo: 'demo',
        pull_number: pull.number,
      });
      assert.deepEqual(
        commits.map((commit) => commit.commit.message),
        ['Fix'],
      );
      const { data: open } = await octokit.rest.pulls.list({
        owner: 'octo',
        repo: 'demo',
        head: 'octo:auto-code/issue-1',
      });
      assert.equal(open.length, 1);
      assert.deepEqual(server.violations, []);
      assert.ok(server.requests.every((request) => !JSON.stringify(request).includes(TOKEN)));
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  it('injects server errors and rate limits with Retry-After', async () => {
    server.failNext('repos/get', { status: 429, retryAfter: 7, times: 1 });
    const error = (await octokit.request('GET /repos/{owner}/{repo}', { owner: 'octo', repo: 'demo' }).then(
      () => assert.fail('the injected 429 did not arrive'),
      (caught: unknown) => caught,
    )) as { status: number; message: string; response: { headers: Record<string, string> } };
    assert.equal(error.status, 429);
    assert.equal(error.response.headers['retry-after'], '7');
    assert.match(error.message, /secondary rate limit/);
    server.failNext('repos/get', { status: 502, times: 1 });
    await assert.rejects(octokit.request('GET /repos/{owner}/{repo}', { owner: 'octo', repo: 'demo' }), {
      status: 502,
    });
    await octokit.request('GET /repos/{owner}/{repo}', { owner: 'octo', repo: 'demo' });
    assert.deepEqual(server.violations, []);
  });
});
