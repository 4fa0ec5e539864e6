// The pipeline for one task, top to bottom:
//   prepare (forge) -> report started -> clone into a fresh workspace -> runner (agent + verify) ->
//   check the change -> commit -> publish (push + pull request) -> report done.
// The workspace is removed in every outcome. The forge decides where work comes from and goes to (GitHub,
// or a local repository); the checks here (nothing changed, .github/workflows/, verification) apply to all.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { TaskMessage } from '../../action/task-message.ts';
import type { Runner, RunResult } from '../agent/runner.ts';
import { errorMessage, PermanentError, TimeoutError } from '../core/errors.ts';
import { requireFreeSpace, type Statfs } from '../core/free-space.ts';
import { processAlive } from '../core/process-alive.ts';
import type { Settings } from '../core/settings.ts';
import type { Forge, Progress, RepositoryInfo, TaskKey } from '../forge/forge.ts';
import type { TaskContext, TaskOutcome } from '../queue/task-handler.ts';
import type { SandboxProvider } from '../sandbox/sandbox.ts';
import { commitMessage, oneLine } from './commit-message.ts';
import {
  type ChangedFile,
  createGit,
  gitEnvironment,
  isLocalRemote,
  metadataDirOf,
  runGit,
  type TaskRepo,
} from './git.ts';
import { hardeningConfig } from './git-process.ts';
import { changedLinks } from './link-check.ts';
import { pullRequestDescription } from './pull-request-description.ts';
import { type RepoConfig, readRepoConfig } from './repo-config.ts';
import { type RepoInstructions, readRepoInstructions } from './repo-instructions.ts';
import { runSetup, type SetupOutcome } from './setup.ts';
import { createSetupCache, type SetupCache } from './setup-cache.ts';
import { createVerifier, workflowChanges } from './verify.ts';

export interface JobDeps {
  settings: Settings;
  forge: Forge;
  runner: Runner;
  /** For the verification's Python/shell checks and the repository's test command. */
  sandboxProvider: SandboxProvider;
  /** How free space is measured (tests pass a double for a full disk). Default: fs.statfs. */
  statfs?: Statfs;
  /** Where setup output is cached. Default: <CW_WORK_DIR>/cache, capped at CW_CACHE_MAX_MB. */
  setupCache?: SetupCache;
  /** Clock for the pull request's "generated at". Default: now. */
  now?: () => Date;
}

/** A completed task also carries what was made, for `codingworker run` to print. */
export interface JobResult extends TaskOutcome {
  description?: string;
  commitSha?: string;
  /** Milliseconds per stage, for the log and scripts/bench-run.ts. */
  timings: Record<string, number>;
  /** The repository's instruction file the agent was given (e.g. "AGENTS.md"), when there was one. */
  instructionsFile?: string;
}

export async function runJob(
  task: TaskMessage,
  deps: JobDeps,
  context: Pick<TaskContext, 'signal' | 'logger'>,
): Promise<JobResult> {
  const { settings, forge } = deps;
  const stages = stageTimer(context.signal);
  const preparation = await stages.timed('prepare', () => forge.prepare(task));
  const { timings } = stages;
  if (preparation.action === 'already-done') {
    return { status: 'already-done', detail: preparation.detail, url: preparation.url, timings };
  }
  if (preparation.action === 'skip') return { status: 'skipped', detail: preparation.reason, timings };
  const { repository } = preparation;
  await forge.report(task, { stage: 'started', message: `working on it (worker ${settings.workerId})` });

  // Before the clone: a full disk is a resource failure naming the path, not git's transient-looking error.
  await requireFreeSpace(settings.agent.workDir, deps.statfs, settings.agent.minFreeMb * 1024 ** 2);
  const workspace = await newWorkspace(settings, task);
  try {
    const repo = await stages.timed('clone', () => cloneForTask(deps, task, repository, workspace));
    // Read from the default branch before anything runs: neither the issue nor the agent can change what
    // setup and the checks run, or the guidance the model is given.
    const repoConfig = await readRepoConfig(workspace);
    const instructions = await readRepoInstructions(workspace, context.logger);
    const report = (progress: Progress) => forge.report(task, progress);
    const setup = await stages.timed('setup', () =>
      setupFor(deps, { task, workspace, config: repoConfig, report }, context),
    );
    const made = { repo, workspace, repoConfig, instructions, setup };
    const result = await stages.timed('agent', () => runAgent(deps, task, context, made, report));
    const files = await stages.timed('check', async () =>
      withLinkTargets(workspace, await checkChange(result, () => repo.changedFiles(), settings)),
    );
    return await deliver(deps, task, context, { repo, branch: repository.branch, result, files, stages });
  } finally {
    await removeWorkspace(workspace, context.logger, timings);
  }
}

/** Times each stage into `timings`; a stage does not start once the task was stopped. */
export function stageTimer(signal: AbortSignal) {
  const timings: Record<string, number> = {};
  const timed = async <T>(stage: string, work: () => Promise<T>): Promise<T> => {
    if (signal.aborted) throw abortError(signal);
    const started = performance.now();
    try {
      return await work();
    } finally {
      timings[stage] = Math.round(performance.now() - started);
    }
  };
  return { timings, timed };
}

export type StageTimer = ReturnType<typeof stageTimer>;

/** Clones the default branch into the workspace and starts the task branch. */
function cloneForTask(deps: JobDeps, task: TaskMessage, repository: RepositoryInfo, workspace: string) {
  const { cloneUrl, defaultBranch, branch } = repository;
  return cloneAt(deps, task, { cloneUrl, checkout: defaultBranch, branch }, workspace);
}

/**
 * Clones `checkout` of the repository into `dir` with the forge's git settings (a local path is allowed
 * the file protocol) and starts `branch` there: the issue's new branch, or a revision's head branch.
 */
export async function cloneAt(
  deps: JobDeps,
  task: TaskKey,
  where: { cloneUrl: string; checkout: string; branch: string },
  dir: string,
): Promise<TaskRepo> {
  const { settings, forge } = deps;
  const git = createGit({
    author: { name: settings.github.authorName, email: settings.github.authorEmail },
    config: await forge.gitConfig(task),
    allowFileProtocol: isLocalRemote(where.cloneUrl),
  });
  const repo = await git.clone(where.cloneUrl, dir, { branch: where.checkout });
  await repo.createBranch(where.branch);
  return repo;
}

/**
 * Runs the agent on the workspace, with verification rounds it can call and progress for the forge. The
 * task is what the agent is told: the issue, or a revision's brief in the shape of one.
 */
export async function runAgent(
  deps: JobDeps,
  task: TaskMessage,
  { signal, logger }: Pick<TaskContext, 'signal' | 'logger'>,
  made: {
    repo: TaskRepo;
    workspace: string;
    repoConfig: RepoConfig;
    instructions: RepoInstructions | undefined;
    setup: SetupOutcome;
  },
  report: (progress: Progress) => Promise<void>,
): Promise<RunResult> {
  const { settings } = deps;
  const { repo, workspace, repoConfig, instructions } = made;
  const verifier = createVerifier({
    workspace,
    git: repo,
    sandboxProvider: deps.sandboxProvider,
    taskId: taskIdOf(task),
    repoConfig,
    allowWorkflowChanges: settings.github.allowWorkflowChanges,
    deletions: {
      baseFiles: await trackedFileCount(workspace),
      allowedBySetting: settings.github.allowMassDeletion,
      labels: task.labels,
    },
    commandTimeoutSeconds: settings.sandbox.commandTimeoutSeconds,
  });
  let rounds = 0;
  const result = await deps.runner.run({
    task,
    workspace,
    signal,
    testCommand: repoConfig.test,
    instructions,
    ...(made.setup.ran ? { setupTranscript: made.setup.transcript } : {}),
    verify: async (agentSignal) => {
      rounds += 1;
      await report({ stage: 'verifying', message: `checking the change (round ${rounds})` });
      // The task's signal as well as the runner's: a shutdown must stop the test command, whatever the runner.
      return verifier(AbortSignal.any([signal, agentSignal]));
    },
    onProgress: ({ step, lastAction }) => {
      const progress = { stage: 'working' as const, message: `step ${step}`, step, lastAction };
      report(progress).catch((error: unknown) => {
        logger.warn({ error: errorMessage(error) }, 'Progress report failed');
      });
    },
  });
  if (!instructions) return result;
  return { ...result, instructionsFile: instructions.file, instructionsTruncated: instructions.truncated };
}

/** The repository's setup commands with the setup cache (setup.ts); nothing when it has none. */
export async function setupFor(
  deps: JobDeps,
  job: {
    task: TaskKey;
    workspace: string;
    config: RepoConfig;
    report: (progress: Progress) => Promise<void>;
  },
  { signal, logger }: Pick<TaskContext, 'signal' | 'logger'>,
): Promise<SetupOutcome> {
  const { task, workspace, config } = job;
  if (!config.setup) return { ran: false };
  const { settings } = deps;
  const cache =
    deps.setupCache ??
    createSetupCache({
      root: join(settings.agent.workDir, 'cache'),
      maxBytes: settings.agent.cacheMaxMb * 1024 ** 2,
      logger,
    });
  const report = (message: string) => job.report({ stage: 'working', message });
  return runSetup(
    {
      settings,
      sandboxProvider: deps.sandboxProvider,
      cache,
      logger,
      image: await deps.sandboxProvider.imageId(),
      statfs: deps.statfs,
    },
    { repository: task.repository, taskId: taskIdOf(task), workspace, config, signal, report },
  );
}

/** The sandbox's task label: owner-name-issue. */
export function taskIdOf(task: TaskKey): string {
  return `${task.repository.replace('/', '-')}-${task.issue_number}`;
}

/** Files tracked in the fresh clone, counted before the agent can touch the index. */
async function trackedFileCount(workspace: string): Promise<number> {
  // The worker's own copy of the clone's git directory, hardened: setup has run in the workspace by now,
  // and could have planted a core.fsmonitor or hooks in its .git.
  const listed = await runGit(['ls-files', '-z'], {
    cwd: workspace,
    env: {
      ...gitEnvironment([...hardeningConfig(false), ['safe.directory', workspace]]),
      GIT_DIR: metadataDirOf(workspace),
      GIT_WORK_TREE: workspace,
    },
  });
  return listed.split('\0').filter(Boolean).length;
}

/** Commits the checked change, publishes it (push + pull request) and reports the result. */
async function deliver(
  deps: JobDeps,
  task: TaskMessage,
  { logger }: Pick<TaskContext, 'logger'>,
  made: { repo: TaskRepo; branch: string; result: RunResult; files: ChangedFile[]; stages: StageTimer },
): Promise<JobResult> {
  const { settings, forge } = deps;
  const { repo, result, files, stages } = made;
  const commitSha = await stages.timed('commit', () =>
    repo.commit(
      commitMessage({
        title: task.title,
        issueNumber: task.issue_number,
        model: settings.model.name,
        summary: result.summary,
        changedFiles: files.map((file) => file.path),
      }),
    ),
  );
  const description = pullRequestDescription({
    language: settings.github.prLanguage,
    issueNumber: task.issue_number,
    model: settings.model.name,
    generatedAt: (deps.now ?? (() => new Date()))(),
    files,
    result,
  });
  await forge.report(task, { stage: 'publishing', message: 'pushing the branch', commitSha });
  const published = await stages.timed('publish', () =>
    forge.publish(task, {
      repo,
      branch: made.branch,
      commitSha,
      title: `[auto-code] ${oneLine(task.title, 200)}`,
      description,
    }),
  );
  await forge.report(task, { stage: 'done', message: 'pull request opened', url: published.url, commitSha });
  const { timings } = stages;
  const { instructionsFile } = result;
  logger.info(
    { timings, commit_sha: commitSha, url: published.url, instructions_file: instructionsFile },
    'Task completed',
  );
  const detail = `${published.created ? 'opened' : 'updated'} ${published.url}`;
  return {
    status: 'completed',
    detail,
    url: published.url,
    description,
    commitSha,
    timings,
    instructionsFile,
  };
}

/** The changed files, each symbolic link with its target, so the pull request shows it as a link. */
export async function withLinkTargets(workspace: string, files: ChangedFile[]): Promise<ChangedFile[]> {
  const links = await changedLinks(workspace, files);
  return files.map((file) => (links.has(file.path) ? { ...file, linkTarget: links.get(file.path) } : file));
}

/** Removes the workspace in every outcome; a failure to is logged, not thrown over the task's own error. */
export async function removeWorkspace(
  workspace: string,
  logger: TaskContext['logger'],
  timings: Record<string, number>,
) {
  const started = performance.now();
  for (const path of [workspace, metadataDirOf(workspace)]) {
    await rm(path, { recursive: true, force: true }).catch((error: unknown) => {
      logger.warn({ workspace: path, error: errorMessage(error) }, 'Workspace could not be removed');
    });
  }
  timings.cleanup = Math.round(performance.now() - started);
  logger.debug({ workspace, cleanup_ms: timings.cleanup }, 'Workspace removed');
}

/** What the runner left must be a finished, verified change that the forge may receive. */
export async function checkChange(
  result: RunResult,
  changedFiles: () => Promise<ChangedFile[]>,
  settings: Settings,
): Promise<ChangedFile[]> {
  if (!result.finished) {
    throw new PermanentError(
      `the agent stopped before finishing (${result.reason}): no change was committed`,
    );
  }
  const files = await changedFiles();
  if (files.length === 0) {
    throw new PermanentError('the agent finished without changing any file: nothing to commit');
  }
  const workflows = workflowChanges(files);
  if (workflows.length > 0 && !settings.github.allowWorkflowChanges) {
    throw new PermanentError(
      `the change touches ${workflows.join(', ')}: changes under .github/workflows/ are refused; set CW_ALLOW_WORKFLOW_CHANGES=true to allow them`,
    );
  }
  if (!result.verdict.ok) {
    const failed = result.verdict.checks.filter((check) => !check.ok);
    const lines = failed.map((check) => `${check.name}: ${check.detail.split('\n')[0]}`).join('; ');
    throw new PermanentError(`verification failed after ${result.verifyRounds} rounds: ${lines}`);
  }
  return files;
}

function workspacesRoot(settings: Settings): string {
  return join(settings.agent.workDir, 'workspaces');
}

/**
 * A fresh directory path under <workDir>/workspaces/ (git clone creates the last component), named
 * p<pid>-<owner>-<repo>-<issue>-<time>-<random>: the pid tells a crashed run's workspace from a live one.
 */
export async function newWorkspace(settings: Settings, task: TaskKey): Promise<string> {
  const root = workspacesRoot(settings);
  await mkdir(root, { recursive: true });
  const name = `p${process.pid}-${task.repository.replace('/', '-')}-${task.issue_number}-${Date.now()}-${randomBytes(3).toString('hex')}`;
  return join(root, name);
}

/**
 * Removes workspaces whose worker process is gone (killed mid-task: its finally never ran). Safe beside
 * other live workers on the same work directory: their processes are alive. Returns how many.
 */
export async function removeAbandonedWorkspaces(settings: Settings): Promise<number> {
  const root = workspacesRoot(settings);
  const names = await readdir(root).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names) {
    const pid = Number(/^p(\d+)-/.exec(name)?.[1]);
    if (!pid || processAlive(pid)) continue;
    await rm(join(root, name), { recursive: true, force: true });
    removed += 1;
  }
  return removed;
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new TimeoutError('the task was stopped');
}
