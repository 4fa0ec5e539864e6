// Secrets and rate limits: canary tokens never reach git's argv or config, the logs, comments, pull request
// bodies or recorded request bodies; 403/429 with Retry-After and 5xx are retried by the Octokit plugins.
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after as afterAll, afterEach, before, describe, it } from 'node:test';
import pino from 'pino';
import { loadSettings } from '../../worker/core/settings.ts';
import type { ChangeSet } from '../../worker/forge/forge.ts';
import { createGitHubClient } from '../../worker/forge/github-client.ts';
import { type ForgeFixture, FULL_NAME, startForgeFixture } from '../support/github-forge-fixture.ts';

let fixture: ForgeFixture | undefined;
afterEach(async () => {
  const current = fixture;
  fixture = undefined;
  if (!current) return;
  try {
    assert.deepEqual(current.server.violations, []);
  } finally {
    await current.close();
  }
});

const silent = pino({ level: 'silent' });

/** Every file under dir, as text (binary files are searched too: a token would be plain bytes there). */
async function allText(dir: string): Promise<string> {
  const parts: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    parts.push(await readFile(join(entry.parentPath, entry.name), 'latin1'));
  }
  return parts.join('\n');
}

function forms(token: string): string[] {
  return [token, Buffer.from(`x-access-token:${token}`).toString('base64')];
}

describe('GitHub forge: canary tokens never leak', () => {
  let wrapperDir: string;
  let argvLog: string;
  const originalPath = process.env.PATH;

  before(async () => {
    // Every git child (ours and the test server's) goes through this wrapper, which records its argv.
    wrapperDir = await mkdtemp(join(tmpdir(), 'cw-git-wrapper-'));
    argvLog = join(wrapperDir, 'argv.log');
    const { execFileSync } = await import('node:child_process');
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    await writeFile(
      join(wrapperDir, 'git'),
      `#!/bin/sh\nprintf '%s\\n' "$*" >> '${argvLog}'\nexec '${realGit}' "$@"\n`,
    );
    await chmod(join(wrapperDir, 'git'), 0o755);
    process.env.PATH = `${wrapperDir}:${originalPath}`;
  });
  afterAll(async () => {
    process.env.PATH = originalPath;
    await rm(wrapperDir, { recursive: true, force: true });
  });

  for (const mode of ['token', 'app'] as const) {
    it(`keeps the ${mode} credentials out of argv, .git/config, logs, comments, PR bodies and request bodies`, async () => {
      fixture = await startForgeFixture({ app: mode === 'app' });
      const { forge, server } = fixture;
      const task = fixture.task();
      assert.equal((await forge.prepare(task)).action, 'run');
      const { repo: workspace, commitSha } = await fixture.makeChange(task);
      const secret = mode === 'app' ? await fixture.client.gitToken(FULL_NAME) : fixture.token;
      assert.match(secret, mode === 'app' ? /^ghs_/ : /^ghp_/);

      // The agent (or a confused model) echoes the token into its output: it must still never be posted.
      const repo = server.repository(FULL_NAME);
      const commentVersions: string[] = [];
      await forge.report(task, {
        stage: 'working',
        message: `step 1 ${secret}`,
        step: 1,
        lastAction: `echo ${secret}`,
      });
      commentVersions.push(repo.comments.map((comment) => comment.body).join('\n'));
      await forge.report(task, { stage: 'publishing', message: 'pushing', commitSha });
      const change: ChangeSet = {
        repo: workspace,
        branch: 'auto-code/issue-1',
        commitSha,
        title: '[auto-code] Add a greeting',
        description: `Adds hello(). Token seen: ${secret}\n\nResolves #1`,
      };
      const published = await forge.publish(task, change);
      await forge.report(task, {
        stage: 'failed',
        message: `push said https://x-access-token:${secret}@host`,
        commitSha,
      });
      commentVersions.push(repo.comments.map((comment) => comment.body).join('\n'));
      await forge.report(task, {
        stage: 'done',
        message: 'pull request opened',
        url: published.url,
        commitSha,
      });

      const places: Record<string, string> = {
        'git argv': await readFile(argvLog, 'utf8'),
        'workspace (.git/config and everything else)': await allText(workspace.dir),
        logs: fixture.logLines.join('\n'),
        'every version of the comment': [
          ...commentVersions,
          ...repo.comments.map((comment) => comment.body),
        ].join('\n'),
        'pull request bodies and titles': repo.pulls.map((pull) => `${pull.title}\n${pull.body}`).join('\n'),
        'commit statuses and check runs': JSON.stringify([repo.statuses, repo.checkRuns]),
        'recorded requests (bodies, URLs, headers)': JSON.stringify(server.requests),
      };
      assert.ok(places['git argv']!.includes('push'), 'the wrapper saw the push');
      assert.ok(places['pull request bodies and titles']!.includes('[REDACTED]'));
      assert.ok(commentVersions.every((body) => body.includes('[REDACTED]')));
      for (const [where, text] of Object.entries(places)) {
        for (const form of forms(secret)) {
          assert.ok(!text.includes(form), `the ${mode} credential leaked into ${where}`);
        }
        if (mode === 'token') continue;
        assert.ok(!text.includes('PRIVATE KEY'), `the App private key leaked into ${where}`);
      }
      // The push really carried the credential: as an extra header from the environment.
      assert.equal(await server.branchSha(FULL_NAME, 'auto-code/issue-1'), commitSha);
    });
  }
});

describe('GitHub client: rate limits and server errors are retried by the plugins', () => {
  it('waits out a secondary rate limit (403 and 429 with Retry-After) and a primary one, then succeeds', async () => {
    fixture = await startForgeFixture();
    const { server } = fixture;
    const settings = loadSettings({ GITHUB_API_URL: server.url, GITHUB_TOKEN: fixture.token });
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
    // timeScale 0.2: Retry-After 1 s becomes 200 ms, so the wait is measurable but short.
    const octokit = createGitHubClient(settings.github, logger, { timeScale: 0.2 }).rest(FULL_NAME);
    const count = (operationId: string) =>
      server.requests.filter((request) => request.operationId === operationId).length;

    server.failNext('issues/get', { status: 403, retryAfter: 1, times: 1 });
    let started = performance.now();
    await octokit.rest.issues.get({ owner: 'octo', repo: 'demo', issue_number: 1 });
    assert.ok(performance.now() - started >= 180, 'Retry-After was honoured');
    assert.equal(count('issues/get'), 2);

    server.failNext('pulls/list', { status: 429, retryAfter: 1, times: 2 });
    started = performance.now();
    await octokit.rest.pulls.list({ owner: 'octo', repo: 'demo' });
    assert.ok(performance.now() - started >= 360);
    assert.equal(count('pulls/list'), 3);

    server.failNext('repos/get', { status: 403, kind: 'primary', retryAfter: 1, times: 1 });
    await octokit.rest.repos.get({ owner: 'octo', repo: 'demo' });
    assert.equal(count('repos/get'), 2);
    assert.ok(lines.some((line) => line.includes('secondary rate limit hit')));
    assert.ok(lines.some((line) => line.includes('GitHub rate limit hit')));
  });

  it('retries a 5xx three times (docs/requirements.md#pull-requests), then the forge reports a transient failure', async () => {
    fixture = await startForgeFixture();
    const { server, forge } = fixture;
    const count = (operationId: string) =>
      server.requests.filter((request) => request.operationId === operationId).length;

    server.failNext('issues/get', { status: 502, times: 2 });
    assert.equal((await forge.prepare(fixture.task())).action, 'run');
    assert.equal(count('issues/get'), 3);

    server.failNext('issues/get', { status: 503, times: 10 });
    await assert.rejects(forge.prepare(fixture.task()), (error: Error & { kind?: string }) => {
      assert.equal(error.kind, 'transient');
      assert.match(error.message, /GitHub failed while reading issue octo\/demo#1/);
      return true;
    });
    assert.equal(count('issues/get'), 3 + 4, 'one try and 3 retries');

    server.failNext('issues/get', { status: 403, retryAfter: 1, times: 10 });
    await assert.rejects(forge.prepare(fixture.task()), { name: 'TransientError' });
  });

  it('refused credentials are permanent, and doctor says what to change', async () => {
    fixture = await startForgeFixture();
    const { server } = fixture;
    const check = async (env: Record<string, string>) =>
      createGitHubClient(loadSettings({ GITHUB_API_URL: server.url, ...env }).github, silent, {
        timeScale: 0.001,
      }).check();

    const refused = await check({ GITHUB_TOKEN: 'ghp_notvalid0000000000000000000000' });
    assert.equal(refused.ok, false);
    assert.match(refused.detail, /refused the credentials \(401\)/);
    assert.match(refused.fix ?? '', /GITHUB_TOKEN/);

    server.addToken('ghp_narrowscope000000000000000000000', 'maint', ['read:user']);
    const narrow = await check({ GITHUB_TOKEN: 'ghp_narrowscope000000000000000000000' });
    assert.equal(narrow.ok, false);
    assert.match(narrow.fix ?? '', /"repo" scope/);

    const none = await check({});
    assert.equal(none.ok, false);
    assert.match(none.fix ?? '', /GITHUB_TOKEN/);

    const unreachable = await createGitHubClient(
      loadSettings({ GITHUB_API_URL: 'http://127.0.0.1:9', GITHUB_TOKEN: fixture.token }).github,
      silent,
      { timeScale: 0.001 },
    ).check();
    assert.equal(unreachable.ok, false);
    assert.match(unreachable.fix ?? '', /GITHUB_API_URL/);

    const forge = fixture.forge;
    server.repository(FULL_NAME); // the repository exists; the credentials are what is wrong
    const badClient = createGitHubClient(
      loadSettings({ GITHUB_API_URL: server.url, GITHUB_TOKEN: 'ghp_notvalid0000000000000000000000' }).github,
      silent,
      { timeScale: 0.001 },
    );
    const { createGitHubForge } = await import('../../worker/forge/github-forge.ts');
    const badForge = createGitHubForge({
      settings: loadSettings({ GITHUB_API_URL: server.url }).github,
      client: badClient,
      logger: silent,
      workerId: 'w',
    });
    await assert.rejects(badForge.prepare(fixture.task()), (error: Error & { kind?: string }) => {
      assert.equal(error.kind, 'permanent');
      assert.match(error.message, /renew GITHUB_TOKEN/);
      return true;
    });
    assert.equal((await forge.prepare(fixture.task())).action, 'run');
  });
});
