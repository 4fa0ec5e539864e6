// `codingworker run --message <task.json> [--repo-path <repo> [--comments <file>]]`: one task now, with no
// queue; an issue or a revision of CodingWorker's branch.
// The same pipeline as the daemon (worker/job/pipeline.ts). With --repo-path, the local forge: on success the
// repository has the branch auto-code/issue-<N>. Without it, the GitHub forge, as the daemon does: the
// issue is re-checked, the branch pushed, one pull request opened and the progress comment kept.
// The pull-request description is printed on stdout (logs go to stderr).
// Exit codes: 0 done or already done, 1 failed (the reason on stderr), 3 skipped, 130 / 143 cancelled by
// SIGINT (Ctrl-C) / SIGTERM.
import { readFile, stat } from 'node:fs/promises';
import { constants } from 'node:os';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { type AnyTask, isRevision, parseTaskMessage } from '../../../action/task-message.ts';
import { CancelledError, errorMessage, failureKind, TimeoutError } from '../../core/errors.ts';
import { createLogger, taskLogger } from '../../core/logger.ts';
import { loadSettings } from '../../core/settings.ts';
import {
  createGitHubForgeFromSettings,
  createRunner,
  createSandboxProvider,
  removeLeftovers,
} from '../../daemon/compose.ts';
import type { Forge } from '../../forge/forge.ts';
import { createLocalForge } from '../../forge/local-forge.ts';
import { reportTask, runTask } from '../../job/dispatch.ts';

export const EXIT_SKIPPED = 3;

export function register(program: Command): void {
  program
    .command('run')
    .description(
      'run one task now, without the queue: the agent, verification, a commit and the pull request',
    )
    .requiredOption('--message <file>', 'the task message as JSON (docs/task-message.schema.json)')
    .option(
      '--repo-path <dir>',
      'a local git repository: the result is the branch auto-code/issue-<N> in it (default: GitHub, with GITHUB_TOKEN)',
    )
    .option(
      '--comments <file>',
      'with --repo-path and a revision message: review comments as JSON, [{"id", "author", "body", "path"?, "line"?}]; replies are appended',
    )
    .action(async (options: RunOptions) => {
      process.exitCode = await runOnce(options);
    });
}

interface RunOptions {
  message: string;
  repoPath?: string;
  comments?: string;
}

async function runOnce(options: RunOptions): Promise<number> {
  const task = await readTask(options.message);
  const settings = loadSettings();
  const repoPath = options.repoPath === undefined ? undefined : resolve(options.repoPath);
  if (repoPath && !(await stat(repoPath).catch(() => undefined))?.isDirectory()) {
    throw new Error(`--repo-path ${repoPath} is not a directory: pass a local git repository`);
  }
  if (options.comments && !(repoPath && isRevision(task))) {
    throw new Error(
      '--comments goes with --repo-path and a revision message: on GitHub the comments are read there',
    );
  }
  const { logger: root, close } = await createLogger({
    workerId: settings.workerId,
    level: settings.log.level,
    file: settings.log.file,
    retentionDays: settings.log.retentionDays,
    stdout: process.stderr,
  });
  const logger = taskLogger(root, task);
  const forge = repoPath
    ? createLocalForge({
        repoPath,
        logger,
        commentsFile: options.comments && resolve(options.comments),
        limits: { maxRevisions: settings.github.maxRevisions, maxCheckFixes: settings.github.maxCheckFixes },
      })
    : createGitHubForgeFromSettings(settings, logger);
  // The same sandbox and runner (CW_RUNNER) as the daemon's.
  const sandboxProvider = createSandboxProvider(settings, logger);
  const runner = createRunner(settings, logger, sandboxProvider);
  // What an earlier run killed with kill -9 left (its finally never ran); never a live process's.
  await removeLeftovers(settings, logger, sandboxProvider);

  // The same hard limit as a queued task; Ctrl-C stops the agent and removes the container and workspace.
  const controller = new AbortController();
  const timeout = setTimeout(
    () =>
      controller.abort(
        new TimeoutError(`the task exceeded CW_TASK_TIMEOUT (${settings.queue.taskTimeoutSeconds} s)`),
      ),
    settings.queue.taskTimeoutSeconds * 1_000,
  );
  const interrupt = (signal: NodeJS.Signals) => controller.abort(new CancelledError(signal));
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    const result = await runTask(
      task,
      { settings, forge, runner, sandboxProvider },
      { signal: controller.signal, logger },
    );
    if (result.status === 'completed') {
      process.stdout.write(result.description ?? '');
      const instructions = result.instructionsFile ? `; instructions ${result.instructionsFile}` : '';
      console.error(`codingworker run: done: ${result.detail} (commit ${result.commitSha}${instructions})`);
      return 0;
    }
    console.error(`codingworker run: ${result.status}: ${result.detail}`);
    return result.status === 'already-done' ? 0 : EXIT_SKIPPED;
  } catch (thrown) {
    // After an abort its reason is the outcome, whatever the pipeline threw on its way out.
    const error = controller.signal.aborted ? controller.signal.reason : thrown;
    await reportFailure(forge, task, error);
    return failureExit(error);
  } finally {
    clearTimeout(timeout);
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    await close();
  }
}

async function readTask(file: string): Promise<AnyTask> {
  const text = await readFile(file, 'utf8').catch((error: unknown) => {
    throw new Error(`--message ${file}: cannot read it (${errorMessage(error)})`);
  });
  const parsed = parseTaskMessage(text);
  if (!parsed.ok) throw new Error(`--message ${file}: ${parsed.reason}`);
  return parsed.task;
}

/** The stderr line and the exit code of a run that did not complete. */
function failureExit(error: unknown): number {
  if (error instanceof CancelledError) {
    console.error(
      `codingworker run: cancelled (${error.signal}): the container and the workspace are removed`,
    );
    return 128 + constants.signals[error.signal];
  }
  console.error(`codingworker run: failed (${failureKind(error)}): ${errorMessage(error)}`);
  return 1;
}

/** The one-shot command has no retry: the forge is told the task failed, best effort. */
async function reportFailure(forge: Forge, task: AnyTask, error: unknown): Promise<void> {
  await reportTask(forge, task, { stage: 'failed', message: errorMessage(error) }).catch(() => undefined);
}
