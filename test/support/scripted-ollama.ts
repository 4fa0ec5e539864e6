// A real HTTP server speaking the part of Ollama's API the worker uses (/api/chat streaming and not,
// /api/show, /api/tags, /api/version), on 127.0.0.1 and a random port. It replays scripted replies in
// order and records every request. It is stricter than Ollama on purpose, so a regression fails loudly: a
// /api/chat request without options.num_ctx is refused (Ollama would silently use 4096 and truncate), and
// so is one whose num_ctx differs from the model's first (Ollama would reload the model and lose its
// prompt cache). unload() forgets that first value, as `ollama stop` would.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedModel {
  name: string;
  /** Reported in /api/show model_info as "<architecture>.context_length". Default 32768. */
  contextLength?: number;
  /** Default ["completion", "tools", "insert"], as qwen2.5-coder. */
  capabilities?: string[];
  /**
   * Reported in /api/show and /api/tags details.parameter_size. Default "1.5B", as qwen2.5-coder:1.5b;
   * null leaves the field out.
   */
  parameterSize?: string | null;
}

export interface ScriptedReply {
  /** The assistant message content. */
  content?: string;
  /** Native tool calls (message.tool_calls), as a model with the "tools" capability may send. */
  toolCalls?: Array<{ function: { name: string; arguments: Record<string, unknown> } }>;
  /** prompt_eval_count; default: characters / 4 of the messages, capped at num_ctx (Ollama truncates). */
  promptEvalCount?: number;
  /** eval_count; default: content characters / 4. */
  evalCount?: number;
  /** prompt_eval_cached_count, which newer Ollama servers add; default: not sent, as older servers. */
  promptEvalCachedCount?: number;
  /** Waits this long before answering. */
  delayMs?: number;
  /** Never answers (until the client gives up or the server closes): a hung model. */
  hang?: boolean;
  /** Answers with this HTTP status and {"error": error} instead of a reply. */
  status?: number;
  error?: string;
  /** Sends an {"error": ...} line in the middle of the stream, as Ollama does when generation fails. */
  streamError?: string;
}

export type ScriptStep = string | ScriptedReply | ((request: ChatRequest) => string | ScriptedReply);

export interface ChatRequest {
  model: string;
  messages: Array<{ role: string; content: string }>;
  stream?: boolean;
  /** Request-level, not an option: a duration string, seconds, or negative for ever. */
  keep_alive?: unknown;
  options?: {
    num_ctx?: number;
    num_predict?: number;
    temperature?: number;
    seed?: number;
    stop?: string[];
    [key: string]: unknown;
  };
}

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
}

export interface ScriptedOllama {
  /** http://127.0.0.1:<port>, for OLLAMA_HOST. */
  url: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** The /api/chat request bodies, in order. */
  chats: ChatRequest[];
  /** Replies not used yet. */
  remaining(): number;
  /** Adds replies to the end of the script. */
  push(...steps: ScriptStep[]): void;
  /** Unloads every model: the next chat may bring a new num_ctx. */
  unload(): void;
  close(): Promise<void>;
}

export async function startScriptedOllama(
  options: {
    models?: ScriptedModel[];
    script?: ScriptStep[];
    version?: string;
    /** Answers every chat once the script is used up (an oracle double); without it, that is an error. */
    answer?: (request: ChatRequest) => string | ScriptedReply;
  } = {},
): Promise<ScriptedOllama> {
  const models = options.models ?? [{ name: 'qwen2.5-coder:1.5b' }];
  const script: ScriptStep[] = [...(options.script ?? [])];
  const requests: RecordedRequest[] = [];
  const chats: ChatRequest[] = [];
  /** The num_ctx each model was loaded with: its first chat's. */
  const loaded = new Map<string, number>();

  const server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { error: `scripted server: ${String(error)}` });
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const text = await readBody(request);
    let body: unknown;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        requests.push({ method: request.method ?? '', path, body: text });
        return sendJson(response, 400, { error: 'invalid JSON body' });
      }
    }
    requests.push({ method: request.method ?? '', path, body });

    if (request.method === 'GET' && path === '/api/version') {
      return sendJson(response, 200, { version: options.version ?? '0.12.6' });
    }
    if (request.method === 'GET' && path === '/api/tags') {
      return sendJson(response, 200, { models: models.map(tagEntry) });
    }
    if (request.method === 'POST' && path === '/api/show') {
      const name =
        (body as { model?: string; name?: string } | undefined)?.model ?? (body as { name?: string })?.name;
      const model = models.find((candidate) => candidate.name === name);
      if (!model) return sendJson(response, 404, { error: `model '${name}' not found` });
      return sendJson(response, 200, showEntry(model));
    }
    if (request.method === 'POST' && path === '/api/chat') {
      return chat(body as ChatRequest | undefined, request, response);
    }
    return sendJson(response, 404, { error: `scripted server: no route ${request.method} ${path}` });
  }

  async function chat(
    body: ChatRequest | undefined,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const problem = chatProblem(body, models) ?? reloadProblem(body!, loaded);
    if (problem || !body) return sendJson(response, problem?.status ?? 400, { error: problem?.error });
    loaded.set(body.model, body.options!.num_ctx!);
    chats.push(body);
    const next = script.shift() ?? options.answer;
    if (next === undefined) {
      return sendJson(response, 500, { error: 'scripted server: the script has no more replies' });
    }
    const step = typeof next === 'function' ? next(body) : next;
    const reply: ScriptedReply = typeof step === 'string' ? { content: step } : step;

    if (reply.hang) {
      // Hold the request open; closeAllConnections() in close() ends it.
      await new Promise<void>((resolve) => request.socket.once('close', () => resolve()));
      return;
    }
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    if (reply.status) return sendJson(response, reply.status, { error: reply.error ?? 'scripted failure' });

    writeReply(response, body, reply);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    chats,
    remaining: () => script.length,
    push: (...steps) => {
      script.push(...steps);
    },
    unload: () => loaded.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Why Ollama would refuse this chat request (a missing num_ctx too: it would silently truncate), if it would. */
function chatProblem(
  body: ChatRequest | undefined,
  models: ScriptedModel[],
): { status: number; error: string } | undefined {
  if (!body || typeof body.model !== 'string' || !Array.isArray(body.messages)) {
    return { status: 400, error: 'scripted server: model and messages are required' };
  }
  if (!models.some((model) => model.name === body.model)) {
    return { status: 404, error: `model "${body.model}" not found, try pulling it first` };
  }
  const numCtx = body.options?.num_ctx;
  if (typeof numCtx !== 'number' || !Number.isInteger(numCtx) || numCtx <= 0) {
    return {
      status: 400,
      error:
        'scripted server: options.num_ctx is missing; Ollama would silently use its default context and truncate the prompt',
    };
  }
  for (const message of body.messages) {
    if (
      !['system', 'user', 'assistant', 'tool'].includes(message.role) ||
      typeof message.content !== 'string'
    ) {
      return {
        status: 400,
        error: 'scripted server: each message needs a role and string content',
      };
    }
  }
  return undefined;
}

/** A num_ctx other than the one the model is loaded with: Ollama would reload the model (and its cache). */
function reloadProblem(
  body: ChatRequest,
  loaded: Map<string, number>,
): { status: number; error: string } | undefined {
  const first = loaded.get(body.model);
  const numCtx = body.options?.num_ctx;
  if (first === undefined || numCtx === first) return undefined;
  return {
    status: 400,
    error: `scripted server: num_ctx ${numCtx} differs from the ${first} ${body.model} was loaded with; Ollama would reload the model and lose its prompt cache (send the same num_ctx on every call, or unload() between tests)`,
  };
}

/** Writes a scripted reply as Ollama does: one JSON object, or NDJSON chunks then the final counts. */
function writeReply(response: ServerResponse, body: ChatRequest, reply: ScriptedReply): void {
  const numCtx = body.options?.num_ctx ?? 0;
  const content = reply.content ?? '';
  const promptChars = body.messages.reduce((sum, message) => sum + message.content.length, 0);
  const promptEvalCount = reply.promptEvalCount ?? Math.min(numCtx, Math.ceil(promptChars / 4));
  const final = {
    model: body.model,
    created_at: new Date().toISOString(),
    message: { role: 'assistant', content: '' },
    done: true,
    done_reason: 'stop',
    total_duration: 1_000_000,
    load_duration: 100_000,
    prompt_eval_count: promptEvalCount,
    ...(reply.promptEvalCachedCount === undefined
      ? {}
      : { prompt_eval_cached_count: reply.promptEvalCachedCount }),
    prompt_eval_duration: 500_000,
    eval_count: reply.evalCount ?? Math.ceil(content.length / 4),
    eval_duration: 400_000,
  };
  const toolCalls = reply.toolCalls ? { tool_calls: reply.toolCalls } : {};

  if (body.stream === false) {
    sendJson(response, 200, { ...final, message: { role: 'assistant', content, ...toolCalls } });
    return;
  }
  response.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
  const chunks = content.match(/[\s\S]{1,16}/g) ?? [];
  const line = (value: unknown) => response.write(`${JSON.stringify(value)}\n`);
  chunks.forEach((chunk, index) => {
    if (reply.streamError && index === Math.floor(chunks.length / 2)) line({ error: reply.streamError });
    line({
      model: body.model,
      created_at: new Date().toISOString(),
      message: { role: 'assistant', content: chunk },
      done: false,
    });
  });
  if (reply.streamError && chunks.length === 0) line({ error: reply.streamError });
  if (reply.toolCalls) {
    line({
      model: body.model,
      created_at: new Date().toISOString(),
      message: { role: 'assistant', content: '', ...toolCalls },
      done: false,
    });
  }
  line(final);
  response.end();
}

function tagEntry(model: ScriptedModel) {
  return {
    name: model.name,
    model: model.name,
    modified_at: '2026-01-01T00:00:00Z',
    size: 986_061_892,
    digest: 'd0d9f5a4c1e2b3a4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c',
    details: detailsOf(model),
  };
}

function showEntry(model: ScriptedModel) {
  return {
    modelfile: `FROM ${model.name}`,
    parameters: 'stop "<|endoftext|>"',
    template: '{{ .Prompt }}',
    details: detailsOf(model),
    model_info: {
      'general.architecture': 'qwen2',
      'qwen2.context_length': model.contextLength ?? 32_768,
    },
    capabilities: model.capabilities ?? ['completion', 'tools', 'insert'],
    modified_at: '2026-01-01T00:00:00Z',
  };
}

function detailsOf(model: ScriptedModel) {
  const size = model.parameterSize === null ? {} : { parameter_size: model.parameterSize ?? '1.5B' };
  return { format: 'gguf', family: 'qwen2', ...size, quantization_level: 'Q4_K_M' };
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  response.end(text);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
