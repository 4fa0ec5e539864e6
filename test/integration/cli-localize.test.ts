// `codingworker localize` as a user runs it: the real CLI in a child process, on hand-made repositories.
// Its stdout is a contract (one JSON object with --json, a table without), its failures one reason on
// stderr and nothing on stdout, so a script can pipe it without checking for noise.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { CLI_ENTRY } from '../support/daemon-process.ts';
import { createHandMadeRepos, type HandMadeRepos, textkitFiles } from '../support/hand-made-repo.ts';
import { taskMessage } from '../support/task-messages.ts';

const run = promisify(execFile);
const slow = { timeout: 60_000 };

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI_ENTRY, 'localize', ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
      timeout: 50_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

interface JsonOutput {
  candidates: Array<{ path: string; score: number; reasons: string[]; symbols: unknown[] }>;
  skipped: { files: number; reasons: Record<string, number> };
  ms: number;
}

/** The whole of stdout must be one JSON object: parsing all of it fails on any stray line. */
function parseJson(result: CliResult): JsonOutput {
  assert.equal(result.code, 0, result.stderr);
  assert.ok(result.stdout.endsWith('}\n'), 'one object and one newline');
  return JSON.parse(result.stdout) as JsonOutput;
}

describe('codingworker localize', () => {
  let repos: HandMadeRepos;
  let repo: string;
  let issueFile: string;

  before(() => {
    repos = createHandMadeRepos();
    repo = repos.make(textkitFiles);
    issueFile = join(repos.scratch, 'issue.md');
    writeFileSync(issueFile, '`collapse_whitespace` keeps a tab between two words instead of one space.\n');
  });
  after(() => repos.remove());

  test(
    '--json: one JSON object on stdout, candidates in rank order with exactly their four fields',
    slow,
    async () => {
      const result = await cli('--repo-path', repo, '--issue-file', issueFile, '--json');
      const output = parseJson(result);
      assert.deepEqual(Object.keys(output).sort(), ['candidates', 'ms', 'skipped']);
      assert.equal(typeof output.ms, 'number');
      assert.deepEqual(output.skipped, {
        files: 3,
        reasons: { 'test file (the issue is not about tests)': 3 },
      });
      assert.equal(output.candidates[0]?.path, 'src/textkit/util/strings.py');
      assert.ok(output.candidates.length > 2);
      for (const [index, candidate] of output.candidates.entries()) {
        assert.deepEqual(Object.keys(candidate).sort(), ['path', 'reasons', 'score', 'symbols']);
        assert.match(candidate.path, /^[\w.-]+(\/[\w.-]+)*$/, 'relative, POSIX separators');
        assert.ok(!candidate.path.startsWith('./') && !candidate.path.startsWith(repo));
        assert.ok(candidate.reasons.length > 0);
        const previous = output.candidates[index - 1];
        if (previous)
          assert.ok(previous.score >= candidate.score, `${previous.score} then ${candidate.score}`);
      }
      assert.deepEqual(output.candidates[0]?.symbols[0], {
        name: 'collapse_whitespace',
        kind: 'function',
        startLine: 7,
        endLine: 9,
      });
    },
  );

  test('--top 2 gives at most two candidates, the same first ones', slow, async () => {
    const all = parseJson(await cli('--repo-path', repo, '--issue-file', issueFile, '--json'));
    const two = parseJson(await cli('--repo-path', repo, '--issue-file', issueFile, '--json', '--top', '2'));
    assert.equal(two.candidates.length, 2);
    assert.deepEqual(
      two.candidates.map((candidate) => candidate.path),
      all.candidates.slice(0, 2).map((candidate) => candidate.path),
    );
  });

  test('--message: the task message title and body are the issue', slow, async () => {
    const messageFile = join(repos.scratch, 'task.json');
    const task = taskMessage({
      title: '`Parser.parse_block` drops the last line of every paragraph',
      body: 'It looks like the helper in src/textkit/util/strings.py is involved as well.',
    });
    writeFileSync(messageFile, JSON.stringify(task));
    const output = parseJson(await cli('--repo-path', repo, '--message', messageFile, '--json'));
    const top = output.candidates.slice(0, 2);
    assert.deepEqual(top.map((candidate) => candidate.path).sort(), [
      'src/textkit/parser.py',
      'src/textkit/util/strings.py',
    ]);
    const reasons = top.flatMap((candidate) => candidate.reasons);
    assert.ok(reasons.includes('defines Parser.parse_block'), 'from the title');
    assert.ok(reasons.includes('mentions src/textkit/util/strings.py'), 'from the body');
  });

  test(
    'without --json: a table naming each candidate and its reasons, then a summary line',
    slow,
    async () => {
      const result = await cli('--repo-path', repo, '--issue-file', issueFile);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, '');
      const lines = result.stdout.trimEnd().split('\n');
      assert.match(lines[0] ?? '', /^ 1\. src\/textkit\/util\/strings\.py {2}\(score [\d.]+\)$/);
      assert.match(lines[1] ?? '', /^ {4}why: .*defines collapse_whitespace/);
      assert.match(lines[2] ?? '', /^ {4}symbols: collapse_whitespace 7-9/);
      assert.match(
        lines.at(-1) ?? '',
        /^\d+ candidates in \d+ ms; skipped 3 files \(test file \(the issue is not about tests\) 3\)$/,
      );
      assert.throws(() => JSON.parse(result.stdout));
    },
  );

  test('an empty repository: exit 0 and no candidates, in JSON and in the table', slow, async () => {
    const empty = repos.make();
    const output = parseJson(await cli('--repo-path', empty, '--issue-file', issueFile, '--json'));
    assert.deepEqual(output.candidates, []);
    const table = await cli('--repo-path', empty, '--issue-file', issueFile);
    assert.equal(table.code, 0, table.stderr);
    assert.match(
      table.stdout,
      /^no candidates: nothing in the checkout matches the issue\n0 candidates in \d+ ms; skipped 0 files\n$/,
    );
  });
});

describe('codingworker localize refuses bad arguments with one reason on stderr and nothing on stdout', () => {
  let repos: HandMadeRepos;
  let repo: string;
  let issueFile: string;
  let plain: string;

  before(() => {
    repos = createHandMadeRepos();
    repo = repos.make(textkitFiles);
    issueFile = join(repos.scratch, 'issue.md');
    writeFileSync(issueFile, '`slugify` drops accents\n');
    plain = join(repos.scratch, 'plain');
    mkdirSync(plain);
  });
  after(() => repos.remove());

  /** Every refusal, ours or commander's (a bad or missing option), is exactly one line. */
  function assertRefused(result: CliResult, reason: RegExp): void {
    assert.notEqual(result.code, 0, result.stdout);
    assert.equal(result.stdout, '');
    const lines = result.stderr.trimEnd().split('\n');
    assert.match(lines[0] ?? '', reason);
    assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace');
    assert.equal(lines.length, 1, result.stderr);
  }

  test('neither --issue-file nor --message, and both', slow, async () => {
    const exactlyOne = /^codingworker: pass exactly one of --issue-file FILE or --message TASK\.json$/;
    assertRefused(await cli('--repo-path', repo, '--json'), exactlyOne);
    const messageFile = join(repos.scratch, 'task.json');
    writeFileSync(messageFile, JSON.stringify(taskMessage()));
    assertRefused(
      await cli('--repo-path', repo, '--issue-file', issueFile, '--message', messageFile),
      exactlyOne,
    );
  });

  test('an issue file that cannot be read', slow, async () => {
    const missing = join(repos.scratch, 'no-such-issue.md');
    assertRefused(
      await cli('--repo-path', repo, '--issue-file', missing, '--json'),
      /^codingworker: --issue-file .*no-such-issue\.md: cannot read it \(ENOENT/,
    );
    assertRefused(
      await cli('--repo-path', repo, '--issue-file', plain, '--json'),
      /^codingworker: --issue-file .*plain: cannot read it \(EISDIR/,
    );
  });

  test('a malformed task message: not JSON, and JSON that is not a task', slow, async () => {
    const notJson = join(repos.scratch, 'not-json.json');
    writeFileSync(notJson, '{"title": "unterminated');
    assertRefused(
      await cli('--repo-path', repo, '--message', notJson, '--json'),
      /^codingworker: --message .*not-json\.json: message body is not JSON/,
    );
    const notTask = join(repos.scratch, 'not-task.json');
    writeFileSync(notTask, JSON.stringify({ ...taskMessage(), title: 42, schema_version: 9 }));
    assertRefused(
      await cli('--repo-path', repo, '--message', notTask, '--json'),
      /^codingworker: --message .*not-task\.json: message does not match task schema v2 \(the worker accepts versions 1 and 2\): .*title/,
    );
  });

  test('--top 0, two or 1.5', slow, async () => {
    const tops = ['0', 'two', '1.5'];
    const results = await Promise.all(
      tops.map((top) => cli('--repo-path', repo, '--issue-file', issueFile, '--top', top)),
    );
    for (const [index, result] of results.entries()) {
      assertRefused(
        result,
        new RegExp(
          `^error: option '--top <n>' argument '${tops[index]}' is invalid\\. expected a whole number of 1 or more$`,
        ),
      );
    }
  });

  test('no --repo-path', slow, async () => {
    assertRefused(
      await cli('--issue-file', issueFile, '--json'),
      /^error: required option '--repo-path <dir>' not specified$/,
    );
  });

  test('a repo path that is missing, a file, or not a git repository', slow, async () => {
    assertRefused(
      await cli('--repo-path', join(repos.scratch, 'gone'), '--issue-file', issueFile),
      /^codingworker: --repo-path .*gone is not a directory: pass a git checkout$/,
    );
    assertRefused(
      await cli('--repo-path', issueFile, '--issue-file', issueFile),
      /^codingworker: --repo-path .*issue\.md is not a directory: pass a git checkout$/,
    );
    assertRefused(
      await cli('--repo-path', plain, '--issue-file', issueFile, '--json'),
      /^codingworker: not a git repository: .*plain \(run it on a clone\)$/,
    );
  });
});
