// The daemon's composition root: the handler exists only once the leftovers of a crashed run are gone, so
// the first task's fresh container cannot be removed by a clean-up still running beside it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import pino from 'pino';
import { loadSettings } from '../../worker/core/settings.ts';
import { createTaskHandler } from '../../worker/daemon/compose.ts';
import { createFakeSandboxProvider } from '../support/fake-sandbox.ts';

const workDir = mkdtempSync(join(tmpdir(), 'cw-job-handler-'));
after(() => rmSync(workDir, { recursive: true, force: true }));

describe('createTaskHandler', () => {
  it('returns the handler only after the leftover containers have been removed', async () => {
    const settings = loadSettings({ CW_WORK_DIR: workDir, GITHUB_TOKEN: 'test-token-not-a-secret' });
    const sandboxProvider = createFakeSandboxProvider();
    let release: (removed: number) => void = () => {};
    sandboxProvider.removeOrphans = () => new Promise((resolve) => (release = resolve));

    let ready = false;
    const handler = Promise.resolve(
      createTaskHandler(settings, pino({ level: 'silent' }), { sandboxProvider }),
    ).then((value) => {
      ready = true;
      return value;
    });
    for (let i = 0; i < 5; i += 1) await tick();
    assert.equal(ready, false, 'the handler was handed out while the orphan clean-up was still running');

    release(2);
    assert.equal(typeof (await handler).handle, 'function');
    assert.equal(ready, true);
  });
});
