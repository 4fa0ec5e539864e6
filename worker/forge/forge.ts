// The forge: where tasks come from and where the result goes (GitHub, or a local repository for
// `codingworker run --repo-path`). The job pipeline (worker/job/pipeline.ts) depends only on this interface.
// Every method must be safe to call again for the same task: SQS delivers at least once.
import type { Logger } from 'pino';
import type { AnyTask, RevisionMessage, TaskMessage } from '../../action/task-message.ts';
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
  /** skipped: the task no longer applies and the person should be told why (a revision's cap). */
  stage: 'queued' | 'started' | 'working' | 'verifying' | 'publishing' | 'done' | 'failed' | 'skipped';
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
  gitConfig(task?: TaskKey): Promise<Array<[key: string, value: string]>>;
  /** Updates the single progress comment and the commit status or check run. */
  report(task: TaskMessage, progress: Progress): Promise<void>;
  /** Pushes the branch and ensures exactly one pull request for it. */
  publish(task: TaskMessage, change: ChangeSet): Promise<{ url: string; created: boolean }>;
  /** Revisions of CodingWorker's own pull requests; a forge without them refuses revision tasks. */
  revisions?: RevisionForge;
}

/** What names a task's repository and issue (the state a forge keeps per task is keyed on it). */
export type TaskKey = Pick<AnyTask, 'repository' | 'issue_number'>;

/** One string per repository and issue (repository names compare without regard to case, as on GitHub). */
export const taskKeyOf = (task: TaskKey): string => `${task.repository.toLowerCase()}#${task.issue_number}`;

// ---- revisions: review feedback and failing checks on CodingWorker's pull request ----

/** Where a revision starts: the pull request's head branch as it is now (a human's commit included). */
export interface RevisionRepository {
  cloneUrl: string;
  /** The head branch, auto-code/issue-N: the work is pushed back to it, fast-forward only. */
  branch: string;
  /** The pull request's base branch: .codingworker.yml and the agent instructions are read from it. */
  baseBranch: string;
  /** The head commit when prepare looked. */
  headSha: string;
}

/** A review comment the change should address, from someone with the required permission. */
export interface ReviewNote {
  id: number;
  author: string;
  /** Hidden text stripped. */
  body: string;
  path?: string;
  line?: number;
  /** The end of the diff hunk the comment is on. */
  diffHunk?: string;
  /** The thread's first comment: GitHub takes replies only there. Undefined for a comment outside a thread. */
  threadId?: number;
}

/** What the model is told about the revision, gathered by the forge and filtered for permission. */
export interface RevisionContext {
  /** The pull request's title. */
  title: string;
  /** The trigger's text (hidden text stripped); for a failing check, its name and conclusion. */
  request: string;
  /** Review comments since CodingWorker's last commit (the trigger's own included), oldest first. */
  notes: ReviewNote[];
  /** The pull request's current change against its base, as a unified diff, capped. */
  diff: string;
  /** For a failing check: its name and the tail of its log or its annotations. */
  failingCheck?: { name: string; log: string };
}

export type RevisionPreparation =
  | { action: 'run'; repository: RevisionRepository; context: RevisionContext }
  /** A commit for this trigger is on the branch already (a redelivery): replies were made sure of. */
  | { action: 'already-done'; url: string; detail: string }
  /** The revision no longer applies; `tell` puts the reason on the pull request (a cap was reached). */
  | { action: 'skip'; reason: string; tell?: boolean };

export interface RevisionChange {
  /** The checkout holding the new commit on top of the branch's head. */
  repo: Pick<TaskRepo, 'dir' | 'push'>;
  branch: string;
  commitSha: string;
  /** The commit message's summary lines, for the replies. */
  summary: string[];
  /** The review comments the change addresses: each thread gets one reply. */
  notes: ReviewNote[];
}

/** Held while a revision runs: no other worker revises the same pull request meanwhile. */
export interface RevisionHold {
  /** Aborted when another worker took the hold over (this one stopped renewing it, e.g. while asleep). */
  lost: AbortSignal;
  release(): Promise<void>;
}

export interface RevisionForge {
  /**
   * Waits until no other worker revises this pull request, then holds it until released, so two daemons
   * never revise one pull request at once. Optional: a forge only one process uses has nothing to share.
   * `scratch` is a directory of the worker's own the forge may use and must remove.
   */
  hold?(
    task: RevisionMessage,
    wait: { signal: AbortSignal; logger: Logger; scratch: string },
  ): Promise<RevisionHold>;
  /**
   * Re-checks the revision on the forge, never trusting the message: the pull request is open and from
   * the CodingWorker branch, the trigger exists unedited, its author may still trigger tasks, the caps hold,
   * and for a failing check the same check passes on the base branch. Then gathers the context.
   */
  prepare(task: RevisionMessage): Promise<RevisionPreparation>;
  /** Updates the pull request's single progress comment and the new head commit's status or check run. */
  report(task: RevisionMessage, progress: Progress): Promise<void>;
  /**
   * Pushes the new commit fast-forward only (a branch that moved meanwhile is a TransientError: the retry
   * starts from the new head; a human's commit is never overwritten), then replies once in each thread.
   */
  publish(task: RevisionMessage, change: RevisionChange): Promise<{ url: string; replies: number }>;
}
