// The forge: where tasks come from and where the result goes (GitHub, or a local repository for
// `codingworker run --repo-path`). The job pipeline (worker/job/pipeline.ts) depends only on this interface.
// Every method must be safe to call again for the same task: SQS delivers at least once.
import type { TaskMessage } from '../../action/task-message.ts';
import type { TaskRepo } from '../job/git.ts';

export interface RepositoryInfo {
  /** What git clones from: an https URL as the API returns it, or a local path. */
  cloneUrl: string;
  defaultBranch: string;
  /** The branch for this task: auto-code/issue-{N}. */
  branch: string;
}

/** What `prepare` decided after looking at the forge (never at the queue). */
export type Preparation =
  | { action: 'run'; repository: RepositoryInfo }
  /** The work exists already (an open or merged pull request for this issue): nothing to do. */
  | { action: 'already-done'; url: string; detail: string }
  /** The task no longer applies (issue closed, label removed, labeller lacks permission, closed PR). */
  | { action: 'skip'; reason: string };

export interface Progress {
  stage: 'queued' | 'started' | 'working' | 'verifying' | 'publishing' | 'done' | 'failed';
  /** One line for the person following the issue. */
  message: string;
  step?: number;
  lastAction?: string;
  url?: string;
  /** For stage failed: when the retry happens, or that the task went to the dead-letter queue. */
  retryAt?: Date;
  deadLetter?: boolean;
  /** The pushed commit, for commit statuses and check runs. */
  commitSha?: string;
}

export interface ChangeSet {
  /** The checkout holding the commit; the forge pushes through it, so what the agent planted never runs. */
  repo: Pick<TaskRepo, 'dir' | 'push'>;
  branch: string;
  commitSha: string;
  /** Pull request title and Markdown body. */
  title: string;
  description: string;
}

export interface Forge {
  /** Re-validates the task against the forge and looks for earlier work on the same issue. */
  prepare(task: TaskMessage): Promise<Preparation>;
  /**
   * git configuration (key, value) pairs the git child needs to clone and push, e.g. an
   * http.<origin>.extraheader. Passed through GIT_CONFIG_COUNT in the child's environment only:
   * never in argv, a URL, .git/config, a log or the sandbox.
   * Given the task, a GitHub App forge returns a token scoped to the task's repository only.
   */
  gitConfig(task?: TaskMessage): Promise<Array<[key: string, value: string]>>;
  /** Updates the single progress comment and the commit status or check run. */
  report(task: TaskMessage, progress: Progress): Promise<void>;
  /** Pushes the branch and ensures exactly one pull request for it. */
  publish(task: TaskMessage, change: ChangeSet): Promise<{ url: string; created: boolean }>;
}
