// The model: a local Ollama server. Interface first (the agent loop depends only on this).
import type { CheckResult } from '../daemon/doctor-check.ts';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatReply {
  content: string;
  /** Ollama's prompt_eval_count: tokens the model actually read. */
  promptTokens: number;
  /** Ollama's eval_count. */
  completionTokens: number;
  durationMs: number;
  /**
   * Prompt tokens not in the common prefix with the previous request to this model: what Ollama had to
   * read anew rather than reuse from its prompt cache (estimated from the characters that differ).
   */
  newPromptTokens: number;
}

/** Per-call options; num_ctx and keep_alive are the model's own and sent on every call whatever these say. */
export interface ChatOptions {
  signal?: AbortSignal;
  /** Sampling temperature (Ollama's default is 0.8). */
  temperature?: number;
  /** Fixed seed, so a run can be repeated and candidates differ only where asked. */
  seed?: number;
  /** Stop sequences: generation ends before any of them. */
  stop?: string[];
  /** Most tokens of the reply (num_predict). Default: the model's reply share of num_ctx. */
  maxTokens?: number;
}

export interface ModelInfo {
  name: string;
  /** The model's own context length from /api/show. */
  contextLength?: number;
  /** The num_ctx sent with every request. */
  contextTokens: number;
  /** /api/show details.parameter_size as Ollama reports it, e.g. "1.5B" or "494.03M". */
  parameterSize?: string;
  /** The same in billions, when it parses. */
  parameterBillions?: number;
}

export interface Model {
  readonly name: string;
  /** options.num_ctx sent with every request; the agent keeps its prompt inside it. */
  readonly contextTokens: number;
  chat(messages: ChatMessage[], options?: ChatOptions): Promise<ChatReply>;
  /** Server reachable and model present, else a TransientError whose message says what to run. */
  preflight(): Promise<ModelInfo>;
  check(): Promise<CheckResult[]>;
}
