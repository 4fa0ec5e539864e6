// The GitHub forge's re-checks of a revision, on GitHub and never from the message: the pull request is
// open and comes from CodingWorker's branch in the same repository, the trigger still exists and was not
// edited after the event, its author may still trigger tasks, and for a failing workflow run, that it ran
// on the pull request's head and that the same workflow passes on the base branch (a failure that was
// there before is not CodingWorker's to chase). Each refusal is one line that says why.
import { judgeSender } from '../../action/permission.ts';
import type { RevisionMessage } from '../../action/task-message.ts';
import type { RevisionPreparation } from './forge.ts';
import type { GitHubClient, GitHubSettings } from './github-client.ts';
import { classify, statusOf } from './github-errors.ts';
import { roleOf } from './github-prepare.ts';
import { repositoryOf } from './github-pulls.ts';

export type Skip = Extract<RevisionPreparation, { action: 'skip' }>;

export interface CheckOptions {
  settings: GitHubSettings;
  client: GitHubClient;
}

/** The pull request as GitHub holds it now. */
export async function readPull(client: GitHubClient, task: RevisionMessage) {
  const { owner, repo, octokit } = repositoryOf(client, task);
  return octokit.rest.pulls
    .get({ owner, repo, pull_number: task.pull_number })
    .then((response) => response.data)
    .catch((error: unknown) => {
      if (statusOf(error) === 404) return undefined;
      throw classify(error, `reading pull request #${task.pull_number}`);
    });
}

export type Pull = NonNullable<Awaited<ReturnType<typeof readPull>>>;

/** Why the pull request is not one CodingWorker may revise now. */
export function pullProblem(task: RevisionMessage, pull: Pull | undefined): Skip | undefined {
  const ref = `pull request #${task.pull_number}`;
  if (!pull) return skip(`${ref} no longer exists`);
  if (pull.merged) return skip(`${ref} was merged: a revision would not reach it`);
  if (pull.state !== 'open') return skip(`${ref} is closed`);
  const branch = `auto-code/issue-${task.issue_number}`;
  if (pull.head.ref !== branch || task.head_branch !== branch) {
    return skip(`${ref} comes from ${pull.head.ref}, not CodingWorker's branch ${branch}`);
  }
  if (pull.head.repo?.full_name.toLowerCase() !== task.repository.toLowerCase()) {
    return skip(`${ref} comes from a fork (${pull.head.repo?.full_name ?? 'a deleted repository'})`);
  }
  return undefined;
}

/** The trigger's text as it is on GitHub now, or why it no longer asks for anything. */
export async function checkTrigger(
  options: CheckOptions,
  task: RevisionMessage,
  pull: Pull,
): Promise<{ skip: Skip } | { text: string }> {
  const { trigger } = task;
  switch (trigger.type) {
    case 'comment':
    case 'review_comment':
      return checkComment(options.client, task);
    case 'review':
      return checkReview(options.client, task);
    case 'workflow_run':
      return checkWorkflowRun(options.client, task, pull);
    case 'check_suite':
      return { skip: skip('check suites are not acted on: let the action trigger on workflow_run instead') };
  }
}

async function checkComment(client: GitHubClient, task: RevisionMessage) {
  const { owner, repo, octokit } = repositoryOf(client, task);
  const { trigger } = task;
  const read =
    trigger.type === 'comment'
      ? octokit.rest.issues.getComment({ owner, repo, comment_id: trigger.id })
      : octokit.rest.pulls.getReviewComment({ owner, repo, comment_id: trigger.id });
  const comment = await read
    .then((response) => response.data)
    .catch((error: unknown) => {
      if (statusOf(error) === 404) return undefined;
      throw classify(error, `reading comment ${trigger.id}`);
    });
  if (!comment) return { skip: skip(`comment ${trigger.id} was deleted`, TELL) };
  const onPull =
    'pull_request_url' in comment
      ? comment.pull_request_url.endsWith(`/pulls/${task.pull_number}`)
      : comment.issue_url.endsWith(`/issues/${task.pull_number}`);
  if (!onPull || comment.user?.login !== trigger.author) {
    return {
      skip: skip(`comment ${trigger.id} is not ${trigger.author}'s on pull request #${task.pull_number}`),
    };
  }
  if (Date.parse(comment.updated_at) !== Date.parse(trigger.updated_at)) {
    return {
      skip: skip(
        `comment ${trigger.id} was edited after it was sent: the edit is not acted on; comment again`,
        TELL,
      ),
    };
  }
  return { text: comment.body ?? '' };
}

async function checkReview(client: GitHubClient, task: RevisionMessage) {
  const { owner, repo, octokit } = repositoryOf(client, task);
  const { trigger } = task;
  const review = await octokit.rest.pulls
    .getReview({ owner, repo, pull_number: task.pull_number, review_id: trigger.id })
    .then((response) => response.data)
    .catch((error: unknown) => {
      if (statusOf(error) === 404) return undefined;
      throw classify(error, `reading review ${trigger.id}`);
    });
  if (!review) return { skip: skip(`review ${trigger.id} no longer exists`, TELL) };
  if (review.state !== 'CHANGES_REQUESTED' && review.state !== 'COMMENTED') {
    return {
      skip: skip(
        `review ${trigger.id} is ${review.state.toLowerCase()} now, not a request for changes`,
        TELL,
      ),
    };
  }
  // A review has no updated_at: its text as sent is what may be acted on.
  const body = review.body ?? '';
  const same = trigger.body_truncated ? body.startsWith(trigger.body.slice(0, 1_000)) : body === trigger.body;
  if (!same || review.user?.login !== trigger.author) {
    return {
      skip: skip(`review ${trigger.id} was edited after it was sent: the edit is not acted on`, TELL),
    };
  }
  return { text: body };
}

async function checkWorkflowRun(client: GitHubClient, task: RevisionMessage, pull: Pull) {
  const { owner, repo, octokit } = repositoryOf(client, task);
  const { trigger } = task;
  const run = await octokit.rest.actions
    .getWorkflowRun({ owner, repo, run_id: trigger.id })
    .then((response) => response.data)
    .catch((error: unknown) => {
      if (statusOf(error) === 404) return undefined;
      throw classify(error, `reading workflow run ${trigger.id}`);
    });
  if (!run) return { skip: skip(`workflow run ${trigger.id} no longer exists`, TELL) };
  if (run.conclusion !== 'failure' && run.conclusion !== 'timed_out') {
    return {
      skip: skip(
        `workflow run ${trigger.id} concluded ${run.conclusion ?? 'nothing yet'}, not failure`,
        TELL,
      ),
    };
  }
  if (run.head_sha !== pull.head.sha) {
    return { skip: skip(`workflow run ${trigger.id} ran on an older commit; the branch has moved on`, TELL) };
  }
  const base = pull.base.ref;
  const baseSha = await octokit.rest.repos
    .getBranch({ owner, repo, branch: base })
    .then((response) => response.data.commit.sha)
    .catch((error: unknown) => {
      throw classify(error, `reading branch ${base}`);
    });
  const { data } = await octokit.rest.actions
    .listWorkflowRuns({ owner, repo, workflow_id: run.workflow_id, head_sha: baseSha, per_page: 20 })
    .catch((error: unknown) => {
      throw classify(error, `listing runs of workflow ${run.workflow_id}`);
    });
  if (!data.workflow_runs.some((entry) => entry.conclusion === 'success')) {
    return {
      skip: skip(
        `the workflow "${run.name ?? run.workflow_id}" does not pass on ${base} either (or has not run there): CodingWorker fixes only failures its own change caused`,
        TELL,
      ),
    };
  }
  return {
    text: `The workflow "${run.name ?? run.workflow_id}" failed (${run.conclusion}) on ${run.head_sha.slice(0, 7)}.`,
  };
}

/**
 * Whether the login may trigger tasks by the action's own rule (action/permission.ts): a listed bot, or a
 * user with at least CW_MIN_PERMISSION. Look-ups are cached per login for one revision.
 */
export function createPermissionGate(options: CheckOptions, task: RevisionMessage) {
  const { client, settings } = options;
  const verdicts = new Map<string, Promise<boolean>>();
  const judge = async (login: string, type?: string) => {
    const accountType = type ?? (await accountTypeOf(client, task, login));
    const verdict = await judgeSender(
      { login, type: accountType },
      {
        minimum: settings.minPermission,
        allowedBots: settings.allowedBots,
        lookup: (name) => roleOf(client, task, name),
      },
    );
    return verdict.allowed;
  };
  return (login: string, type?: string): Promise<boolean> => {
    const key = login.toLowerCase();
    if (!verdicts.has(key)) verdicts.set(key, judge(login, type));
    return verdicts.get(key)!;
  };
}

async function accountTypeOf(client: GitHubClient, task: RevisionMessage, login: string) {
  const { octokit } = repositoryOf(client, task);
  return octokit.rest.users
    .getByUsername({ username: login })
    .then((response) => response.data.type)
    .catch((error: unknown) => {
      if (statusOf(error) === 404) return undefined;
      throw classify(error, `reading the account ${login}`);
    });
}

/** Why the trigger's author may not ask for a revision (a workflow run has no author to judge). */
export async function authorProblem(
  task: RevisionMessage,
  allowed: (login: string) => Promise<boolean>,
  settings: GitHubSettings,
): Promise<Skip | undefined> {
  if (task.trigger.type === 'workflow_run' || task.trigger.type === 'check_suite') return undefined;
  if (await allowed(task.trigger.author)) return undefined;
  return skip(
    `${task.trigger.author}, who asked for the revision, may not trigger tasks on ${task.repository} (CW_MIN_PERMISSION=${settings.minPermission}; bots must be in CW_ALLOWED_BOTS)`,
  );
}

/**
 * Skips about the trigger itself are told on the pull request, whose "queued" comment would otherwise
 * stay; skips about whose pull request or comment it is are not, so nothing is posted where CodingWorker
 * has no business (another branch, a fork) or at an outsider's prompting.
 */
const TELL = true;

function skip(reason: string, tell = false): Skip {
  return tell ? { action: 'skip', reason, tell } : { action: 'skip', reason };
}
