// The GitHub forge's publish: force-pushes auto-code/issue-N and ensures exactly one pull request from it.
// It looks at GitHub before writing, so two deliveries publishing at once, or a redelivery after a crash
// between push and pull request, still end with one pull request.
import type { TaskMessage } from '../../action/task-message.ts';
import { PermanentError } from '../core/errors.ts';
import { redactText } from '../core/redact.ts';
import { taskBranch } from '../job/commit-message.ts';
import type { ChangeSet, Forge } from './forge.ts';
import type { GitHubClient, GitHubSettings } from './github-client.ts';
import { classify, statusOf } from './github-errors.ts';
import { type PullSummary, pullsFor, repositoryOf } from './github-pulls.ts';
import type { TaskStates } from './github-task-state.ts';

export interface PublishOptions {
  settings: GitHubSettings;
  client: GitHubClient;
  states: TaskStates;
  gitConfig: Forge['gitConfig'];
}

type Published = { url: string; created: boolean };

export function createPublish(options: PublishOptions): Forge['publish'] {
  const { client } = options;
  return async (task, change) => {
    const { owner, repo, octokit } = repositoryOf(client, task);
    const branch = taskBranch(task.issue_number);
    const repository = await octokit.rest.repos.get({ owner, repo }).catch((error: unknown) => {
      throw classify(error, `reading repository ${task.repository}`);
    });
    options.states.of(task).cloneUrl = repository.data.clone_url;
    const before = await pullsFor(client, task).catch((error: unknown) => {
      throw classify(error, `listing pull requests from ${branch}`);
    });
    const settled = settledWhileRunning(before, branch);
    if (settled) return settled;
    await push(options, task, change, repository.data.clone_url);
    return ensurePullRequest(options, task, change, before, repository.data.default_branch);
  };
}

/** With no open pull request: a merged one means done; a closed one must not be reopened. */
function settledWhileRunning(pulls: PullSummary[], branch: string): Published | undefined {
  if (pulls.some((pull) => pull.state === 'open')) return undefined;
  const merged = pulls.find((pull) => pull.merged_at);
  if (merged) return { url: merged.html_url, created: false };
  const closed = pulls.find((pull) => pull.state === 'closed');
  if (closed) {
    throw new PermanentError(
      `pull request #${closed.number} from ${branch} was closed without merging while the task ran; it is not reopened`,
    );
  }
  return undefined;
}

async function push(options: PublishOptions, task: TaskMessage, change: ChangeSet, cloneUrl: string) {
  const { owner, repo, octokit } = repositoryOf(options.client, task);
  const branch = taskBranch(task.issue_number);
  // The branch belongs to CodingWorker: a commit from an earlier, interrupted delivery is replaced. A fresh
  // credential: an App token from before the agent ran may be close to expiry.
  const credentials = await options.gitConfig(task);
  await change.repo.push(cloneUrl, branch, { force: true, credentials }).catch(async (error: unknown) => {
    // Another delivery pushing the same commit at the same moment wins the ref lock; that is success.
    const remote = await octokit.rest.repos.getBranch({ owner, repo, branch }).catch(() => undefined);
    if (remote?.data.commit.sha !== change.commitSha) throw error;
  });
}

/** Updates the open pull request from the branch, else opens one. */
async function ensurePullRequest(
  options: PublishOptions,
  task: TaskMessage,
  change: ChangeSet,
  before: PullSummary[],
  base: string,
): Promise<Published> {
  const { owner, repo, octokit } = repositoryOf(options.client, task);
  const branch = taskBranch(task.issue_number);
  const title = redactText(
    change.title.startsWith('[auto-code]') ? change.title : `[auto-code] ${change.title}`,
  );
  const resolves = `Resolves #${task.issue_number}`;
  const body = redactText(
    change.description.includes(resolves) ? change.description : `${change.description}\n\n${resolves}\n`,
  );
  const update = async (pulls: PullSummary[]) => {
    const open = pulls.find((pull) => pull.state === 'open');
    if (!open) return undefined;
    await octokit.rest.pulls.update({ owner, repo, pull_number: open.number, title, body });
    return { url: open.html_url, created: false };
  };
  const reused = await update(before).catch((error: unknown) => {
    throw classify(error, `updating the pull request from ${branch}`);
  });
  if (reused) return reused;
  try {
    const { data } = await octokit.rest.pulls.create({
      owner,
      repo,
      head: branch,
      base,
      title,
      body,
      draft: options.settings.draft,
    });
    return { url: data.html_url, created: true };
  } catch (error) {
    // 422: another delivery opened it between our look-up and create. Look again rather than fail.
    if (statusOf(error) === 422) {
      const again = await update(await pullsFor(options.client, task));
      if (again) return again;
    }
    throw classify(error, `opening the pull request from ${branch}`);
  }
}
