// The Model (worker/model/model.ts) on a local Ollama server, with the official `ollama` client.
// Three facts shape it (docs/agent.md#ollama): Ollama truncates a prompt longer than num_ctx from the
// front without an error, so num_ctx is sent on EVERY request; its default context (4096) is far too small
// for an agent; and a streamed call can only be aborted through its own client, so each call gets one.
// The same num_ctx and keep_alive go with every call: a change of either reloads the model or lets it go,
// and with it the prompt cache that makes an append-only conversation cheap (worker/model/prompt-cache.ts).
import { Ollama } from 'ollama';
import type { Logger } from 'pino';
import { replyTokens } from '../agent/context-budget.ts';
import { PermanentError, TransientError } from '../core/errors.ts';
import type { Settings } from '../core/settings.ts';
import type { CheckResult } from '../daemon/doctor-check.ts';
import type { ChatMessage, ChatOptions, ChatReply, Model, ModelInfo } from './model.ts';
import { keepAliveMs, PromptCacheMeter } from './prompt-cache.ts';

/** Preflight calls (/api/version, /api/show) are small: a server that takes longer is not healthy. */
const PREFLIGHT_TIMEOUT_MS = 15_000;

type ModelSettings = Settings['model'];

export function createOllamaModel(
  settings: ModelSettings,
  logger: Logger,
  fetchImpl: typeof fetch = fetch,
): Model {
  return new OllamaModel(settings, logger, fetchImpl);
}

class OllamaModel implements Model {
  readonly name: string;
  readonly contextTokens: number;
  private readonly settings: ModelSettings;
  private readonly logger: Logger;
  private readonly fetchImpl: typeof fetch;
  /** One model name, one cache on the server: one meter. */
  private readonly cache: PromptCacheMeter;

  constructor(settings: ModelSettings, logger: Logger, fetchImpl: typeof fetch) {
    this.settings = settings;
    this.name = settings.name;
    this.contextTokens = settings.contextTokens;
    this.logger = logger;
    this.fetchImpl = fetchImpl;
    this.cache = new PromptCacheMeter(keepAliveMs(settings.keepAlive));
  }

  async chat(messages: ChatMessage[], options: ChatOptions = {}): Promise<ChatReply> {
    const { signal } = options;
    signal?.throwIfAborted();
    const timeoutMs = this.settings.requestTimeoutSeconds * 1000;
    const timeout = AbortSignal.timeout(timeoutMs);
    const stop = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const client = this.client(stop);
    const started = performance.now();
    let content = '';
    let toolCalls: unknown[] = [];
    try {
      const stream = await client.chat({
        model: this.name,
        messages,
        stream: true,
        keep_alive: this.settings.keepAlive,
        options: this.requestOptions(options),
      });
      const abort = () => stream.abort();
      stop.addEventListener('abort', abort, { once: true });
      try {
        for await (const part of stream) {
          content += part.message?.content ?? '';
          if (part.message?.tool_calls?.length) toolCalls = toolCalls.concat(part.message.tool_calls);
          if (part.done) {
            const promptTokens = part.prompt_eval_count ?? 0;
            this.checkTruncation(messages, promptTokens);
            // A model with native tool calls may answer with them and no text: the reply parser reads
            // the same JSON shape when it is written into the content.
            if (!content.trim() && toolCalls.length > 0) content = JSON.stringify(toolCalls);
            const done = performance.now();
            const call = {
              messages,
              numCtx: this.contextTokens,
              reply: content,
              sentAt: started,
              doneAt: done,
            };
            return {
              content,
              promptTokens,
              completionTokens: part.eval_count ?? 0,
              newPromptTokens: this.cache.measure(call, promptTokens, cachedCountOf(part)),
              durationMs: Math.round(done - started),
            };
          }
        }
      } finally {
        stop.removeEventListener('abort', abort);
      }
      throw new TransientError(`Ollama at ${this.settings.host} ended its reply without "done"`);
    } catch (error) {
      this.cache.forget();
      signal?.throwIfAborted();
      if (timeout.aborted) {
        throw new TransientError(
          `Ollama did not finish a reply within ${this.settings.requestTimeoutSeconds} s: the machine may be busy or the model too large; raise CW_MODEL_TIMEOUT or use a smaller CW_MODEL`,
          { cause: error },
        );
      }
      throw this.classify(error);
    }
  }

  async preflight(): Promise<ModelInfo> {
    const client = this.client(AbortSignal.timeout(PREFLIGHT_TIMEOUT_MS));
    try {
      await client.version();
    } catch (error) {
      throw this.classify(error);
    }
    let show: Awaited<ReturnType<Ollama['show']>>;
    try {
      show = await client.show({ model: this.name });
    } catch (error) {
      throw this.classify(error);
    }
    const capabilities: string[] = Array.isArray(show.capabilities) ? show.capabilities : [];
    if (capabilities.length > 0 && !capabilities.includes('completion')) {
      throw new TransientError(
        `the Ollama model ${this.name} cannot chat (capabilities: ${capabilities.join(', ')}): set CW_MODEL to a chat model such as qwen2.5-coder:1.5b`,
      );
    }
    const contextLength = contextLengthOf(show.model_info);
    if (contextLength !== undefined && contextLength < this.contextTokens) {
      this.logger.warn(
        { model: this.name, contextLength, numCtx: this.contextTokens },
        'CW_NUM_CTX is larger than the context the model was trained for; replies may degrade',
      );
    }
    const parameterSize = parameterSizeOf(show.details);
    return {
      name: this.name,
      contextLength,
      contextTokens: this.contextTokens,
      parameterSize,
      parameterBillions: parameterSize === undefined ? undefined : billionsOf(parameterSize),
    };
  }

  async check(): Promise<CheckResult[]> {
    const server: CheckResult = { name: 'Ollama server', ok: false, detail: '' };
    const model: CheckResult = { name: 'Ollama model', ok: false, detail: '' };
    try {
      const { version } = await this.client(AbortSignal.timeout(PREFLIGHT_TIMEOUT_MS)).version();
      server.ok = true;
      server.detail = `Ollama ${version} at ${this.settings.host}`;
    } catch (error) {
      server.detail = `not reachable at ${this.settings.host}: ${(error as Error).message}`;
      server.fix = 'start Ollama (the Ollama app, or `ollama serve`), or set OLLAMA_HOST';
      model.detail = 'not checked: the Ollama server is not reachable';
      return [server, model];
    }
    try {
      const info = await this.preflight();
      model.ok = true;
      const size = info.parameterSize ? `, ${info.parameterSize} parameters` : '';
      model.detail = `${info.name}${size}: context length ${info.contextLength ?? 'unknown'}, num_ctx sent ${info.contextTokens}`;
      if (info.contextLength !== undefined && info.contextLength < info.contextTokens) {
        // Ollama accepts it, but the model was never trained that far: replies degrade without an error.
        Object.assign(model, {
          ok: false,
          severity: 'warning',
          detail: `${info.name}: num_ctx sent ${info.contextTokens} is larger than the model's context length ${info.contextLength}`,
          fix: `set CW_NUM_CTX to ${info.contextLength} or less (what ${info.name} supports)`,
        });
      }
    } catch (error) {
      model.detail = (error as Error).message;
      model.fix = `ollama pull ${this.name}`;
    }
    return [server, model];
  }

  /**
   * num_ctx on every call (Ollama truncates silently without it), the reply cap, and the sampling options
   * only when the caller gives them, so Ollama's and the Modelfile's defaults hold otherwise.
   */
  private requestOptions(options: ChatOptions): Record<string, unknown> {
    const sent: Record<string, unknown> = {
      num_ctx: this.contextTokens,
      num_predict: options.maxTokens ?? replyTokens(this.contextTokens),
    };
    if (options.temperature !== undefined) sent.temperature = options.temperature;
    if (options.seed !== undefined) sent.seed = options.seed;
    if (options.stop !== undefined && options.stop.length > 0) sent.stop = options.stop;
    return sent;
  }

  /** One client per call: the client's abort() aborts every stream it has open. */
  private client(signal: AbortSignal): Ollama {
    const fetchImpl = this.fetchImpl;
    return new Ollama({
      host: this.settings.host,
      fetch: (input, init) =>
        fetchImpl(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal }),
    });
  }

  /** Ollama answers HTTP 200 even when it cut the prompt; a count at num_ctx is the only sign of it. */
  private checkTruncation(messages: ChatMessage[], promptTokens: number): void {
    if (!(promptTokens > 0)) return;
    const chars = messages.reduce((sum, message) => sum + message.content.length, 0);
    // More than 8 characters per token does not happen with real text: tokens were lost.
    const tooFew = chars > 8_000 && promptTokens < chars / 8;
    const full = promptTokens >= this.contextTokens - replyTokens(this.contextTokens);
    if (tooFew || full) {
      this.logger.warn(
        { model: this.name, promptTokens, promptChars: chars, numCtx: this.contextTokens },
        'Ollama read fewer prompt tokens than were sent: the prompt was probably truncated (is the server capping num_ctx?)',
      );
    }
  }

  private classify(error: unknown): Error {
    const status = (error as { status_code?: unknown }).status_code;
    const message = error instanceof Error ? error.message : String(error);
    if (typeof status === 'number') {
      if (status === 404) {
        return new TransientError(
          `the model ${this.name} is not available on the Ollama server at ${this.settings.host}: run \`ollama pull ${this.name}\` (or set CW_MODEL)`,
          { cause: error },
        );
      }
      if (status >= 500 || status === 408 || status === 429) {
        return new TransientError(`Ollama failed (HTTP ${status}): ${message}`, { cause: error });
      }
      return new PermanentError(`Ollama refused the request (HTTP ${status}): ${message}`, { cause: error });
    }
    if ((error as { name?: string }).name === 'TimeoutError') {
      return new TransientError(
        `Ollama at ${this.settings.host} did not answer within ${PREFLIGHT_TIMEOUT_MS / 1000} s: check that it is running and not stuck (restart it)`,
        { cause: error },
      );
    }
    if (error instanceof TypeError || (error as { name?: string }).name === 'AbortError') {
      // fetch() failed before any HTTP answer: connection refused, reset, DNS.
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      return new TransientError(
        `Ollama is not reachable at ${this.settings.host}${cause ? ` (${cause})` : ''}: start Ollama (the Ollama app, or \`ollama serve\`) or set OLLAMA_HOST`,
        { cause: error },
      );
    }
    // An {"error": ...} line inside a streamed reply, or a broken stream.
    return new TransientError(`Ollama failed: ${message}`, { cause: error });
  }
}

/** model_info carries "<architecture>.context_length", e.g. "qwen2.context_length": 32768. */
function contextLengthOf(modelInfo: unknown): number | undefined {
  if (!modelInfo || typeof modelInfo !== 'object') return undefined;
  const entries = modelInfo instanceof Map ? [...modelInfo.entries()] : Object.entries(modelInfo);
  for (const [key, value] of entries) {
    if (String(key).endsWith('.context_length') && typeof value === 'number') return value;
  }
  return undefined;
}

/** prompt_eval_cached_count, which newer Ollama servers add (not yet in the client's types). */
function cachedCountOf(part: object): number | undefined {
  const value = (part as { prompt_eval_cached_count?: unknown }).prompt_eval_cached_count;
  return typeof value === 'number' ? value : undefined;
}

/** details.parameter_size as Ollama reports it ("1.5B", "494.03M"), when it is there. */
function parameterSizeOf(details: unknown): string | undefined {
  const size = (details as { parameter_size?: unknown } | undefined)?.parameter_size;
  return typeof size === 'string' && size.trim() ? size.trim() : undefined;
}

/** "7.6B" -> 7.6, "494.03M" -> 0.49403, "70B" -> 70; anything else -> undefined. */
function billionsOf(parameterSize: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([KMBT])$/i.exec(parameterSize.trim());
  if (!match) return undefined;
  // Shifted in the decimal text ("494.03e-3"), so the number is the nearest to what Ollama printed.
  const exponent: Record<string, number> = { K: -6, M: -3, B: 0, T: 3 };
  return Number(`${match[1]}e${exponent[match[2]!.toUpperCase()]}`);
}
