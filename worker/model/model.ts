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
}

export interface ModelInfo {
  name: string;
  /** The model's own context length from /api/show. */
  contextLength?: number;
  /** The num_ctx sent with every request. */
  contextTokens: number;
}

export interface Model {
  readonly name: string;
  /** options.num_ctx sent with every request; the agent keeps its prompt inside it. */
  readonly contextTokens: number;
  chat(messages: ChatMessage[], options?: { signal?: AbortSignal }): Promise<ChatReply>;
  /** Server reachable and model present, else a TransientError whose message says what to run. */
  preflight(): Promise<ModelInfo>;
  check(): Promise<CheckResult[]>;
}
