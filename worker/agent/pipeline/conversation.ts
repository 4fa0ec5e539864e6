// One conversation with the model, append-only so that Ollama reuses its prompt cache from call to call,
// with what each call cost (calls, prompt, completion and new prompt tokens, model time) counted for the
// run's result and recorded in the trajectory.
import type { ChatMessage, ChatOptions, Model } from '../../model/model.ts';
import { promptBudget, type TokenEstimator } from '../context-budget.ts';
import type { Trajectory } from '../trajectory.ts';

export interface ModelUse {
  modelCalls: number;
  promptTokens: number;
  completionTokens: number;
  newPromptTokens: number;
  modelMs: number;
}

export function newModelUse(): ModelUse {
  return { modelCalls: 0, promptTokens: 0, completionTokens: 0, newPromptTokens: 0, modelMs: 0 };
}

/** A task's limit on model use was reached (CW_MAX_STEPS, CW_MAX_TOKENS): the run ends, not the task. */
export class PipelineLimit extends Error {}

export interface ConversationDeps {
  model: Model;
  estimator: TokenEstimator;
  trajectory: Trajectory;
  use: ModelUse;
  signal: AbortSignal;
  /** CW_MAX_STEPS (model calls) and CW_MAX_TOKENS (prompt + completion), checked before every call. */
  limits: { maxCalls: number; maxTokens: number };
}

export class Conversation {
  readonly messages: ChatMessage[];
  private readonly deps: ConversationDeps;
  /** Messages that are never dropped to fit the window: the system prompt and the task's context. */
  private readonly kept: number;

  /** `kept`: how many opening messages are never dropped; `recorded`: the opening is already in the trajectory. */
  constructor(deps: ConversationDeps, opening: ChatMessage[], kept = opening.length, recorded = false) {
    this.deps = deps;
    this.messages = [...opening];
    this.kept = kept;
    if (!recorded) for (const message of opening) deps.trajectory.record({ type: 'message', ...message });
  }

  /** A copy that continues from here: a new attempt starts from the same prefix, so it is read from cache. */
  fork(): Conversation {
    return new Conversation(this.deps, this.messages, this.messages.length, true);
  }

  add(message: ChatMessage): void {
    this.messages.push(message);
    this.deps.trajectory.record({ type: 'message', ...message });
  }

  /** Asks the model with the history so far; the reply is added to it and returned. */
  async ask(stage: string, options: Omit<ChatOptions, 'signal'>): Promise<string> {
    const { model, estimator, use, trajectory, limits } = this.deps;
    if (use.modelCalls >= limits.maxCalls) throw new PipelineLimit(`step limit ${limits.maxCalls} reached`);
    const tokens = use.promptTokens + use.completionTokens;
    if (tokens >= limits.maxTokens) {
      throw new PipelineLimit(`token limit ${limits.maxTokens} reached (${tokens} used)`);
    }
    this.fitWindow(model.contextTokens - (options.maxTokens ?? 0), estimator);
    const sent = this.messages.slice();
    const reply = await model.chat(sent, { ...options, signal: this.deps.signal });
    estimator.learn(sent, reply.promptTokens);
    use.modelCalls += 1;
    use.promptTokens += reply.promptTokens;
    use.completionTokens += reply.completionTokens;
    use.newPromptTokens += reply.newPromptTokens;
    use.modelMs += reply.durationMs;
    trajectory.record({
      type: 'model',
      step: use.modelCalls,
      stage,
      promptTokens: reply.promptTokens,
      completionTokens: reply.completionTokens,
      newPromptTokens: reply.newPromptTokens,
      durationMs: reply.durationMs,
    });
    this.add({ role: 'assistant', content: reply.content });
    return reply.content;
  }

  /**
   * Past the window, the oldest exchanges after the task's context go (corrections and failed rounds),
   * keeping the last two messages: Ollama would otherwise cut the system prompt, silently.
   */
  private fitWindow(tokens: number, estimator: TokenEstimator): void {
    const budget = Math.min(promptBudget(this.deps.model.contextTokens), tokens);
    while (estimator.estimate(this.messages) > budget && this.messages.length > this.kept + 2) {
      this.messages.splice(this.kept, 2);
    }
  }
}
