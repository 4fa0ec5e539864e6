import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Enqueue,
  filterRevisionEvent,
  mentions,
  type PullFacts,
  pullProblem,
  type RevisionDecision,
  revisionTask,
} from '../../action/revision-event.ts';
import { encodeTaskMessage, parseTaskMessage } from '../../action/task-message.ts';
import { examplePayload } from '../support/webhooks.ts';

const OPTIONS = { mention: '@codingworker', fixFailingChecks: true };
const SHA = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';

/** Real payloads, moved onto a CodingWorker pull request of their own repository. */
function ours<T extends Record<string, unknown>>(payload: T): T {
  // biome-ignore lint/suspicious/noExplicitAny: a test edits GitHub's payload freely
  const pull = payload.pull_request as any;
  if (pull) {
    pull.head.ref = 'auto-code/issue-7';
    pull.head.repo = { ...pull.base.repo };
    pull.state = 'open';
  }
  return payload;
}

function reviewComment(body: string) {
  const payload = ours(examplePayload('pull_request_review_comment', 'created'));
  payload.comment.body = body;
  return payload;
}

function review(state: string, body: string | null) {
  const payload = ours(examplePayload('pull_request_review', 'submitted'));
  payload.review.state = state;
  payload.review.body = body;
  return payload;
}

function prComment(body: string) {
  const payload = examplePayload('issue_comment', 'created');
  payload.issue.pull_request = { url: 'https://api.github.com/repos/o/r/pulls/1' };
  payload.comment.body = body;
  return payload;
}

function failedRun(conclusion = 'failure') {
  const payload = examplePayload('workflow_run', 'completed');
  payload.workflow_run.conclusion = conclusion;
  payload.workflow_run.head_branch = 'auto-code/issue-7';
  payload.workflow_run.head_repository = { ...payload.repository };
  return payload;
}

function enqueued(decision: RevisionDecision): Enqueue {
  assert.ok(decision.enqueue, decision.enqueue ? '' : decision.reason);
  return decision;
}

function reasonOf(decision: RevisionDecision): string {
  assert.equal(decision.enqueue, false);
  return decision.enqueue ? '' : decision.reason;
}

const openPull = (head: Partial<PullFacts['head']> = {}): PullFacts => ({
  number: 1,
  title: 'Fix the parser',
  html_url: 'https://github.com/Codertocat/Hello-World/pull/1',
  state: 'open',
  head: { ref: 'auto-code/issue-7', sha: SHA, repo: { full_name: 'Codertocat/Hello-World' }, ...head },
});

describe('revision events: which pull request events ask CodingWorker for a change', () => {
  it('takes a review comment that mentions the phrase, with the comment as the trigger', () => {
    const payload = reviewComment('@CodingWorker please rename this variable');
    const decision = enqueued(filterRevisionEvent('pull_request_review_comment', payload, OPTIONS));
    assert.equal(decision.event, 'pull_request_review_comment.created');
    assert.equal(decision.trigger.type, 'review_comment');
    assert.equal(decision.trigger.id, payload.comment.id);
    assert.equal(decision.trigger.author, payload.comment.user.login);
    assert.equal(decision.trigger.updated_at, payload.comment.updated_at);
    assert.equal(decision.sender?.login, payload.comment.user.login);
    assert.equal(pullProblem(decision, decision.pull as PullFacts), undefined);
  });

  it('skips a comment without the mention, or with a longer name that only starts like it', () => {
    assert.equal(
      reasonOf(filterRevisionEvent('pull_request_review_comment', reviewComment('Looks odd.'), OPTIONS)),
      'the comment does not mention @codingworker',
    );
    assert.equal(mentions('ask @codingworker-bot', '@codingworker'), false);
    assert.equal(mentions('me@codingworker.dev', '@codingworker'), false);
    assert.equal(mentions('(@codingworker, fix it)', '@codingworker'), true);
  });

  it("skips CodingWorker's own comments even when they quote the mention", () => {
    const own = reviewComment('<!-- codingworker:revision review_comment 1 -->\nDone, @codingworker');
    assert.match(reasonOf(filterRevisionEvent('pull_request_review_comment', own, OPTIONS)), /own/);
  });

  it('takes a changes-requested review with or without the mention, and never an approval', () => {
    const changes = enqueued(
      filterRevisionEvent('pull_request_review', review('changes_requested', null), OPTIONS),
    );
    assert.equal(changes.trigger.type, 'review');
    assert.equal(changes.trigger.body, '');
    assert.equal(
      reasonOf(filterRevisionEvent('pull_request_review', review('approved', '@codingworker LGTM'), OPTIONS)),
      'a review that is approved does not ask for changes',
    );
    assert.equal(
      reasonOf(filterRevisionEvent('pull_request_review', review('commented', 'Nice.'), OPTIONS)),
      'the review does not mention @codingworker',
    );
    const asked = enqueued(
      filterRevisionEvent('pull_request_review', review('commented', '@codingworker add a test'), OPTIONS),
    );
    assert.equal(asked.event, 'pull_request_review.submitted');
    const dismissed = examplePayload('pull_request_review', 'dismissed');
    assert.match(reasonOf(filterRevisionEvent('pull_request_review', dismissed, OPTIONS)), /dismissed/);
  });

  it('takes a mention in a comment on a pull request, and skips a comment on a plain issue', () => {
    const decision = enqueued(
      filterRevisionEvent('issue_comment', prComment('@codingworker use a map'), OPTIONS),
    );
    assert.deepEqual(decision.pull, { number: examplePayload('issue_comment', 'created').issue.number });
    const onIssue = examplePayload('issue_comment', 'created');
    onIssue.comment.body = '@codingworker fix it';
    assert.match(reasonOf(filterRevisionEvent('issue_comment', onIssue, OPTIONS)), /not on a pull request/);
    const edited = prComment('@codingworker');
    edited.action = 'edited';
    assert.equal(
      reasonOf(filterRevisionEvent('issue_comment', edited, OPTIONS)),
      'issue_comment.edited does not ask for revisions',
    );
  });

  it('takes a failed workflow run on a CodingWorker branch only when fix-failing-checks is on', () => {
    const run = enqueued(filterRevisionEvent('workflow_run', failedRun(), OPTIONS));
    assert.deepEqual(run.pull, { branch: 'auto-code/issue-7' });
    assert.equal(run.sender, undefined, 'a run carries no one words, so no sender gate');
    assert.equal(run.trigger.type, 'workflow_run');
    assert.match(
      reasonOf(filterRevisionEvent('workflow_run', failedRun(), { ...OPTIONS, fixFailingChecks: false })),
      /fix-failing-checks is off/,
    );
    assert.match(
      reasonOf(filterRevisionEvent('workflow_run', failedRun('success'), OPTIONS)),
      /concluded success, not failure/,
    );
    const main = failedRun();
    main.workflow_run.head_branch = 'main';
    assert.match(
      reasonOf(filterRevisionEvent('workflow_run', main, OPTIONS)),
      /ran on main, not a CodingWorker branch/,
    );
    const fork = failedRun();
    fork.workflow_run.head_repository = { full_name: 'someone/Hello-World' };
    assert.match(reasonOf(filterRevisionEvent('workflow_run', fork, OPTIONS)), /fork/);
    assert.match(
      reasonOf(filterRevisionEvent('check_suite', examplePayload('check_suite', 'completed'), OPTIONS)),
      /workflow_run/,
    );
  });

  it("refuses a fork's pull request, another branch, a closed one, and a run on a commit since replaced", () => {
    const decision = enqueued(
      filterRevisionEvent('pull_request_review_comment', reviewComment('@codingworker x'), OPTIONS),
    );
    assert.match(
      pullProblem(decision, openPull({ repo: { full_name: 'evil/Hello-World' } }))!,
      /from a fork \(evil\/Hello-World\)/,
    );
    assert.match(pullProblem(decision, openPull({ repo: null }))!, /fork \(a deleted repository\)/);
    assert.match(
      pullProblem(decision, openPull({ ref: 'feature/x' }))!,
      /comes from feature\/x, not a CodingWorker branch/,
    );
    assert.match(pullProblem(decision, { ...openPull(), state: 'closed' })!, /is closed/);
    const run = enqueued(filterRevisionEvent('workflow_run', failedRun(), OPTIONS));
    const moved = openPull({ sha: 'a'.repeat(40) });
    assert.match(pullProblem(run, moved)!, /has moved on/);
  });

  it('builds a revision message that the worker parses, with the issue from the branch', () => {
    const payload = reviewComment('@codingworker rename it');
    const decision = enqueued(filterRevisionEvent('pull_request_review_comment', payload, OPTIONS));
    const task = revisionTask(
      decision,
      openPull({ sha: payload.pull_request.head.sha }),
      new Date('2026-01-02T03:04:05Z'),
    );
    assert.equal(task.issue_number, 7);
    assert.equal(task.pull_number, 1);
    assert.equal(task.head_branch, 'auto-code/issue-7');
    const parsed = parseTaskMessage(encodeTaskMessage(task).body);
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.task, task);
  });

  it('fails clearly on a payload that is not the event it claims to be', () => {
    assert.throws(
      () => filterRevisionEvent('pull_request_review', { action: 'submitted' }, OPTIONS),
      /not what GitHub sends/,
    );
  });
});
