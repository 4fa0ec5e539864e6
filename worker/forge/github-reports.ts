// The GitHub forge's reports: the issue's single progress comment, and the commit's status (token) or
// check run (App). Reports are best effort and serialised per issue; "working" updates are throttled.
import type { Logger } from 'pino';
import { isProgressComment, PROGRESS_MARKER } from '../../action/progress-marker.ts';
import type { AnyTask } from '../../action/task-message.ts';
import { errorMessage } from '../core/errors.ts';
import { redactText } from '../core/redact.ts';
import type { Progress } from './forge.ts';
import type { GitHubClient, GitHubOctokit } from './github-client.ts';
import { statusOf } from './github-errors.ts';
import { type PullSummary, repositoryOf } from './github-pulls.ts';
import type { TaskStates } from './github-task-state.ts';
import { progressCommentBody, progressSummary } from './progress-comment.ts';

/** The name of the check run and the context of the commit status. */
export const CHECK_NAME = 'CodingWorker';

/**
 * What a report is about: an issue, or for a revision its pull request (issue_number is then the pull
 * request's number, which shares GitHub's sequence with issues, so the two never share a state).
 */
export type ReportTarget = Pick<AnyTask, 'repository' | 'issue_number' | 'html_url'> & { revision?: boolean };

export interface ReportsOptions {
  client: GitHubClient;
  logger: Logger;
  states: TaskStates;
  workerId: string;
  /** Least time between two "working" edits of the comment. */
  workingIntervalMs: number;
  now: () => Date;
}

export interface Reports {
  report(task: ReportTarget, progress: Progress): Promise<void>;
  /** Finishes the progress comment of a task whose pull request exists already. */
  ensureFinalReport(task: ReportTarget, pull: PullSummary, message?: string): Promise<void>;
}

export function createReports(options: ReportsOptions): Reports {
  const { client, logger, states } = options;
  const bodyOf = (task: ReportTarget, progress: Progress) =>
    progressCommentBody(progress, {
      workerId: options.workerId,
      now: options.now(),
      ...(task.revision ? { revision: true } : {}),
    });

  const report = (task: ReportTarget, progress: Progress): Promise<void> => {
    const state = states.of(task);
    const work = async () => {
      if (progress.stage === 'working') {
        const at = options.now().getTime();
        if (state.lastWorkingAt !== undefined && at - state.lastWorkingAt < options.workingIntervalMs) return;
        state.lastWorkingAt = at;
      } else {
        // Another stage replaced "working" on the comment: the next "working" must show at once, or the
        // comment keeps saying "verifying" while the agent works on.
        state.lastWorkingAt = undefined;
      }
      const body = bodyOf(task, progress);
      try {
        await writeComment(client, states, task, body);
        const sha = progress.commitSha ?? (progress.stage === 'failed' ? state.commitSha : undefined);
        if (sha) {
          state.commitSha = sha;
          await writeCommitState(client, states, task, progress, sha, body);
        }
      } catch (error) {
        // Reports are best effort: the plugins have retried already, and the task's own outcome matters more.
        logger.warn(
          { stage: progress.stage, error: redactText(errorMessage(error)) },
          'GitHub progress report failed',
        );
      }
    };
    const chain = state.chain.then(work, work);
    state.chain = chain;
    if (progress.stage !== 'done' && progress.stage !== 'failed') return chain;
    return chain.then(() => states.forget(task, chain));
  };

  /**
   * A crash between opening the pull request and the final report leaves the comment unfinished: the
   * redelivery finishes it. A comment that already links the pull request is left alone, so a redelivery
   * of a finished task writes nothing.
   */
  const ensureFinalReport = async (task: ReportTarget, pull: PullSummary, message?: string) => {
    const { owner, repo, octokit } = repositoryOf(client, task);
    const state = states.of(task);
    try {
      state.commentId ??= await findComment(task, octokit, owner, repo);
      if (state.commentId !== undefined) {
        const { data } = await octokit.rest.issues.getComment({ owner, repo, comment_id: state.commentId });
        if (data.body?.includes(pull.html_url)) return states.forget(task, state.chain);
      }
    } catch (error) {
      logger.warn({ error: redactText(errorMessage(error)) }, 'Could not read the progress comment');
      return states.forget(task, state.chain);
    }
    await report(task, {
      stage: 'done',
      message: message ?? 'pull request opened (finished by a later delivery of the task)',
      url: pull.html_url,
      commitSha: pull.head.sha,
    });
  };

  return { report, ensureFinalReport };
}

// ---- the progress comment ----

async function findComment(task: ReportTarget, octokit: GitHubOctokit, owner: string, repo: string) {
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    owner,
    repo,
    issue_number: task.issue_number,
    per_page: 100,
  });
  // The action's rule: a marker planted by an outsider does not count.
  return comments.find((comment) =>
    isProgressComment({
      body: comment.body,
      authorType: comment.user?.type,
      authorAssociation: comment.author_association,
    }),
  )?.id;
}

async function writeComment(client: GitHubClient, states: TaskStates, task: ReportTarget, body: string) {
  const { owner, repo, octokit } = repositoryOf(client, task);
  const state = states.of(task);
  const safe = redactText(body);
  if (state.commentId === undefined) state.commentId = await findComment(task, octokit, owner, repo);
  if (state.commentId !== undefined) {
    try {
      await octokit.rest.issues.updateComment({ owner, repo, comment_id: state.commentId, body: safe });
      return;
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
      // Deleted by someone: look again, else write a new one.
      state.commentId = await findComment(task, octokit, owner, repo);
      if (state.commentId !== undefined) {
        await octokit.rest.issues.updateComment({ owner, repo, comment_id: state.commentId, body: safe });
        return;
      }
    }
  }
  const created = await octokit.rest.issues.createComment({
    owner,
    repo,
    issue_number: task.issue_number,
    body: safe,
  });
  state.commentId = created.data.id;
}

// ---- commit status (token) or check run (App) ----

async function writeCommitState(
  client: GitHubClient,
  states: TaskStates,
  task: ReportTarget,
  progress: Progress,
  sha: string,
  body: string,
) {
  const { owner, repo, octokit } = repositoryOf(client, task);
  const link = progress.url ?? task.html_url;
  if (client.mode === 'token') {
    await octokit.rest.repos.createCommitStatus({
      owner,
      repo,
      sha,
      state: progress.stage === 'done' ? 'success' : progress.stage === 'failed' ? 'failure' : 'pending',
      context: CHECK_NAME,
      description: progressSummary(progress),
      target_url: link,
    });
    return;
  }
  const state = states.of(task);
  if (state.commitSha !== sha) state.checkRunId = undefined;
  state.commitSha = sha;
  if (state.checkRunId === undefined) {
    const { data } = await octokit.rest.checks.listForRef({ owner, repo, ref: sha, check_name: CHECK_NAME });
    state.checkRunId = data.check_runs[0]?.id;
  }
  const finished = progress.stage === 'done' || progress.stage === 'failed';
  const run = {
    owner,
    repo,
    details_url: link,
    output: {
      title: progressSummary(progress),
      summary: redactText(body).replace(PROGRESS_MARKER, '').trim(),
    },
    ...(finished
      ? ({ status: 'completed', conclusion: progress.stage === 'done' ? 'success' : 'failure' } as const)
      : ({ status: 'in_progress' } as const)),
  };
  if (state.checkRunId === undefined) {
    const { data } = await octokit.rest.checks.create({ ...run, name: CHECK_NAME, head_sha: sha });
    state.checkRunId = data.id;
  } else {
    await octokit.rest.checks.update({ ...run, check_run_id: state.checkRunId });
  }
}
