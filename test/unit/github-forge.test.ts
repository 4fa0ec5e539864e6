// The GitHub forge's pure parts with hand-built fakes: the git credential it hands out, the progress text
// it posts (untrusted text made inert), and the throttling of "working" updates.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import { PROGRESS_MARKER } from '../../action/progress-marker.ts';
import { loadSettings } from '../../worker/core/settings.ts';
import type { GitHubClient, GitHubOctokit } from '../../worker/forge/github-client.ts';
import { createGitHubForge } from '../../worker/forge/github-forge.ts';
import { inertText, progressCommentBody, progressSummary } from '../../worker/forge/progress-comment.ts';
import { taskMessage } from '../support/task-messages.ts';

const silent = pino({ level: 'silent' });
const TOKEN = 'ghp_unitcanary000000000000000000000000';

const task = taskMessage({ title: 'T', body: '', sender: 'someone' });

/** A fake Octokit recording the comment calls the forge makes. */
function fakeOctokit(calls: string[]): GitHubOctokit {
  const comments: Array<{ id: number; body: string; user: { type: string }; author_association: string }> =
    [];
  const fake = {
    paginate: async (method: (params: unknown) => Promise<{ data: unknown }>, params: unknown) =>
      (await method(params)).data,
    rest: {
      issues: {
        listComments: async () => {
          calls.push('list');
          return { data: comments };
        },
        createComment: async ({ body }: { body: string }) => {
          calls.push('create');
          comments.push({ id: comments.length + 1, body, user: { type: 'Bot' }, author_association: 'NONE' });
          return { data: { id: comments.length } };
        },
        updateComment: async ({ comment_id, body }: { comment_id: number; body: string }) => {
          calls.push(`update ${comment_id}`);
          comments[comment_id - 1]!.body = body;
          return { data: {} };
        },
      },
    },
  };
  return fake as unknown as GitHubOctokit;
}

function forgeWith(apiUrl: string, calls: string[] = [], clock = { now: 0 }) {
  const settings = loadSettings({ GITHUB_API_URL: apiUrl, GITHUB_TOKEN: TOKEN }).github;
  const octokit = fakeOctokit(calls);
  const client: GitHubClient = {
    mode: 'token',
    rest: () => octokit,
    gitToken: async () => TOKEN,
    check: async () => ({ name: 'GitHub', ok: true, detail: '' }),
  };
  return createGitHubForge({
    settings,
    client,
    logger: silent,
    workerId: 'w1',
    workingIntervalMs: 30_000,
    now: () => new Date(clock.now),
  });
}

describe('GitHub forge: git credentials', () => {
  it('hands the token to git as an extra header for the git host, like actions/checkout', async () => {
    const [[key, value]] = (await forgeWith('https://api.github.com').gitConfig()) as [[string, string]];
    assert.equal(key, 'http.https://github.com/.extraheader');
    assert.equal(value, `AUTHORIZATION: basic ${Buffer.from(`x-access-token:${TOKEN}`).toString('base64')}`);
    const [[enterprise]] = (await forgeWith('https://ghe.example.com/api/v3').gitConfig()) as [
      [string, string],
    ];
    assert.equal(enterprise, 'http.https://ghe.example.com/.extraheader');
  });
});

describe('GitHub forge: progress comment', () => {
  it('edits one comment in place, and posts "working" at most once per interval', async () => {
    const calls: string[] = [];
    const clock = { now: 0 };
    const forge = forgeWith('https://api.github.com', calls, clock);
    await forge.report(task, { stage: 'started', message: 'go' });
    // Fire-and-forget reports, as the pipeline sends them: serialised, so no second comment appears.
    await Promise.all(
      [1, 2, 3].map((step) => forge.report(task, { stage: 'working', message: `step ${step}`, step })),
    );
    clock.now = 31_000;
    await forge.report(task, { stage: 'working', message: 'step 4', step: 4 });
    await forge.report(task, {
      stage: 'done',
      message: 'opened',
      url: 'https://github.com/octo/demo/pull/8',
    });
    assert.deepEqual(calls, ['list', 'create', 'update 1', 'update 1', 'update 1']);
  });

  it('shows "working" again right after "verifying": the throttle restarts when the stage changes', async () => {
    const calls: string[] = [];
    const clock = { now: 0 };
    const forge = forgeWith('https://api.github.com', calls, clock);
    await forge.report(task, { stage: 'working', message: 'step 1', step: 1 });
    clock.now = 5_000;
    await forge.report(task, { stage: 'verifying', message: 'checking the change (round 1)' });
    clock.now = 10_000;
    // The agent works on after a failed verification: the comment must not keep saying "verifying".
    await forge.report(task, { stage: 'working', message: 'step 2', step: 2 });
    clock.now = 15_000;
    await forge.report(task, { stage: 'working', message: 'step 3', step: 3 });
    assert.deepEqual(calls, ['list', 'create', 'update 1', 'update 1'], 'step 3 is throttled, step 2 is not');
  });

  it('shows untrusted text only as inert, redacted code spans', () => {
    const body = progressCommentBody(
      {
        stage: 'working',
        step: 3,
        message: 'step 3 @maintainer <img src=x> [link](https://evil.example)',
        lastAction: `cat secret\n\`\`\`\n<!-- x --> ${TOKEN}`,
      },
      { workerId: 'w1', now: new Date('2026-11-24T20:00:00Z') },
    );
    assert.ok(body.startsWith(PROGRESS_MARKER));
    assert.match(body, /working — step 3/);
    assert.ok(body.includes('`step 3 @maintainer <img src=x> [link](https://evil.example)`'));
    assert.ok(!body.includes(TOKEN));
    assert.ok(body.includes('Last action: `cat secret ˋˋˋ <!-- x --> [REDACTED]`'));
    assert.equal(inertText('a`b'), '`aˋb`');
    assert.equal(inertText('x'.repeat(400)).length, 302);
  });

  it('says when a failure is retried and when it went to the dead-letter queue', () => {
    const now = new Date('2026-11-24T20:00:00Z');
    const retry = progressCommentBody(
      { stage: 'failed', message: 'model timed out', retryAt: new Date('2026-11-24T20:05:00Z') },
      { workerId: 'w1', now },
    );
    assert.match(retry, /❌ failed/);
    assert.match(retry, /automatic retry at 20:05 UTC \(2026-11-24\)/);
    const dead = progressCommentBody(
      { stage: 'failed', message: 'x', deadLetter: true },
      { workerId: 'w1', now },
    );
    assert.match(dead, /dead-letter queue/);
    const summary = progressSummary({ stage: 'failed', message: 'y'.repeat(300), deadLetter: true });
    assert.equal(summary.length, 140);
    assert.match(progressSummary({ stage: 'done', message: 'ok' }), /^pull request opened: ok$/);
    assert.ok(
      !progressCommentBody(
        { stage: 'done', message: 'x', url: 'javascript:alert(1)' },
        { workerId: 'w', now },
      ).includes('javascript'),
    );
  });
});
