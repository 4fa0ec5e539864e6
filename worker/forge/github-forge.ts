// The GitHub forge: re-validates a task against GitHub, keeps the issue's single progress comment and the
// commit's status (token) or check run (App) up to date, pushes auto-code/issue-N and ensures exactly one
// pull request. Every method looks at GitHub before writing, so a redelivered message, a crash between
// push and pull request, or between pull request and queue delete all end with one PR and one comment.
// Decisions (docs/github.md):
// - open PR from the branch holding a CodingWorker commit for this issue -> already-done;
//   open PR without one -> run, force-push the branch and update that PR (never a second one);
// - merged PR -> already-done; closed unmerged PR -> skip (a maintainer closed it: never resurrected).
import type { Logger } from 'pino';
import { isTriggerLabel } from '../../action/event-filter.ts';
import { effectiveLevel, PERMISSION_LEVELS } from '../../action/permission.ts';
import { PROGRESS_MARKER } from '../../action/progress-marker.ts';
import type { TaskMessage } from '../../action/task-message.ts';
import { errorMessage, PermanentError, type TaskError, TransientError } from '../core/errors.ts';
import { redactText } from '../core/redact.ts';
import { isWorkerCommitMessage, taskBranch } from '../job/commit-message.ts';
import { createGit } from '../job/git.ts';
import type { ChangeSet, Forge, Preparation, Progress } from './forge.ts';
import type { GitHubClient, GitHubOctokit, GitHubSettings } from './github-client.ts';
import { progressCommentBody, progressSummary } from './progress-comment.ts';

export interface GitHubForgeOptions {
  settings: GitHubSettings;
  client: GitHubClient;
  logger: Logger;
  /** Names this worker in the progress comment. */
  workerId: string;
  /** Least time between two "working" edits of the comment. Default 30000 ms. */
  workingIntervalMs?: number;
  /** Clock. Default: now. */
  now?: () => Date;
}

/** The name of the check run and the context of the commit status. */
export const CHECK_NAME = 'CodingWorker';
const TRUSTED_ASSOCIATIONS = new Set(['OWNER', 'MEMBER', 'COLLABORATOR']);

interface PullSummary {
  number: number;
  state: string;
  merged_at: string | null;
  html_url: string;
  head: { sha: string };
}

interface TaskState {
  cloneUrl?: string;
  commentId?: number;
  lastWorkingAt?: number;
  commitSha?: string;
  checkRunId?: number;
  /** Serialises reports for one issue: a fire-and-forget "working" update must not race the next one. */
  chain: Promise<void>;
}

export function createGitHubForge(options: GitHubForgeOptions): Forge {
  const { settings, client, logger } = options;
  const now = options.now ?? (() => new Date());
  const workingInterval = options.workingIntervalMs ?? 30_000;
  // Per-issue state lives only while a task for the issue is under way: it is dropped after the final
  // report, so a long-running daemon does not grow with every issue it has seen. A later delivery finds the
  // progress comment again by its marker.
  const states = new Map<string, TaskState>();
  const keyOf = (task: TaskMessage) => `${task.repository.toLowerCase()}#${task.issue_number}`;
  const stateOf = (task: TaskMessage) => {
    const key = keyOf(task);
    let state = states.get(key);
    if (!state) {
      state = { chain: Promise.resolve() };
      states.set(key, state);
    }
    return state;
  };
  /** Drops the issue's state unless a newer report was queued behind `chain` meanwhile. */
  const forget = (task: TaskMessage, chain: Promise<void>) => {
    if (states.get(keyOf(task))?.chain === chain) states.delete(keyOf(task));
  };
  const coordinates = (task: TaskMessage) => {
    const [owner, repo] = task.repository.split('/') as [string, string];
    return { owner, repo, octokit: client.rest(task.repository) };
  };
  const branchOf = (task: TaskMessage) => taskBranch(task.issue_number);

  const pullsFor = async (task: TaskMessage): Promise<PullSummary[]> => {
    const { owner, repo, octokit } = coordinates(task);
    return octokit.paginate(octokit.rest.pulls.list, {
      owner,
      repo,
      state: 'all',
      head: `${owner}:${branchOf(task)}`,
      per_page: 100,
    });
  };

  /** Does the pull request hold a commit this worker made for this issue? */
  const holdsOurCommit = async (task: TaskMessage, pull: PullSummary) => {
    const { owner, repo, octokit } = coordinates(task);
    const commits = await octokit.paginate(octokit.rest.pulls.listCommits, {
      owner,
      repo,
      pull_number: pull.number,
      per_page: 100,
    });
    return commits.some((commit) => isWorkerCommitMessage(commit.commit.message, task.issue_number));
  };

  const prepare = async (task: TaskMessage): Promise<Preparation> => {
    const { owner, repo, octokit } = coordinates(task);
    const issueRef = `${task.repository}#${task.issue_number}`;
    const issue = await octokit.rest.issues
      .get({ owner, repo, issue_number: task.issue_number })
      .then((response) => response.data)
      .catch((error: unknown) => {
        if (statusOf(error) === 404 || statusOf(error) === 410) return undefined;
        throw classify(error, `reading issue ${issueRef}`);
      });
    if (!issue) return { action: 'skip', reason: `issue ${issueRef} no longer exists` };
    if (issue.pull_request) return { action: 'skip', reason: `${issueRef} is a pull request, not an issue` };
    if (issue.state !== 'open') return { action: 'skip', reason: `issue ${issueRef} is ${issue.state}` };
    const labels = issue.labels.map((label) => (typeof label === 'string' ? label : (label.name ?? '')));
    if (!labels.some((label) => isTriggerLabel(label, task.trigger_label))) {
      return {
        action: 'skip',
        reason: `issue ${issueRef} no longer carries the ${task.trigger_label} label`,
      };
    }

    const role = await octokit.rest.repos
      .getCollaboratorPermissionLevel({ owner, repo, username: task.sender })
      .then((response) => response.data)
      .catch((error: unknown) => {
        if (statusOf(error) === 404) return undefined;
        throw classify(error, `reading ${task.sender}'s permission on ${task.repository}`);
      });
    const level = role
      ? effectiveLevel({
          roleName: role.role_name,
          permission: role.permission,
          ...(role.user?.permissions ? { permissions: role.user.permissions } : {}),
        })
      : 'none';
    const needed = settings.minPermission;
    if (level === 'none' || PERMISSION_LEVELS.indexOf(level) < PERMISSION_LEVELS.indexOf(needed)) {
      return {
        action: 'skip',
        reason: `${task.sender}, who added the label, now has the ${level} role on ${task.repository}, below CW_MIN_PERMISSION=${needed}`,
      };
    }

    const repository = await octokit.rest.repos
      .get({ owner, repo })
      .then((response) => response.data)
      .catch((error: unknown) => {
        throw classify(error, `reading repository ${task.repository}`);
      });
    if (repository.archived) return { action: 'skip', reason: `repository ${task.repository} is archived` };

    const pulls = await pullsFor(task).catch((error: unknown) => {
      throw classify(error, `listing pull requests from ${branchOf(task)}`);
    });
    const open = pulls.find((pull) => pull.state === 'open');
    if (open) {
      if (await holdsOurCommit(task, open)) {
        await ensureFinalReport(task, open);
        return {
          action: 'already-done',
          url: open.html_url,
          detail: `pull request #${open.number} from ${branchOf(task)} already holds CodingWorker's change for issue #${task.issue_number}`,
        };
      }
      logger.info({ pull_number: open.number }, 'Reusing the open pull request from the task branch');
    } else {
      const merged = pulls.find((pull) => pull.merged_at);
      if (merged) {
        await ensureFinalReport(task, merged);
        return {
          action: 'already-done',
          url: merged.html_url,
          detail: `pull request #${merged.number} for issue #${task.issue_number} was merged`,
        };
      }
      const closed = pulls.find((pull) => pull.state === 'closed');
      if (closed) {
        return {
          action: 'skip',
          reason: `pull request #${closed.number} from ${branchOf(task)} was closed without merging; CodingWorker does not reopen it (delete the branch ${branchOf(task)} and re-add the label to try again)`,
        };
      }
    }
    stateOf(task).cloneUrl = repository.clone_url;
    return {
      action: 'run',
      repository: {
        cloneUrl: repository.clone_url,
        defaultBranch: repository.default_branch,
        branch: branchOf(task),
      },
    };
  };

  /**
   * A crash between opening the pull request and the final report leaves the comment unfinished: the
   * redelivery finishes it. A comment that already links the pull request is left alone, so a redelivery
   * of a finished task writes nothing.
   */
  const ensureFinalReport = async (task: TaskMessage, pull: PullSummary) => {
    const { owner, repo, octokit } = coordinates(task);
    const state = stateOf(task);
    try {
      state.commentId ??= await findComment(task, octokit, owner, repo);
      if (state.commentId !== undefined) {
        const { data } = await octokit.rest.issues.getComment({ owner, repo, comment_id: state.commentId });
        if (data.body?.includes(pull.html_url)) return forget(task, state.chain);
      }
    } catch (error) {
      logger.warn({ error: redactText(errorMessage(error)) }, 'Could not read the progress comment');
      return forget(task, state.chain);
    }
    await report(task, {
      stage: 'done',
      message: 'pull request opened (finished by a later delivery of the task)',
      url: pull.html_url,
      commitSha: pull.head.sha,
    });
  };

  /** The origin git must send the token to: the clone URL's, else derived from the API URL. */
  const gitOrigin = (task?: TaskMessage) => {
    const cloneUrl = task ? stateOf(task).cloneUrl : undefined;
    if (cloneUrl) return new URL(cloneUrl).origin;
    const api = new URL(settings.apiUrl);
    if (api.hostname === 'api.github.com') return 'https://github.com';
    return api.origin;
  };

  const gitConfig = async (task?: TaskMessage): Promise<Array<[string, string]>> => {
    const token = await client.gitToken(task?.repository);
    // As actions/checkout does, but only ever in the git child's environment (GIT_CONFIG_COUNT).
    const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
    return [[`http.${gitOrigin(task)}/.extraheader`, `AUTHORIZATION: basic ${basic}`]];
  };

  // ---- the progress comment ----
  const findComment = async (task: TaskMessage, octokit: GitHubOctokit, owner: string, repo: string) => {
    const comments = await octokit.paginate(octokit.rest.issues.listComments, {
      owner,
      repo,
      issue_number: task.issue_number,
      per_page: 100,
    });
    // A marker planted by an outsider does not count: only a bot, owner, member or collaborator wrote ours.
    return comments.find(
      (comment) =>
        comment.body?.includes(PROGRESS_MARKER) &&
        (comment.user?.type === 'Bot' || TRUSTED_ASSOCIATIONS.has(comment.author_association)),
    )?.id;
  };

  const writeComment = async (task: TaskMessage, body: string) => {
    const { owner, repo, octokit } = coordinates(task);
    const state = stateOf(task);
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
  };

  // ---- commit status (token) or check run (App) ----
  const writeCommitState = async (task: TaskMessage, progress: Progress, sha: string) => {
    const { owner, repo, octokit } = coordinates(task);
    const summary = progressSummary(progress);
    const finished = progress.stage === 'done' || progress.stage === 'failed';
    const link = progress.url ?? task.html_url;
    if (client.mode === 'token') {
      await octokit.rest.repos.createCommitStatus({
        owner,
        repo,
        sha,
        state: progress.stage === 'done' ? 'success' : progress.stage === 'failed' ? 'failure' : 'pending',
        context: CHECK_NAME,
        description: summary,
        target_url: link,
      });
      return;
    }
    const state = stateOf(task);
    if (state.commitSha !== sha) state.checkRunId = undefined;
    state.commitSha = sha;
    if (state.checkRunId === undefined) {
      const { data } = await octokit.rest.checks.listForRef({
        owner,
        repo,
        ref: sha,
        check_name: CHECK_NAME,
      });
      state.checkRunId = data.check_runs[0]?.id;
    }
    const output = {
      title: summary,
      summary: redactText(progressCommentBody(progress, { workerId: options.workerId, now: now() }))
        .replace(PROGRESS_MARKER, '')
        .trim(),
    };
    const outcome = finished
      ? ({ status: 'completed', conclusion: progress.stage === 'done' ? 'success' : 'failure' } as const)
      : ({ status: 'in_progress' } as const);
    if (state.checkRunId === undefined) {
      const { data } = await octokit.rest.checks.create({
        owner,
        repo,
        name: CHECK_NAME,
        head_sha: sha,
        details_url: link,
        output,
        ...outcome,
      });
      state.checkRunId = data.id;
    } else {
      await octokit.rest.checks.update({
        owner,
        repo,
        check_run_id: state.checkRunId,
        details_url: link,
        output,
        ...outcome,
      });
    }
  };

  const report = (task: TaskMessage, progress: Progress): Promise<void> => {
    const state = stateOf(task);
    const work = async () => {
      if (progress.stage === 'working') {
        const at = now().getTime();
        if (state.lastWorkingAt !== undefined && at - state.lastWorkingAt < workingInterval) return;
        state.lastWorkingAt = at;
      }
      const body = progressCommentBody(progress, { workerId: options.workerId, now: now() });
      try {
        await writeComment(task, body);
        const sha = progress.commitSha ?? (progress.stage === 'failed' ? state.commitSha : undefined);
        if (sha) {
          state.commitSha = sha;
          await writeCommitState(task, progress, sha);
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
    return chain.then(() => forget(task, chain));
  };

  // ---- publish ----
  const publish = async (
    task: TaskMessage,
    change: ChangeSet,
  ): Promise<{ url: string; created: boolean }> => {
    const { owner, repo, octokit } = coordinates(task);
    const branch = branchOf(task);
    const repository = await octokit.rest.repos.get({ owner, repo }).catch((error: unknown) => {
      throw classify(error, `reading repository ${task.repository}`);
    });
    stateOf(task).cloneUrl = repository.data.clone_url;
    const before = await pullsFor(task).catch((error: unknown) => {
      throw classify(error, `listing pull requests from ${branch}`);
    });
    if (!before.some((pull) => pull.state === 'open')) {
      const merged = before.find((pull) => pull.merged_at);
      if (merged) return { url: merged.html_url, created: false };
      const closed = before.find((pull) => pull.state === 'closed');
      if (closed) {
        throw new PermanentError(
          `pull request #${closed.number} from ${branch} was closed without merging while the task ran; it is not reopened`,
        );
      }
    }

    // The branch belongs to CodingWorker: a commit from an earlier, interrupted delivery is replaced.
    const git = createGit({
      author: { name: settings.authorName, email: settings.authorEmail },
      config: await gitConfig(task),
    });
    await git
      .push(change.workspace, repository.data.clone_url, branch, { force: true })
      .catch(async (error: unknown) => {
        // Another delivery pushing the same commit at the same moment wins the ref lock; that is success.
        const remote = await octokit.rest.repos.getBranch({ owner, repo, branch }).catch(() => undefined);
        if (remote?.data.commit.sha !== change.commitSha) throw error;
      });

    const title = redactText(
      change.title.startsWith('[auto-code]') ? change.title : `[auto-code] ${change.title}`,
    );
    const resolves = `Resolves #${task.issue_number}`;
    const body = redactText(
      change.description.includes(resolves) ? change.description : `${change.description}\n\n${resolves}\n`,
    );
    const ensure = async (pulls: PullSummary[]) => {
      const open = pulls.find((pull) => pull.state === 'open');
      if (!open) return undefined;
      await octokit.rest.pulls.update({ owner, repo, pull_number: open.number, title, body });
      return { url: open.html_url, created: false };
    };
    const reused = await ensure(before).catch((error: unknown) => {
      throw classify(error, `updating the pull request from ${branch}`);
    });
    if (reused) return reused;
    try {
      const { data } = await octokit.rest.pulls.create({
        owner,
        repo,
        head: branch,
        base: repository.data.default_branch,
        title,
        body,
        draft: settings.draft,
      });
      return { url: data.html_url, created: true };
    } catch (error) {
      // 422: another delivery opened it between our look-up and create. Look again rather than fail.
      if (statusOf(error) === 422) {
        const again = await ensure(await pullsFor(task));
        if (again) return again;
      }
      throw classify(error, `opening the pull request from ${branch}`);
    }
  };

  return { prepare, gitConfig, report, publish };
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** A GitHub failure as a typed task error: what the retry policy needs, and what to change. */
function classify(error: unknown, what: string): TaskError {
  const status = statusOf(error);
  const headers =
    (error as { response?: { headers?: Record<string, string | undefined> } }).response?.headers ?? {};
  const detail = redactText(errorMessage(error));
  if (status === undefined || status >= 500 || status === 429) {
    return new TransientError(`GitHub failed while ${what}: ${detail}`, { cause: error });
  }
  if (status === 403 && (headers['retry-after'] !== undefined || headers['x-ratelimit-remaining'] === '0')) {
    return new TransientError(`GitHub rate limit while ${what}: ${detail}`, { cause: error });
  }
  if (status === 401) {
    return new PermanentError(
      `GitHub refused the credentials while ${what}: renew GITHUB_TOKEN or check the App settings (run codingworker doctor)`,
      { cause: error },
    );
  }
  if (status === 403 || status === 404) {
    return new PermanentError(
      `GitHub answered ${status} while ${what} (${detail}): the token or App lacks access; see docs/github.md for the permissions needed`,
      { cause: error },
    );
  }
  return new PermanentError(`GitHub refused ${what} (${status}): ${detail}`, { cause: error });
}
