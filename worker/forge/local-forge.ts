// A Forge for a local git repository: `codingworker run --repo-path <repo>` runs one task with no queue
// and no GitHub. The task's result is a branch auto-code/issue-<N> pushed back into that repository;
// progress goes to the log. Revisions of that branch are in local-revisions.ts. The repository is the operator's own, so it is trusted — git still runs with
// the hardened environment of worker/job/git.ts, and the push goes through the pipeline's TaskRepo.
import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import type { TaskMessage } from '../../action/task-message.ts';
import { PermanentError } from '../core/errors.ts';
import { isWorkerCommitMessage, taskBranch } from '../job/commit-message.ts';
import { GitCommandError, gitEnvironment, runGit } from '../job/git.ts';
import type { ChangeSet, Forge, Preparation, Progress } from './forge.ts';
import { createLocalRevisions } from './local-revisions.ts';

export interface LocalForgeOptions {
  /** Absolute path of the repository (its work tree). */
  repoPath: string;
  logger: Logger;
  /** For revisions: the review comments file (worker/forge/local-revisions.ts). */
  commentsFile?: string | undefined;
  /** For revisions: CW_MAX_REVISIONS and CW_MAX_CHECK_FIXES. */
  limits?: { maxRevisions: number; maxCheckFixes: number };
}

export function createLocalForge(options: LocalForgeOptions): Forge {
  const { repoPath, logger } = options;
  const git = (args: string[]) =>
    runGit(['-C', repoPath, ...args], { env: gitEnvironment([['safe.directory', repoPath]]) });

  return {
    async prepare(task: TaskMessage): Promise<Preparation> {
      const defaultBranch = await git(['symbolic-ref', '--quiet', '--short', 'HEAD']).catch(
        (error: unknown) => {
          throw new PermanentError(
            `${repoPath} is not a git repository with a branch checked out (${describe(error)}): pass --repo-path <a clone>, on a branch`,
          );
        },
      );
      const base = defaultBranch.trim();
      // An unborn branch (a repository without commits) has a name but nothing to clone or build on.
      await git(['rev-parse', '--verify', '--quiet', `refs/heads/${base}^{commit}`]).catch(() => {
        throw new PermanentError(`${repoPath} has no commits on its branch ${base}: commit something first`);
      });
      const branch = taskBranch(task.issue_number);
      const exists = await git(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]).then(
        () => true,
        () => false,
      );
      const repository = { cloneUrl: repoPath, defaultBranch: base, branch };
      if (!exists) return { action: 'run', repository };
      const messages = await git(['log', '-n', '50', '--format=%B%x00', `refs/heads/${branch}`]);
      if (messages.split('\0').some((message) => isWorkerCommitMessage(message, task.issue_number))) {
        return {
          action: 'already-done',
          url: locationOf(repoPath, branch),
          detail: `branch ${branch} already holds a CodingWorker commit for issue #${task.issue_number}`,
        };
      }
      return {
        action: 'skip',
        reason: `branch ${branch} exists in ${repoPath} without a CodingWorker commit: delete it (git branch -D ${branch}) to run the task`,
      };
    },

    async gitConfig() {
      return [];
    },

    async report(_task: TaskMessage, progress: Progress): Promise<void> {
      const { stage, message, ...details } = progress;
      logger.info({ stage, ...details }, `progress: ${message}`);
    },

    async publish(_task: TaskMessage, change: ChangeSet): Promise<{ url: string; created: boolean }> {
      // The pipeline cloned from repoPath, a local path, so the clone allows the file protocol it pushes by.
      await change.repo.push(repoPath, change.branch);
      return { url: locationOf(repoPath, change.branch), created: true };
    },

    revisions: createLocalRevisions({
      repoPath,
      logger,
      git,
      commentsFile: options.commentsFile,
      limits: options.limits ?? { maxRevisions: 5, maxCheckFixes: 2 },
    }),
  };
}

function locationOf(repoPath: string, branch: string): string {
  return `${pathToFileURL(repoPath).href}#${branch}`;
}

function describe(error: unknown): string {
  return error instanceof GitCommandError
    ? error.stderr.trim().split('\n')[0] || error.message
    : String(error);
}
