// `codingworker eval --suite NAME|DIR [--model M] [--strategy S] [--limit N] [--json FILE]`: runs each task
// of an eval suite (docs/eval.md) through the real job pipeline — local forge, Docker sandbox, the runner
// of CW_RUNNER — then the task's hidden tests. The per-task table and the totals go to stdout, progress to
// stderr (a rewritten line on a terminal, else one line per task). Exit 0 when the suite ran, whatever
// the solve rate; 1 with a one-line reason for bad arguments, an unknown suite, or a model or sandbox that
// is not ready (checked before the first task); 130 / 143 after Ctrl-C / SIGTERM, with nothing left behind.
import { writeFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import type { Logger } from 'pino';
import { checkOpenHands } from '../../agent/openhands-runner.ts';
import { CancelledError } from '../../core/errors.ts';
import { createLogger } from '../../core/logger.ts';
import { loadSettings, type Settings } from '../../core/settings.ts';
import { createRunner, createSandboxProvider, removeLeftovers } from '../../daemon/compose.ts';
import type { CheckResult } from '../../daemon/doctor-check.ts';
import { headerLine, reportDocument, taskLine, totals, totalsLines } from '../../eval/report.ts';
import { runTask, type TaskScore } from '../../eval/run-task.ts';
import { loadSuite } from '../../eval/suite.ts';
import { createOllamaModel } from '../../model/ollama-model.ts';
import type { SandboxProvider } from '../../sandbox/sandbox.ts';

const STRATEGIES = ['pipeline', 'shell', 'auto'] as const;

interface EvalOptions {
  suite: string;
  model?: string;
  strategy?: string;
  limit?: number;
  json?: string;
}

export function register(program: Command): void {
  program
    .command('eval')
    .description('measure the agent on an eval suite: each task through the real pipeline, then hidden tests')
    .requiredOption(
      '--suite <name|dir>',
      'a suite in eval/ (quixbugs-python, humanevalfix-python) or a folder',
    )
    .option('--model <model>', 'the Ollama model (overrides CW_MODEL)')
    .option(
      '--strategy <strategy>',
      `the agent strategy: ${STRATEGIES.join('|')} (overrides CW_AGENT_STRATEGY)`,
      strategy,
    )
    .option('--limit <n>', 'run only the first N tasks', positiveInteger)
    .option('--json <file>', 'also write the scores as one JSON document to this file')
    .showHelpAfterError(false)
    .action(async (options: EvalOptions) => {
      process.exitCode = await evaluate(options);
    });
}

async function evaluate(options: EvalOptions): Promise<number> {
  const suite = await loadSuite(options.suite);
  const settings = loadSettings({
    ...process.env,
    ...(options.model ? { CW_MODEL: options.model } : {}),
    ...(options.strategy ? { CW_AGENT_STRATEGY: options.strategy } : {}),
  });
  // The job's own log would drown the table: warnings only, unless CW_LOG_LEVEL asks for more.
  const { logger, close } = await createLogger({
    workerId: settings.workerId,
    level: process.env.CW_LOG_LEVEL ? settings.log.level : 'warn',
    file: settings.log.file,
    retentionDays: settings.log.retentionDays,
    stdout: process.stderr,
  });
  const sandboxProvider = createSandboxProvider(settings, logger);
  const runner = createRunner(settings, logger, sandboxProvider);
  const controller = new AbortController();
  const interrupt = (signal: NodeJS.Signals) => controller.abort(new CancelledError(signal));
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  const tasks = suite.tasks.slice(0, options.limit ?? suite.tasks.length);
  const strategyName = settings.agent.strategy;
  const startedAt = new Date();
  const scores: TaskScore[] = [];
  const progress = createProgress(tasks.length);
  try {
    await preflight(settings, sandboxProvider, logger);
    await removeLeftovers(settings, logger, sandboxProvider);
    progress.say(`${headerLine()}\n`);
    for (const [index, task] of tasks.entries()) {
      if (controller.signal.aborted) throw controller.signal.reason;
      progress.running(task.id);
      const score = await runTask(
        suite,
        task,
        index + 1,
        { settings, runner, sandboxProvider, logger },
        controller.signal,
      );
      scores.push(score);
      progress.finished(score);
      progress.say(`${taskLine(score)}\n`);
    }
    progress.say(`${totalsLines(totals(scores)).join('\n')}\n`);
    if (options.json) {
      const document = reportDocument(
        { suite: suite.name, model: settings.model.name, strategy: strategyName, startedAt },
        scores,
      );
      await writeFile(resolve(options.json), `${JSON.stringify(document, null, 2)}\n`);
    }
    return 0;
  } catch (error) {
    if (!(error instanceof CancelledError)) throw error;
    progress.clear();
    console.error(
      `codingworker eval: cancelled (${error.signal}) after ${scores.length} of ${tasks.length} tasks: the containers and temporary folders are removed`,
    );
    return 128 + constants.signals[error.signal];
  } finally {
    progress.clear();
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    await close();
  }
}

/** The sandbox and the model must answer before the first task, or every task would fail the same way. */
async function preflight(
  settings: Settings,
  sandboxProvider: SandboxProvider,
  logger: Logger,
): Promise<void> {
  const runnerChecks =
    settings.agent.runner === 'openhands'
      ? checkOpenHands(settings)
      : createOllamaModel(settings.model, logger).check();
  const results = [await sandboxProvider.check(), await runnerChecks].flat() as CheckResult[];
  const failed = results.find((result) => !result.ok && result.severity !== 'warning');
  if (failed) {
    throw new Error(`${failed.name}: ${failed.detail}${failed.fix ? ` (${failed.fix})` : ''}`);
  }
}

/**
 * Progress on stderr: on a terminal one line rewritten in place (a bar, solved so far, the task running);
 * elsewhere one plain line per finished task. `say` writes stdout without tearing the bar.
 */
function createProgress(total: number) {
  const tty = process.stderr.isTTY === true;
  let done = 0;
  let solved = 0;
  let current = '';
  let shown = false;
  const draw = () => {
    if (!tty) return;
    const width = 24;
    const filled = total === 0 ? width : Math.round((done / total) * width);
    const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
    process.stderr.write(
      `\r\x1b[2K[${bar}] ${done}/${total} solved ${solved}${current ? ` · ${current}` : ''}`,
    );
    shown = true;
  };
  const clear = () => {
    if (tty && shown) process.stderr.write('\r\x1b[2K');
    shown = false;
  };
  return {
    running(id: string) {
      current = id;
      draw();
    },
    finished(score: TaskScore) {
      done += 1;
      if (score.solved) solved += 1;
      current = '';
      if (!tty) {
        const result = score.solved ? 'solved' : `failed: ${score.why ?? ''}`;
        process.stderr.write(
          `eval ${done}/${total} ${score.id}: ${result} (${(score.wallMs / 1000).toFixed(1)} s)\n`,
        );
      }
    },
    say(text: string) {
      clear();
      process.stdout.write(text);
      draw();
    },
    clear,
  };
}

function strategy(value: string): string {
  if (!(STRATEGIES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`expected one of ${STRATEGIES.join(', ')}`);
  }
  return value;
}

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) {
    throw new InvalidArgumentError('expected a whole number of 1 or more');
  }
  return number;
}
