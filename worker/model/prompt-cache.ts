// How much of a prompt Ollama had to read anew. One meter per model client, and the worker runs one task
// at a time by default (CW_CONCURRENCY=1), as Ollama serves one request at a time: with concurrent tasks the
// figure compares a task's call with whichever request came before, which is also what Ollama's cache sees.
// With one request at a time, Ollama keeps the previous
// request's tokens and reuses their longest common prefix with the next request (docs/agent.md#ollama):
// an append-only conversation is cheap, an edited early message recomputes everything
// after it. On a laptop CPU every re-read token costs real time, so the agent reports this figure.
//
// Newer Ollama servers report prompt_eval_cached_count (ollama/ollama#17943), and then the figure is
// exact. Older ones report only prompt_eval_count (the whole prompt), so we estimate: without a tokenizer,
// the messages are serialized as they are sent (role and content, in order) and compared by characters,
// and the share of characters past the common prefix is taken as the share of prompt_eval_count that was
// new. The previous reply counts as cached too: Ollama keeps the tokens it generated, and the next turn
// usually repeats that reply as an assistant message. Tokens are not spread evenly over characters and the
// chat template adds tokens of its own, so the estimate is off by a few tokens around the first changed
// character; it is never below 0 nor above the count Ollama reported.
import type { ChatMessage } from './model.ts';

export interface MeteredCall {
  messages: readonly ChatMessage[];
  /** num_ctx of the request: a different value reloads the model and empties its cache. */
  numCtx: number;
  /** The reply's text, which Ollama's cache holds after the prompt. */
  reply: string;
  /** When the request was sent and when its reply ended (ms, a clock that only goes forward). */
  sentAt: number;
  doneAt: number;
}

/** Remembers one model's previous call and tells, for the next, the prompt tokens not served from cache. */
export class PromptCacheMeter {
  private previous?: { text: string; numCtx: number; doneAt: number };
  /** keep_alive in ms (Infinity: for ever): that long after a reply, Ollama unloads the model. */
  private readonly keepAliveMs: number;

  constructor(keepAliveMs = Number.POSITIVE_INFINITY) {
    this.keepAliveMs = keepAliveMs;
  }

  /**
   * Records the call and returns its new prompt tokens: promptTokens less cachedTokens when Ollama
   * reported those, else the estimate.
   */
  measure(call: MeteredCall, promptTokens: number, cachedTokens?: number): number {
    const text = serialize(call.messages);
    const previous = this.previous;
    this.previous = {
      text: text + opening('assistant') + call.reply,
      numCtx: call.numCtx,
      doneAt: call.doneAt,
    };
    if (!(promptTokens > 0)) return 0;
    if (typeof cachedTokens === 'number' && cachedTokens >= 0)
      return Math.max(0, promptTokens - cachedTokens);
    if (!previous || previous.numCtx !== call.numCtx) return promptTokens;
    if (call.sentAt - previous.doneAt > this.keepAliveMs) return promptTokens;
    const common = commonPrefixLength(previous.text, text);
    const share = text.length === 0 ? 1 : 1 - common / text.length;
    return Math.max(0, Math.min(promptTokens, Math.round(promptTokens * share)));
  }

  /** Forgets the previous call: a failed one may have left Ollama's cache in any state. */
  forget(): void {
    this.previous = undefined;
  }
}

/**
 * keep_alive (as CW_MODEL_KEEP_ALIVE gives it) in milliseconds: a number is seconds, a string a Go
 * duration ("1h30m", "300s"), and a negative value, like anything unreadable, means for ever.
 */
export function keepAliveMs(keepAlive: string | number): number {
  if (typeof keepAlive === 'number') return keepAlive < 0 ? Number.POSITIVE_INFINITY : keepAlive * 1000;
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(keepAlive)) return Number.POSITIVE_INFINITY;
  const unit: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const part of keepAlive.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g))
    total += Number(part[1]) * unit[part[2]!]!;
  return total;
}

/**
 * Messages in the order and shape the chat template lays them out: a role marker, the content, an end
 * marker. The markers keep "a" + "bc" and "ab" + "c" apart, as the template's tokens do.
 */
function serialize(messages: readonly ChatMessage[]): string {
  return messages
    .map((message) => `${opening(message.role)}${message.content}\n</${message.role}>\n`)
    .join('');
}

function opening(role: string): string {
  return `<${role}>\n`;
}

function commonPrefixLength(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  let index = 0;
  while (index < length && a.charCodeAt(index) === b.charCodeAt(index)) index += 1;
  return index;
}
