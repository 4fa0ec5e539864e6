// The built-in runner on the local model, with one of two strategies (CW_AGENT_STRATEGY; auto picks by the
// model's size, strategy.ts): the pipeline for small models, where the harness finds the code and applies
// the model's edits (pipeline/), or the shell loop for large ones, every command in a fresh sandbox on the
// task's workspace. Both give the same RunResult and are verified the same way; verification failures go
// back to the agent a bounded number of times. The trajectory is saved whatever happens.
import type { Logger } from 'pino';
import { PermanentError } from '../core/errors.ts';
import type { Settings } from '../core/settings.ts';
import type { Model } from '../model/model.ts';
import type { Sandbox, SandboxProvider } from '../sandbox/sandbox.ts';
import { promptBudget, TokenEstimator } from './context-budget.ts';
import { addMessage, type LoopDeps, type LoopOutcome, newLoopState, runLoop } from './loop.ts';
import { runPipeline } from './pipeline/pipeline-strategy.ts';
import { SYSTEM_PROMPT, taskPrompt, verifyFeedbackPrompt } from './prompts.ts';
import { summaryLines } from './reply-parser.ts';
import type { RunInput, Runner, RunResult, Verdict } from './runner.ts';
import { chooseStrategy } from './strategy.ts';
import { endTrajectory, startTrajectory, type Trajectory } from './trajectory.ts';
import { toSafeLine } from './untrusted-text.ts';
import { verifyRounds } from './verify-rounds.ts';

/** Summary lines kept for the commit message and the pull request. */
const MAX_SUMMARY_LINES = 5;

export interface BuiltinRunnerDeps {
  model: Model;
  sandboxProvider: SandboxProvider;
  settings: Settings;
  logger: Logger;
}

export function createBuiltinRunner(deps: BuiltinRunnerDeps): Runner {
  return { run: (input) => runBuiltinAgent(deps, input) };
}

async function runBuiltinAgent(deps: BuiltinRunnerDeps, input: RunInput): Promise<RunResult> {
  const { model, settings, logger } = deps;
  const { task, signal } = input;
  const started = Date.now();
  const deadline = started + settings.agent.maxWallSeconds * 1000;
  const trajectory = startTrajectory(settings.agent.workDir, task, model);
  let ended: { finished: boolean; reason: string } = { finished: false, reason: 'not started' };
  let failure: unknown;
  try {
    signal.throwIfAborted();
    const info = await model.preflight();
    const strategy = chooseStrategy(settings.agent.strategy, info);
    if (input.setupTranscript)
      trajectory.record({ type: 'stage', stage: 'setup', detail: input.setupTranscript });
    trajectory.record({ type: 'stage', stage: 'strategy', detail: `${strategy.strategy}: ${strategy.why}` });
    logger.info({ strategy: strategy.strategy, why: strategy.why }, 'Agent strategy chosen');
    const run = { trajectory, started, deadline };
    const result =
      strategy.strategy === 'pipeline'
        ? await runPipelineStrategy(deps, input, run)
        : await runShellStrategy(deps, input, run);
    ended = result;
    trajectory.record({
      type: 'totals',
      strategy: strategy.strategy,
      modelCalls: result.modelCalls,
      promptTokens: result.promptTokens,
      completionTokens: result.completionTokens,
      newPromptTokens: result.newPromptTokens,
      modelMs: result.modelMs,
    });
    return { ...result, strategyReason: strategy.why };
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    await endTrajectory(trajectory, { ...ended, startedAt: started, failure }, logger);
  }
}

interface RunFrame {
  trajectory: Trajectory;
  started: number;
  /** CW_AGENT_TIMEOUT as a time, ms since the epoch. */
  deadline: number;
}

/** The pipeline for small models (pipeline/pipeline-strategy.ts): the harness edits, the sandbox checks. */
async function runPipelineStrategy(
  deps: BuiltinRunnerDeps,
  input: RunInput,
  run: RunFrame,
): Promise<RunResult> {
  const { settings } = deps;
  const wall = AbortSignal.timeout(Math.max(0, run.deadline - Date.now()));
  const wallLimit = `wall time limit ${settings.agent.maxWallSeconds} s reached`;
  const verify = verifyBefore(run.deadline, settings.agent.maxWallSeconds, input.verify);
  // An abort ends the pipeline with what it did so far; the task's own abort is thrown, the wall is a reason.
  const outcome = await runPipeline(
    { model: deps.model, settings, trajectory: run.trajectory },
    { ...input, verify },
    AbortSignal.any([input.signal, wall]),
  );
  input.signal.throwIfAborted();
  if (wall.aborted) outcome.reason = wallLimit;
  return {
    finished: outcome.finished,
    reason: outcome.reason,
    summary: changeSummary(outcome.changedFiles, input.task.issue_number),
    steps: outcome.steps,
    verdict: outcome.verdict,
    verifyRounds: outcome.verifyRounds,
    strategy: 'pipeline',
    ...outcome.use,
    durationMs: Date.now() - run.started,
    shownFiles: outcome.shownFiles,
    trajectoryPath: run.trajectory.path,
  };
}

/** The shell loop for large models: one command per model call in a sandbox on the workspace. */
async function runShellStrategy(deps: BuiltinRunnerDeps, input: RunInput, run: RunFrame): Promise<RunResult> {
  const { model, sandboxProvider, settings, logger } = deps;
  const { task, workspace, signal } = input;
  const { trajectory, deadline } = run;
  let sandbox: Sandbox | undefined;
  let outcome: LoopOutcome = { finished: false, reason: 'not started' };
  try {
    const { state, budget, estimator } = openingState(model, task, input.instructions);
    for (const message of state.messages) trajectory.record({ type: 'message', ...message });

    sandbox = await sandboxProvider.start({ taskId: `${task.repository}#${task.issue_number}`, workspace });
    const loopDeps = loopDepsOf(deps, input, { sandbox, estimator, trajectory, budget, deadline });

    const { verdict, rounds } = await verifyRounds({
      work: async (retry) => {
        if (retry) {
          const content = verifyFeedbackPrompt(retry.feedback, retry.roundsLeft);
          addMessage(state, loopDeps, { role: 'user', content });
          // Running the same check again after new feedback is not the model being stuck.
          state.repeat = { command: '', times: 0 };
        }
        outcome = await runLoop(state, loopDeps);
        return outcome;
      },
      // Past CW_AGENT_TIMEOUT no round is left, as the loop would stop before its first model call.
      finished: (loop) => loop.finished && Date.now() < deadline,
      verify: verifyBefore(deadline, settings.agent.maxWallSeconds, input.verify),
      signal,
      retries: settings.agent.verifyRounds,
      trajectory,
      logger,
      describe: (loop) => ({ reason: loop.reason }),
    });

    return {
      finished: outcome.finished,
      reason: outcome.reason,
      summary: await summarize(state.messages, sandbox, task.issue_number, signal),
      steps: state.steps,
      verdict,
      verifyRounds: rounds,
      strategy: 'shell',
      modelCalls: state.modelCalls,
      promptTokens: state.promptTokens,
      completionTokens: state.completionTokens,
      newPromptTokens: state.newPromptTokens,
      modelMs: state.modelMs,
      durationMs: Date.now() - run.started,
      trajectoryPath: trajectory.path,
    };
  } finally {
    if (sandbox) {
      await sandbox.destroy().catch((error: unknown) => {
        logger.warn({ err: error, sandbox: sandbox?.id }, 'Could not destroy the sandbox');
      });
    }
  }
}

/** What the loop works with: the model, this task's sandbox, the limits, and where progress goes. */
function loopDepsOf(
  deps: BuiltinRunnerDeps,
  input: RunInput,
  run: Pick<LoopDeps, 'sandbox' | 'estimator' | 'trajectory'> & { budget: number; deadline: number },
): LoopDeps {
  const { agent } = deps.settings;
  return {
    model: deps.model,
    sandbox: run.sandbox,
    limits: {
      maxSteps: agent.maxSteps,
      maxTokens: agent.maxTokens,
      deadline: run.deadline,
      wallSeconds: agent.maxWallSeconds,
    },
    estimator: run.estimator,
    trajectory: run.trajectory,
    logger: deps.logger,
    signal: input.signal,
    observationLimit: Math.max(1_000, Math.min(20_000, Math.floor(run.budget * 0.375))),
    // Progress may be shown on the issue: one short line, not a whole heredoc.
    onStep: (step) => input.onProgress?.({ step: step.step, lastAction: toSafeLine(step.action, 80) }),
  };
}

/** The history the loop starts from, checked to leave most of the context window for the work. */
function openingState(model: Model, task: RunInput['task'], instructions: RunInput['instructions']) {
  const budget = promptBudget(model.contextTokens);
  const estimator = new TokenEstimator();
  // The issue may use at most a quarter of the window (~3 characters a token): the rest is for the work.
  const state = newLoopState(
    SYSTEM_PROMPT,
    taskPrompt(task, Math.floor(budget * 0.75), 'builtin', instructions),
  );
  if (estimator.estimate(state.messages) > budget / 2) {
    throw new PermanentError(
      `the system prompt and the task alone need more than half of the ${model.contextTokens}-token context: raise CW_NUM_CTX`,
    );
  }
  return { state, budget, estimator };
}

/**
 * Verification inside CW_AGENT_TIMEOUT, as the loop is. Past the limit, or cut by it, the change counts as
 * not verified; the task's own abort is thrown as it is.
 */
function verifyBefore(deadline: number, wallSeconds: number, verify: RunInput['verify']): RunInput['verify'] {
  const unverified: Verdict = {
    ok: false,
    checks: [
      { name: 'verification', ok: false, detail: `not finished: wall time limit ${wallSeconds} s reached` },
    ],
    feedback: '',
  };
  return async (signal) => {
    const left = deadline - Date.now();
    if (left <= 0) return unverified;
    const wall = AbortSignal.timeout(left);
    try {
      return await verify(AbortSignal.any([signal, wall]));
    } catch (error) {
      signal.throwIfAborted();
      if (wall.aborted) return unverified;
      throw error;
    }
  };
}

/**
 * The lines for the commit message: the bullets the model wrote with its final reply; when a small model
 * wrote none, the files `git status` reports; at worst a fixed line. Model text is untrusted (it read the
 * issue), so every line is made one short plain line.
 */
async function summarize(
  messages: ReadonlyArray<{ role: string; content: string }>,
  sandbox: Sandbox,
  issue: number,
  signal: AbortSignal,
): Promise<string[]> {
  const replies = messages
    .filter((message) => message.role === 'assistant')
    .slice(-2)
    .reverse();
  for (const reply of replies) {
    const lines = summaryLines(reply.content)
      .map((line) => toSafeLine(line.replace(/`/g, '')))
      .filter((line) => line.length > 3);
    if (lines.length > 0) return lines.slice(0, MAX_SUMMARY_LINES);
  }
  try {
    const status = await sandbox.exec('git -c core.quotepath=off status --porcelain --untracked-files=all', {
      timeoutMs: 30_000,
      signal,
    });
    const files = status.stdout
      .split('\n')
      .filter((line) => line.length > 3)
      .map((line) => {
        const code = line.slice(0, 2);
        const path = toSafeLine(line.slice(3), 80);
        if (code.includes('?') || code.includes('A')) return `Add ${path}`;
        if (code.includes('D')) return `Delete ${path}`;
        return `Update ${path}`;
      });
    if (status.exitCode === 0 && files.length > 0) return capSummary(files);
  } catch {
    // Best effort: the fixed line below still describes the change.
  }
  return [`Change for issue #${issue}`];
}

/** The pipeline's commit lines: the files its edits wrote (model prose is not kept). */
function changeSummary(paths: string[], issue: number): string[] {
  if (paths.length === 0) return [`Change for issue #${issue}`];
  return capSummary(paths.map((path) => `Update ${toSafeLine(path, 80)}`));
}

function capSummary(lines: string[]): string[] {
  if (lines.length <= MAX_SUMMARY_LINES) return lines;
  const shown = lines.slice(0, MAX_SUMMARY_LINES - 1);
  return [...shown, `and ${lines.length - shown.length} more files`];
}
