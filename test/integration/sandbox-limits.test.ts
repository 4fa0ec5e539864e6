// The sandbox's limits against the real Docker engine: what small models really do (fork bombs, endless
// commands, megabytes of output, memory hogs) is contained, and the container answers afterwards.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createDockerSandboxProvider } from '../../worker/sandbox/docker-sandbox.ts';
import type { Sandbox } from '../../worker/sandbox/sandbox.ts';
import {
  docker,
  removeTestContainers,
  requireImage,
  sandboxSettings,
  silent,
  testWorkerId,
} from '../support/sandbox-fixtures.ts';

// Whatever a failed assertion left running goes, so a red run does not leak containers.
after(() => removeTestContainers());

describe('sandbox limits', () => {
  const settings = sandboxSettings({
    memoryMb: 200,
    pids: 64,
    outputLimitBytes: 4_096,
    commandTimeoutSeconds: 20,
  });
  const provider = createDockerSandboxProvider(settings, silent, docker, testWorkerId('limits'));
  let workspace: string;
  let sandbox: Sandbox;

  before(async () => {
    await requireImage();
    workspace = await mkdtemp(join(tmpdir(), 'cw-sandbox-ws-'));
    sandbox = await provider.start({ taskId: 'limits-1', workspace });
  });

  after(async () => {
    await sandbox?.destroy();
    await rm(workspace, { recursive: true, force: true });
  });

  const answers = async () => {
    const result = await sandbox.exec('echo alive; ps -e --no-headers | wc -l');
    assert.equal(result.exitCode, 0, result.stderr);
    const [word, processes] = result.stdout.trim().split('\n');
    assert.equal(word, 'alive');
    // PID 1, the wrapper, bash, ps and wc: nothing left over from earlier commands.
    assert.ok(Number(processes) <= 6, `leftover processes: ${processes}`);
  };

  test('exit codes, stdout and stderr come back separately', async () => {
    const result = await sandbox.exec('echo out; echo err >&2; exit 3');
    assert.deepEqual(
      { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr, timedOut: result.timedOut },
      { exitCode: 3, stdout: 'out\n', stderr: 'err\n', timedOut: false },
    );
    assert.equal(result.truncated, false);
  });

  test('megabytes of output come back capped, head and tail kept, the cut noted', async () => {
    const result = await sandbox.exec(
      'echo FIRST; head -c 3000000 /dev/zero | tr "\\0" x; echo; echo LAST; seq 1 200000 >&2',
    );
    assert.equal(result.exitCode, 0);
    assert.equal(result.truncated, true);
    assert.ok(result.stdout.startsWith('FIRST\nxxx'));
    assert.ok(result.stdout.endsWith('xxx\nLAST\n'));
    assert.match(result.stdout, /\[CodingWorker: \d+ bytes of output cut here\]/);
    assert.ok(result.stdout.length < 4_096 + 100, `stdout is ${result.stdout.length} characters`);
    assert.ok(result.stderr.startsWith('1\n2\n3\n'));
    assert.ok(result.stderr.endsWith('199999\n200000\n'));
    assert.ok(result.stderr.length < 4_096 + 100);
  });

  test('a command that never ends is killed at its timeout, and the next command works', async () => {
    const result = await sandbox.exec('echo started; sleep 1000', { timeoutMs: 1_000 });
    assert.equal(result.timedOut, true);
    assert.equal(result.exitCode, 124);
    assert.equal(result.stdout, 'started\n');
    assert.match(result.stderr, /killed after its 1 s timeout/);
    // Upper bounds leave room for a loaded CI machine (other suites run Docker too).
    assert.ok(result.durationMs >= 1_000 && result.durationMs < 6_000, `took ${result.durationMs} ms`);
    await answers();
  });

  test('a command ignoring SIGTERM is killed anyway', async () => {
    const result = await sandbox.exec('trap "" TERM; while :; do sleep 0.1; done', { timeoutMs: 500 });
    assert.equal(result.timedOut, true);
    assert.ok(result.durationMs < 5_000, `took ${result.durationMs} ms`);
    await answers();
  });

  test('when the in-container timeout cannot act, the host kills the command', async () => {
    // Stop the wrapper shell (the parent of `timeout`): only the host-side backstop can end this exec now.
    const result = await sandbox.exec('kill -STOP "$(ps -o ppid= -p "$PPID")"; sleep 100', {
      timeoutMs: 500,
    });
    assert.equal(result.timedOut, true);
    assert.equal(result.exitCode, 124);
    assert.ok(result.durationMs >= 5_000 && result.durationMs < 12_000, `took ${result.durationMs} ms`);
    await answers();
  });

  test('nothing a command starts outlives it: background jobs and setsid escapees are gone', async () => {
    const result = await sandbox.exec(
      'sleep 300 & setsid sleep 300 & nohup sleep 300 >/dev/null 2>&1 & echo started',
    );
    assert.equal(result.exitCode, 0);
    assert.ok(result.durationMs < 5_000, `took ${result.durationMs} ms`);
    await answers();
  });

  test('a fork bomb is contained by the PID limit and the container still answers', async () => {
    const bomb = await sandbox.exec('bomb() { bomb | bomb & }; bomb; sleep 3; echo done', {
      timeoutMs: 8_000,
    });
    assert.match(bomb.stderr, /fork: (retry: )?Resource temporarily unavailable/);
    const info = await docker.getContainer(sandbox.id).inspect();
    assert.equal(info.State.Running, true);
    await answers();
  });

  test('the memory limit holds: a 1 GB allocation fails inside a 200 MB sandbox', async () => {
    const result = await sandbox.exec('python3 -c "b = bytearray(1024 * 1024 * 1024); print(len(b))"');
    assert.notEqual(result.exitCode, 0);
    assert.doesNotMatch(result.stdout, /1073741824/);
    assert.match(result.stderr, /MemoryError|killed for using more than the sandbox's 200 MB/);
    await answers();
    // A later kill -9 is not blamed on memory.
    const killed = await sandbox.exec('kill -9 $$');
    assert.equal(killed.exitCode, 137);
    assert.doesNotMatch(killed.stderr, /memory/);
    // The wrapper's own job notices ("line 1: 12 Killed  timeout ...") would only confuse the model.
    assert.doesNotMatch(result.stderr + killed.stderr, /Killed/);
  });

  test('an aborted task stops the running command', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('task timeout')), 300);
    const started = Date.now();
    await assert.rejects(sandbox.exec('sleep 100', { signal: controller.signal }), /task timeout/);
    assert.ok(Date.now() - started < 3_000);
    await answers();
  });

  test('commands run one at a time, in order', async () => {
    const [first, second] = await Promise.all([
      sandbox.exec('sleep 0.3; echo one >> /tmp/order'),
      sandbox.exec('echo two >> /tmp/order; cat /tmp/order'),
    ]);
    assert.equal(first.exitCode, 0);
    assert.equal(second.stdout, 'one\ntwo\n');
  });
});
