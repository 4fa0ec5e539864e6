// Two real `codingworker start` processes on one CW_WORK_DIR: the embedded queue's state is shared there,
// so the second must refuse, naming the setting; a kill -9'd daemon's lock must not block the next start.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { CLI_ENTRY, type DaemonProcess, fastDaemonEnv, spawnDaemon } from '../support/daemon-process.ts';
import { freePort } from '../support/free-port.ts';

const started: DaemonProcess[] = [];
afterEach(async () => {
  for (const daemon of started.splice(0)) {
    if (daemon.child.exitCode === null && daemon.child.signalCode === null) daemon.child.kill('SIGKILL');
    await daemon.exited;
  }
});

/** A `codingworker start` on the embedded queue, on its own queue port: only the work directory is shared. */
async function start(workDir: string): Promise<DaemonProcess> {
  const env = fastDaemonEnv({ CW_WORK_DIR: workDir, CW_EMBEDDED_QUEUE_PORT: String(await freePort()) });
  const daemon = spawnDaemon(env, [CLI_ENTRY, 'start']);
  started.push(daemon);
  return daemon;
}

const polling = (line: { message: string }) => line.message === 'polling the task queue';

describe('one daemon per work directory', () => {
  test('a second start on the same CW_WORK_DIR refuses and names the setting; the first keeps running', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'cw-lock-'));
    const first = await start(workDir);
    await first.waitForLine(polling);
    const second = await start(workDir);
    const exit = await Promise.race([
      second.exited,
      new Promise((resolve) => setTimeout(resolve, 10_000, 'running')),
    ]);
    assert.equal(exit, 1, `the second daemon did not refuse:\n${second.stderr()}`);
    assert.match(
      second.stderr(),
      new RegExp(
        `CW_WORK_DIR ${workDir} is in use by another codingworker start \\(pid ${first.child.pid} .*\\): .*own CW_WORK_DIR`,
      ),
    );
    assert.equal(first.child.exitCode, null, 'the first daemon stopped');
  });

  test("a kill -9'd daemon's lock does not block the next start", async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'cw-lock-'));
    const first = await start(workDir);
    await first.waitForLine(polling);
    first.child.kill('SIGKILL');
    await first.exited;
    const next = await start(workDir);
    await next.waitForLine(polling, 10_000);
  });

  test('different work directories run side by side', async () => {
    const one = await start(mkdtempSync(join(tmpdir(), 'cw-lock-')));
    const two = await start(mkdtempSync(join(tmpdir(), 'cw-lock-')));
    await Promise.all([one.waitForLine(polling), two.waitForLine(polling)]);
  });
});
