// The agent loop: query the model, run its one command in the sandbox, give it the output, until it says
// it is done or a limit is reached. Append-only history, so Ollama can reuse its prompt cache; limits
// checked before every model call. (Structure after mini-swe-agent's default agent; docs/agent.md.)
import type { Logger } from 'pino';
import type { ChatMessage, Model } from '../model/model.ts';
import type { Sandbox } from '../sandbox/sandbox.ts';
import { fitToBudget, promptBudget, type TokenEstimator } from './context-budget.ts';
import { FORMAT_ERRORS, observationPrompt, repeatedCommandPrompt } from './prompts.ts';
import { isDone, type ParsedReply, parseReply } from './reply-parser.ts';
import type { StepRecord } from './runner.ts';
import type { Trajectory } from './trajectory.ts';

/** The same command this many times in a row is not run again; the model is told instead. */
export const REPEAT_WARN = 3;
/** ...and at this many the run stops: the model is stuck. */
export const REPEAT_STOP = 6;
/** Replies in a row that break the protocol before the run stops. */
export const FORMAT_ERROR_STOP = 5;

export interface LoopLimits {
  maxSteps: number;
  maxTokens: number;
  /** Wall-clock limit of the whole run, ms since the epoch. */
  deadline: number;
  wallSeconds: number;
}

export interface LoopState {
  /** What is sent to the model: system prompt, task, then replies and observations (older ones shortened). */
  messages: ChatMessage[];
  steps: StepRecord[];
  modelCalls: number;
  promptTokens: number;
  completionTokens: number;
  newPromptTokens: number;
  modelMs: number;
  /** Consecutive identical commands, and consecutive protocol errors. */
  repeat: { command: string; times: number };
  formatErrors: number;
}

export interface LoopDeps {
  model: Model;
  sandbox: Sandbox;
  limits: LoopLimits;
  estimator: TokenEstimator;
  trajectory: Trajectory;
  logger: Logger;
  signal: AbortSignal;
  /** Characters of one command's output shown to the model. */
  observationLimit: number;
  onStep?: (step: StepRecord) => void;
}

export interface LoopOutcome {
  finished: boolean;
  reason: string;
}

export function newLoopState(system: string, task: string): LoopState {
  return {
    messages: [
      { role: 'system', content: system },
      { role: 'user', content: task },
    ],
    steps: [],
    modelCalls: 0,
    promptTokens: 0,
    completionTokens: 0,
    newPromptTokens: 0,
    modelMs: 0,
    repeat: { command: '', times: 0 },
    formatErrors: 0,
  };
}

/** Appends a message to the history (and the trajectory). */
export function addMessage(state: LoopState, deps: Pick<LoopDeps, 'trajectory'>, message: ChatMessage): void {
  state.messages.push(message);
  deps.trajectory.record({ type: 'message', role: message.role, content: message.content });
}

export async function runLoop(state: LoopState, deps: LoopDeps): Promise<LoopOutcome> {
  const { limits, signal } = deps;
  // Wall time also bounds a model call or a command already under way, not only the next one.
  const wall = AbortSignal.timeout(Math.max(0, limits.deadline - Date.now()));
  const both = AbortSignal.any([signal, wall]);
  try {
    for (;;) {
      signal.throwIfAborted();
      const limit = reachedLimit(state, limits);
      if (limit) return { finished: false, reason: limit };
      const step = state.steps.length + 1;
      const reply = await askModel(state, deps, step, both);
      const outcome = await act(state, deps, step, reply, both);
      if (outcome) return outcome;
    }
  } catch (error) {
    signal.throwIfAborted();
    if (wall.aborted) return { finished: false, reason: `wall time limit ${limits.wallSeconds} s reached` };
    throw error;
  }
}

/** One model call on the history (older observations shortened to fit); returns the reply's text. */
async function askModel(
  state: LoopState,
  deps: LoopDeps,
  step: number,
  signal: AbortSignal,
): Promise<string> {
  const { model } = deps;
  const fit = fitToBudget(state.messages, promptBudget(model.contextTokens), deps.estimator);
  if (fit.shortened > 0) {
    deps.trajectory.record({ type: 'context', step, estimatedTokens: fit.tokens, shortened: fit.shortened });
    deps.logger.debug({ step, shortened: fit.shortened, tokens: fit.tokens }, 'Shortened older observations');
  }
  const sent = state.messages.slice();
  const reply = await model.chat(sent, { signal });
  deps.estimator.learn(sent, reply.promptTokens);
  state.promptTokens += reply.promptTokens || fit.tokens;
  state.completionTokens += reply.completionTokens;
  state.newPromptTokens += reply.newPromptTokens;
  state.modelCalls += 1;
  state.modelMs += reply.durationMs;
  deps.trajectory.record({
    type: 'model',
    step,
    promptTokens: reply.promptTokens,
    completionTokens: reply.completionTokens,
    newPromptTokens: reply.newPromptTokens,
    durationMs: reply.durationMs,
  });
  addMessage(state, deps, { role: 'assistant', content: reply.content });
  return reply.content;
}

/** Acts on one reply: answers a protocol error or a repeat, or runs the command. An outcome ends the run. */
async function act(
  state: LoopState,
  deps: LoopDeps,
  step: number,
  reply: string,
  signal: AbortSignal,
): Promise<LoopOutcome | undefined> {
  const parsed = parseReply(reply);
  if (parsed.kind === 'invalid') {
    state.formatErrors += 1;
    recordStep(state, deps, { step, action: `(reply not understood: ${parsed.problem})` });
    if (state.formatErrors >= FORMAT_ERROR_STOP) {
      return {
        finished: false,
        reason: `the model broke the action protocol ${state.formatErrors} times in a row`,
      };
    }
    addMessage(state, deps, { role: 'user', content: FORMAT_ERRORS[parsed.problem] });
    return undefined;
  }
  state.formatErrors = 0;

  const { command } = parsed;
  state.repeat =
    state.repeat.command === command ? { command, times: state.repeat.times + 1 } : { command, times: 1 };
  if (state.repeat.times >= REPEAT_WARN) {
    recordStep(state, deps, { step, action: `(repeated command not run) ${command}` });
    if (state.repeat.times >= REPEAT_STOP) {
      return {
        finished: false,
        reason: `the model repeated the same command ${state.repeat.times} times in a row`,
      };
    }
    addMessage(state, deps, { role: 'user', content: repeatedCommandPrompt(state.repeat.times) });
    return undefined;
  }
  return runCommand(state, deps, step, parsed, signal);
}

/** Runs the model's command in the sandbox and shows it the output; the done marker ends the run. */
async function runCommand(
  state: LoopState,
  deps: LoopDeps,
  step: number,
  { command, via }: Extract<ParsedReply, { kind: 'command' }>,
  signal: AbortSignal,
): Promise<LoopOutcome | undefined> {
  const result = await deps.sandbox.exec(command, { signal });
  deps.trajectory.record({
    type: 'command',
    step,
    command,
    exitCode: result.exitCode,
    durationMs: result.durationMs,
    timedOut: result.timedOut,
    truncated: result.truncated,
    via,
  });
  recordStep(state, deps, { step, action: command, exitCode: result.exitCode });
  if (isDone(result.stdout, result.exitCode)) return { finished: true, reason: 'done' };
  addMessage(state, deps, { role: 'user', content: observationPrompt(result, deps.observationLimit) });
  return undefined;
}

function reachedLimit(state: LoopState, limits: LoopLimits): string | undefined {
  if (state.steps.length >= limits.maxSteps) return `step limit ${limits.maxSteps} reached`;
  const tokens = state.promptTokens + state.completionTokens;
  if (tokens >= limits.maxTokens) return `token limit ${limits.maxTokens} reached (${tokens} used)`;
  if (Date.now() >= limits.deadline) return `wall time limit ${limits.wallSeconds} s reached`;
  return undefined;
}

function recordStep(state: LoopState, deps: LoopDeps, step: StepRecord): void {
  state.steps.push(step);
  deps.onStep?.(step);
}
