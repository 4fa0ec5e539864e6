import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { DeletionPolicy } from '../../worker/job/deletion-check.ts';
import { createGit } from '../../worker/job/git.ts';
import type { RepoConfig } from '../../worker/job/repo-config.ts';
import { createVerifier } from '../../worker/job/verify.ts';
import type { ExecResult, SandboxProvider } from '../../worker/sandbox/sandbox.ts';
import { createFakeSandboxProvider } from '../support/fake-sandbox.ts';
import { createThrowawayRepo } from '../support/throwaway-repo.ts';

describe('verification', () => {
  const repo = createThrowawayRepo({ 'README.md': '# demo\n', 'app.py': 'print(1)\n' });
  after(() => repo.remove());
  const git = createGit({ author: { name: 'cw', email: 'cw@example.com' }, allowFileProtocol: true });
  let counter = 0;

  async function setup(
    options: {
      repoConfig?: RepoConfig;
      allowWorkflowChanges?: boolean;
      answer?: (c: string) => Partial<ExecResult>;
      sandboxProvider?: SandboxProvider;
      deletions?: DeletionPolicy;
    } = {},
  ) {
    const workspace = join(repo.scratch, `verify-${++counter}`);
    const cloned = await git.clone(repo.path, workspace, { branch: 'main' });
    await cloned.createBranch('auto-code/issue-1');
    const sandbox = createFakeSandboxProvider(options.answer);
    const verify = createVerifier({
      workspace,
      git: cloned,
      sandboxProvider: options.sandboxProvider ?? sandbox,
      taskId: 'owner-repo-1',
      repoConfig: options.repoConfig ?? {},
      allowWorkflowChanges: options.allowWorkflowChanges ?? false,
      ...(options.deletions ? { deletions: options.deletions } : {}),
      commandTimeoutSeconds: 30,
      feedbackLimit: 600,
    });
    const write = (path: string, text: string) => {
      mkdirSync(join(workspace, path, '..'), { recursive: true });
      writeFileSync(join(workspace, path), text);
    };
    return { verify, write, sandbox, workspace, cloned };
  }

  it('fails when nothing changed, and says so to the agent', async () => {
    const { verify, sandbox } = await setup();
    const verdict = await verify();
    assert.equal(verdict.ok, false);
    assert.deepEqual(verdict.checks, [{ name: 'changes', ok: false, detail: 'no file changed' }]);
    assert.match(verdict.feedback, /No file was changed/);
    assert.equal(sandbox.started.length, 0);
  });

  it('parses JavaScript, TypeScript, JSON and YAML in the worker, without a sandbox', async () => {
    const { verify, write, sandbox } = await setup();
    write('src/good.ts', 'export const x: number = 1;\n');
    write('src/good.js', 'export const y = () => 2;\n');
    write('src/view.tsx', 'export const V = () => <div>hi</div>;\n');
    write('data.json', '\uFEFF{"a": [1, 2]}\n');
    write('tsconfig.json', '{ // comments are fine here\n "compilerOptions": {}, }\n');
    write('config.yml', 'a: 1\nb: [x, y]\n');
    const good = await verify();
    assert.equal(good.ok, true, good.feedback);
    assert.deepEqual(
      good.checks.map((check) => `${check.name}: ${check.detail}`),
      [
        'changes: 6 files changed',
        'javascript/typescript syntax: 3 files ok',
        'json syntax: 2 files ok',
        'yaml syntax: 1 file ok',
      ],
    );
    assert.equal(sandbox.started.length, 0);

    write('src/bad.ts', 'export function f( {\n');
    write('src/bad.js', 'const a: number = 1;\n');
    write('broken.json', '{"a": }');
    write('broken.yaml', 'a: [1, 2\nb: c: d\n');
    const bad = await verify();
    assert.equal(bad.ok, false);
    const failed = bad.checks.filter((check) => !check.ok).map((check) => check.name);
    assert.deepEqual(failed, ['javascript/typescript syntax', 'json syntax', 'yaml syntax']);
    const scripts = bad.checks.find((check) => check.name === 'javascript/typescript syntax')!.detail;
    assert.match(scripts, /src\/bad\.ts:\d+:\d+: /);
    assert.match(scripts, /src\/bad\.js:1:\d+: .*TypeScript files/);
    assert.match(bad.feedback, /^Verification failed/);
    assert.match(bad.feedback, /broken\.json/);
    assert.ok(bad.feedback.length <= 600, 'feedback is bounded');
  });

  it('checks Python and shell inside the sandbox, with file names quoted as single words', async () => {
    const { verify, write, sandbox } = await setup({
      answer: (command) =>
        command.startsWith('python3') ? { exitCode: 1, stdout: "./it's.py:1: invalid syntax\n" } : {},
    });
    write("it's.py", 'def f(:\n');
    write('run.sh', 'echo ok\n');
    write('bin/tool', '#!/usr/bin/env bash\necho tool\n');
    write('-rf.py', 'x = 1\n');
    const verdict = await verify();
    assert.equal(sandbox.started.length, 1);
    assert.equal(sandbox.destroyed, 1);
    const [python, shell] = sandbox.executions;
    assert.match(python!.command, /^python3 -B -c '/);
    assert.ok(python!.command.endsWith(` './-rf.py' './it'\\''s.py'`), python!.command);
    assert.match(shell!.command, /bash -n -- "\$f"/);
    assert.ok(shell!.command.includes(`'./bin/tool'`) && shell!.command.includes(`'./run.sh'`));
    assert.equal(python!.timeoutMs, 30_000);
    assert.equal(verdict.ok, false);
    assert.deepEqual(
      verdict.checks.map((check) => [check.name, check.ok]),
      [
        ['changes', true],
        ['python syntax', false],
        ['shell syntax', true],
      ],
    );
    assert.match(verdict.feedback, /it's\.py:1: invalid syntax/);
  });

  it("runs the repository's test command in the sandbox with its timeout, capped by the command timeout", async () => {
    const failing = await setup({
      repoConfig: { test: 'make test', timeout: 600 },
      answer: (command) =>
        command === 'make test' ? { exitCode: 2, stdout: `${'x'.repeat(5_000)}\nFAILED test_one` } : {},
    });
    failing.write('notes.txt', 'no parser for this\n');
    const verdict = await failing.verify();
    assert.deepEqual(failing.sandbox.executions, [{ command: 'make test', timeoutMs: 30_000 }]);
    assert.equal(verdict.ok, false);
    const test = verdict.checks.find((check) => check.name === 'test command')!;
    assert.match(test.detail, /^exit 2\n/);
    assert.match(test.detail, /FAILED test_one$/, 'the tail of the output is kept');
    assert.ok(test.detail.length < 1_700);

    const passing = await setup({ repoConfig: { test: 'true', timeout: 5 } });
    passing.write('notes.txt', 'x\n');
    const ok = await passing.verify();
    assert.equal(ok.ok, true);
    assert.deepEqual(passing.sandbox.executions, [{ command: 'true', timeoutMs: 5_000 }]);
    assert.deepEqual(ok.checks.at(-1), { name: 'test command', ok: true, detail: 'true: exit 0' });
  });

  it('removes files the test command created, so they are neither committed nor taken for the change', async () => {
    let workspace = '';
    const run = await setup({
      repoConfig: { test: 'pytest' },
      answer: (command) => {
        if (command === 'pytest') {
          mkdirSync(join(workspace, '__pycache__'), { recursive: true });
          writeFileSync(join(workspace, '__pycache__', 'app.cpython-311.pyc'), 'bytecode');
          writeFileSync(join(workspace, '.coverage'), 'data');
        }
        return {};
      },
    });
    workspace = run.workspace;
    run.write('feature.txt', 'the agent wrote this\n');
    const verdict = await run.verify();
    assert.equal(verdict.ok, true);
    assert.deepEqual(
      (await run.cloned.changedFiles()).map((file) => file.path),
      ['feature.txt'],
    );
    assert.equal(existsSync(join(workspace, '.coverage')), false);
  });

  it('fails a change that deletes most of the repository, with the count, unless the label allows it', async () => {
    const deletions = { baseFiles: 2, allowedBySetting: false, labels: ['auto-code'] };
    const { verify, workspace } = await setup({ deletions });
    rmSync(join(workspace, 'app.py'));
    rmSync(join(workspace, 'README.md'));
    const verdict = await verify();
    assert.equal(verdict.ok, false);
    const check = verdict.checks.find((candidate) => candidate.name === 'deletions');
    assert.match(check?.detail ?? '', /^2 of the 2 files in the repository would be deleted/);
    assert.match(verdict.feedback, /restore them/);

    const labelled = await setup({
      deletions: { ...deletions, labels: ['auto-code', 'allow-mass-deletion'] },
    });
    rmSync(join(labelled.workspace, 'app.py'));
    rmSync(join(labelled.workspace, 'README.md'));
    assert.equal((await labelled.verify()).ok, true);
  });

  it('refuses a symbolic link that points outside the repository, and accepts one inside', async () => {
    const { verify, write, workspace } = await setup();
    write('manual/guide.md', '# guide\n');
    symlinkSync('guide.md', join(workspace, 'manual', 'latest.md'));
    const inside = await verify();
    assert.equal(inside.ok, true, inside.feedback);
    assert.ok(
      inside.checks.some(
        (check) => check.name === 'links' && /manual\/latest\.md -> guide\.md/.test(check.detail),
      ),
    );

    symlinkSync('/etc/passwd', join(workspace, 'passwd'));
    symlinkSync('../../../outside', join(workspace, 'manual', 'escape'));
    const outside = await verify();
    assert.equal(outside.ok, false);
    const links = outside.checks.find((check) => check.name === 'links')!;
    assert.equal(links.ok, false);
    assert.match(
      links.detail,
      /point outside the repository: manual\/escape -> \.\.\/\.\.\/\.\.\/outside, passwd -> \/etc\/passwd/,
    );
    assert.match(outside.feedback, /remove them/);
  });

  it('refuses changes under .github/workflows/ unless allowed', async () => {
    const refused = await setup();
    refused.write('.github/workflows/ci.yml', 'on: push\njobs: {}\n');
    const verdict = await refused.verify();
    assert.equal(verdict.ok, false);
    assert.match(verdict.feedback, /\.github\/workflows\/ are not allowed \(\.github\/workflows\/ci\.yml\)/);
    assert.match(verdict.feedback, /CW_ALLOW_WORKFLOW_CHANGES=true/);

    const allowed = await setup({ allowWorkflowChanges: true });
    allowed.write('.github/workflows/ci.yml', 'on: push\njobs: {}\n');
    assert.equal((await allowed.verify()).ok, true);
  });

  it('stops a long test command as soon as the signal aborts, and removes its sandbox', async () => {
    // The fake, like the Docker sandbox, runs a hanging command until its timeout (30 s) or the abort,
    // which comes once the test command is running (not after a fixed delay: a slow machine may not have
    // reached it yet).
    const controller = new AbortController();
    const reason = new Error('the task ran longer than 3600 s');
    const provider = createFakeSandboxProvider((command) => {
      if (command !== 'sleep 1000') return {};
      setTimeout(() => controller.abort(reason), 50);
      return 'hang';
    });
    const run = await setup({ repoConfig: { test: 'sleep 1000' }, sandboxProvider: provider });
    run.write('feature.txt', 'x\n');
    const started = performance.now();
    await assert.rejects(run.verify(controller.signal), reason);
    assert.ok(performance.now() - started < 5_000, `took ${Math.round(performance.now() - started)} ms`);
    assert.deepEqual([provider.started.length, provider.destroyed], [1, 1]);

    const before = provider.started.length;
    await assert.rejects(run.verify(AbortSignal.abort(reason)), reason);
    assert.equal(provider.started.length, before, 'an aborted verification starts no sandbox');
  });
});
