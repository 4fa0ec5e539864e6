// loadSuite: the folder format of docs/eval.md, and errors that name the file and what to change.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadSuite } from '../../worker/eval/suite.ts';

const scratch = mkdtempSync(join(tmpdir(), 'cw-eval-suite-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A suite folder from a map of relative path -> content. */
function suiteDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(scratch, 'suite-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

const header = JSON.stringify({ name: 'tiny', description: 'two tasks', licence: 'LICENSE', source: 'here' });
const good = {
  'suite.json': header,
  LICENSE: 'MIT\n',
  'repo/app.py': 'x = 1\n',
  'tasks/b-task/issue.md': '# Second title\n\nSecond body.\n',
  'tasks/b-task/task.json': JSON.stringify({ test: 'python3 t.py' }),
  'tasks/b-task/repo/own.py': 'y = 2\n',
  'tasks/a-task/issue.md': '# First `title`\nLine one.\n\nLine two.\n',
  'tasks/a-task/task.json': JSON.stringify({ test: 'python3 -m pytest -q', timeoutSeconds: 30 }),
  'tasks/a-task/hidden/test_app.py': 'assert True\n',
  'tasks/a-task/fix/app.py': 'x = 2\n',
};

describe('loadSuite', () => {
  it('reads the tasks in id order, with title, body, test, time limit and the folders each has', async () => {
    const dir = suiteDir(good);
    const suite = await loadSuite(dir);
    assert.equal(suite.name, 'tiny');
    assert.equal(suite.dir, dir);
    assert.deepEqual(
      suite.tasks.map((task) => task.id),
      ['a-task', 'b-task'],
    );
    const [a, b] = suite.tasks;
    assert.deepEqual(a, {
      id: 'a-task',
      title: 'First `title`',
      body: 'Line one.\n\nLine two.',
      test: 'python3 -m pytest -q',
      timeoutSeconds: 30,
      repoDir: join(dir, 'repo'),
      hiddenDir: join(dir, 'tasks', 'a-task', 'hidden'),
      fixDir: join(dir, 'tasks', 'a-task', 'fix'),
    });
    assert.equal(b?.timeoutSeconds, 120, 'the default time limit');
    assert.equal(b?.repoDir, join(dir, 'tasks', 'b-task', 'repo'), "a task's own repo/ replaces the suite's");
    assert.equal(b?.hiddenDir, undefined);
    assert.equal(b?.fixDir, undefined);
  });

  it('names the task.json and the field when task.json is wrong', async () => {
    const dir = suiteDir({
      ...good,
      'tasks/a-task/task.json': JSON.stringify({ test: '', timeoutSeconds: -5 }),
    });
    await assert.rejects(loadSuite(dir), (error: Error) => {
      assert.match(
        error.message,
        new RegExp(`${join(dir, 'tasks', 'a-task', 'task.json')}: test: .*timeoutSeconds`),
      );
      assert.match(error.message, /write \{"test": "<hidden test command>", "timeoutSeconds": 120\}/);
      return true;
    });
    const notJson = suiteDir({ ...good, 'tasks/b-task/task.json': '{test: x' });
    await assert.rejects(loadSuite(notJson), /b-task\/task\.json is not JSON/);
  });

  it('names the missing issue.md, and an issue.md without a "# title" first line', async () => {
    const { 'tasks/a-task/issue.md': _, ...withoutIssue } = good;
    const dir = suiteDir(withoutIssue);
    await assert.rejects(
      loadSuite(dir),
      new RegExp(`${join(dir, 'tasks', 'a-task', 'issue.md')} is missing: write the issue there`),
    );
    const untitled = suiteDir({ ...good, 'tasks/a-task/issue.md': 'no title here\n' });
    await assert.rejects(
      loadSuite(untitled),
      /a-task\/issue\.md: the first line must be the title as "# <title>"/,
    );
  });

  it('refuses a task without any snapshot, a suite without its licence file, and one without tasks', async () => {
    const { 'repo/app.py': _, ...noRepo } = good;
    await assert.rejects(loadSuite(suiteDir(noRepo)), /a-task: no repository snapshot: add repo\//);
    const { LICENSE: __, ...noLicence } = good;
    await assert.rejects(loadSuite(suiteDir(noLicence)), /suite\.json: licence "LICENSE" is not a file/);
    await assert.rejects(
      loadSuite(suiteDir({ 'suite.json': header, LICENSE: 'MIT\n' })),
      /tasks: no task folders: add tasks\/<id>\//,
    );
    await assert.rejects(loadSuite(suiteDir({ LICENSE: 'x' })), /suite\.json is missing: write \{"name"/);
  });

  it('resolves a name to eval/<name> of the checkout, and says which suites exist for an unknown one', async () => {
    const suite = await loadSuite('quixbugs-python');
    assert.equal(suite.tasks.length, 40);
    assert.ok(suite.tasks.every((task) => task.hiddenDir && task.fixDir));
    await assert.rejects(loadSuite('no-such-suite'), (error: Error) => {
      assert.match(
        error.message,
        /unknown suite "no-such-suite": known suites are .*humanevalfix-python, quixbugs-python/,
      );
      return true;
    });
    await assert.rejects(loadSuite('./not/here'), /suite folder .*not\/here does not exist/);
  });
});
