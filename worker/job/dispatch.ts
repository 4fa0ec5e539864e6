// Which pipeline a task takes, for the daemon and `codingworker run`: an issue goes through the job
// pipeline (pipeline.ts), a revision of CodingWorker's pull request through worker/revision/. Kept apart
// from both so neither imports the other's caller.
import { type AnyTask, isRevision } from '../../action/task-message.ts';
import { type Forge, type Progress, taskKeyOf } from '../forge/forge.ts';
import type { TaskContext, TaskHandler } from '../queue/task-handler.ts';
import { runRevision } from '../revision/revision-job.ts';
import { type JobDeps, type JobResult, runJob } from './pipeline.ts';

/** Runs an issue task or a revision: `codingworker run` and the daemon share it. */
export function runTask(
  task: AnyTask,
  deps: JobDeps,
  context: Pick<TaskContext, 'signal' | 'logger'>,
): Promise<JobResult> {
  return isRevision(task) ? runRevision(task, deps, context) : runJob(task, deps, context);
}

/** Tells the forge how a task stands: the progress, or a revision's on its pull request. */
export async function reportTask(forge: Forge, task: AnyTask, progress: Progress): Promise<void> {
  if (isRevision(task)) await forge.revisions?.report(task, progress);
  else await forge.report(task, progress);
}

/**
 * The daemon's TaskHandler: runs the issue pipeline or a revision; failures are told to the forge (retry
 * at / dead-letter). Tasks for the same issue and its pull request run one at a time, so two revisions of
 * one pull request never work on its branch at once (CW_CONCURRENCY > 1).
 */
export function createJobHandler(deps: JobDeps): TaskHandler {
  const oneAtATime = keyedSerial();
  return {
    handle: (task, context) => oneAtATime(taskKeyOf(task), () => runTask(task, deps, context)),
    onFailure: (task, notice) =>
      reportTask(deps.forge, task, {
        stage: 'failed',
        message: notice.reason,
        ...(notice.next.action === 'retry' ? { retryAt: notice.next.at } : { deadLetter: true }),
      }),
  };
}

/** Runs work for one key after the work queued before it for that key, whatever its outcome. */
function keyedSerial() {
  const tails = new Map<string, Promise<unknown>>();
  return <T>(key: string, work: () => Promise<T>): Promise<T> => {
    const before = tails.get(key) ?? Promise.resolve();
    const run = before.then(work, work);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return run;
  };
}
