// The localizer as a whole: each signal end to end, from an issue's text to the file ranked first, on
// small hand-made repositories with decoys (files that share the issue's words or only use the names it
// mentions); then bad input, which must give a result or a one-line error, never a crash or a hang.
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isTestPath } from '../../worker/context/inventory.ts';
import { type Localization, localize } from '../../worker/context/localize.ts';
import type { Candidate } from '../../worker/context/types.ts';
import {
  createHandMadeRepos,
  dateparseFiles,
  type HandMadeRepos,
  lineOf,
  textkitFiles,
} from '../support/hand-made-repo.ts';

const slow = { timeout: 60_000 };
let repos: HandMadeRepos;
let textkit: string;
let dateparse: string;

before(() => {
  repos = createHandMadeRepos();
  textkit = repos.make(textkitFiles);
  dateparse = repos.make(dateparseFiles);
});
after(() => repos.remove());

const paths = (result: Localization) => result.candidates.map((candidate) => candidate.path);

function candidate(result: Localization, path: string): Candidate {
  const found = result.candidates.find((entry) => entry.path === path);
  assert.ok(found, `${path} is not a candidate: ${paths(result).join(', ')}`);
  return found;
}

function assertFirst(result: Localization, path: string, reason: string | RegExp): Candidate {
  assert.equal(result.candidates[0]?.path, path, `ranked: ${paths(result).join(', ')}`);
  const first = result.candidates[0];
  const matches = first.reasons.some((text) =>
    typeof reason === 'string' ? text === reason : reason.test(text),
  );
  assert.ok(matches, `${path}'s reasons ${JSON.stringify(first.reasons)} lack ${String(reason)}`);
  return first;
}

/** A traceback as Python prints it for an installed package: absolute site-packages paths. */
function pythonTraceback(): string {
  const slugify = textkitFiles['src/textkit/slugify.py']!;
  const render = textkitFiles['src/textkit/render.py']!;
  const site = '/home/ana/.venv/lib/python3.12/site-packages/textkit';
  return [
    'slugify(None) crashes instead of returning an empty slug',
    '',
    'Building my site fails after upgrading:',
    '',
    '```',
    'Traceback (most recent call last):',
    '  File "/home/ana/site/build.py", line 14, in <module>',
    '    pages = [make_page(post) for post in posts]',
    `  File "${site}/render.py", line ${lineOf(render, 'anchor = slugify')}, in render_title`,
    '    anchor = slugify(title)',
    `  File "${site}/slugify.py", line ${lineOf(slugify, 'slug = _normalize')}, in slugify`,
    '    slug = _normalize(text)',
    `  File "${site}/slugify.py", line ${lineOf(slugify, 'decomposed =')}, in _normalize`,
    '    decomposed = unicodedata.normalize("NFKD", text)',
    'TypeError: normalize() argument 2 must be str, not None',
    '```',
  ].join('\n');
}

describe('localize: what an issue points at', () => {
  it(
    'a Python traceback: the file of the innermost frame, with the function that holds its line',
    slow,
    async () => {
      const source = textkitFiles['src/textkit/slugify.py']!;
      const innermostLine = lineOf(source, 'decomposed =');
      const result = await localize({ repoPath: textkit, issueText: pythonTraceback() });
      const first = assertFirst(
        result,
        'src/textkit/slugify.py',
        new RegExp(`^in the stack trace \\(line .*\\b${innermostLine}\\)$`),
      );
      const normalize = first.symbols.find((symbol) => symbol.name === '_normalize');
      assert.deepEqual(normalize, {
        name: '_normalize',
        kind: 'function',
        startLine: lineOf(source, 'def _normalize'),
        endLine: lineOf(source, 'return ascii_only.lower()'),
      });
      assert.ok(innermostLine >= normalize.startLine && innermostLine <= normalize.endLine);
      // The caller's file is in the trace too, but below the file where the error surfaced.
      assert.equal(result.candidates[1]?.path, 'src/textkit/render.py');
    },
  );

  it(
    'a Node stack trace: the file of its frames, though a caller in the trace shares more words',
    slow,
    async () => {
      const tokens = dateparseFiles['src/parse/tokens.ts']!;
      const date = dateparseFiles['src/parse/date.ts']!;
      const installed = '/home/ci/work/app/node_modules/dateparse/src/parse';
      const issueText = [
        'Parsing "1 March 2024" throws a TypeError since 1.4',
        '',
        '```',
        "TypeError: Cannot read properties of undefined (reading 'length')",
        `    at readNumber (${installed}/tokens.ts:${lineOf(tokens, 'const digits')}:18)`,
        `    at tokenize (${installed}/tokens.ts:${lineOf(tokens, 'const token = readNumber')}:21)`,
        `    at parseDate (${installed}/date.ts:${lineOf(date, 'const parts =')}:17)`,
        '    at Object.<anonymous> (/home/ci/work/app/index.js:3:1)',
        '```',
      ].join('\n');
      const result = await localize({ repoPath: dateparse, issueText });
      const first = assertFirst(
        result,
        'src/parse/tokens.ts',
        new RegExp(`^in the stack trace \\(line .*\\b${lineOf(tokens, 'const digits')}\\)$`),
      );
      assert.deepEqual(
        first.symbols.find((symbol) => symbol.name === 'readNumber'),
        { name: 'readNumber', kind: 'function', startLine: 7, endLine: 12 },
      );
      assert.equal(result.candidates[1]?.path, 'src/parse/date.ts');
    },
  );

  it('a Node stack trace: its FIRST frame is the innermost one', slow, async () => {
    // Two files alike in every way but their place in the trace, so only the innermost frame decides.
    const body = (name: string, callee: string) =>
      `export function ${name}(attempt: number): number {\n  return ${callee}(attempt) * 2;\n}\n`;
    const repo = repos.make({
      'package.json': '{ "name": "retrying" }\n',
      'src/retry/backoff.ts': body('backoff', 'Math.sqrt'),
      'src/retry/schedule.ts': body('schedule', 'Math.cbrt'),
    });
    const issueText =
      'RangeError: Invalid array length\n' +
      '    at backoff (/srv/app/src/retry/backoff.ts:2:10)\n' +
      '    at schedule (/srv/app/src/retry/schedule.ts:3:10)\n';
    const result = await localize({ repoPath: repo, issueText });
    assertFirst(result, 'src/retry/backoff.ts', 'innermost frame');
  });

  it('a mentioned path, written from the repository root', slow, async () => {
    const result = await localize({
      repoPath: textkit,
      issueText:
        'The helper in src/textkit/util/strings.py drops the last character when the text ends with an emoji.',
    });
    assertFirst(result, 'src/textkit/util/strings.py', 'mentions src/textkit/util/strings.py');
  });

  it(
    'a tool configuration written as code shares the words but ranks below the source it configures',
    slow,
    async () => {
      const repo = repos.make({
        'src/minify.js': [
          'export function minifyWhitespace(source) {',
          '  return source.replace(/\\s+/g, " ");',
          '}',
          '',
        ].join('\n'),
        'src/index.js': 'export { minifyWhitespace } from "./minify.js";\n',
        // A build configuration with functions that name the same options and words as the issue.
        'build.config.js': [
          'function minifyPlugin(options) {',
          '  return { name: "minify", whitespace: options.whitespace, collapse: options.collapse };',
          '}',
          'function whitespaceOptions() {',
          '  return { collapse: true, whitespace: "collapse", minify: true };',
          '}',
          'export default { plugins: [minifyPlugin(whitespaceOptions())] };',
          '',
        ].join('\n'),
      });
      const issueText =
        'Minify collapses whitespace inside template strings\n\nWith the minify option on, whitespace collapse also changes the whitespace inside strings.';
      const result = await localize({ repoPath: repo, issueText });
      const ranked = paths(result);
      assert.equal(ranked[0], 'src/minify.js', `ranked: ${ranked.join(', ')}`);
      assert.ok(ranked.indexOf('build.config.js') > ranked.indexOf('src/minify.js'));
    },
  );

  it('a bare file name that one file has', slow, async () => {
    const result = await localize({
      repoPath: textkit,
      issueText: 'Headings come out wrong since the last release; the problem seems to be in markdown.py.',
    });
    assertFirst(result, 'src/textkit/markdown.py', 'mentions markdown.py');
  });

  it(
    'an identifier in backticks: the one file that defines it, not the files that call it',
    slow,
    async () => {
      const result = await localize({
        repoPath: textkit,
        issueText:
          '`collapse_whitespace` keeps a tab between two words instead of replacing it by one space.',
      });
      const first = assertFirst(result, 'src/textkit/util/strings.py', 'defines collapse_whitespace');
      assert.deepEqual(first.symbols[0], {
        name: 'collapse_whitespace',
        kind: 'function',
        startLine: 7,
        endLine: 9,
      });
      for (const user of ['src/textkit/cli.py', 'src/textkit/render.py']) {
        assert.ok(!candidate(result, user).reasons.some((reason) => reason.startsWith('defines')), user);
      }
    },
  );

  it(
    'a qualified name: the file whose class Parser defines parse_block, not the other parse_block',
    slow,
    async () => {
      const result = await localize({
        repoPath: textkit,
        issueText: '`Parser.parse_block` drops the last line of every paragraph.',
      });
      const first = assertFirst(result, 'src/textkit/parser.py', 'defines Parser.parse_block');
      assert.deepEqual(first.symbols[0], {
        name: 'parse_block',
        kind: 'method',
        startLine: 21,
        endLine: 25,
        parent: 'Parser',
      });
      const other = candidate(result, 'src/textkit/markdown.py');
      assert.ok(!other.reasons.includes('defines Parser.parse_block'));
      assert.ok(other.score < first.score / 2, `${other.score} against ${first.score}`);
    },
  );

  it(
    'an import neighbour: the helper the named function uses ranks above a file that only shares words',
    slow,
    async () => {
      const result = await localize({
        repoPath: textkit,
        issueText:
          '`render_title` puts a tab in the heading text when the title has a tab between two words.',
      });
      assertFirst(result, 'src/textkit/render.py', 'defines render_title');
      const helper = candidate(result, 'src/textkit/util/strings.py');
      assert.ok(
        helper.reasons.includes('imports or imported by src/textkit/render.py'),
        helper.reasons.join('; '),
      );
      const decoy = candidate(result, 'src/textkit/feed.py');
      const words = (entry: Candidate) =>
        Number(/shares words with the issue \(([\d.]+)\)/.exec(entry.reasons.join(';'))?.[1] ?? 0);
      assert.ok(
        words(decoy) > words(helper),
        'the decoy shares more words: only the import can lift the helper',
      );
      assert.ok(helper.score > decoy.score, `helper ${helper.score}, decoy ${decoy.score}`);
    },
  );

  it('a test file named in a bug report: the source it tests, and no test file', slow, async () => {
    const result = await localize({
      repoPath: textkit,
      issueText:
        'After upgrading to 2.1, tests/test_slugify.py fails on our Windows build machine with a UnicodeEncodeError.',
    });
    assertFirst(result, 'src/textkit/slugify.py', 'tested by tests/test_slugify.py');
    assert.deepEqual(paths(result).filter(isTestPath), []);
    assert.equal(result.skipped.reasons['test file (the issue is not about tests)'], 3);
  });

  it('an issue about a flaky test may list test files', slow, async () => {
    const result = await localize({
      repoPath: textkit,
      issueText: 'tests/test_slugify.py is flaky: the slugify test is flaky on CI and passes locally.',
    });
    assertFirst(result, 'tests/test_slugify.py', 'mentions tests/test_slugify.py');
    assert.equal(result.skipped.files, 0, 'the test files were read');
  });

  it('an issue about a flaky test, in other words, may list test files too', slow, async () => {
    const result = await localize({
      repoPath: textkit,
      issueText: 'The test for slugify is flaky on CI: tests/test_slugify.py passes locally.',
    });
    assert.ok(paths(result).some(isTestPath), paths(result).join(', '));
  });

  it('the repository map: candidates first with their definitions, cut to the budget', slow, async () => {
    const result = await localize({
      repoPath: textkit,
      issueText: '`collapse_whitespace` keeps a tab between two words.',
    });
    const map = result.repoMap(200);
    assert.ok(map.length <= 600, `${map.length} characters`);
    assert.ok(map.length > 200, 'a budget of 200 tokens is not left mostly empty');
    const lines = map.split('\n');
    assert.equal(lines[0], 'src/textkit/util/strings.py: collapse_whitespace, truncate');
    assert.ok(lines.includes('src/textkit/parser.py: Block, Parser'), 'top-level names only, no methods');
    assert.ok(!map.includes('tests/'), 'test files were not read, so they are not in the map');
    assert.ok(result.repoMap(20).length <= 60);
    assert.equal(result.repoMap(0), '');
  });
});

describe('localize: bad input gives a result or a one-line error', () => {
  it('an empty repository, before and after an empty commit: zero candidates', slow, async () => {
    const repo = repos.make();
    for (const step of ['git init only', 'an empty commit']) {
      if (step === 'an empty commit') repos.git(repo, 'commit', '-q', '--allow-empty', '-m', 'nothing');
      const result = await localize({ repoPath: repo, issueText: '`parse_block` drops a line' });
      assert.deepEqual(result.candidates, [], step);
      assert.deepEqual(result.skipped, { files: 0, reasons: {} }, step);
      assert.equal(result.repoMap(1000), '', step);
    }
  });

  it('a repository of binary files only: zero candidates, each counted as binary', slow, async () => {
    const repo = repos.make({
      'assets/logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
      'data/parse_block.bin': Buffer.concat([Buffer.from('parse_block slugify '), Buffer.alloc(64)]),
    });
    const result = await localize({ repoPath: repo, issueText: '`parse_block` in parse_block.bin fails' });
    assert.deepEqual(result.candidates, []);
    assert.deepEqual(result.skipped, { files: 2, reasons: { binary: 2 } });
  });

  it(
    'a 5 MB minified bundle beside a normal file: the normal file still ranks, the bundle is skipped',
    slow,
    async () => {
      const chunk =
        'function formatDate(d){return d.toISOString()}var parseDate=function(s){return new Date(s)};';
      const bundle = chunk.repeat(Math.ceil((5 * 1024 * 1024) / chunk.length));
      const repo = repos.make({
        'public/app.bundle.js': bundle,
        'src/dates.js': 'export function formatDate(date) {\n  return date.toISOString().slice(0, 10);\n}\n',
      });
      const result = await localize({ repoPath: repo, issueText: '`formatDate` drops the time zone' });
      assertFirst(result, 'src/dates.js', 'defines formatDate');
      assert.ok(!paths(result).includes('public/app.bundle.js'));
      assert.equal(result.skipped.files, 1);
    },
  );

  it('a file with invalid UTF-8 is still indexed', slow, async () => {
    const latin1 = Buffer.concat([
      Buffer.from('# -*- coding: latin-1 -*-\n# Auteur: Fran'),
      Buffer.from([0xe7, 0xff, 0xfe]),
      Buffer.from('ois\n\ndef encode_header(value):\n    return value.encode("latin-1")\n'),
    ]);
    const repo = repos.make({
      'mail/headers.py': latin1,
      'mail/body.py': 'def encode_body(text):\n    return text.encode("utf-8")\n',
    });
    const result = await localize({ repoPath: repo, issueText: '`encode_header` fails on an emoji' });
    const first = assertFirst(result, 'mail/headers.py', 'defines encode_header');
    assert.equal(first.symbols[0]?.name, 'encode_header');
    assert.deepEqual(first.symbols[0], { name: 'encode_header', kind: 'function', startLine: 4, endLine: 5 });
  });

  it(
    'a tracked symlink to a file outside the checkout: never a candidate, its content never shown',
    slow,
    async () => {
      const secret = join(repos.scratch, 'outside-secret.py');
      writeFileSync(secret, 'def rotate_credentials():\n    TOKEN = "zebra-quartz-9931"\n');
      const repo = repos.make({ 'src/keys.py': 'def load_keys(path):\n    return open(path).read()\n' });
      symlinkSync(secret, join(repo, 'src/credentials.py'));
      symlinkSync(secret, join(repo, 'rotate_credentials.py'));
      repos.git(repo, 'add', 'src/credentials.py', 'rotate_credentials.py');
      repos.git(repo, 'commit', '-q', '-m', 'links');
      const result = await localize({
        repoPath: repo,
        issueText:
          '`rotate_credentials` in src/credentials.py and rotate_credentials.py leaks TOKEN zebra-quartz-9931',
      });
      assert.ok(!paths(result).some((path) => path.includes('credentials')), paths(result).join(', '));
      const everything = JSON.stringify(result) + result.repoMap(10_000);
      assert.ok(!everything.includes('zebra-quartz-9931'));
      assert.ok(!everything.includes('credentials'), everything);
      assert.equal(result.skipped.reasons.symlink, 2);
    },
  );

  it('a submodule entry: skipped, nothing inside it is a candidate', slow, async () => {
    const repo = repos.make({
      'app/main.py': 'from vendorlib import fetch_rates\n\ndef main():\n    fetch_rates()\n',
    });
    const inner = join(repo, 'libs/vendorlib');
    mkdirSync(inner, { recursive: true });
    repos.git(inner, 'init', '-q', '--initial-branch=main');
    repos.write(inner, { 'vendorlib/rates.py': 'def fetch_rates():\n    """Exchange rates."""\n' });
    repos.git(inner, 'add', '.');
    repos.git(inner, 'commit', '-q', '-m', 'inner');
    repos.git(repo, 'add', 'libs/vendorlib');
    repos.git(repo, 'commit', '-q', '-m', 'submodule');
    assert.match(repos.git(repo, 'ls-files', '--stage', 'libs'), /^160000 /);
    const result = await localize({
      repoPath: repo,
      issueText: '`fetch_rates` returns stale exchange rates',
    });
    assert.ok(!paths(result).some((path) => path.startsWith('libs/')), paths(result).join(', '));
    assert.equal(result.candidates[0]?.path, 'app/main.py');
    assert.equal(result.skipped.reasons.submodule, 1);
  });

  it(
    'an issue of 1 MB returns, and the code named before the pasted log still ranks first',
    slow,
    async () => {
      const log = '2024-05-01T10:00:00Z INFO worker heartbeat ok queue=default latency_ms=12 retries=0\n';
      const issueText = `\`collapse_whitespace\` keeps tabs. Log:\n\n${log.repeat(Math.ceil(1_048_576 / log.length))}`;
      assert.ok(issueText.length > 1_000_000);
      const result = await localize({ repoPath: textkit, issueText });
      assertFirst(result, 'src/textkit/util/strings.py', 'defines collapse_whitespace');
    },
  );

  it('an issue with no usable words: no throw', slow, async () => {
    const result = await localize({ repoPath: textkit, issueText: '!!! ??? 123' });
    assert.ok(Array.isArray(result.candidates));
    assert.ok(result.candidates.length <= 10);
    const empty = await localize({ repoPath: textkit, issueText: '' });
    assert.ok(Array.isArray(empty.candidates));
  });

  it('a missing directory and a plain directory reject with a one-line message', slow, async () => {
    const missing = join(repos.scratch, 'no-such-dir');
    await assert.rejects(localize({ repoPath: missing, issueText: 'x' }), (error: Error) => {
      assert.equal(error.message, `cannot read ${missing}: no such directory`);
      return true;
    });
    const plain = join(repos.scratch, 'plain');
    mkdirSync(plain);
    writeFileSync(join(plain, 'main.py'), 'def main():\n    pass\n');
    await assert.rejects(localize({ repoPath: plain, issueText: 'main' }), (error: Error) => {
      assert.match(error.message, /^not a git repository: .*plain/);
      assert.ok(!error.message.includes('\n'), error.message);
      return true;
    });
  });
});
