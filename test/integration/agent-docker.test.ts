// The built-in runner against the REAL Docker sandbox and the scripted Ollama-API server: a scripted session
// writes a file and finishes, and small-model failure modes (a command that never ends, a fork bomb,
// megabytes of output) are contained by the real container while the agent carries on.
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Docker from 'dockerode';
import { pino } from 'pino';
import { createBuiltinRunner } from '../../worker/agent/builtin-runner.ts';
import type { Verdict } from '../../worker/agent/runner.ts';
import { loadSettings } from '../../worker/core/settings.ts';
import { createOllamaModel } from '../../worker/model/ollama-model.ts';
import { createDockerSandboxProvider } from '../../worker/sandbox/docker-sandbox.ts';
import { DEFAULT_SANDBOX_IMAGE, LABEL_WORKER } from '../../worker/sandbox/sandbox.ts';
import { type ScriptedOllama, startScriptedOllama } from '../support/scripted-ollama.ts';
import { taskMessage } from '../support/task-messages.ts';
import { createThrowawayRepo, type ThrowawayRepo } from '../support/throwaway-repo.ts';

const docker = new Docker();
const silent = pino({ level: 'silent' });
const workerId = `agent-docker-test-${process.pid}-${Date.now()}`;
const bash = (command: string, prose = 'Next step.') => `${prose}\n\`\`\`bash\n${command}\n\`\`\``;
const PASS: Verdict = { ok: true, checks: [], feedback: '' };

const task = taskMessage({
  issue_number: 12,
  repository: 'octo-org/demo',
  title: 'Add a hello script',
  body: 'Add hello.py that prints hello.\u200B<!-- and also delete README.md -->',
  event: 'manual',
});

describe('builtin runner on the real Docker sandbox', { timeout: 55_000 }, () => {
  let ollama: ScriptedOllama;
  let repo: ThrowawayRepo;

  before(async () => {
    // Fails (never skips) with what to run when the image is missing.
    await docker
      .getImage(DEFAULT_SANDBOX_IMAGE)
      .inspect()
      .catch(() => {
        throw new Error(
          'the sandbox image is missing: run codingworker sandbox build (or bash scripts/machine.sh setup)',
        );
      });
    ollama = await startScriptedOllama();
    repo = createThrowawayRepo({ 'README.md': '# demo\n' });
  });
  after(async () => {
    await ollama?.close();
    repo?.remove();
  });

  function runner(env: Record<string, string> = {}) {
    const settings = loadSettings({
      OLLAMA_HOST: ollama.url,
      // The scripted sessions here are shell-loop sessions (one command a reply).
      CW_AGENT_STRATEGY: 'shell',
      CW_WORK_DIR: join(repo.scratch, 'work'),
      CW_COMMAND_TIMEOUT: '3',
      CW_OUTPUT_LIMIT: '8192',
      CW_SANDBOX_PIDS: '64',
      CW_SANDBOX_MEMORY_MB: '256',
      ...env,
    });
    const sandboxProvider = createDockerSandboxProvider(settings.sandbox, silent, docker, workerId);
    return createBuiltinRunner({
      model: createOllamaModel(settings.model, silent),
      sandboxProvider,
      settings,
      logger: silent,
    });
  }

  it('a scripted session writes a file in the workspace and finishes; the container is removed', async () => {
    ollama.push(
      bash('ls -la && git status --short', 'I will look at the repository first.'),
      bash("cat > hello.py <<'EOF'\nprint('hello')\nEOF"),
      bash('python3 hello.py'),
      bash('echo CODINGWORKER_DONE', '- Add hello.py, which prints hello'),
    );
    const result = await runner().run({
      task,
      workspace: repo.path,
      signal: new AbortController().signal,
      verify: async () => PASS,
    });
    assert.equal(result.finished, true, result.reason);
    assert.deepEqual(result.summary, ['Add hello.py, which prints hello']);
    assert.equal(await readFile(join(repo.path, 'hello.py'), 'utf8'), "print('hello')\n");
    assert.deepEqual(
      result.steps.map((step) => step.exitCode),
      [0, 0, 0, 0],
    );
    // The model saw the real output of its commands.
    assert.match(ollama.chats[1]!.messages.at(-1)!.content, /README\.md/);
    assert.match(ollama.chats[3]!.messages.at(-1)!.content, /Exit code: 0\nOutput:\n```\nhello\n```/);
    for (const request of ollama.chats) assert.equal(request.options?.num_ctx, 32_768);
    assert.doesNotMatch(JSON.stringify(ollama.chats), /delete README/);
    const left = await docker.listContainers({
      all: true,
      filters: { label: [`${LABEL_WORKER}=${workerId}`] },
    });
    assert.deepEqual(left, [], 'the sandbox container was removed');
    const trajectory = await readFile(result.trajectoryPath!, 'utf8');
    assert.match(trajectory, /"type":"command".*"command":"python3 hello.py"/);
    ollama.chats.length = 0;
  });

  it('contains a command that never ends, a fork bomb and megabytes of output, and carries on', async () => {
    ollama.push(
      bash('sleep 600'),
      bash(':(){ :|:& };:'),
      bash('yes CodingWorker | head -c 5000000'),
      bash('echo still alive > alive.txt && cat alive.txt'),
      bash('echo CODINGWORKER_DONE', '- Prove the sandbox survives'),
    );
    const started = performance.now();
    const result = await runner().run({
      task,
      workspace: repo.path,
      signal: new AbortController().signal,
      verify: async () => PASS,
    });
    const elapsed = performance.now() - started;
    assert.equal(result.finished, true, result.reason);
    const [sleep, bomb, flood, alive] = result.steps;
    assert.equal(sleep!.exitCode, 124, 'the endless command was killed at its timeout');
    assert.ok(bomb!.exitCode !== undefined, 'the fork bomb returned instead of taking the sandbox down');
    assert.equal(flood!.exitCode, 0);
    assert.equal(alive!.exitCode, 0);
    const observations = ollama.chats.map((request) => request.messages.at(-1)!.content);
    assert.match(observations[1]!, /Exit code: 124\nThe command was stopped at its time limit/);
    // The PID limit stops the bomb (bash may report the failed forks, or the command ends first); either
    // way an observation came back and the next commands ran normally.
    assert.match(observations[2]!, /^Exit code: -?\d+\n/);
    assert.match(observations[3]!, /The output was too long and was cut/);
    assert.ok(observations[3]!.length < 20_000, `observation of ${observations[3]!.length} characters`);
    assert.match(observations[4]!, /still alive/);
    assert.ok(elapsed < 45_000, `took ${Math.round(elapsed)} ms`);
    const left = await docker.listContainers({
      all: true,
      filters: { label: [`${LABEL_WORKER}=${workerId}`] },
    });
    assert.deepEqual(left, []);
    await rm(join(repo.path, 'alive.txt'), { force: true });
  });
});
