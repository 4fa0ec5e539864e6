// The GitHub forge's revisions of CodingWorker's own pull requests (docs/github.md#revisions):
// prepare re-checks everything on GitHub (github-revision-checks.ts), finds a redelivery's finished work
// by the commit trailer, applies the caps and gathers the context (github-revision-context.ts); publish
// pushes fast-forward only and replies once per thread (github-revision-replies.ts); a lease in the
// repository keeps two daemons from revising one pull request at once (github-revision-lease.ts);
// reports go to the pull request's own progress comment and to the new head commit's status or check run.
import type { Logger } from 'pino';
import type { RevisionMessage, TriggerType } from '../../action/task-message.ts';
import { TransientError } from '../core/errors.ts';
import {
  addressesTrigger,
  isWorkerCommitMessage,
  revisionCapReached,
  revisionOf,
} from '../job/commit-message.ts';
import type { Forge, RevisionChange, RevisionForge, RevisionPreparation } from './forge.ts';
import type { GitHubClient, GitHubSettings } from './github-client.ts';
import { classify } from './github-errors.ts';
import { pullCommits, repositoryOf } from './github-pulls.ts';
import type { Reports, ReportTarget } from './github-reports.ts';
import {
  authorProblem,
  checkTrigger,
  createPermissionGate,
  type Pull,
  pullProblem,
  readPull,
} from './github-revision-checks.ts';
import { gatherContext } from './github-revision-context.ts';
import { holdPull, type LeaseTiming } from './github-revision-lease.ts';
import { ensureReplies } from './github-revision-replies.ts';
import type { TaskStates } from './github-task-state.ts';

export interface RevisionsOptions {
  settings: GitHubSettings;
  client: GitHubClient;
  logger: Logger;
  states: TaskStates;
  reports: Reports;
  gitConfig: Forge['gitConfig'];
  /** Names this worker in the pull request's lease. */
  workerId: string;
  leaseTiming?: LeaseTiming;
}

/** The pull request's own progress comment is the report's target, not the issue's. */
export const reportTargetOf = (task: RevisionMessage): ReportTarget => ({
  repository: task.repository,
  issue_number: task.pull_number,
  html_url: task.html_url,
  revision: true,
});

export function createRevisions(options: RevisionsOptions): RevisionForge {
  const { client, workerId, gitConfig, states, leaseTiming: timing } = options;
  return {
    hold: (task, wait) => holdPull({ client, workerId, gitConfig, states, timing }, task, wait),
    prepare: (task) => prepare(options, task),
    report: (task, progress) => options.reports.report(reportTargetOf(task), progress),
    publish: (task, change) => publish(options, task, change),
  };
}

async function prepare(options: RevisionsOptions, task: RevisionMessage): Promise<RevisionPreparation> {
  const { client, settings } = options;
  const pull = await readPull(client, task);
  const notOurs = pullProblem(task, pull);
  if (notOurs || !pull) return notOurs ?? { action: 'skip', reason: 'no pull request' };
  const trigger = await checkTrigger(options, task, pull);
  if ('skip' in trigger) return trigger.skip;
  const allowed = createPermissionGate(options, task);
  const refused = await authorProblem(task, allowed, settings);
  if (refused) return refused;
  const commits = await commitsOf(client, task);
  const earlier = commits.find((commit) => addressesTrigger(commit.commit.message, task.trigger));
  if (earlier) return finishEarlier(options, task, pull, earlier);
  const capped = revisionCapReached(
    commits.map((commit) => commit.commit.message),
    task.trigger,
    settings,
    `pull request #${task.pull_number}`,
  );
  // Reaching a cap is told on the pull request.
  if (capped) return { action: 'skip', reason: capped, tell: true };
  const since = lastWorkerCommitDate(commits, task);
  const context = await gatherContext({ client, task, pull, request: trigger.text, since, allowed });
  const cloneUrl = pull.head.repo!.clone_url;
  options.states.of(task).cloneUrl = cloneUrl;
  return {
    action: 'run',
    repository: { cloneUrl, branch: pull.head.ref, baseBranch: pull.base.ref, headSha: pull.head.sha },
    context,
  };
}

type Commit = Awaited<ReturnType<typeof commitsOf>>[number];

function commitsOf(client: GitHubClient, task: RevisionMessage) {
  return pullCommits(client, task, task.pull_number).catch((error: unknown) => {
    throw classify(error, `listing the commits of #${task.pull_number}`);
  });
}

/**
 * A revision already pushed: its replies (as that revision's, under its trigger's marker) and the final
 * report are made sure of.
 */
async function finishEarlier(
  options: RevisionsOptions,
  task: RevisionMessage,
  pull: Pull,
  earlier: Commit,
): Promise<RevisionPreparation> {
  const summary = summaryOf(earlier.commit.message);
  const mark = revisionOf(earlier.commit.message)!;
  const asEarlier = { ...task, trigger: { ...task.trigger, type: mark.type as TriggerType, id: mark.id } };
  const replies = await ensureReplies(options.client, asEarlier, {
    commitSha: earlier.sha,
    summary,
    notes: mark.notes,
  });
  const url = commitUrl(pull, earlier.sha);
  await options.reports.ensureFinalReport(
    reportTargetOf(task),
    {
      number: pull.number,
      state: pull.state,
      merged_at: pull.merged_at,
      html_url: url,
      head: { sha: earlier.sha },
    },
    `pushed ${earlier.sha.slice(0, 7)}; replied in ${replies} thread(s) (finished by a later delivery)`,
  );
  return {
    action: 'already-done',
    url,
    detail: `commit ${earlier.sha.slice(0, 7)} on #${task.pull_number} already addresses ${task.trigger.type} ${task.trigger.id}${asEarlier.trigger.id === task.trigger.id ? '' : ` (with ${mark.type} ${mark.id})`}`,
  };
}

/** When the worker last committed on the pull request: review comments older than it were dealt with. */
function lastWorkerCommitDate(commits: Commit[], task: RevisionMessage): string | undefined {
  const ours = commits.filter((commit) => isWorkerCommitMessage(commit.commit.message, task.issue_number));
  return ours.at(-1)?.commit.committer?.date ?? undefined;
}

/** The bullet lines of a worker commit message. */
function summaryOf(message: string): string[] {
  return message
    .split('\n')
    .filter((line) => line.startsWith('- '))
    .map((line) => line.slice(2));
}

const commitUrl = (pull: Pull, sha: string) => `${pull.html_url}/commits/${sha}`;

async function publish(
  options: RevisionsOptions,
  task: RevisionMessage,
  change: RevisionChange,
): Promise<{ url: string; replies: number }> {
  const { client } = options;
  const pull = await readPull(client, task);
  const problem = pullProblem(task, pull);
  if (problem || !pull)
    throw new TransientError(`${problem?.reason ?? 'the pull request is gone'}: not pushed`);
  await pushFastForward(options, task, change, pull.head.repo!.clone_url);
  const replies = await ensureReplies(client, task, {
    commitSha: change.commitSha,
    summary: change.summary,
    notes: change.notes.map((note) => note.id),
  });
  return { url: commitUrl(pull, change.commitSha), replies };
}

/**
 * Never forced: a branch that moved (a human's commit, another delivery's) refuses the push. Another
 * delivery that pushed this very commit is success; anything else is retried, from the new head.
 */
async function pushFastForward(
  options: RevisionsOptions,
  task: RevisionMessage,
  change: RevisionChange,
  cloneUrl: string,
) {
  const { owner, repo, octokit } = repositoryOf(options.client, task);
  const credentials = await options.gitConfig(task);
  await change.repo.push(cloneUrl, change.branch, { credentials }).catch(async (error: unknown) => {
    const remote = await octokit.rest.repos
      .getBranch({ owner, repo, branch: change.branch })
      .catch(() => undefined);
    const now = remote?.data.commit.sha;
    if (now === change.commitSha) return;
    if (!now) throw error;
    throw new TransientError(
      `the push to ${change.branch} was refused: the branch moved while the revision ran (now ${now.slice(0, 7)}), and it is never forced; the retry starts from it`,
      { cause: error },
    );
  });
}
