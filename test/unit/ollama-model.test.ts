import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { after, afterEach, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { PermanentError, TransientError } from '../../worker/core/errors.ts';
import { loadSettings } from '../../worker/core/settings.ts';
import { createOllamaModel } from '../../worker/model/ollama-model.ts';
import { type ScriptedOllama, startScriptedOllama } from '../support/scripted-ollama.ts';

function modelSettings(host: string, env: Record<string, string> = {}) {
  return loadSettings({ OLLAMA_HOST: host, ...env }).model;
}

/** A logger whose lines the test can read. */
function capturingLogger() {
  const lines: Array<{ msg: string; [key: string]: unknown }> = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(JSON.parse(String(chunk)));
      callback();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('Ollama model', () => {
  let ollama: ScriptedOllama;
  const silent = pino({ level: 'silent' });

  before(async () => {
    ollama = await startScriptedOllama({ models: [{ name: 'qwen2.5-coder:1.5b', contextLength: 32_768 }] });
  });
  after(() => ollama.close());
  // Tests set their own CW_NUM_CTX; within one test every call must send the same.
  afterEach(() => ollama.unload());

  it('sends num_ctx (and a reply cap inside it) on every chat request, and streams the reply', async () => {
    ollama.push('Hello, I will look around.\n```bash\nls -la\n```', 'second');
    const model = createOllamaModel(modelSettings(ollama.url, { CW_NUM_CTX: '8192' }), silent);
    const reply = await model.chat([{ role: 'user', content: 'hi' }]);
    await model.chat([{ role: 'user', content: 'again' }]);
    assert.equal(reply.content, 'Hello, I will look around.\n```bash\nls -la\n```');
    assert.ok(reply.promptTokens > 0 && reply.completionTokens > 0);
    const sent = ollama.chats.slice(-2);
    for (const request of sent) {
      assert.equal(request.options?.num_ctx, 8192);
      assert.equal(request.options?.num_predict, 2048);
      assert.equal(request.keep_alive, '30m', 'CW_MODEL_KEEP_ALIVE default');
      assert.equal(request.stream, true);
      assert.equal(request.model, 'qwen2.5-coder:1.5b');
      // No sampling option unless the caller asks: the Modelfile's defaults hold.
      for (const option of ['temperature', 'seed', 'stop']) assert.equal(option in request.options!, false);
    }
  });

  it('sends the caller temperature, seed, stop and reply cap, and CW_MODEL_KEEP_ALIVE as given', async () => {
    ollama.push('first', 'second');
    const model = createOllamaModel(modelSettings(ollama.url, { CW_MODEL_KEEP_ALIVE: '-1' }), silent);
    await model.chat([{ role: 'user', content: 'hi' }], {
      temperature: 0.2,
      seed: 7,
      stop: ['\n```\n'],
      maxTokens: 300,
    });
    await model.chat([{ role: 'user', content: 'hi' }], { temperature: 0 });
    const [first, second] = ollama.chats.slice(-2);
    assert.deepEqual(first!.options, {
      num_ctx: 32_768,
      num_predict: 300,
      temperature: 0.2,
      seed: 7,
      stop: ['\n```\n'],
    });
    assert.equal(first!.keep_alive, -1, 'a number of seconds is sent as a number');
    assert.deepEqual(second!.options, { num_ctx: 32_768, num_predict: 2_048, temperature: 0 });
  });

  it('counts the prompt tokens Ollama could not take from its cache across calls', async () => {
    const model = createOllamaModel(modelSettings(ollama.url), silent);
    const system = { role: 'system' as const, content: 'You fix issues. '.repeat(200) };
    const task = { role: 'user' as const, content: 'Fix the greeting in hello.py. '.repeat(20) };
    ollama.push({ content: 'I will read hello.py.', promptEvalCount: 1_000 });
    const first = await model.chat([system, task]);
    assert.equal(first.newPromptTokens, 1_000, 'the first call reads everything');

    // Append-only: the reply and a short observation are all that is new.
    const observation = { role: 'user' as const, content: 'print("helo")' };
    ollama.push({ content: 'ok', promptEvalCount: 1_020 });
    const appended = await model.chat([
      system,
      task,
      { role: 'assistant', content: first.content },
      observation,
    ]);
    assert.equal(appended.promptTokens, 1_020);
    assert.ok(appended.newPromptTokens > 0 && appended.newPromptTokens < 20, `${appended.newPromptTokens}`);

    // An edited system prompt invalidates the cache after its role marker: nearly everything is new.
    ollama.push({ content: 'ok', promptEvalCount: 1_000 });
    const edited = await model.chat([{ role: 'system', content: `Now ${system.content}` }, task]);
    assert.ok(edited.newPromptTokens >= 995, `${edited.newPromptTokens}`);

    // A server that reports prompt_eval_cached_count is taken at its word.
    ollama.push({ content: 'ok', promptEvalCount: 1_000, promptEvalCachedCount: 640 });
    const reported = await model.chat([{ role: 'user', content: 'anything' }]);
    assert.equal(reported.newPromptTokens, 360);
  });

  it('after a failed call the next one counts as all new: the server cache is unknown', async () => {
    const model = createOllamaModel(modelSettings(ollama.url), silent);
    const messages = [{ role: 'user' as const, content: 'the same prompt '.repeat(50) }];
    ollama.push({ content: 'ok', promptEvalCount: 200 }, { status: 500, error: 'boom' });
    ollama.push({ content: 'ok', promptEvalCount: 200 });
    await model.chat(messages);
    await assert.rejects(model.chat(messages), TransientError);
    assert.equal((await model.chat(messages)).newPromptTokens, 200);
  });

  it('turns native tool calls without text into content the reply parser reads', async () => {
    ollama.push({ toolCalls: [{ function: { name: 'bash', arguments: { command: 'ls' } } }] });
    const model = createOllamaModel(modelSettings(ollama.url), silent);
    const reply = await model.chat([{ role: 'user', content: 'hi' }]);
    assert.deepEqual(JSON.parse(reply.content), [
      { function: { name: 'bash', arguments: { command: 'ls' } } },
    ]);
  });

  it('preflight reports the context length and parameter size from /api/show', async () => {
    const model = createOllamaModel(modelSettings(ollama.url), silent);
    assert.deepEqual(await model.preflight(), {
      name: 'qwen2.5-coder:1.5b',
      contextLength: 32_768,
      contextTokens: 32_768,
      parameterSize: '1.5B',
      parameterBillions: 1.5,
    });
    const checks = await model.check();
    assert.deepEqual(
      checks.map((check) => check.ok),
      [true, true],
    );
    assert.equal(
      checks[1]!.detail,
      'qwen2.5-coder:1.5b, 1.5B parameters: context length 32768, num_ctx sent 32768',
    );
  });

  it('preflight parses sizes in millions and leaves a missing or odd size undefined', async () => {
    const server = await startScriptedOllama({
      models: [
        { name: 'qwen2.5-coder:0.5b', parameterSize: '494.03M' },
        { name: 'llama3.3:70b', parameterSize: '70B' },
        { name: 'mystery:latest', parameterSize: null },
        { name: 'odd:latest', parameterSize: 'large' },
      ],
    });
    try {
      const sizeOf = async (name: string) => {
        const { parameterSize, parameterBillions } = await createOllamaModel(
          modelSettings(server.url, { CW_MODEL: name }),
          silent,
        ).preflight();
        return { parameterSize, parameterBillions };
      };
      assert.deepEqual(await sizeOf('qwen2.5-coder:0.5b'), {
        parameterSize: '494.03M',
        parameterBillions: 0.49403,
      });
      assert.deepEqual(await sizeOf('llama3.3:70b'), { parameterSize: '70B', parameterBillions: 70 });
      assert.deepEqual(await sizeOf('mystery:latest'), {
        parameterSize: undefined,
        parameterBillions: undefined,
      });
      assert.deepEqual(await sizeOf('odd:latest'), { parameterSize: 'large', parameterBillions: undefined });
      const [, check] = await createOllamaModel(
        modelSettings(server.url, { CW_MODEL: 'mystery:latest' }),
        silent,
      ).check();
      assert.match(check!.detail, /^mystery:latest: context length/);
    } finally {
      await server.close();
    }
  });

  it('doctor warns when CW_NUM_CTX is larger than the model supports, and says what it supports', async () => {
    const model = createOllamaModel(modelSettings(ollama.url, { CW_NUM_CTX: '65536' }), silent);
    const [, check] = await model.check();
    assert.equal(check!.ok, false);
    assert.equal(check!.severity, 'warning');
    assert.match(check!.detail, /num_ctx sent 65536 is larger than the model's context length 32768/);
    assert.match(check!.fix ?? '', /set CW_NUM_CTX to 32768 or less/);
  });

  it('a missing model is a transient error that says to run ollama pull, in preflight and in chat', async () => {
    const model = createOllamaModel(modelSettings(ollama.url, { CW_MODEL: 'llama9:70b' }), silent);
    await assert.rejects(model.preflight(), (error: unknown) => {
      assert.ok(error instanceof TransientError);
      assert.match(error.message, /run `ollama pull llama9:70b`/);
      return true;
    });
    await assert.rejects(model.chat([{ role: 'user', content: 'x' }]), /ollama pull llama9:70b/);
    const checks = await model.check();
    assert.equal(checks[1]!.ok, false);
    assert.equal(checks[1]!.fix, 'ollama pull llama9:70b');
  });

  it('an unreachable server is a transient error that says to start Ollama', async () => {
    const port = await closedPort();
    const model = createOllamaModel(modelSettings(`http://127.0.0.1:${port}`), silent);
    for (const call of [model.preflight(), model.chat([{ role: 'user', content: 'x' }])]) {
      await assert.rejects(call, (error: unknown) => {
        assert.ok(error instanceof TransientError);
        assert.match(error.message, /not reachable at http:\/\/127\.0\.0\.1:\d+.*start Ollama/);
        return true;
      });
    }
    const checks = await model.check();
    assert.equal(checks[0]!.ok, false);
    assert.match(checks[0]!.fix ?? '', /ollama serve/);
  });

  it('5xx and broken streams are transient; a refused request is permanent', async () => {
    const model = createOllamaModel(modelSettings(ollama.url), silent);
    ollama.push({ status: 500, error: 'out of memory' });
    await assert.rejects(model.chat([{ role: 'user', content: 'x' }]), (error: unknown) => {
      assert.ok(error instanceof TransientError);
      assert.match(error.message, /HTTP 500.*out of memory/);
      return true;
    });
    ollama.push({ content: 'partial reply that breaks', streamError: 'llama runner process has terminated' });
    await assert.rejects(model.chat([{ role: 'user', content: 'x' }]), (error: unknown) => {
      assert.ok(error instanceof TransientError);
      assert.match(error.message, /llama runner process has terminated/);
      return true;
    });
    ollama.push({ status: 400, error: 'invalid options' });
    await assert.rejects(model.chat([{ role: 'user', content: 'x' }]), PermanentError);
  });

  it('gives up on a hung model at the request timeout', async () => {
    ollama.push({ hang: true });
    const model = createOllamaModel(modelSettings(ollama.url, { CW_MODEL_TIMEOUT: '1' }), silent);
    const started = performance.now();
    await assert.rejects(model.chat([{ role: 'user', content: 'x' }]), (error: unknown) => {
      assert.ok(error instanceof TransientError);
      assert.match(error.message, /within 1 s.*CW_MODEL_TIMEOUT/);
      return true;
    });
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 900 && elapsed < 5_000, `gave up after ${elapsed} ms`);
  });

  it('stops at once when the caller aborts, with the caller reason', async () => {
    ollama.push({ hang: true });
    const model = createOllamaModel(modelSettings(ollama.url), silent);
    const controller = new AbortController();
    const reason = new Error('task cancelled');
    setTimeout(() => controller.abort(reason), 100);
    const started = performance.now();
    await assert.rejects(model.chat([{ role: 'user', content: 'x' }], { signal: controller.signal }), reason);
    assert.ok(performance.now() - started < 2_000);
  });

  it('warns when Ollama read fewer prompt tokens than were sent (silent truncation)', async () => {
    const { logger, lines } = capturingLogger();
    const model = createOllamaModel(modelSettings(ollama.url, { CW_NUM_CTX: '4096' }), logger);
    // The scripted server counts characters / 4, capped at num_ctx, as Ollama caps a truncated prompt.
    ollama.push('ok');
    await model.chat([{ role: 'user', content: 'word '.repeat(20_000) }]);
    assert.equal(ollama.chats.at(-1)!.options?.num_ctx, 4096);
    assert.ok(lines.some((line) => /probably truncated/.test(line.msg)));
    lines.length = 0;
    ollama.push('ok');
    await model.chat([{ role: 'user', content: 'a short prompt' }]);
    assert.equal(
      lines.some((line) => /probably truncated/.test(line.msg)),
      false,
    );
  });
});

describe('scripted Ollama server', () => {
  it('refuses a chat request without options.num_ctx, and an unknown model with 404, as a strict Ollama', async () => {
    const ollama = await startScriptedOllama({ script: ['never sent'] });
    try {
      const missing = await fetch(`${ollama.url}/api/chat`, {
        method: 'POST',
        body: JSON.stringify({ model: 'qwen2.5-coder:1.5b', messages: [{ role: 'user', content: 'x' }] }),
      });
      assert.equal(missing.status, 400);
      assert.match(((await missing.json()) as { error: string }).error, /num_ctx/);
      const unknown = await fetch(`${ollama.url}/api/chat`, {
        method: 'POST',
        body: JSON.stringify({ model: 'nope', messages: [], options: { num_ctx: 4096 } }),
      });
      assert.equal(unknown.status, 404);
      assert.match(((await unknown.json()) as { error: string }).error, /try pulling it first/);
      assert.equal(ollama.remaining(), 1, 'no scripted reply was used');
      const tags = (await (await fetch(`${ollama.url}/api/tags`)).json()) as {
        models: Array<{ name: string }>;
      };
      assert.deepEqual(
        tags.models.map((entry) => entry.name),
        ['qwen2.5-coder:1.5b'],
      );
    } finally {
      await ollama.close();
    }
  });

  it('refuses a num_ctx other than the one the model was loaded with, until unload()', async () => {
    const ollama = await startScriptedOllama({ script: ['first', 'second'] });
    const chat = (numCtx: number) =>
      fetch(`${ollama.url}/api/chat`, {
        method: 'POST',
        body: JSON.stringify({
          model: 'qwen2.5-coder:1.5b',
          stream: false,
          messages: [{ role: 'user', content: 'x' }],
          options: { num_ctx: numCtx },
        }),
      });
    try {
      assert.equal((await chat(8_192)).status, 200);
      const reloaded = await chat(4_096);
      assert.equal(reloaded.status, 400);
      assert.match(
        ((await reloaded.json()) as { error: string }).error,
        /num_ctx 4096 differs from the 8192 .* Ollama would reload the model/,
      );
      assert.equal(ollama.remaining(), 1, 'the refused request used no reply');
      ollama.unload();
      assert.equal((await chat(4_096)).status, 200);
    } finally {
      await ollama.close();
    }
  });

  it('answers non-streaming chat requests with one JSON object', async () => {
    const ollama = await startScriptedOllama({ script: ['plain reply'] });
    try {
      const response = await fetch(`${ollama.url}/api/chat`, {
        method: 'POST',
        body: JSON.stringify({
          model: 'qwen2.5-coder:1.5b',
          stream: false,
          messages: [{ role: 'user', content: 'x' }],
          options: { num_ctx: 4096 },
        }),
      });
      const body = (await response.json()) as { message: { content: string }; done: boolean };
      assert.equal(body.message.content, 'plain reply');
      assert.equal(body.done, true);
    } finally {
      await ollama.close();
    }
  });
});
