// Two daemons behind one queue never revise one pull request at once (docs/github.md#revisions). A
// revision first takes a lease kept in the repository itself (ref-lease.ts), waiting while another worker
// holds it; it renews the lease while it runs and drops it at the end. The waiter then prepares as usual
// and finds the other's commit for the same trigger (already done) or builds on it. Within one daemon the
// job handler already runs one task per issue at a time; this is for workers that share only GitHub.
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { RevisionMessage } from '../../action/task-message.ts';
import { TransientError } from '../core/errors.ts';
import type { Forge, RevisionHold } from './forge.ts';
import type { GitHubClient } from './github-client.ts';
import { pullProblem, readPull } from './github-revision-checks.ts';
import type { TaskStates } from './github-task-state.ts';
import { createRefLease, type RefLease, thisProcess } from './ref-lease.ts';

export interface LeaseTiming {
  /** How long a lease lasts unless renewed: how long a worker that died on another host blocks others. */
  ttlMs: number;
  renewMs: number;
  /** How often a waiting worker looks again. */
  pollMs: number;
}

export const LEASE_TIMING: LeaseTiming = { ttlMs: 5 * 60_000, renewMs: 60_000, pollMs: 10_000 };

export interface HoldOptions {
  client: GitHubClient;
  workerId: string;
  gitConfig: Forge['gitConfig'];
  states: TaskStates;
  timing?: LeaseTiming;
}

type Wait = { signal: AbortSignal; logger: Logger; scratch: string };

/** The ref a pull request's lease lives in: not a branch, so it shows in no branch list and runs no workflow. */
export const leaseRefOf = (pullNumber: number) => `refs/codingworker/leases/pull-${pullNumber}`;

const NOT_HELD: RevisionHold = { lost: new AbortController().signal, release: async () => undefined };

export async function holdPull(
  options: HoldOptions,
  task: RevisionMessage,
  wait: Wait,
): Promise<RevisionHold> {
  const timing = options.timing ?? LEASE_TIMING;
  // Read here for the clone URL; prepare reads it again after the hold, as it may change while waiting.
  const pull = await readPull(options.client, task);
  const cloneUrl = pull?.head.repo?.clone_url;
  // prepare skips a pull request that is gone, closed or from a fork: there is nothing to hold for it.
  if (!cloneUrl || pullProblem(task, pull)) return NOT_HELD;
  options.states.of(task).cloneUrl = cloneUrl;
  const lease = createRefLease({
    remote: cloneUrl,
    ref: leaseRefOf(task.pull_number),
    what: `${task.repository}#${task.pull_number}`,
    holder: thisProcess(options.workerId),
    ttlMs: timing.ttlMs,
    config: () => options.gitConfig(task),
    gitDir: wait.scratch,
  });
  let sha: string | undefined;
  try {
    sha = await takeWhenFree(lease, task, wait, timing);
  } finally {
    // Held, the scratch repository renews and drops the lease; otherwise it is no longer needed.
    if (!sha) await rm(wait.scratch, { recursive: true, force: true });
  }
  return sha ? keep(lease, { sha, task, wait, timing }) : NOT_HELD;
}

/** Refusals of a free lease in a row after which the remote is taken to refuse the ref itself. */
const REFUSALS = 3;

/** The lease's commit, or undefined when the remote refuses the lease ref (then the revision runs unheld). */
async function takeWhenFree(lease: RefLease, task: RevisionMessage, wait: Wait, timing: LeaseTiming) {
  let told = '';
  let refused = 0;
  for (;;) {
    const attempt = await lease.take();
    if (attempt.taken) return attempt.sha;
    const { by } = attempt;
    if (!by) {
      refused += 1;
      if (refused < REFUSALS) continue;
      wait.logger.warn(
        { pull: task.pull_number, ref: leaseRefOf(task.pull_number) },
        'the repository refuses the lease ref: revising without it (the push is still fast-forward only)',
      );
      return undefined;
    }
    refused = 0;
    const holder = `${by.worker} (pid ${by.pid} on ${by.host})`;
    if (holder !== told) {
      wait.logger.info(
        { pull: task.pull_number, holder, until: by.until.toISOString() },
        `another worker is revising pull request #${task.pull_number}: waiting until it finishes`,
      );
      told = holder;
    }
    const left = by.until.getTime() - Date.now();
    await sleep(Math.max(1_000, Math.min(timing.pollMs, left)), undefined, { signal: wait.signal });
  }
}

/** Renews the lease in the background until released; a lease another worker took over aborts `lost`. */
function keep(
  lease: RefLease,
  held: { sha: string; task: RevisionMessage; wait: Wait; timing: LeaseTiming },
): RevisionHold {
  const { task, wait } = held;
  const lost = new AbortController();
  let sha = held.sha;
  let renewing: Promise<void> = Promise.resolve();
  const renew = async () => {
    const next = await lease.renew(sha).catch((error: unknown) => {
      wait.logger.warn(
        { err: error },
        'could not renew the revision lease: trying again at the next renewal',
      );
      return sha;
    });
    if (next) {
      sha = next;
      return;
    }
    clearInterval(timer);
    lost.abort(
      new TransientError(
        `another worker took over the revision of #${task.pull_number} while this one did not renew its lease (was the machine asleep?): stopped here, and the retry starts from the branch as it is then`,
      ),
    );
  };
  const timer = setInterval(() => {
    renewing = renewing.then(renew);
  }, held.timing.renewMs);
  timer.unref();
  return {
    lost: lost.signal,
    async release() {
      clearInterval(timer);
      await renewing;
      if (!lost.signal.aborted) {
        await lease.release(sha).catch((error: unknown) => {
          wait.logger.warn({ err: error }, 'could not drop the revision lease: it ends by itself');
        });
      }
      await rm(wait.scratch, { recursive: true, force: true });
    },
  };
}
