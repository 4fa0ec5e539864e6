// The daemon's handler runs the tasks of one issue (its issue task and the revisions of its pull request)
// one at a time, so two revisions never work on the same branch at once; other issues run beside them.
// A revision goes to the forge's revisions, and a forge without them refuses it with what to do.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import pino from 'pino';
import type { AnyTask, RevisionMessage } from '../../action/task-message.ts';
import type { Runner } from '../../worker/agent/runner.ts';
import { PermanentError } from '../../worker/core/errors.ts';
import { loadSettings } from '../../worker/core/settings.ts';
import type { Forge, RevisionForge } from '../../worker/forge/forge.ts';
import { createJobHandler } from '../../worker/job/dispatch.ts';
import { createFakeSandboxProvider } from '../support/fake-sandbox.ts';
import { taskMessage } from '../support/task-messages.ts';

const logger = pino({ level: 'silent' });
const context = { messageId: 'm', receiveCount: 1, signal: new AbortController().signal, logger };
const runner: Runner = {
  run: () => Promise.reject(new Error('no task here reaches the runner')),
};

function revision(pullNumber: number, issueNumber = 7): RevisionMessage {
  return {
    schema_version: 2,
    kind: 'revision',
    repository: 'octo/demo',
    issue_number: issueNumber,
    pull_number: pullNumber,
    title: '[auto-code] Add a greeting',
    html_url: `https://github.com/octo/demo/pull/${pullNumber}`,
    head_branch: `auto-code/issue-${issueNumber}`,
    head_sha: 'a'.repeat(40),
    sender: 'maintainer',
    event: 'pull_request_review_comment.created',
    trigger: {
      type: 'review_comment',
      id: 100 + pullNumber,
      author: 'maintainer',
      body: 'Rename it.',
      body_truncated: false,
      updated_at: '2026-11-24T10:00:00Z',
      html_url: `https://github.com/octo/demo/pull/${pullNumber}#discussion_r1`,
    },
    enqueued_at: '2026-11-24T10:00:01Z',
  };
}

/** A forge whose prepare waits until released, recording the order of starts. */
function gatedForge(withRevisions = true) {
  const started: string[] = [];
  const gates = new Map<string, () => void>();
  const wait = (name: string) =>
    new Promise<{ action: 'skip'; reason: string }>((resolve) => {
      started.push(name);
      gates.set(name, () => resolve({ action: 'skip', reason: `${name} released` }));
    });
  const revisions: RevisionForge = {
    prepare: (task) => wait(`revision ${task.trigger.id}`),
    report: async () => {},
    publish: () => Promise.reject(new Error('not reached')),
  };
  const forge: Forge = {
    prepare: (task) => wait(`issue ${task.issue_number}`),
    gitConfig: async () => [],
    report: async () => {},
    publish: () => Promise.reject(new Error('not reached')),
    ...(withRevisions ? { revisions } : {}),
  };
  return { forge, started, release: (name: string) => gates.get(name)!() };
}

function handlerFor(forge: Forge) {
  const settings = loadSettings({ GITHUB_TOKEN: 'test-token-not-a-secret' });
  return createJobHandler({ settings, forge, runner, sandboxProvider: createFakeSandboxProvider() });
}

async function settle() {
  for (let i = 0; i < 10; i += 1) await tick();
}

describe('createJobHandler', () => {
  it('runs the tasks of one issue one at a time, and other issues beside them', async () => {
    const { forge, started, release } = gatedForge();
    const handler = handlerFor(forge);
    const tasks: AnyTask[] = [
      taskMessage({ issue_number: 7 }),
      revision(12),
      taskMessage({ issue_number: 8 }),
    ];
    const outcomes = tasks.map((task) => handler.handle(task, context));
    await settle();
    assert.deepEqual(started, ['issue 7', 'issue 8'], 'the revision of #7 waits; issue 8 does not');

    release('issue 7');
    await settle();
    assert.deepEqual(started, ['issue 7', 'issue 8', 'revision 112']);
    release('revision 112');
    release('issue 8');
    const results = await Promise.all(outcomes);
    assert.deepEqual(
      results.map((result) => result.detail),
      ['issue 7 released', 'revision 112 released', 'issue 8 released'],
    );
  });

  it('goes on with the next task of the issue after one failed', async () => {
    const { forge, started, release } = gatedForge();
    forge.prepare = () => Promise.reject(new Error('GitHub is down'));
    const handler = handlerFor(forge);
    const first = handler.handle(taskMessage({ issue_number: 7 }), context);
    const second = handler.handle(revision(12), context);
    await assert.rejects(first, /GitHub is down/);
    await settle();
    assert.deepEqual(started, ['revision 112']);
    release('revision 112');
    assert.equal((await second).detail, 'revision 112 released');
  });

  it('refuses a revision when the forge takes none, saying so', async () => {
    const { forge } = gatedForge(false);
    await assert.rejects(
      handlerFor(forge).handle(revision(12), context),
      (error: unknown) =>
        error instanceof PermanentError && /does not take revision tasks/.test(error.message),
    );
  });
});
