// `codingworker cache list|prune` as an operator runs them: the real launcher in a child process, on a
// cache directory under CW_WORK_DIR prepared by the cache itself from real clones (one entry then
// corrupted by hand). stdout carries the answer, stderr what prune removed and why, and a mistake is one
// line with exit code 1.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import pino from 'pino';
import { createGit } from '../../worker/job/git.ts';
import { createSetupCache } from '../../worker/job/setup-cache.ts';
import { launcherRoot, settled } from '../support/cli-launcher.ts';
import { createThrowawayRepo, type ThrowawayRepo } from '../support/throwaway-repo.ts';

const run = promisify(execFile);
const slow = { timeout: 60_000 };
const keyOf = (text: string) => createHash('sha256').update(text).digest('hex');

interface ListJson {
  root: string;
  maxBytes: number;
  totalBytes: number;
  entries: Array<{ repository: string; key: string; bytes: number; files: number; problem?: string }>;
}

describe('codingworker cache', () => {
  let scratch: string;
  let launcher: string;
  let workDir: string;
  let repo: ThrowawayRepo;

  function cli(args: string[], env: Record<string, string> = {}) {
    return settled(
      run(process.execPath, [join(launcher, 'bin', 'codingworker.js'), 'cache', ...args], {
        env: { PATH: process.env.PATH ?? '', HOME: scratch, CW_WORK_DIR: workDir, ...env },
        timeout: 50_000,
      }),
    );
  }

  async function listJson(): Promise<ListJson> {
    const result = await cli(['list', '--json']);
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as ListJson;
  }

  /** Saves one entry whose setup produced `files` ignored files of `size` incompressible bytes each. */
  async function prepare(
    repository: string,
    name: string,
    files: number,
    size: number,
    at: Date,
  ): Promise<void> {
    const workspace = join(scratch, 'workspaces', name);
    mkdirSync(join(scratch, 'workspaces'), { recursive: true });
    const git = createGit({ author: { name: 'CW', email: 'cw@example.com' }, allowFileProtocol: true });
    await git.clone(repo.path, workspace, { branch: 'main' });
    mkdirSync(join(workspace, 'node_modules'));
    for (let index = 0; index < files; index++) {
      writeFileSync(join(workspace, 'node_modules', `f${index}.js`), randomBytes(size));
    }
    const cache = createSetupCache({
      root: join(workDir, 'cache'),
      maxBytes: 1024 ** 3,
      logger: pino({ level: 'silent' }),
      now: () => at,
    });
    const saved = await cache.save(repository, keyOf(name), workspace);
    assert.equal(saved.saved, true, saved.reason);
  }

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'cw-cli-cache-'));
    launcher = launcherRoot(join(scratch, 'launcher'));
    workDir = join(scratch, 'work');
    repo = createThrowawayRepo({ '.gitignore': 'node_modules/\n', 'README.md': '# demo\n' });
    // Two entries of 600 KB each: together over a 1 MB cap, either alone under it.
    await prepare('octo/demo', 'old', 2, 300 * 1024, new Date('2030-01-01T00:00:00Z'));
    await prepare('octo/demo', 'new', 3, 200 * 1024, new Date('2030-01-03T00:00:00Z'));
    await prepare('octo/other', 'other', 1, 4096, new Date('2030-01-02T00:00:00Z'));
    await prepare('octo/other', 'broken', 1, 4096, new Date('2030-01-02T00:00:00Z'));
    const broken = join(workDir, 'cache', 'octo__other', keyOf('broken'));
    const archive = join(broken, readdirSync(broken).find((name) => name.startsWith('archive-'))!);
    const bytes = readFileSync(archive);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 30) ^ 0xff, bytes.length - 30);
    writeFileSync(archive, bytes);
  });
  after(() => {
    repo.remove();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('list: a table with short keys, sizes and use, then the total against the cap', slow, async () => {
    const result = await cli(['list'], { CW_CACHE_MAX_MB: '512' });
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^REPOSITORY\s+KEY\s+SIZE\s+FILES\s+CREATED\s+LAST USED\s+STATE$/);
    assert.equal(lines.length, 1 + 4 + 2, 'header, four entries, a blank line, the total');
    const newest = lines.find((line) => line.includes(keyOf('new').slice(0, 12)))!;
    assert.match(
      newest,
      /^octo\/demo\s+[0-9a-f]{12}\s+[\d.]+ KB\s+3\s+2030-01-03 00:00\s+2030-01-03 00:00\s+ok$/,
    );
    assert.ok(!result.stdout.includes(keyOf('new')), 'keys are shortened');
    assert.match(lines.at(-1)!, /^4 entries in .*cache: [\d.]+ MB of 512\.0 MB \(CW_CACHE_MAX_MB\)$/);
  });

  test('list --json: the whole of stdout is one object with every entry', slow, async () => {
    const output = await listJson();
    assert.equal(output.root, join(workDir, 'cache'));
    assert.equal(output.maxBytes, 2048 * 1024 ** 2, 'the default cap');
    const names = output.entries.map((entry) => `${entry.repository} ${entry.key}`).sort();
    assert.deepEqual(
      names,
      [
        `octo/demo ${keyOf('new')}`,
        `octo/demo ${keyOf('old')}`,
        `octo/other ${keyOf('broken')}`,
        `octo/other ${keyOf('other')}`,
      ].sort(),
    );
    assert.equal(
      output.totalBytes,
      output.entries.reduce((sum, entry) => sum + entry.bytes, 0),
    );
  });

  test('a wrong repository or contradicting options: one line, exit 1, nothing removed', slow, async () => {
    const wrong = await cli(['prune', '--repository', '../etc']);
    assert.equal(wrong.code, 1);
    assert.equal(wrong.stderr, 'codingworker: "../etc" is not a repository owner/name\n');
    assert.equal(wrong.stdout, '');
    const both = await cli(['prune', '--repository', 'octo/demo', '--all']);
    assert.equal(both.code, 1);
    assert.match(both.stderr, /cannot be used with option '--all'/);
    assert.equal((await listJson()).entries.length, 4);
  });

  test(
    'prune: the corrupt entry, then the least recently used over the cap; then one repository; then all',
    slow,
    async () => {
      const pruned = await cli(['prune']);
      assert.equal(pruned.code, 0, pruned.stderr);
      assert.match(pruned.stdout, /^removed 1 entry \([\d.]+ KB\) from /);
      assert.match(pruned.stderr, /Setup cache entry removed: octo\/other [0-9a-f]{12} \(.*sha256.*\)/);
      assert.equal((await listJson()).entries.length, 3);

      // Under a 1 MB cap the least recently used of the two large entries goes.
      const capped = await cli(['prune'], { CW_CACHE_MAX_MB: '1' });
      assert.equal(capped.code, 0, capped.stderr);
      assert.match(capped.stdout, /^removed 1 entry \([\d.]+ KB\)/);
      assert.match(capped.stderr, /octo\/demo [0-9a-f]{12} \(least recently used, over the cap\)/);
      const kept = (await listJson()).entries.map((entry) => entry.key).sort();
      assert.deepEqual(kept, [keyOf('new'), keyOf('other')].sort());

      const other = await cli(['prune', '--repository', 'octo/other']);
      assert.match(other.stdout, /^removed 1 entry /);
      assert.deepEqual(
        (await listJson()).entries.map((entry) => entry.repository),
        ['octo/demo'],
      );
      const all = await cli(['prune', '--all']);
      assert.match(all.stdout, /^removed 1 entry /);
      const empty = await cli(['list']);
      assert.match(empty.stdout, /^the setup cache .* is empty: 0 B of 2\.00 GB \(CW_CACHE_MAX_MB\)\n$/);
    },
  );
});
