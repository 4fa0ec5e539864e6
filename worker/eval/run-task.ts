// One eval task through the real job pipeline, then its hidden tests: the snapshot becomes a fresh local
// git repository, runJob works on it with the local forge (the result is the branch auto-code/issue-<N>),
// and the hidden test command runs in a sandbox on a checkout of that branch with hidden/ copied over it.
// Solved means the hidden tests passed, whatever the agent said. Temporary folders go in every outcome.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import { IssueMessageSchema, SCHEMA_VERSION, type TaskMessage } from '../../action/task-message.ts';
import type { Runner, RunResult } from '../agent/runner.ts';
import { CancelledError, errorMessage, TimeoutError } from '../core/errors.ts';
import type { Settings } from '../core/settings.ts';
import { createLocalForge } from '../forge/local-forge.ts';
import { taskBranch } from '../job/commit-message.ts';
import { gitEnvironment, hardeningConfig, runGit } from '../job/git-process.ts';
import { runJob } from '../job/pipeline.ts';
import type { ExecResult, SandboxProvider } from '../sandbox/sandbox.ts';
import type { EvalTask, Suite } from './suite.ts';

export interface TaskScore {
  id: string;
  solved: boolean;
  /** One line when not solved: job failed: <reason> / skipped: <reason> / hidden tests failed|timed out. */
  why?: string;
  modelCalls: number;
  promptTokens: number;
  completionTokens: number;
  newPromptTokens: number;
  modelMs: number;
  wallMs: number;
  /** Wall time minus model time: clone, sandbox, verification, tests. */
  nonModelMs: number;
  /** The agent's own time (its RunResult's duration): localization, edits, verification rounds, model. */
  agentMs: number;
  /** The strategy that made the change ("pipeline", "shell", "openhands"); "" when the runner never returned. */
  strategy: string;
}

export interface RunTaskDeps {
  settings: Settings;
  runner: Runner;
  sandboxProvider: SandboxProvider;
  logger: Logger;
}

const AUTHOR = { name: 'CodingWorker eval', email: 'eval@codingworker.invalid' };

/**
 * Runs task number `index` (1-based: it is the issue number) of the suite. Throws only CancelledError
 * (the signal's reason, e.g. Ctrl-C); every other failure is a score with its why.
 */
export async function runTask(
  suite: Suite,
  task: EvalTask,
  index: number,
  deps: RunTaskDeps,
  signal: AbortSignal,
): Promise<TaskScore> {
  const started = performance.now();
  const scratch = await mkdtemp(join(tmpdir(), 'cw-eval-'));
  const recorder = recordingRunner(deps.runner);
  const logger = deps.logger.child({ eval_task: task.id });
  const limit = taskTimeLimit(signal, deps.settings.queue.taskTimeoutSeconds);
  try {
    const why = await attempt(
      suite,
      task,
      index,
      { ...deps, runner: recorder.runner, logger },
      scratch,
      limit,
    );
    return score(task.id, why, recorder.last(), performance.now() - started);
  } finally {
    limit.clear();
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Undefined when solved, else the one-line why. */
async function attempt(
  suite: Suite,
  task: EvalTask,
  index: number,
  deps: RunTaskDeps,
  scratch: string,
  limit: { signal: AbortSignal },
): Promise<string | undefined> {
  const repoPath = join(scratch, 'repo');
  await snapshotRepository(task.repoDir, repoPath);
  const message = taskMessage(suite, task, index);
  try {
    const result = await runJob(
      message,
      { ...deps, forge: createLocalForge({ repoPath, logger: deps.logger }) },
      { signal: limit.signal, logger: deps.logger },
    );
    if (result.status !== 'completed') return `skipped: ${result.detail}`;
  } catch (thrown) {
    const error = limit.signal.aborted ? limit.signal.reason : thrown;
    if (error instanceof CancelledError) throw error;
    return `job failed: ${errorMessage(error)}`;
  }
  try {
    const checkout = join(scratch, 'result');
    await checkOut(repoPath, taskBranch(index), checkout);
    if (task.hiddenDir) await cp(task.hiddenDir, checkout, { recursive: true, force: true });
    const run = await hiddenTest(deps.sandboxProvider, task, checkout, `eval-${task.id}`, limit.signal);
    if (run.timedOut) return `hidden tests timed out after ${task.timeoutSeconds} s`;
    return run.exitCode === 0 ? undefined : `hidden tests failed: ${firstUsefulLine(run)}`;
  } catch (thrown) {
    const error = limit.signal.aborted ? limit.signal.reason : thrown;
    if (error instanceof CancelledError) throw error;
    return `hidden tests did not run: ${errorMessage(error)}`;
  }
}

/** Runs the hidden test command in a fresh sandbox on `checkout`; the container goes in every outcome. */
export async function hiddenTest(
  sandboxProvider: SandboxProvider,
  task: Pick<EvalTask, 'test' | 'timeoutSeconds'>,
  checkout: string,
  taskId: string,
  signal: AbortSignal,
): Promise<ExecResult> {
  const sandbox = await sandboxProvider.start({ taskId, workspace: checkout });
  try {
    return await sandbox.exec(task.test, { timeoutMs: task.timeoutSeconds * 1000, signal });
  } finally {
    await sandbox.destroy();
  }
}

/** The snapshot as a local repository with one commit on main: what `codingworker run --repo-path` takes. */
async function snapshotRepository(snapshot: string, repoPath: string): Promise<void> {
  await cp(snapshot, repoPath, { recursive: true });
  const env = gitEnvironment(hardeningConfig(false), AUTHOR);
  const git = (...args: string[]) => runGit(['-C', repoPath, ...args], { env });
  await git('init', '-q', '-b', 'main');
  await git('add', '-A');
  // --allow-empty: an empty snapshot is a task too (the agent creates everything).
  await git('commit', '-q', '--no-verify', '--allow-empty', '-m', 'eval snapshot');
}

async function checkOut(repoPath: string, branch: string, dir: string): Promise<void> {
  const env = gitEnvironment(hardeningConfig(true));
  const source = pathToFileURL(repoPath).href;
  await runGit(['clone', '-q', '--depth', '1', '--single-branch', '--branch', branch, source, dir], { env });
}

function taskMessage(suite: Suite, task: EvalTask, index: number): TaskMessage {
  const name = suite.name.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 100);
  const now = new Date().toISOString();
  return IssueMessageSchema.parse({
    schema_version: SCHEMA_VERSION,
    kind: 'issue',
    issue_number: index,
    repository: `eval/${name}`,
    title: task.title,
    body: task.body,
    body_truncated: false,
    labels: ['auto-code'],
    assignees: [],
    created_at: now,
    updated_at: now,
    html_url: `https://github.com/eval/${name}/issues/${index}`,
    sender: 'codingworker-eval',
    event: 'manual',
    trigger_label: 'auto-code',
    enqueued_at: now,
  });
}

/** Keeps the runner's RunResult, so its figures count even when the job then fails (verification, no change). */
function recordingRunner(runner: Runner): { runner: Runner; last: () => RunResult | undefined } {
  let last: RunResult | undefined;
  return {
    runner: {
      async run(input) {
        last = await runner.run(input);
        return last;
      },
    },
    last: () => last,
  };
}

/** The same hard limit per task as a queued task has (CW_TASK_TIMEOUT), on top of the caller's signal. */
function taskTimeLimit(signal: AbortSignal, seconds: number) {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new TimeoutError(`the task exceeded CW_TASK_TIMEOUT (${seconds} s)`)),
    seconds * 1000,
  );
  const stop = () => controller.abort(signal.reason);
  if (signal.aborted) stop();
  else signal.addEventListener('abort', stop, { once: true });
  return {
    signal: controller.signal,
    clear: () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', stop);
    },
  };
}

function score(
  id: string,
  why: string | undefined,
  result: RunResult | undefined,
  wallMs: number,
): TaskScore {
  const modelMs = Math.round(result?.modelMs ?? 0);
  const wall = Math.round(wallMs);
  return {
    id,
    solved: why === undefined,
    ...(why === undefined ? {} : { why: oneLine(why) }),
    modelCalls: result?.modelCalls ?? 0,
    promptTokens: result?.promptTokens ?? 0,
    completionTokens: result?.completionTokens ?? 0,
    newPromptTokens: result?.newPromptTokens ?? 0,
    modelMs,
    wallMs: wall,
    nonModelMs: Math.max(0, wall - modelMs),
    agentMs: Math.round(result?.durationMs ?? 0),
    strategy: result?.strategy ?? '',
  };
}

/**
 * The line of a failed test run that says most: pytest's "FAILED ..." line, else the last line of stderr
 * (a traceback's exception), else the last line of stdout.
 */
export function firstUsefulLine(run: Pick<ExecResult, 'stdout' | 'stderr' | 'exitCode'>): string {
  const lines = (text: string) =>
    text
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
  const out = lines(run.stdout);
  const err = lines(run.stderr);
  const line =
    out.find((text) => /^(FAILED|ERROR) /.test(text)) ?? err.at(-1) ?? out.at(-1) ?? `exit ${run.exitCode}`;
  return line;
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 240 ? `${line.slice(0, 237)}...` : line;
}
