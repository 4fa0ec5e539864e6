// The first version of CodingWorker's single progress comment on an issue. It carries PROGRESS_MARKER so
// that a re-run updates it instead of adding another, and the worker later edits the same comment.
import type { GitHubApi } from './github-api.ts';
import { isProgressComment, PROGRESS_MARKER } from './progress-marker.ts';

export interface QueuedCommentFacts {
  /** The issue, or for a revision the pull request, that carries the progress comment. */
  issueNumber: number;
  messageId: string;
  sender: string;
  /** An issue task: the label that was added. */
  triggerLabel?: string;
  /** A revision: what asked for it (a comment, a review, a failed workflow run). */
  revision?: { trigger: string; url: string };
  runUrl?: string | undefined;
}

/** The comment text. Only our own values go in: never a title, body or comment text (untrusted). */
export function queuedCommentBody(facts: QueuedCommentFacts): string {
  const run = facts.runUrl ? ` ([workflow run](${facts.runUrl}))` : '';
  const queued = `(message \`${facts.messageId}\`)${run}. A worker will pick it up and update this comment as it works.`;
  const cause = facts.revision
    ? `A revision asked for by [this ${facts.revision.trigger}](${facts.revision.url}) of \`${facts.sender}\` is on the task queue`
    : `The \`${facts.triggerLabel}\` label added by \`${facts.sender}\` put this issue on the task queue`;
  return [PROGRESS_MARKER, '**CodingWorker** · ⏳ queued', '', `${cause} ${queued}`].join('\n');
}

/** Updates the existing progress comment (isProgressComment: a planted marker is ignored) or creates it. */
export async function ensureQueuedComment(
  api: GitHubApi,
  facts: QueuedCommentFacts,
): Promise<{ commentId: number; created: boolean }> {
  const body = queuedCommentBody(facts);
  const existing = (await api.listComments(facts.issueNumber)).find(isProgressComment);
  if (existing) return { commentId: await api.updateComment(existing.id, body), created: false };
  return { commentId: await api.createComment(facts.issueNumber, body), created: true };
}
