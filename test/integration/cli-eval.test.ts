// `codingworker eval` end to end: the real CLI as a subprocess on a three-task suite made from
// eval/quixbugs-python, the oracle model double (the known fixes over the Ollama API) driving the pipeline
// and the shell strategy, the REAL job pipeline and Docker sandbox, and the hidden tests run in the
// sandbox. One task gets a wrong change: 2/3 solved, with its why.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { LABEL_WORKER } from '../../worker/sandbox/sandbox.ts';
import { launcherRoot, settled } from '../support/cli-launcher.ts';
import { oracleAnswer, oracleTasksFromSuite } from '../support/oracle-model.ts';
import { type ChatRequest, type ScriptedReply, startScriptedOllama } from '../support/scripted-ollama.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const SOURCE_SUITE = join(ROOT, 'eval', 'quixbugs-python');
/** Three QuixBugs tasks whose buggy programs fail fast (no hang): the first one gets a wrong fix. */
const TASKS = ['hanoi', 'kheapsort', 'to_base'];

/** The oracle double (test/support/oracle-model.ts) answers with each task's fix/, but `hanoi` gets a wrong change. */
async function oracle(suiteDir: string) {
  return oracleAnswer(await oracleTasksFromSuite(suiteDir), { wrong: new Set(['hanoi']) });
}

describe('codingworker eval (real CLI, scripted model, real Docker sandbox)', { timeout: 240_000 }, () => {
  let scratch: string;
  let cliRoot: string;
  let suiteDir: string;
  before(async () => {
    await new Docker()
      .getImage('codingworker-sandbox:latest')
      .inspect()
      .catch(() => {
        throw new Error('the sandbox image is missing: run codingworker sandbox build');
      });
    scratch = mkdtempSync(join(tmpdir(), 'cw-eval-it-'));
    cliRoot = launcherRoot(join(scratch, 'cli'));
    suiteDir = join(scratch, 'three');
    for (const part of ['suite.json', 'LICENSE', 'repo']) {
      cpSync(join(SOURCE_SUITE, part), join(suiteDir, part), { recursive: true });
    }
    for (const id of TASKS) {
      cpSync(join(SOURCE_SUITE, 'tasks', id), join(suiteDir, 'tasks', id), { recursive: true });
    }
  });
  after(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  async function codingworker(
    args: string[],
    answer: ((request: ChatRequest) => string | ScriptedReply) | undefined,
    workerId: string,
    /** Sent once the model has been asked something, as a person pressing Ctrl-C would. */
    interrupt?: NodeJS.Signals,
  ) {
    const ollama = await startScriptedOllama({ answer });
    const workDir = mkdtempSync(join(scratch, 'work-'));
    try {
      const running = run(process.execPath, [join(cliRoot, 'bin', 'codingworker.js'), 'eval', ...args], {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: scratch,
          OLLAMA_HOST: ollama.url,
          CW_WORK_DIR: workDir,
          CW_WORKER_ID: workerId,
          CW_SANDBOX_MEMORY_MB: '512',
          CW_COMMAND_TIMEOUT: '60',
          CW_VERIFY_ROUNDS: '0',
        },
        timeout: 200_000,
      });
      if (interrupt) {
        void (async () => {
          while (ollama.chats.length === 0 && running.child.exitCode === null) await sleep(100);
          running.child.kill(interrupt);
        })();
      }
      const result = await settled(running);
      const workspaces = existsSync(join(workDir, 'workspaces'))
        ? readdirSync(join(workDir, 'workspaces'))
        : [];
      return { ...result, ollama, workspaces };
    } finally {
      await ollama.close();
    }
  }

  // The pipeline edits the file the issue names in one call; the shell loop writes it and then says done.
  for (const [strategy, calls] of [
    ['pipeline', 1],
    ['shell', 2],
  ] as const) {
    it(`scores each task by its hidden tests (${strategy}): 2/3 solved, the wrong fix failed with its why, nothing left behind`, async () => {
      const workerId = `test-eval-${strategy}-${process.pid}`;
      const jsonFile = join(scratch, 'scores.json');
      const tempBefore = readdirSync(tmpdir()).filter(
        (name) => name.startsWith('cw-eval-') && name !== scratch,
      );
      const result = await codingworker(
        ['--suite', suiteDir, '--json', jsonFile, '--strategy', strategy],
        await oracle(suiteDir),
        workerId,
      );
      assert.equal(result.code, 0, result.stderr);
      const lines = result.stdout.trim().split('\n');
      assert.equal(lines[0], 'task\tresult\tcalls\tprompt\tnew\treply\tmodel s\twall s\tother s');
      const [hanoi, kheapsort, toBase] = lines.slice(1, 4).map((line) => line.split('\t'));
      assert.deepEqual(
        [hanoi?.slice(0, 3), kheapsort?.slice(0, 3), toBase?.slice(0, 3)],
        [
          ['hanoi', 'FAILED', String(calls)],
          ['kheapsort', 'solved', String(calls)],
          ['to_base', 'solved', String(calls)],
        ],
      );
      assert.match(
        hanoi?.[9] ?? '',
        /^hidden tests failed: FAILED python_testcases\/test_hanoi\.py::test_hanoi/,
      );
      assert.equal(lines[4], 'solved 2/3 (66.7 %)');
      assert.match(
        lines[5] ?? '',
        new RegExp(
          `^median per task: ${calls} model calls?, \\d+ prompt tokens \\(\\d+ new\\), \\d+ reply tokens$`,
        ),
      );
      assert.match(
        lines[6] ?? '',
        /^median time per task: model \d+\.\d s, wall \d+\.\d s, other \d+\.\d s$/,
      );
      assert.equal(lines.length, 7);
      // Progress on stderr (not a terminal here): one line per finished task.
      assert.match(result.stderr, /eval 1\/3 hanoi: failed: hidden tests failed/);
      assert.match(result.stderr, /eval 3\/3 to_base: solved/);

      const document = JSON.parse(readFileSync(jsonFile, 'utf8'));
      assert.equal(document.suite, 'quixbugs-python');
      assert.equal(document.model, 'qwen2.5-coder:1.5b');
      assert.deepEqual(
        document.tasks.map((task: { id: string; solved: boolean }) => [task.id, task.solved]),
        [
          ['hanoi', false],
          ['kheapsort', true],
          ['to_base', true],
        ],
      );
      assert.equal(document.totals.solved, 2);
      for (const task of document.tasks) {
        assert.equal(task.modelCalls, calls);
        assert.ok(task.promptTokens > 0 && task.wallMs >= task.modelMs && task.nonModelMs >= 0);
        assert.equal(task.strategy, strategy);
      }

      // The agent never saw a hidden test: no reply or observation mentions the test file.
      assert.doesNotMatch(JSON.stringify(result.ollama.chats), /test_kheapsort|load_testdata/);
      const left = await new Docker().listContainers({
        all: true,
        filters: { label: [`${LABEL_WORKER}=${workerId}`] },
      });
      assert.deepEqual(left, [], 'no sandbox container is left');
      assert.deepEqual(result.workspaces, [], 'no workspace is left');
      const tempAfter = readdirSync(tmpdir()).filter(
        (name) => name.startsWith('cw-eval-') && !tempBefore.includes(name),
      );
      assert.deepEqual(
        tempAfter.filter((name) => join(tmpdir(), name) !== scratch),
        [],
        'no temporary folder is left',
      );
    });
  }

  it('exits 1 with one line for an unknown suite, a bad strategy, and a model that is not there', async () => {
    const unknown = await codingworker(
      ['--suite', 'no-such-suite'],
      undefined,
      `test-eval-bad-${process.pid}`,
    );
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /unknown suite "no-such-suite": known suites are .*quixbugs-python/);
    const strategy = await codingworker(
      ['--suite', suiteDir, '--strategy', 'magic'],
      undefined,
      `test-eval-bad-${process.pid}`,
    );
    assert.equal(strategy.code, 1);
    assert.match(strategy.stderr, /--strategy.*expected one of pipeline, shell, auto/);
    const model = await codingworker(
      ['--suite', suiteDir, '--model', 'missing-model:1b'],
      undefined,
      `test-eval-bad-${process.pid}`,
    );
    assert.equal(model.code, 1, model.stderr);
    assert.match(model.stderr, /Ollama model: .*missing-model:1b.*ollama pull missing-model:1b/);
    assert.equal(model.stdout, '', 'no task ran');
    assert.equal(model.ollama.chats.length, 0);
  });

  it('Ctrl-C stops the run: exit 130, the reason on stderr, no container, workspace or temporary folder left', async () => {
    const workerId = `test-eval-int-${process.pid}`;
    const tempBefore = readdirSync(tmpdir()).filter((name) => name.startsWith('cw-eval-'));
    const result = await codingworker(['--suite', suiteDir], () => ({ hang: true }), workerId, 'SIGINT');
    assert.equal(result.code, 130, result.stderr);
    assert.match(result.stderr, /codingworker eval: cancelled \(SIGINT\) after 0 of 3 tasks/);
    const left = await new Docker().listContainers({
      all: true,
      filters: { label: [`${LABEL_WORKER}=${workerId}`] },
    });
    assert.deepEqual(left, [], 'the sandbox container was removed');
    assert.deepEqual(result.workspaces, []);
    const tempAfter = readdirSync(tmpdir()).filter(
      (name) => name.startsWith('cw-eval-') && !tempBefore.includes(name),
    );
    assert.deepEqual(tempAfter, [], 'the task folder was removed');
  });
});
