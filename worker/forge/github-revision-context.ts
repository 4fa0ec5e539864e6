// What the model is told for a revision, gathered from GitHub: the review comments since CodingWorker's
// last commit on the pull request (the trigger review's own always), from people who may trigger tasks
// only, with their file, line and hunk; the pull request's diff; and a failing workflow's job logs. Text
// from anyone else never reaches the prompt. Hidden text is stripped as it is from issues.
import type { RevisionMessage } from '../../action/task-message.ts';
import { stripHiddenText } from '../agent/untrusted-text.ts';
import type { ReviewNote, RevisionContext } from './forge.ts';
import type { GitHubClient } from './github-client.ts';
import { classify } from './github-errors.ts';
import { repositoryOf } from './github-pulls.ts';
import type { Pull } from './github-revision-checks.ts';
import { isReply } from './github-revision-replies.ts';

/** Caps before the brief's own: a pull request's diff or a CI log can be megabytes. */
const MAX_DIFF = 20_000;
const MAX_LOG_LINES = 80;
const MAX_LOG = 8_000;

export interface ContextInput {
  client: GitHubClient;
  task: RevisionMessage;
  pull: Pull;
  /** The trigger's text as read from GitHub now. */
  request: string;
  /** When CodingWorker last committed on the pull request; comments before it were dealt with. */
  since: string | undefined;
  allowed: (login: string, type?: string) => Promise<boolean>;
}

export async function gatherContext(input: ContextInput): Promise<RevisionContext> {
  const [notes, diff, failingCheck] = await Promise.all([
    reviewNotes(input),
    pullDiff(input.client, input.task),
    input.task.trigger.type === 'workflow_run' ? workflowFailure(input.client, input.task) : undefined,
  ]);
  return {
    title: input.pull.title,
    request: stripHiddenText(input.request),
    notes,
    diff,
    ...(failingCheck ? { failingCheck } : {}),
  };
}

type Comment = Awaited<ReturnType<typeof listReviewComments>>[number];

/** The pull request's review comments (all pages), updated since `since` when it is given. */
export async function listReviewComments(client: GitHubClient, task: RevisionMessage, since?: string) {
  const { owner, repo, octokit } = repositoryOf(client, task);
  return octokit
    .paginate(octokit.rest.pulls.listReviewComments, {
      owner,
      repo,
      pull_number: task.pull_number,
      per_page: 100,
      ...(since ? { since } : {}),
    })
    .catch((error: unknown) => {
      throw classify(error, `listing review comments of #${task.pull_number}`);
    });
}

async function reviewNotes(input: ContextInput): Promise<ReviewNote[]> {
  const { client, task } = input;
  const recent = await listReviewComments(client, task, input.since);
  const own = task.trigger.type === 'review' ? await reviewComments(client, task) : [];
  const byId = new Map<number, Comment>();
  for (const comment of [...recent, ...own]) byId.set(comment.id, comment);
  const notes: ReviewNote[] = [];
  for (const comment of [...byId.values()].sort((a, b) => a.id - b.id)) {
    if (isReply(comment.body) || !comment.user) continue;
    if (!(await input.allowed(comment.user.login, comment.user.type))) continue;
    notes.push(noteOf(comment));
  }
  return notes;
}

/** The comments of the trigger review, whenever they were written. */
export async function reviewComments(client: GitHubClient, task: RevisionMessage): Promise<Comment[]> {
  const { owner, repo, octokit } = repositoryOf(client, task);
  const listed = await octokit
    .paginate(octokit.rest.pulls.listCommentsForReview, {
      owner,
      repo,
      pull_number: task.pull_number,
      review_id: task.trigger.id,
      per_page: 100,
    })
    .catch((error: unknown) => {
      throw classify(error, `listing the comments of review ${task.trigger.id}`);
    });
  return listed as unknown as Comment[];
}

function noteOf(comment: Comment): ReviewNote {
  const line = comment.line ?? comment.original_line ?? undefined;
  return {
    id: comment.id,
    author: comment.user!.login,
    body: stripHiddenText(comment.body),
    path: comment.path,
    ...(line ? { line } : {}),
    ...(comment.diff_hunk ? { diffHunk: comment.diff_hunk } : {}),
    threadId: comment.in_reply_to_id ?? comment.id,
  };
}

async function pullDiff(client: GitHubClient, task: RevisionMessage): Promise<string> {
  const { owner, repo, octokit } = repositoryOf(client, task);
  const files = await octokit
    .paginate(octokit.rest.pulls.listFiles, { owner, repo, pull_number: task.pull_number, per_page: 100 })
    .catch((error: unknown) => {
      throw classify(error, `listing the files of #${task.pull_number}`);
    });
  const text = files
    .map((file) => `--- a/${file.filename}\n+++ b/${file.filename}\n${file.patch ?? '(no text diff)'}`)
    .join('\n');
  return text.length > MAX_DIFF ? text.slice(0, MAX_DIFF) : text;
}

/** The failed jobs' names and the end of each one's log. */
async function workflowFailure(client: GitHubClient, task: RevisionMessage) {
  const { owner, repo, octokit } = repositoryOf(client, task);
  const run_id = task.trigger.id;
  const { data } = await octokit.rest.actions
    .listJobsForWorkflowRun({ owner, repo, run_id, filter: 'latest', per_page: 100 })
    .catch((error: unknown) => {
      throw classify(error, `listing the jobs of workflow run ${run_id}`);
    });
  const failed = data.jobs.filter((job) => job.conclusion === 'failure' || job.conclusion === 'timed_out');
  const parts: string[] = [];
  for (const job of failed.slice(0, 3)) {
    const log = await octokit.rest.actions
      .downloadJobLogsForWorkflowRun({ owner, repo, job_id: job.id })
      .then((response) => String(response.data))
      .catch(() => '(the log could not be read)');
    parts.push(`job ${job.name}:\n${log.split('\n').slice(-MAX_LOG_LINES).join('\n')}`);
  }
  const log = parts.join('\n\n') || '(no failed job found)';
  return { name: task.trigger.name ?? `workflow run ${run_id}`, log: log.slice(-MAX_LOG) };
}
