// One reply in each review thread a revision addresses: the trigger comment's thread, the threads of the
// trigger review's comments, and those of the other review comments the revision was shown. A reply carries a hidden marker naming the trigger, so a redelivery
// (a crash between push and reply, a second daemon) finds it and does not post again; two posting at the
// same moment leave one (the later deletes its own). The summary lines
// come from the model and are shown only as inert, redacted code spans.
import type { RevisionMessage } from '../../action/task-message.ts';
import { redactText } from '../core/redact.ts';
import type { GitHubClient } from './github-client.ts';
import { classify } from './github-errors.ts';
import { repositoryOf } from './github-pulls.ts';
import { listReviewComments } from './github-revision-context.ts';
import { inertText } from './progress-comment.ts';

const MARKER_PREFIX = '<!-- codingworker:revision';

const markerOf = (task: RevisionMessage) => `${MARKER_PREFIX} ${task.trigger.type} ${task.trigger.id} -->`;

/** Is this comment one of CodingWorker's replies (never read back as feedback)? */
export function isReply(body: string | null | undefined): boolean {
  return (body ?? '').includes(MARKER_PREFIX);
}

/**
 * Replies once in each thread the revision addresses (the trigger's, and those of the review comments it
 * was shown); returns how many threads hold the reply now. Two daemons
 * finishing the same revision at once (a redelivery) can both see no reply and both post: each then
 * looks again, and a daemon whose reply is not the thread's first deletes its own, so one stays.
 */
export async function ensureReplies(
  client: GitHubClient,
  task: RevisionMessage,
  done: { commitSha: string; summary: string[]; notes?: number[] },
): Promise<number> {
  const all = await listReviewComments(client, task);
  const { type, id } = task.trigger;
  // The trigger's threads: the comment's, or those of the review's comments; then those of the other
  // review comments the revision was shown, which it addresses too.
  const addressed = all.filter(
    (comment) =>
      !isReply(comment.body) &&
      ((type === 'review_comment' && comment.id === id) ||
        (type === 'review' && comment.pull_request_review_id === id) ||
        (done.notes ?? []).includes(comment.id)),
  );
  const threads = new Set(addressed.map((comment) => comment.in_reply_to_id ?? comment.id));
  if (threads.size === 0) return 0;
  const { owner, repo, octokit } = repositoryOf(client, task);
  const marker = markerOf(task);
  const replied = new Set(
    all.filter((comment) => comment.body.includes(marker)).map((comment) => comment.in_reply_to_id),
  );
  const posted: number[] = [];
  for (const thread of [...threads].filter((id) => !replied.has(id))) {
    const { data } = await octokit.rest.pulls
      .createReplyForReviewComment({
        owner,
        repo,
        pull_number: task.pull_number,
        comment_id: thread,
        body: replyBody(task, done),
      })
      .catch((error: unknown) => {
        throw classify(error, `replying in review thread ${thread}`);
      });
    posted.push(data.id);
  }
  if (posted.length > 0) await removeLaterDuplicates(client, task, posted);
  return threads.size;
}

/** This trigger's replies on the pull request, found by their marker. */
async function repliesOf(client: GitHubClient, task: RevisionMessage) {
  const all = await listReviewComments(client, task);
  const marker = markerOf(task);
  return all.filter((comment) => comment.body.includes(marker));
}

async function removeLaterDuplicates(client: GitHubClient, task: RevisionMessage, posted: number[]) {
  const { owner, repo, octokit } = repositoryOf(client, task);
  const replies = await repliesOf(client, task);
  for (const id of posted) {
    const mine = replies.find((comment) => comment.id === id);
    const earlier = replies.some(
      (comment) => comment.in_reply_to_id === mine?.in_reply_to_id && comment.id < id,
    );
    if (!mine || !earlier) continue;
    await octokit.rest.pulls.deleteReviewComment({ owner, repo, comment_id: id }).catch((error: unknown) => {
      throw classify(error, `removing the duplicate reply ${id}`);
    });
  }
}

function replyBody(task: RevisionMessage, done: { commitSha: string; summary: string[] }): string {
  const lines = done.summary
    .slice(0, 5)
    .map((line) => `- ${inertText(line, 200)}`)
    .filter((line) => line !== '- ');
  return redactText(
    [
      `Addressed in ${done.commitSha.slice(0, 7)}.`,
      ...(lines.length ? ['', ...lines] : []),
      '',
      markerOf(task),
    ].join('\n'),
  );
}
