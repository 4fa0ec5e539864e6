// The pipeline strategy's model-free parts: the choice of files, what is shown of a file, the failure
// excerpt sent back after a failed check, and the workspace writes (paths from the model are untrusted).
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { decisiveChoice, parseChoice } from '../../worker/agent/pipeline/choose.ts';
import { failureExcerpt } from '../../worker/agent/pipeline/failure-excerpt.ts';
import { editPrompt, fenceFor } from '../../worker/agent/pipeline/prompts.ts';
import { viewFile } from '../../worker/agent/pipeline/show.ts';
import { createWorkspaceFiles, pathProblem } from '../../worker/agent/pipeline/workspace-files.ts';
import type { Candidate } from '../../worker/context/types.ts';

const candidate = (
  path: string,
  score: number,
  reasons: string[] = ['text relevance (1.00)'],
): Candidate => ({
  path,
  score,
  reasons,
  symbols: [],
});

describe('pipeline: choosing the file', () => {
  it('spends no model call when the issue names exactly one candidate', () => {
    const choice = decisiveChoice([
      candidate('src/app/models.py', 9, ['mentions models.py']),
      candidate('src/app/views.py', 8),
    ]);
    assert.deepEqual(choice?.paths, ['src/app/models.py']);
    assert.match(choice?.why ?? '', /points at it/);
  });

  it('spends no model call when a stack trace points into the first candidate only', () => {
    const choice = decisiveChoice([
      candidate('pkg/core.py', 5, ['in the stack trace (line 12)']),
      candidate('pkg/util.py', 4.9),
    ]);
    assert.deepEqual(choice?.paths, ['pkg/core.py']);
  });

  it('spends no model call when the first candidate scores twice the second', () => {
    assert.deepEqual(decisiveChoice([candidate('a.py', 10), candidate('b.py', 4)])?.paths, ['a.py']);
  });

  it('asks the model when two candidates are close or both are named', () => {
    assert.equal(decisiveChoice([candidate('a.py', 10), candidate('b.py', 6)]), undefined);
    const both = [candidate('a.py', 10, ['mentions a.py']), candidate('b.py', 9, ['mentions b.py'])];
    assert.equal(decisiveChoice(both), undefined);
    // A module name is weaker than a path: it does not decide alone.
    assert.equal(
      decisiveChoice([candidate('a.py', 10, ['mentions module pkg.a']), candidate('b.py', 9)]),
      undefined,
    );
  });

  it("reads the model's pick as a path, a unique file name or a number, and only among the candidates", () => {
    const list = [
      candidate('src/a/util.py', 3),
      candidate('src/b/core.py', 2),
      candidate('src/c/util.py', 1),
    ];
    assert.deepEqual(parseChoice('src/b/core.py', list).paths, ['src/b/core.py']);
    assert.deepEqual(parseChoice('The bug is in `core.py`.', list).paths, ['src/b/core.py']);
    assert.deepEqual(parseChoice('2.', list).paths, ['src/b/core.py']);
    assert.deepEqual(parseChoice('src/c/util.py\nsrc/a/util.py', list).paths, [
      'src/c/util.py',
      'src/a/util.py',
    ]);
    // A candidate's path inside a longer one is not a mention of it.
    const tails = [candidate('a.py', 3), candidate('src/data.py', 2)];
    assert.deepEqual(parseChoice('src/data.py', tails).paths, ['src/data.py']);
    // util.py is ambiguous and /etc/passwd is no candidate: the first candidate, said so.
    const none = parseChoice('util.py or /etc/passwd', list);
    assert.deepEqual(none.paths, ['src/a/util.py']);
    assert.match(none.why, /named no candidate/);
  });

  it('reads a number alone on its line among blank lines, and a reply of 100,000 blank lines in bounded time', () => {
    const list = [candidate('src/a/util.py', 3), candidate('src/b/core.py', 2)];
    assert.deepEqual(parseChoice('\n\n  2)\r\n\n', list).paths, ['src/b/core.py']);
    const started = performance.now();
    assert.deepEqual(parseChoice('\n'.repeat(100_000), list).paths, ['src/a/util.py']);
    assert.ok(performance.now() - started < 2_000, 'blank lines were scanned to the end from each line');
  });
});

describe('pipeline: what the model is shown', () => {
  const big = Array.from({ length: 400 }, (_, index) => `line_${index + 1} = ${index + 1}`).join('\n');

  it('shows a small file whole', () => {
    const view = viewFile('pkg/a.py', 'def f():\n    return 1\n', [], 1_000);
    assert.equal(view.whole, true);
    assert.equal(view.language, 'python');
    assert.equal(view.text, 'def f():\n    return 1\n');
  });

  it('shows a large file as its related definitions with context, merged, without line numbers', () => {
    const symbols = [
      { name: 'f', kind: 'function' as const, startLine: 100, endLine: 110 },
      { name: 'g', kind: 'function' as const, startLine: 112, endLine: 120 },
      { name: 'h', kind: 'function' as const, startLine: 300, endLine: 305 },
    ];
    const view = viewFile('pkg/big.py', big, symbols, 3_000);
    assert.equal(view.whole, false);
    const parts = view.text.split('\n⋮\n');
    assert.equal(parts.length, 2, 'f and g overlap with their context: one excerpt');
    assert.ok(parts[0]!.startsWith('line_94 = 94'));
    assert.ok(parts[0]!.endsWith('line_126 = 126'));
    assert.ok(parts[1]!.startsWith('line_294 = 294'));
    assert.ok(view.text.length <= 3_000);
  });

  it('cuts a large file without line breaks (minified) at the room it has', () => {
    const view = viewFile('dist/app.min.js', 'x'.repeat(50_000), [], 3_000);
    assert.equal(view.whole, false);
    assert.ok(view.text.length <= 3_000, `${view.text.length}`);
  });

  it('fences a Markdown file with more backticks than it holds', () => {
    assert.equal(fenceFor('text\n```js\nx\n```\n'), '````');
    const prompt = editPrompt([
      { path: 'README.md', text: '```sh\nnpm test\n```\n', whole: true, language: 'markdown' },
    ]);
    assert.match(prompt, /README\.md\n````markdown\n```sh\nnpm test\n```\n````/);
  });
});

describe('pipeline: the failure sent back', () => {
  it('keeps the first failure and the tally of a long pytest log, not the whole log', () => {
    const passing = Array.from(
      { length: 200 },
      (_, index) => `tests/test_x.py::test_ok_${index} PASSED`,
    ).join('\n');
    const log = `Verification failed. Fix these problems, then finish again:\n## test command\npytest -q: exit 1\n${passing}\n=================================== FAILURES ===================================\n___________________________________ test_gcd ___________________________________\n\n    def test_gcd():\n>       assert gcd(35, 21) == 7\nE       assert 35 == 7\n\ntests/test_x.py:4: AssertionError\n${'noise\n'.repeat(300)}1 failed, 200 passed in 0.50s`;
    const excerpt = failureExcerpt(log, 1_000);
    assert.ok(excerpt.length <= 1_000, `${excerpt.length}`);
    assert.match(excerpt, /^## test command\npytest -q: exit 1/);
    assert.match(excerpt, /E {7}assert 35 == 7/);
    assert.match(excerpt, /1 failed, 200 passed in 0\.50s$/);
    assert.doesNotMatch(excerpt, /test_ok_5 PASSED/);
    assert.doesNotMatch(excerpt, /finish again/);
  });

  it('leaves a short failure as it is', () => {
    assert.equal(
      failureExcerpt('## python syntax\na.py:3: invalid syntax', 1_000),
      '## python syntax\na.py:3: invalid syntax',
    );
  });
});

describe('pipeline: workspace writes', () => {
  const root = mkdtempSync(join(tmpdir(), 'cw-ws-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const outside = mkdtempSync(join(tmpdir(), 'cw-out-'));
  after(() => rmSync(outside, { recursive: true, force: true }));

  it('refuses paths that leave the checkout, go through a link or into .git', async () => {
    for (const path of ['/etc/passwd', '../x.py', 'a/../../x.py', '.git/config', 'a\\b.py', '', 'a//b.py']) {
      assert.ok(pathProblem(path), path);
    }
    symlinkSync(outside, join(root, 'link'));
    const files = createWorkspaceFiles(root);
    await assert.rejects(files.write('link/evil.py', 'x'), /symbolic link/);
    assert.equal(existsSync(join(outside, 'evil.py')), false);
    assert.equal(await files.read('link/evil.py'), undefined);
  });

  it('never replaces a file over 1 MiB it could not show, and restore keeps it', async () => {
    const big = 'y'.repeat(1_100_000);
    writeFileSync(join(root, 'big.txt'), big);
    const files = createWorkspaceFiles(root);
    assert.equal(await files.read('big.txt'), undefined);
    await assert.rejects(files.write('big.txt', 'small'), /at most 1 MiB/);
    await files.restore();
    assert.equal(readFileSync(join(root, 'big.txt'), 'utf8'), big);
  });

  it('writes new and changed files and restores the checkout for a new attempt', async () => {
    mkdirSync(join(root, 'pkg'), { recursive: true });
    writeFileSync(join(root, 'pkg', 'a.py'), 'old\n');
    const files = createWorkspaceFiles(root);
    await files.write('pkg/a.py', 'new\n');
    await files.write('pkg/sub/new.py', 'created\n');
    assert.equal(readFileSync(join(root, 'pkg', 'a.py'), 'utf8'), 'new\n');
    assert.deepEqual(files.written().sort(), ['pkg/a.py', 'pkg/sub/new.py']);
    await files.restore();
    assert.equal(readFileSync(join(root, 'pkg', 'a.py'), 'utf8'), 'old\n');
    assert.equal(existsSync(join(root, 'pkg', 'sub', 'new.py')), false);
    assert.deepEqual(files.written(), []);
  });
});
