// The look-ups prepare and publish share: where a task's repository is, and which pull requests come from
// its task branch.
import type { AnyTask, TaskMessage } from '../../action/task-message.ts';
import { isWorkerCommitMessage, taskBranch } from '../job/commit-message.ts';
import type { GitHubClient } from './github-client.ts';

export interface PullSummary {
  number: number;
  state: string;
  merged_at: string | null;
  html_url: string;
  head: { sha: string };
}

/** The task's repository as Octokit parameters, with a client scoped to it. */
export function repositoryOf(client: GitHubClient, task: Pick<AnyTask, 'repository'>) {
  const [owner, repo] = task.repository.split('/') as [string, string];
  return { owner, repo, octokit: client.rest(task.repository) };
}

/** Every pull request, open or not, from the task's branch. */
export async function pullsFor(client: GitHubClient, task: TaskMessage): Promise<PullSummary[]> {
  const { owner, repo, octokit } = repositoryOf(client, task);
  return octokit.paginate(octokit.rest.pulls.list, {
    owner,
    repo,
    state: 'all',
    head: `${owner}:${taskBranch(task.issue_number)}`,
    per_page: 100,
  });
}

/** The pull request's commits, oldest first (all pages). */
export function pullCommits(client: GitHubClient, task: Pick<AnyTask, 'repository'>, pullNumber: number) {
  const { owner, repo, octokit } = repositoryOf(client, task);
  return octokit.paginate(octokit.rest.pulls.listCommits, {
    owner,
    repo,
    pull_number: pullNumber,
    per_page: 100,
  });
}

/** Does the pull request hold a commit this worker made for this issue? */
export async function holdsOurCommit(client: GitHubClient, task: TaskMessage, pull: PullSummary) {
  const commits = await pullCommits(client, task, pull.number);
  return commits.some((commit) => isWorkerCommitMessage(commit.commit.message, task.issue_number));
}
