// The job pipeline (worker/job/pipeline.ts) with the GitHub forge against the GitHub test server: the same wiring
// `codingworker start` and `codingworker run` use, with a scripted runner in place of the model and
// sandbox. One task ends in a pushed branch, one PR with the template and `Resolves #N`, a finished
// comment and a status; the same message again changes nothing.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import type { Runner } from '../../worker/agent/runner.ts';
import { loadSettings } from '../../worker/core/settings.ts';
import { createGitHubClient } from '../../worker/forge/github-client.ts';
import { createGitHubForge } from '../../worker/forge/github-forge.ts';
import { runJob } from '../../worker/job/pipeline.ts';
import { createFakeSandboxProvider } from '../support/fake-sandbox.ts';
import { type ForgeFixture, FULL_NAME, startForgeFixture } from '../support/github-forge-fixture.ts';

/** Writes one file and reports two steps, as the agent would; verification is not part of this test. */
const scriptedRunner: Runner = {
  async run({ workspace, onProgress }) {
    onProgress?.({ step: 1, lastAction: 'cat src/app.py' });
    await writeFile(join(workspace, 'src', 'hello.py'), 'def hello():\n    return "hello"\n');
    onProgress?.({ step: 2, lastAction: 'write src/hello.py' });
    return {
      finished: true,
      reason: 'done',
      summary: ['add hello()'],
      steps: [
        { step: 1, action: 'cat src/app.py', exitCode: 0 },
        { step: 2, action: 'write src/hello.py', exitCode: 0 },
      ],
      verdict: { ok: true, checks: [{ name: 'python syntax', ok: true, detail: '1 file ok' }], feedback: '' },
      verifyRounds: 1,
      strategy: 'shell',
      modelCalls: 2,
      promptTokens: 100,
      newPromptTokens: 60,
      modelMs: 900,
      completionTokens: 20,
      durationMs: 5,
    };
  },
};

describe('the job pipeline with the GitHub forge', () => {
  let fixture: ForgeFixture;
  let workDir: string;

  before(async () => {
    fixture = await startForgeFixture();
    workDir = await mkdtemp(join(tmpdir(), 'cw-pipeline-'));
  });
  after(async () => {
    await fixture.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it('ends in one PR, a finished comment and a status; a redelivery changes nothing', async () => {
    const { server } = fixture;
    const settings = loadSettings({
      GITHUB_API_URL: server.url,
      GITHUB_TOKEN: fixture.token,
      CW_WORK_DIR: workDir,
      CW_PR_LANGUAGE: 'en',
    });
    const logger = pino({ level: 'silent' });
    const client = createGitHubClient(settings.github, logger, { timeScale: 0.001 });
    const forge = createGitHubForge({
      settings: settings.github,
      client,
      logger,
      workerId: settings.workerId,
    });
    // The repository has no test command, so no sandbox may start.
    const sandboxProvider = createFakeSandboxProvider();
    const deps = {
      settings,
      forge,
      runner: scriptedRunner,
      sandboxProvider,
    };
    const context = { signal: new AbortController().signal, logger };
    const task = fixture.task();

    const result = await runJob(task, deps, context);
    assert.equal(result.status, 'completed', result.detail);
    assert.equal(sandboxProvider.started.length, 0);
    const repo = server.repository(FULL_NAME);
    assert.equal(repo.pulls.length, 1);
    const pull = repo.pulls[0]!;
    assert.equal(pull.title, '[auto-code] Add a greeting');
    assert.match(pull.body, /Resolves #1/);
    assert.match(pull.body, /src\/hello\.py/);
    assert.equal(await server.branchSha(FULL_NAME, 'auto-code/issue-1'), result.commitSha);
    assert.equal(repo.comments.length, 1);
    assert.match(repo.comments[0]!.body, /✅ pull request opened/);
    assert.deepEqual(
      repo.statuses.map((status) => status.state),
      ['pending', 'success'],
    );

    const writes = () => server.requests.filter((request) => request.method !== 'GET').length;
    const before = writes();
    const again = await runJob(task, deps, context);
    assert.equal(again.status, 'already-done');
    assert.equal(again.url, result.url);
    assert.equal(writes(), before);
    assert.deepEqual(server.violations, []);
  });
});
