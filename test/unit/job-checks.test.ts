// The doctor lines of the job (worker/daemon/compose.ts): each runner's own dependencies are checked.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type Docker from 'dockerode';
import { pino } from 'pino';
import { loadSettings } from '../../worker/core/settings.ts';
import { jobChecks } from '../../worker/daemon/compose.ts';
import type { CheckResult } from '../../worker/daemon/doctor-check.ts';

/** An engine that answers nothing: every Docker line reports itself as failed, without a real engine. */
const unreachable = (() => {
  const refuse = async () => {
    throw new Error('connect ENOENT /var/run/docker.sock');
  };
  return { version: refuse, ping: refuse, getImage: () => ({ inspect: refuse }) } as unknown as Docker;
})();

async function lineNames(env: Record<string, string>): Promise<string[]> {
  // Port 1 refuses at once: the Ollama line fails fast; no GitHub credentials: that line needs no network.
  const settings = loadSettings({ OLLAMA_HOST: 'http://127.0.0.1:1', ...env });
  const results = await Promise.all(
    jobChecks(settings, pino({ level: 'silent' }), unreachable).map((check) => check()),
  );
  return results.flat().map((line: CheckResult) => line.name);
}

describe('jobChecks', () => {
  it('checks the OpenHands image and Docker socket, not Ollama, for CW_RUNNER=openhands', async () => {
    const names = await lineNames({ CW_RUNNER: 'openhands', CW_OPENHANDS_DOCKER_SOCKET: 'none' });
    assert.ok(names.includes('OpenHands image'), names.join(', '));
    assert.ok(names.includes('OpenHands Docker socket'), names.join(', '));
    assert.ok(!names.some((name) => /ollama|model/i.test(name)), names.join(', '));
  });

  it('checks Ollama and the model, not OpenHands, for the built-in runner', async () => {
    const names = await lineNames({});
    assert.ok(!names.some((name) => name.startsWith('OpenHands')), names.join(', '));
    assert.ok(
      names.some((name) => /ollama/i.test(name)),
      names.join(', '),
    );
  });
});
