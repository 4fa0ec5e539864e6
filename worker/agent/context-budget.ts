// Keeping the prompt inside options.num_ctx. Ollama does not refuse a prompt that is too long: it drops
// tokens from the FRONT, i.e. the system prompt and the task go first, silently. So the agent counts
// before sending and shortens the oldest observations itself; the system prompt and the task never.
import type { ChatMessage } from '../model/model.ts';

/** Tokens one message costs beyond its text (role markers of the chat template). */
const MESSAGE_OVERHEAD_TOKENS = 8;
/** Start from 3 characters per token: English prose is ~4, code and logs often nearer 3. */
export const INITIAL_CHARS_PER_TOKEN = 3;
/** When shortening, go down to this share of the budget, so the history then stays stable for a while
 * (an unchanged prefix is what lets Ollama reuse its prompt cache). */
const SHORTEN_TARGET = 0.75;
/** Characters of a shortened message that are kept, so the model still sees which command it was. */
const KEPT_CHARS = 300;
const SHORTENED_NOTE = 'older text shortened to fit the context window';

/** Tokens kept free for the reply: also sent as options.num_predict, so prompt + reply fit num_ctx. */
export function replyTokens(contextTokens: number): number {
  return Math.min(2_048, Math.floor(contextTokens / 4));
}

/** Tokens the prompt (all messages) may use. */
export function promptBudget(contextTokens: number): number {
  return contextTokens - replyTokens(contextTokens);
}

/**
 * A conservative token estimate (characters / 3), corrected with Ollama's prompt_eval_count. The correction
 * only ever makes the estimate larger per character: a server that reports fewer tokens (an older Ollama
 * counting only uncached tokens) must not make the agent overfill the window.
 */
export class TokenEstimator {
  private charsPerToken = INITIAL_CHARS_PER_TOKEN;

  estimate(messages: readonly ChatMessage[]): number {
    let tokens = 0;
    for (const message of messages) {
      tokens += Math.ceil(message.content.length / this.charsPerToken) + MESSAGE_OVERHEAD_TOKENS;
    }
    return tokens;
  }

  /** Learns from what the server counted for the messages just sent. */
  learn(messages: readonly ChatMessage[], promptTokens: number): void {
    if (!(promptTokens > 0)) return;
    const chars = messages.reduce((sum, message) => sum + message.content.length, 0);
    const observed = chars / promptTokens;
    this.charsPerToken = Math.max(1, Math.min(INITIAL_CHARS_PER_TOKEN, observed * 0.9));
  }

  get ratio(): number {
    return this.charsPerToken;
  }
}

export interface FitResult {
  /** Estimated prompt tokens after fitting. */
  tokens: number;
  /** Messages shortened by this call. */
  shortened: number;
}

/**
 * Shortens messages in place until the estimate fits `budget`: first the oldest observations (user
 * messages after the protected ones), then the oldest assistant replies, and the newest message last.
 * The first `protectedCount` messages (system prompt and task) are never touched; when they alone do not
 * fit, the caller has to refuse the task (see the runner).
 */
export function fitToBudget(
  messages: ChatMessage[],
  budget: number,
  estimator: TokenEstimator,
  protectedCount = 2,
): FitResult {
  let tokens = estimator.estimate(messages);
  if (tokens <= budget) return { tokens, shortened: 0 };
  const target = Math.floor(budget * SHORTEN_TARGET);
  let shortened = 0;
  const last = messages.length - 1;
  const order = [
    ...indexes(protectedCount, last).filter((index) => messages[index]!.role === 'user'),
    ...indexes(protectedCount, last).filter((index) => messages[index]!.role === 'assistant'),
  ];
  for (const index of order) {
    if (tokens <= target) break;
    const message = messages[index]!;
    const short = shorten(message.content, KEPT_CHARS);
    if (short === message.content) continue;
    messages[index] = { ...message, content: short };
    shortened += 1;
    tokens = estimator.estimate(messages);
  }
  if (tokens > budget && last >= protectedCount) {
    // Only the newest message is left: keep as much of its head and tail as fits.
    const message = messages[last]!;
    const room = Math.max(0, budget - (tokens - estimator.estimate([message])));
    const keep = Math.max(KEPT_CHARS, Math.floor(room * estimator.ratio) - 200);
    const short = shortenMiddle(message.content, keep);
    if (short !== message.content) {
      messages[last] = { ...message, content: short };
      shortened += 1;
      tokens = estimator.estimate(messages);
    }
  }
  return { tokens, shortened };
}

function indexes(from: number, toExclusive: number): number[] {
  return Array.from({ length: Math.max(0, toExclusive - from) }, (_, offset) => from + offset);
}

export function isShortened(text: string): boolean {
  return text.includes(SHORTENED_NOTE);
}

function shorten(text: string, keep: number): string {
  if (text.length <= keep + 120 || isShortened(text)) return text;
  return `${text.slice(0, keep)}\n[CodingWorker: ${SHORTENED_NOTE}; ${text.length - keep} characters left out]`;
}

/** Keeps the head and the tail (errors are usually at the end of an output). */
export function shortenMiddle(text: string, keep: number): string {
  if (text.length <= keep) return text;
  const head = Math.ceil(keep / 2);
  const tail = keep - head;
  return `${text.slice(0, head)}\n[CodingWorker: ${text.length - keep} characters cut here]\n${tail > 0 ? text.slice(-tail) : ''}`;
}
