import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GitHubApi, IssueComment } from '../../action/github-api.ts';
import { isProgressComment, PROGRESS_MARKER } from '../../action/progress-marker.ts';
import { ensureQueuedComment, queuedCommentBody } from '../../action/queued-comment.ts';

/** An in-memory issue thread. */
function fakeApi(comments: IssueComment[]) {
  const calls: string[] = [];
  let nextId = 100;
  const api: GitHubApi = {
    repositoryRole: async () => null,
    pullRequest: async () => null,
    openPullFrom: async () => null,
    listComments: async () => {
      calls.push('list');
      return comments.map((comment) => ({ ...comment }));
    },
    createComment: async (_issue, body) => {
      calls.push('create');
      comments.push({ id: nextId, body, authorType: 'Bot', authorAssociation: 'NONE' });
      return nextId++;
    },
    updateComment: async (id, body) => {
      calls.push(`update ${id}`);
      comments.find((comment) => comment.id === id)!.body = body;
      return id;
    },
  };
  return { api, calls, comments };
}

const facts = { issueNumber: 7, messageId: 'm-1', sender: 'octocat', triggerLabel: 'auto-code' };

describe('queued comment', () => {
  it('carries the marker and only the action’s own values', () => {
    const body = queuedCommentBody({ ...facts, runUrl: 'https://github.com/o/r/actions/runs/1' });
    assert.ok(body.startsWith(PROGRESS_MARKER));
    assert.match(body, /`auto-code` label added by `octocat`/);
    assert.match(body, /message `m-1`/);
    assert.match(body, /\(\[workflow run\]\(https:\/\/github.com\/o\/r\/actions\/runs\/1\)\)/);
  });

  it('creates the comment once and updates it on the next run', async () => {
    const { api, calls, comments } = fakeApi([
      { id: 1, body: 'thanks!', authorType: 'User', authorAssociation: 'NONE' },
    ]);
    assert.deepEqual(await ensureQueuedComment(api, facts), { commentId: 100, created: true });
    assert.deepEqual(await ensureQueuedComment(api, { ...facts, messageId: 'm-2' }), {
      commentId: 100,
      created: false,
    });
    assert.deepEqual(calls, ['list', 'create', 'list', 'update 100']);
    assert.equal(comments.filter((comment) => comment.body.includes(PROGRESS_MARKER)).length, 1);
    assert.match(comments[1]!.body, /m-2/);
  });

  it('updates a progress comment the worker wrote with a collaborator token', async () => {
    const { api, calls } = fakeApi([
      { id: 5, body: `${PROGRESS_MARKER}\nworking`, authorType: 'User', authorAssociation: 'COLLABORATOR' },
    ]);
    assert.deepEqual(await ensureQueuedComment(api, facts), { commentId: 5, created: false });
    assert.deepEqual(calls, ['list', 'update 5']);
  });

  it('ignores a marker pasted by an outsider', async () => {
    const { api, calls } = fakeApi([
      { id: 9, body: `${PROGRESS_MARKER} gotcha`, authorType: 'User', authorAssociation: 'CONTRIBUTOR' },
    ]);
    assert.deepEqual(await ensureQueuedComment(api, facts), { commentId: 100, created: true });
    assert.deepEqual(calls, ['list', 'create']);
  });

  it('isProgressComment, the rule the worker uses too: marker plus a bot or a trusted author', () => {
    const body = `${PROGRESS_MARKER}\nworking`;
    for (const association of ['OWNER', 'MEMBER', 'COLLABORATOR']) {
      assert.equal(isProgressComment({ body, authorType: 'User', authorAssociation: association }), true);
    }
    assert.equal(isProgressComment({ body, authorType: 'Bot', authorAssociation: 'NONE' }), true);
    assert.equal(isProgressComment({ body, authorType: 'User', authorAssociation: 'CONTRIBUTOR' }), false);
    assert.equal(
      isProgressComment({ body: 'no marker', authorType: 'Bot', authorAssociation: 'OWNER' }),
      false,
    );
    assert.equal(isProgressComment({ body: null, authorType: 'Bot', authorAssociation: 'OWNER' }), false);
  });
});
