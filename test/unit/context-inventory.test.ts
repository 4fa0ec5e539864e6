import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isTestPath, readInventory } from '../../worker/context/inventory.ts';
import { isToolConfigPath } from '../../worker/context/path-kinds.ts';
import type { Inventory } from '../../worker/context/types.ts';
import { PermanentError } from '../../worker/core/errors.ts';

const scratch = mkdtempSync(join(tmpdir(), 'cw-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let counter = 0;

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: scratch, GIT_CONFIG_NOSYSTEM: '1' },
  });
}

/** A fresh repository with these files added and committed (none: `git init` only). */
function makeRepo(files: Record<string, string | Buffer> = {}): string {
  const dir = join(scratch, `repo-${++counter}`);
  mkdirSync(dir);
  git(dir, 'init', '-q', '--initial-branch=main');
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  if (Object.keys(files).length > 0) commitAll(dir);
  return dir;
}

function commitAll(dir: string): void {
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'files');
}

const paths = (inventory: Inventory) => inventory.files.map((file) => file.path);

describe('readInventory', () => {
  it('lists the tracked source files with their text and their size in bytes', async () => {
    const repo = makeRepo({
      'README.md': '# demo\n',
      'src/app.py': 'def main():\n    print("héllo")\n',
      'src/util/strings.ts': 'export const x = 1;\n',
      'bin/run.sh': '#!/bin/sh\necho run\n',
    });
    chmodSync(join(repo, 'bin/run.sh'), 0o755);
    git(repo, 'add', 'bin/run.sh');
    git(repo, 'commit', '-q', '-m', 'executable');
    writeFileSync(join(repo, 'untracked.py'), 'print(1)\n');
    const inventory = await readInventory(repo);
    assert.deepEqual(paths(inventory), ['README.md', 'bin/run.sh', 'src/app.py', 'src/util/strings.ts']);
    const app = inventory.files.find((file) => file.path === 'src/app.py')!;
    assert.equal(app.text, 'def main():\n    print("héllo")\n');
    assert.equal(app.size, Buffer.byteLength(app.text), 'bytes, not characters');
    assert.equal(app.size, app.text.length + 1);
    assert.deepEqual(inventory.skipped, { files: 0, reasons: {} });
  });

  it('reads an empty repository, with or without a commit, as zero files', async () => {
    const fresh = makeRepo();
    assert.deepEqual(await readInventory(fresh), {
      files: [],
      paths: [],
      skipped: { files: 0, reasons: {} },
    });
    git(fresh, 'commit', '-q', '--allow-empty', '-m', 'nothing');
    assert.deepEqual(await readInventory(fresh), {
      files: [],
      paths: [],
      skipped: { files: 0, reasons: {} },
    });
  });

  it('fails with a one-line message on a missing directory, a file, a plain folder and a folder inside a repo', async () => {
    const plain = join(scratch, `plain-${++counter}`);
    mkdirSync(plain);
    writeFileSync(join(plain, 'a.py'), 'x = 1\n');
    const repo = makeRepo({ 'pkg/mod.py': 'x = 1\n' });
    const cases: Array<[string, RegExp]> = [
      [join(scratch, 'nowhere'), /^cannot read .*nowhere: no such directory$/],
      [join(plain, 'a.py'), /^cannot read .*a\.py: not a directory$/],
      [plain, /^not a git repository: .*plain-\d+ \(run it on a clone\)$/],
      [join(repo, 'pkg'), /^not a git repository: .*pkg \(run it on a clone\)$/],
      [join(repo, '.git'), /^not a git repository: .*\.git \(run it on a clone\)$/],
    ];
    for (const [path, message] of cases) {
      await assert.rejects(readInventory(path), (error: Error) => {
        assert.ok(error instanceof PermanentError, path);
        assert.match(error.message, message);
        assert.ok(!error.message.includes('\n'), 'one line');
        return true;
      });
    }
  });

  it('skips binary files by extension without reading them, and by a NUL byte otherwise', async () => {
    const repo = makeRepo({
      'logo.png': 'text inside, but the extension says image',
      'fonts/x.woff2': 'also text',
      'data.blob': Buffer.from([0x41, 0x42, 0x00, 0x43]),
      'late-nul.txt': Buffer.concat([Buffer.alloc(7000, 0x61), Buffer.from([0])]),
    });
    const inventory = await readInventory(repo);
    assert.deepEqual(inventory.files, []);
    assert.deepEqual(inventory.skipped, { files: 4, reasons: { binary: 4 } });
  });

  it('skips a 5 MB file as too large and a 100 KB minified bundle as minified, but keeps long readable code', async () => {
    const statement = 'var a=function(b){return b+1};';
    const minified = (bytes: number) => statement.repeat(Math.ceil(bytes / statement.length));
    const readable = 'function add(a, b) {\n  return a + b;\n}\n'.repeat(3000);
    const repo = makeRepo({
      'big.js': minified(5 * 1024 * 1024),
      'bundle.js': minified(100 * 1024),
      'styles/site.css': `${'a{color:red}'.repeat(9000)}\n`,
      'long.js': readable,
      'one-long-line.js': `${'x'.repeat(3000)}\n${'let y = 1;\n'.repeat(200)}`,
    });
    const inventory = await readInventory(repo);
    assert.deepEqual(paths(inventory), ['long.js', 'one-long-line.js']);
    assert.ok(inventory.files[0]!.size > 100 * 1024);
    assert.deepEqual(inventory.skipped.reasons, { 'too large': 1, minified: 2 });
    const small = await readInventory(repo, { maxFileBytes: 50 * 1024 });
    assert.deepEqual(paths(small), ['one-long-line.js']);
    assert.equal(small.skipped.reasons['too large'], 4);
  });

  it('keeps a file with invalid UTF-8, bad bytes as U+FFFD, and drops a BOM', async () => {
    const repo = makeRepo({
      'latin1.py': Buffer.from([0x61, 0x3d, 0x27, 0xe9, 0x27, 0x0a]),
      'bom.py': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('x = 1\n')]),
    });
    const inventory = await readInventory(repo);
    assert.deepEqual(
      inventory.files.map(({ path, size, text }) => ({ path, size, text })),
      [
        { path: 'bom.py', size: 9, text: 'x = 1\n' },
        { path: 'latin1.py', size: 6, text: "a='\uFFFD'\n" },
      ],
    );
  });

  it('never follows a symlink: not a tracked one, nor a directory swapped for one in the work tree', async () => {
    const outside = join(scratch, `outside-${++counter}`);
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret.py'), 'TOKEN = "outside-secret"\n');
    const repo = makeRepo({ 'app.py': 'x = 1\n', 'lib/secret.py': 'x = 2\n' });
    symlinkSync('/etc/passwd', join(repo, 'passwd'));
    symlinkSync(outside, join(repo, 'elsewhere'));
    commitAll(repo);
    // The index still says lib/secret.py is a file; the work tree now routes lib/ out of the checkout.
    rmSync(join(repo, 'lib'), { recursive: true });
    symlinkSync(outside, join(repo, 'lib'));
    const inventory = await readInventory(repo);
    assert.deepEqual(paths(inventory), ['app.py']);
    assert.deepEqual(inventory.skipped.reasons, { symlink: 3 });
    const everything = JSON.stringify(inventory);
    assert.ok(!everything.includes('root:'), '/etc/passwd never read');
    assert.ok(!everything.includes('outside-secret'));
  });

  it('skips a file replaced in the work tree by a FIFO, without hanging, and a deleted one', async () => {
    const repo = makeRepo({ 'pipe.py': 'x = 1\n', 'gone.py': 'x = 2\n', 'kept.py': 'x = 3\n' });
    rmSync(join(repo, 'pipe.py'));
    execFileSync('mkfifo', [join(repo, 'pipe.py')]);
    rmSync(join(repo, 'gone.py'));
    const inventory = await readInventory(repo);
    assert.deepEqual(paths(inventory), ['kept.py']);
    assert.deepEqual(inventory.skipped.reasons, { 'not a regular file': 1, missing: 1 });
  });

  it('skips a submodule', async () => {
    const repo = makeRepo({ 'app.py': 'x = 1\n' });
    const sha = git(repo, 'rev-parse', 'HEAD').trim();
    git(repo, 'update-index', '--add', '--cacheinfo', `160000,${sha},sub`);
    git(repo, 'commit', '-q', '-m', 'submodule');
    const inventory = await readInventory(repo);
    assert.deepEqual(paths(inventory), ['app.py']);
    assert.deepEqual(inventory.skipped, { files: 1, reasons: { submodule: 1 } });
  });

  it('skips vendored and built trees, generated files and lock files, by segment and not by prefix', async () => {
    const repo = makeRepo({
      'node_modules/left-pad/index.js': 'module.exports = 1;\n',
      'web/node_modules/x/index.js': 'module.exports = 2;\n',
      'dist/app.js': 'built();\n',
      'vendor/lib.go': 'package lib\n',
      'pkg/__pycache__/m.py': 'x = 1\n',
      'app.min.js': 'a();\n',
      'app.js.map': '{}\n',
      'api/service.pb.go': 'package api\n',
      'api/service_pb2.py': 'x = 1\n',
      '__snapshots__/a.test.js.snap': 'exports[`a`] = 1;\n',
      'package-lock.json': '{}\n',
      'sub/yarn.lock': '# yarn\n',
      'go.sum': 'x\n',
      'Cargo.lock': 'x\n',
      'src/distance.py': 'd = 1\n',
      'scripts/build.py': 'b = 1\n',
      'build_tools/run.py': 'r = 1\n',
      'package.json': '{"name": "x"}\n',
    });
    const inventory = await readInventory(repo);
    assert.deepEqual(paths(inventory), [
      'build_tools/run.py',
      'package.json',
      'scripts/build.py',
      'src/distance.py',
    ]);
    assert.deepEqual(inventory.skipped, {
      files: 14,
      reasons: { vendored: 3, generated: 7, 'lock file': 4 },
    });
  });

  it('skips a file whose name is not UTF-8, since it cannot be named back', async () => {
    const repo = makeRepo({ 'ok.py': 'x = 1\n' });
    writeFileSync(Buffer.from(join(repo, 'bad\xff.py'), 'latin1'), 'x = 2\n');
    commitAll(repo);
    const inventory = await readInventory(repo);
    assert.deepEqual(paths(inventory), ['ok.py']);
    assert.deepEqual(inventory.skipped.reasons, { 'non-utf8 path': 1 });
  });

  it('applies the file cap to source first, then docs, then tests, and counts the rest', async () => {
    const repo = makeRepo({
      'a_docs/guide.md': 'guide\n',
      'doc/intro.md': 'intro\n',
      'docs/usage.rst': 'usage\n',
      'tests/test_a.py': 'a\n',
      'tests/test_b.py': 'b\n',
      'src/conftest.py': 'c\n',
      'zsrc/one.py': '1\n',
      'zsrc/two.py': '2\n',
      'zsrc/three.py': '3\n',
      'zsrc/deep/four.py': '4\n',
    });
    const three = await readInventory(repo, { maxFiles: 3 });
    assert.deepEqual(paths(three), ['zsrc/deep/four.py', 'zsrc/one.py', 'zsrc/three.py']);
    assert.deepEqual(three.skipped, { files: 7, reasons: { 'over file cap': 7 } });
    const six = await readInventory(repo, { maxFiles: 6 });
    assert.deepEqual(paths(six), [
      'a_docs/guide.md',
      'doc/intro.md',
      'zsrc/deep/four.py',
      'zsrc/one.py',
      'zsrc/three.py',
      'zsrc/two.py',
    ]);
  });

  it('stops indexing at the byte cap, without reading what cannot fit', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 5; i++) files[`src/m${i}.py`] = `${'#'.repeat(99)}\n`;
    const repo = makeRepo(files);
    const inventory = await readInventory(repo, { maxTotalBytes: 250 });
    assert.deepEqual(paths(inventory), ['src/m0.py', 'src/m1.py']);
    assert.deepEqual(inventory.skipped, { files: 3, reasons: { 'over byte cap': 3 } });
  });

  it('runs no fsmonitor or hook the repository configures', async () => {
    const repo = makeRepo({ 'app.py': 'x = 1\n' });
    const marker = join(scratch, `ran-${++counter}`);
    const hook = join(scratch, `monitor-${counter}.sh`);
    writeFileSync(hook, `#!/bin/sh\ntouch ${marker}\n`);
    chmodSync(hook, 0o755);
    git(repo, 'config', 'core.fsmonitor', hook);
    assert.deepEqual(paths(await readInventory(repo)), ['app.py']);
    assert.equal(existsSync(marker), false);
  });
});

describe('isTestPath', () => {
  it('knows test directories and the test-file conventions', () => {
    for (const path of [
      'test/a.py',
      'pkg/tests/helpers.py',
      'numpy/testing/utils.py',
      'src/__tests__/a.ts',
      'spec/models/user.rb',
      'e2e/login.ts',
      'tests/fixtures/data.json',
      'src/__fixtures__/x.js',
      'src/__snapshots__/a.snap',
      'pkg/testdata/input.json',
      'Tests/Unit/A.cs',
      'pkg/test_merge.py',
      'pkg/merge_test.py',
      'server/handler_test.go',
      'src/app.test.ts',
      'src/app.spec.js',
      'conftest.py',
      'src/main/java/FooTest.java',
      'lib/user_spec.rb',
    ]) {
      assert.equal(isTestPath(path), true, path);
    }
  });

  it('does not take a name that only starts or ends like a test for one', () => {
    for (const path of [
      'src/testing_utils_helper.py',
      'contest.py',
      'src/latest.py',
      'src/attestation/verify.py',
      'src/testdata.py',
      'pkg/test.py',
      'src/spectrum.ts',
      'src/test_helpers.ts',
      'src/Testament.java',
      'README.md',
    ]) {
      assert.equal(isTestPath(path), false, path);
    }
  });
});

describe('readInventory with a read filter', () => {
  it('lists every path but reads only the selected files, counting the rest under the given reason', async () => {
    const repo = makeRepo({
      'src/mod.py': 'x = 1\n',
      'tests/test_mod.py': 'def test_x(): pass\n',
      'node_modules/a/i.js': '1',
    });
    const inventory = await readInventory(repo, {
      read: (path) => !path.startsWith('tests/'),
      unreadReason: 'test file',
    });
    assert.deepEqual(paths(inventory), ['src/mod.py']);
    assert.deepEqual(inventory.paths, ['src/mod.py', 'tests/test_mod.py']);
    assert.equal(inventory.skipped.reasons['test file'], 1);
    assert.equal(inventory.skipped.reasons.vendored, 1);
  });
});

describe('readInventory and generated code', () => {
  it('skips a generated/ tree (a script writes it; the fix goes into the script)', async () => {
    const repo = makeRepo({
      'src/builders/generated/index.ts': 'export function callExpression() {}\n',
      'src/schema/__generated__/types.ts': 'export type Query = {};\n',
      'src/builders/index.ts': 'export * from "./generated/index.ts";\n',
    });
    const inventory = await readInventory(repo);
    assert.deepEqual(paths(inventory), ['src/builders/index.ts']);
    assert.equal(inventory.skipped.reasons.generated, 2);
  });
});

describe('isToolConfigPath', () => {
  it('knows build and tool configuration written as code by its name, at any depth', () => {
    for (const path of [
      'babel.config.js',
      'packages/app/jest.config.ts',
      'vite.config.mjs',
      '.eslintrc.cjs',
      'gulpfile.js',
      'Gruntfile.js',
      'gulpfile.babel.js',
    ]) {
      assert.equal(isToolConfigPath(path), true, path);
    }
  });

  it('leaves source that merely has config in its name', () => {
    for (const path of [
      'src/config.js',
      'lib/config/index.ts',
      'src/loadConfig.ts',
      'pylint/config/__init__.py',
      'setup.cfg',
    ]) {
      assert.equal(isToolConfigPath(path), false, path);
    }
  });
});
