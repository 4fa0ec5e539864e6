// A revision of CodingWorker's own pull request, top to bottom:
//   hold the pull request (forge: no other worker revises it meanwhile) ->
//   prepare (forge: re-check on the forge, caps, context) -> report started on the pull request ->
//   read .codingworker.yml and the agent instructions from the base branch -> clone the head branch ->
//   setup -> runner (the brief as an issue) -> check -> commit on top -> publish (fast-forward push, one
//   reply per thread) -> report done.
// The head branch is cloned as it is when the job starts, so a human's commit pushed meanwhile is built
// on; the push is never forced, so a commit pushed during the run makes the push fail and the retry start
// from it.
import type { RevisionMessage } from '../../action/task-message.ts';
import { PermanentError } from '../core/errors.ts';
import { requireFreeSpace } from '../core/free-space.ts';
import type { Progress, RevisionContext, RevisionForge, RevisionRepository } from '../forge/forge.ts';
import { revisionCommitMessage } from '../job/commit-message.ts';
import type { TaskRepo } from '../job/git.ts';
import {
  checkChange,
  cloneAt,
  type JobDeps,
  type JobResult,
  newWorkspace,
  removeWorkspace,
  runAgent,
  type StageTimer,
  setupFor,
  stageTimer,
  withLinkTargets,
} from '../job/pipeline.ts';
import { readRepoConfig } from '../job/repo-config.ts';
import { readRepoInstructions } from '../job/repo-instructions.ts';
import type { TaskContext } from '../queue/task-handler.ts';
import { revisionAsIssue } from './revision-brief.ts';

type Context = Pick<TaskContext, 'signal' | 'logger'>;

export async function runRevision(
  task: RevisionMessage,
  deps: JobDeps,
  context: Context,
): Promise<JobResult> {
  const revisions = deps.forge.revisions;
  if (!revisions) {
    throw new PermanentError(
      `this forge does not take revision tasks (pull request #${task.pull_number}): run it against GitHub or a local repository`,
    );
  }
  const waited = performance.now();
  const hold = await revisions.hold?.(task, {
    signal: context.signal,
    logger: context.logger,
    scratch: `${await newWorkspace(deps.settings, task)}-lease`,
  });
  try {
    // Losing the hold (another worker took it over) stops this run as the task's own abort would.
    const signal = hold ? AbortSignal.any([context.signal, hold.lost]) : context.signal;
    const stages = stageTimer(signal);
    stages.timings.wait = Math.round(performance.now() - waited);
    return await revise(task, { revisions, deps, stages }, { ...context, signal });
  } finally {
    await hold?.release();
  }
}

/** The revision once this worker holds the pull request. */
async function revise(
  task: RevisionMessage,
  run: { revisions: RevisionForge; deps: JobDeps; stages: StageTimer },
  context: Context,
): Promise<JobResult> {
  const { revisions, deps, stages } = run;
  const { timings } = stages;
  const preparation = await stages.timed('prepare', () => revisions.prepare(task));
  if (preparation.action === 'already-done') {
    return { status: 'already-done', detail: preparation.detail, url: preparation.url, timings };
  }
  if (preparation.action === 'skip') {
    if (preparation.tell) await revisions.report(task, { stage: 'skipped', message: preparation.reason });
    return { status: 'skipped', detail: preparation.reason, timings };
  }
  const report = (progress: Progress) => revisions.report(task, progress);
  await report({ stage: 'started', message: `revising the pull request (worker ${deps.settings.workerId})` });
  await requireFreeSpace(deps.settings.agent.workDir, deps.statfs, deps.settings.agent.minFreeMb * 1024 ** 2);
  const workspace = await newWorkspace(deps.settings, task);
  try {
    const base = await stages.timed('base', () =>
      readFromBase(deps, task, { repository: preparation.repository, workspace, logger: context.logger }),
    );
    const { cloneUrl, branch } = preparation.repository;
    const repo = await stages.timed('clone', () =>
      cloneAt(deps, task, { cloneUrl, checkout: branch, branch }, workspace),
    );
    const setup = await stages.timed('setup', () =>
      setupFor(deps, { task, workspace, config: base.repoConfig, report }, context),
    );
    const brief = revisionAsIssue(task, preparation.context);
    const made = { repo, workspace, ...base, setup };
    const result = await stages.timed('agent', () => runAgent(deps, brief, context, made, report));
    const files = await stages.timed('check', async () =>
      withLinkTargets(workspace, await checkChange(result, () => repo.changedFiles(), deps.settings)),
    );
    const summary = result.summary;
    const commitSha = await stages.timed('commit', () =>
      repo.commit(
        revisionCommitMessage({
          addresses: addressed(task),
          pullNumber: task.pull_number,
          issueNumber: task.issue_number,
          trigger: { type: task.trigger.type, id: task.trigger.id },
          notes: preparation.context.notes.map((note) => note.id),
          model: deps.settings.model.name,
          summary,
          changedFiles: files.map((file) => file.path),
        }),
      ),
    );
    return await publish(revisions, task, { repo, commitSha, summary, stages }, preparation);
  } finally {
    await removeWorkspace(workspace, context.logger, timings);
  }
}

/** What the revision addresses, in words for the commit title: "review comment 123 by alice". */
export function addressed(task: RevisionMessage): string {
  const { type, id, author, name } = task.trigger;
  switch (type) {
    case 'comment':
      return `comment ${id} by ${author}`;
    case 'review_comment':
      return `review comment ${id} by ${author}`;
    case 'review':
      return `review ${id} by ${author}`;
    default:
      return `failing check ${name ?? type} (${type.replace('_', ' ')} ${id})`;
  }
}

/**
 * .codingworker.yml and the agent instructions come from the base branch, as for an issue: the branch
 * holds the model's earlier change, which must not decide what setup and the checks run.
 */
async function readFromBase(
  deps: JobDeps,
  task: RevisionMessage,
  where: { repository: RevisionRepository; workspace: string; logger: Context['logger'] },
) {
  const { repository, logger } = where;
  const dir = `${where.workspace}-base`;
  try {
    const { cloneUrl, baseBranch } = repository;
    await cloneAt(deps, task, { cloneUrl, checkout: baseBranch, branch: baseBranch }, dir);
    const repoConfig = await readRepoConfig(dir);
    const instructions = await readRepoInstructions(dir, logger);
    return { repoConfig, instructions };
  } finally {
    await removeWorkspace(dir, logger, {});
  }
}

async function publish(
  revisions: RevisionForge,
  task: RevisionMessage,
  made: { repo: TaskRepo; commitSha: string; summary: string[]; stages: ReturnType<typeof stageTimer> },
  preparation: { repository: RevisionRepository; context: RevisionContext },
): Promise<JobResult> {
  const { repo, commitSha, stages } = made;
  await revisions.report(task, { stage: 'publishing', message: 'pushing the new commit', commitSha });
  const published = await stages.timed('publish', () =>
    revisions.publish(task, {
      repo,
      branch: preparation.repository.branch,
      commitSha,
      summary: made.summary,
      notes: preparation.context.notes,
    }),
  );
  const message = `pushed ${commitSha.slice(0, 7)} to ${preparation.repository.branch}; replied in ${published.replies} thread(s)`;
  await revisions.report(task, { stage: 'done', message, url: published.url, commitSha });
  return {
    status: 'completed',
    detail: `revised ${published.url} (${message})`,
    url: published.url,
    commitSha,
    timings: stages.timings,
  };
}
