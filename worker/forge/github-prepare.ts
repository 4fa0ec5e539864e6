// The GitHub forge's prepare: re-validates a task against GitHub (the issue is open and still labelled,
// the labeller still may trigger tasks by the action's own rule, the repository is not archived) and looks for earlier work.
// Decisions on earlier work (docs/github.md):
// - open PR from the branch holding a CodingWorker commit for this issue -> already-done;
//   open PR without one -> run, force-push the branch and update that PR (never a second one);
// - merged PR -> already-done; closed unmerged PR -> skip (a maintainer closed it: never resurrected).
import type { Logger } from 'pino';
import { isTriggerLabel } from '../../action/event-filter.ts';
import type { RepositoryRole } from '../../action/github-api.ts';
import { judgeSender } from '../../action/permission.ts';
import type { TaskMessage } from '../../action/task-message.ts';
import { PermanentError } from '../core/errors.ts';
import { taskBranch } from '../job/commit-message.ts';
import type { Preparation } from './forge.ts';
import type { GitHubClient, GitHubSettings } from './github-client.ts';
import { classify, statusOf } from './github-errors.ts';
import { holdsOurCommit, pullsFor, repositoryOf } from './github-pulls.ts';
import type { Reports } from './github-reports.ts';
import type { TaskStates } from './github-task-state.ts';

export interface PrepareOptions {
  settings: GitHubSettings;
  client: GitHubClient;
  logger: Logger;
  states: TaskStates;
  reports: Reports;
}

type Skip = Extract<Preparation, { action: 'skip' }>;

export function createPrepare(options: PrepareOptions): (task: TaskMessage) => Promise<Preparation> {
  const { settings, client } = options;
  return async (task) => {
    const invalid = (await issueProblem(client, task)) ?? (await senderProblem(client, settings, task));
    if (invalid) return invalid;
    const { owner, repo, octokit } = repositoryOf(client, task);
    const repository = await octokit.rest.repos
      .get({ owner, repo })
      .then((response) => response.data)
      .catch((error: unknown) => {
        throw classify(error, `reading repository ${task.repository}`);
      });
    if (repository.archived) return { action: 'skip', reason: `repository ${task.repository} is archived` };
    await requireDefaultBranch(client, task, repository.default_branch);
    const earlier = await earlierWork(options, task);
    if (earlier) return earlier;
    options.states.of(task).cloneUrl = repository.clone_url;
    return {
      action: 'run',
      repository: {
        cloneUrl: repository.clone_url,
        defaultBranch: repository.default_branch,
        branch: taskBranch(task.issue_number),
      },
    };
  };
}

/**
 * An empty repository has a default branch name but no such branch: cloning it would fail with git's raw
 * "Remote branch main not found", retried as if GitHub were down. Retrying cannot help, so say what will.
 */
async function requireDefaultBranch(client: GitHubClient, task: TaskMessage, branch: string): Promise<void> {
  const { owner, repo, octokit } = repositoryOf(client, task);
  const found = await octokit.rest.repos.getBranch({ owner, repo, branch }).then(
    () => true,
    (error: unknown) => {
      if (statusOf(error) === 404) return false;
      throw classify(error, `reading branch ${branch} of ${task.repository}`);
    },
  );
  if (!found) {
    throw new PermanentError(
      `${task.repository} has no commits on its default branch ${branch}: push a first commit, then label the issue again`,
    );
  }
}

/** Why the issue no longer asks for a task: gone, a pull request, closed or unlabelled. */
async function issueProblem(client: GitHubClient, task: TaskMessage): Promise<Skip | undefined> {
  const { owner, repo, octokit } = repositoryOf(client, task);
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
    return { action: 'skip', reason: `issue ${issueRef} no longer carries the ${task.trigger_label} label` };
  }
  return undefined;
}

/**
 * Why the labeller may no longer trigger tasks, judged by the action's own policy (action/permission.ts):
 * a bot must be listed in CW_ALLOWED_BOTS, a user must now hold at least CW_MIN_PERMISSION.
 */
async function senderProblem(
  client: GitHubClient,
  settings: GitHubSettings,
  task: TaskMessage,
): Promise<Skip | undefined> {
  const sender = { login: task.sender, type: await accountType(client, task) };
  const verdict = await judgeSender(sender, {
    minimum: settings.minPermission,
    allowedBots: settings.allowedBots,
    lookup: (login) => roleOf(client, task, login),
  });
  if (verdict.allowed) return undefined;
  if (verdict.as === 'unlisted-bot') {
    return {
      action: 'skip',
      reason: `${task.sender}, who added the label, is a bot not listed in CW_ALLOWED_BOTS`,
    };
  }
  const level = verdict.as === 'below-minimum' ? verdict.level : 'none';
  return {
    action: 'skip',
    reason: `${task.sender}, who added the label, now has the ${level} role on ${task.repository}, below CW_MIN_PERMISSION=${settings.minPermission}`,
  };
}

/** 'User' or 'Bot': the task message carries only the login. Undefined when the account is gone. */
async function accountType(client: GitHubClient, task: TaskMessage): Promise<string | undefined> {
  const { octokit } = repositoryOf(client, task);
  return octokit.rest.users
    .getByUsername({ username: task.sender })
    .then((response) => response.data.type)
    .catch((error: unknown) => {
      if (statusOf(error) === 404) return undefined;
      throw classify(error, `reading the account ${task.sender}`);
    });
}

/** The login's role on the task's repository, as the action reads it; null when not a collaborator. */
export async function roleOf(
  client: GitHubClient,
  task: Pick<TaskMessage, 'repository'>,
  login: string,
): Promise<RepositoryRole | null> {
  const { owner, repo, octokit } = repositoryOf(client, task);
  const role = await octokit.rest.repos
    .getCollaboratorPermissionLevel({ owner, repo, username: login })
    .then((response) => response.data)
    .catch((error: unknown) => {
      if (statusOf(error) === 404) return undefined;
      throw classify(error, `reading ${login}'s permission on ${task.repository}`);
    });
  if (!role) return null;
  return {
    roleName: role.role_name,
    permission: role.permission,
    ...(role.user?.permissions ? { permissions: role.user.permissions } : {}),
  };
}

/** A pull request from the task branch that settles the task, or undefined to run it. */
async function earlierWork(options: PrepareOptions, task: TaskMessage): Promise<Preparation | undefined> {
  const { client, reports } = options;
  const branch = taskBranch(task.issue_number);
  const pulls = await pullsFor(client, task).catch((error: unknown) => {
    throw classify(error, `listing pull requests from ${branch}`);
  });
  const open = pulls.find((pull) => pull.state === 'open');
  if (open) {
    if (!(await holdsOurCommit(client, task, open))) {
      options.logger.info({ pull_number: open.number }, 'Reusing the open pull request from the task branch');
      return undefined;
    }
    await reports.ensureFinalReport(task, open);
    return {
      action: 'already-done',
      url: open.html_url,
      detail: `pull request #${open.number} from ${branch} already holds CodingWorker's change for issue #${task.issue_number}`,
    };
  }
  const merged = pulls.find((pull) => pull.merged_at);
  if (merged) {
    await reports.ensureFinalReport(task, merged);
    return {
      action: 'already-done',
      url: merged.html_url,
      detail: `pull request #${merged.number} for issue #${task.issue_number} was merged`,
    };
  }
  const closed = pulls.find((pull) => pull.state === 'closed');
  if (!closed) return undefined;
  return {
    action: 'skip',
    reason: `pull request #${closed.number} from ${branch} was closed without merging; CodingWorker does not reopen it (delete the branch ${branch} and re-add the label to try again)`,
  };
}
