// The setup cache on real files and real git: the key, a save and restore round trip between two fresh
// clones, every kind of bad entry found and removed before anything is extracted, the size cap, list and
// prune, and repositories kept apart.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import * as tar from 'tar';
import { PermanentError, TransientError } from '../../worker/core/errors.ts';
import { createGit } from '../../worker/job/git.ts';
import { cacheKey, createSetupCache, type SetupCache } from '../../worker/job/setup-cache.ts';
import { refusedEntry } from '../../worker/job/setup-cache-archive.ts';
import { createThrowawayRepo, type ThrowawayRepo } from '../support/throwaway-repo.ts';

const logger = pino({ level: 'silent' });
const git = createGit({ author: { name: 'CodingWorker', email: 'cw@example.com' }, allowFileProtocol: true });
const HOUR = 60 * 60 * 1000;
const keyOf = (text: string) => createHash('sha256').update(text).digest('hex');

const TRACKED = {
  'package.json': '{"name":"demo","version":"1.0.0"}\n',
  'package-lock.json': '{"lockfileVersion":3,"packages":{}}\n',
  '.gitignore': 'node_modules/\n.venv/\n',
  'src/index.js': 'export const answer = 42;\n',
};

let repo: ThrowawayRepo;
let clones = 0;

/** A fresh clone made the way the pipeline makes one (the worker's own git directory beside it). */
async function freshClone(): Promise<string> {
  const dir = join(repo.scratch, 'workspaces', `w${clones++}`);
  mkdirSync(dirname(dir), { recursive: true });
  await git.clone(repo.path, dir, { branch: 'main' });
  return dir;
}

/** What an `npm ci` plus a `.venv` would leave: ignored trees, a .bin link, one untracked file. */
function fakeSetup(workspace: string): void {
  const write = (path: string, content: string | Buffer, mode?: number) => {
    mkdirSync(dirname(join(workspace, path)), { recursive: true });
    writeFileSync(join(workspace, path), content, mode === undefined ? {} : { mode });
  };
  write('node_modules/left-pad/index.js', 'module.exports = (s) => s;\n');
  write('node_modules/left-pad/bin/cli.js', '#!/usr/bin/env node\n', 0o755);
  mkdirSync(join(workspace, 'node_modules/.bin'), { recursive: true });
  symlinkSync('../left-pad/bin/cli.js', join(workspace, 'node_modules/.bin/left-pad'));
  write('.venv/bin/python', '#!/bin/sh\n', 0o755);
  write('.venv/lib/site.py', 'import sys\n');
  write('generated.txt', 'made by setup\n');
  // pnpm and some venvs hard-link files: each is kept as a file of its own.
  linkSync(
    join(workspace, 'node_modules/left-pad/index.js'),
    join(workspace, 'node_modules/left-pad/alias.js'),
  );
}

function cacheRoot(name: string): string {
  return join(repo.scratch, 'caches', name);
}

/** Writes a forged entry: any archive, with a manifest that matches it exactly (sha256, size, count). */
function forgeEntry(root: string, repository: string, key: string, archive: string, files: number): string {
  const dir = join(root, repository.replace('/', '__'), key);
  mkdirSync(dir, { recursive: true });
  const bytes = readFileSync(archive);
  const name = 'archive-0123456789abcdef.tar.gz';
  writeFileSync(join(dir, name), bytes);
  const at = new Date().toISOString();
  const manifest = {
    version: 1,
    repository,
    key,
    archive: name,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    bytes: bytes.length,
    files,
    createdAt: at,
    lastUsedAt: at,
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

/** The bytes with one byte inverted at `at` (a fraction of the length): same size, other content. */
function flipByte(bytes: Buffer, at: number): Buffer {
  const index = Math.floor(bytes.length * at);
  bytes.writeUInt8(bytes.readUInt8(index) ^ 0xff, index);
  return bytes;
}

/** The single archive file of an entry directory. */
function archiveIn(dir: string): string {
  const name = readdirSync(dir).find((entry) => entry.startsWith('archive-'));
  assert.ok(name, `an archive in ${dir}`);
  return join(dir, name);
}

before(() => {
  repo = createThrowawayRepo(TRACKED);
});
after(() => repo.remove());

describe('cacheKey', () => {
  const base = { repository: 'octo/demo', commands: ['npm ci'], image: 'sha256:aaa' };

  test('stable for the same inputs; changes with a lock file, a command, the image, the repository', async () => {
    const workspace = await freshClone();
    const first = await cacheKey({ ...base, workspace });
    assert.match(first.key, /^[0-9a-f]{64}$/);
    assert.deepEqual(first.files, ['package-lock.json'], 'the lock file at the root, not package.json');
    assert.equal((await cacheKey({ ...base, workspace })).key, first.key);
    // A file that is no lock file does not change the key.
    writeFileSync(join(workspace, 'src/index.js'), 'changed\n');
    assert.equal((await cacheKey({ ...base, workspace })).key, first.key);

    const keys = new Set([first.key]);
    keys.add((await cacheKey({ ...base, commands: ['npm ci', 'npm run build'], workspace })).key);
    keys.add((await cacheKey({ ...base, commands: ['npm install'], workspace })).key);
    keys.add((await cacheKey({ ...base, image: 'sha256:bbb', workspace })).key);
    keys.add((await cacheKey({ ...base, repository: 'octo/other', workspace })).key);
    writeFileSync(join(workspace, 'package-lock.json'), '{"lockfileVersion":3,"packages":{"a":{}}}\n');
    keys.add((await cacheKey({ ...base, workspace })).key);
    assert.equal(keys.size, 6, 'each change gives its own key');
  });

  test('the default lock files include requirements*.txt; named files may be missing, each counted', async () => {
    const workspace = await freshClone();
    writeFileSync(join(workspace, 'requirements-dev.txt'), 'pytest==8\n');
    writeFileSync(join(workspace, 'requirements.txt'), 'requests==2\n');
    writeFileSync(join(workspace, 'notes.txt'), 'not a lock file\n');
    const found = await cacheKey({ ...base, workspace });
    assert.deepEqual(found.files, ['package-lock.json', 'requirements-dev.txt', 'requirements.txt']);

    const named = await cacheKey({ ...base, workspace, keyFiles: ['deps/lock.txt', 'package.json'] });
    assert.deepEqual(named.files, ['deps/lock.txt', 'package.json']);
    mkdirSync(join(workspace, 'deps'));
    writeFileSync(join(workspace, 'deps/lock.txt'), 'x\n');
    const present = await cacheKey({ ...base, workspace, keyFiles: ['deps/lock.txt', 'package.json'] });
    assert.notEqual(present.key, named.key, 'a named file appearing changes the key');
  });

  test('refuses a key file that is a link, behind a link, or outside the workspace', async () => {
    const workspace = await freshClone();
    const secret = join(repo.scratch, 'secret.txt');
    writeFileSync(secret, 'not yours\n');
    symlinkSync(secret, join(workspace, 'yarn.lock'));
    await assert.rejects(cacheKey({ ...base, workspace }), PermanentError, 'a default lock file as a link');
    rmSync(join(workspace, 'yarn.lock'));
    symlinkSync(repo.scratch, join(workspace, 'up'));
    await assert.rejects(cacheKey({ ...base, workspace, keyFiles: ['up/secret.txt'] }), PermanentError);
    for (const path of ['../secret.txt', '/etc/passwd', 'a/../../secret.txt', '.git/config']) {
      await assert.rejects(cacheKey({ ...base, workspace, keyFiles: [path] }), PermanentError, path);
    }
  });
});

describe('save and restore', () => {
  test('a round trip between two fresh clones: ignored trees, the .bin link, modes; tracked files untouched', async () => {
    const cache = createSetupCache({ root: cacheRoot('round-trip'), maxBytes: 64 * 1024 ** 2, logger });
    const key = keyOf('round-trip');
    const first = await freshClone();
    fakeSetup(first);
    // Setup changed a tracked file: that is not setup's output to keep.
    writeFileSync(join(first, 'src/index.js'), 'export const answer = 0;\n');
    const saved = await cache.save('octo/demo', key, first);
    assert.equal(saved.saved, true, saved.reason);
    assert.ok(saved.bytes > 0);

    const second = await freshClone();
    const restored = await cache.restore('octo/demo', key, second);
    assert.equal(restored.hit, true, 'reason' in restored ? restored.reason : '');
    assert.equal(
      readFileSync(join(second, 'node_modules/left-pad/index.js'), 'utf8'),
      'module.exports = (s) => s;\n',
    );
    const link = join(second, 'node_modules/.bin/left-pad');
    assert.ok(lstatSync(link).isSymbolicLink(), 'the .bin entry is still a link');
    assert.equal(readlinkSync(link), '../left-pad/bin/cli.js');
    assert.equal(readFileSync(link, 'utf8'), '#!/usr/bin/env node\n', 'and it resolves inside the workspace');
    assert.equal(lstatSync(join(second, 'node_modules/left-pad/bin/cli.js')).mode & 0o777, 0o755);
    assert.equal(readFileSync(join(second, '.venv/lib/site.py'), 'utf8'), 'import sys\n');
    assert.equal(readFileSync(join(second, 'generated.txt'), 'utf8'), 'made by setup\n');
    assert.equal(
      readFileSync(join(second, 'node_modules/left-pad/alias.js'), 'utf8'),
      'module.exports = (s) => s;\n',
    );
    assert.equal(readFileSync(join(second, 'src/index.js'), 'utf8'), TRACKED['src/index.js']);
    const status = repo.git('-C', second, 'status', '--porcelain');
    assert.equal(status, '?? generated.txt\n', 'nothing tracked changed; ignored trees stay ignored');

    const [entry] = await cache.list();
    assert.equal(entry?.repository, 'octo/demo');
    assert.equal(entry?.key, key);
    assert.equal(entry?.files, 7, 'six files and one link');
    assert.equal(entry?.problem, undefined);
  });

  test('restore updates lastUsedAt; a miss says why; nothing produced is nothing saved', async () => {
    let clock = new Date('2030-01-01T00:00:00Z');
    const cache = createSetupCache({
      root: cacheRoot('used'),
      maxBytes: 64 * 1024 ** 2,
      logger,
      now: () => clock,
    });
    const key = keyOf('used');
    assert.deepEqual(await cache.restore('octo/demo', key, await freshClone()), {
      hit: false,
      reason: 'no cache entry for this key',
    });
    const empty = await cache.save('octo/demo', key, await freshClone());
    assert.equal(empty.saved, false);
    assert.match(empty.reason ?? '', /no untracked or ignored files/);

    const workspace = await freshClone();
    fakeSetup(workspace);
    await cache.save('octo/demo', key, workspace);
    clock = new Date('2030-01-02T00:00:00Z');
    assert.equal((await cache.restore('octo/demo', key, await freshClone())).hit, true);
    const [entry] = await cache.list();
    assert.equal(entry?.createdAt, '2030-01-01T00:00:00.000Z');
    assert.equal(entry?.lastUsedAt, '2030-01-02T00:00:00.000Z');
  });
});

describe('bad entries are found, ignored and removed, never restored', () => {
  let cache: SetupCache;
  let root: string;
  const later = () => new Date(Date.now() + 2 * HOUR);

  before(() => {
    root = cacheRoot('bad');
    cache = createSetupCache({ root, maxBytes: 64 * 1024 ** 2, logger, now: later });
  });

  async function savedEntry(name: string): Promise<{ key: string; dir: string }> {
    const workspace = await freshClone();
    fakeSetup(workspace);
    const key = keyOf(name);
    assert.equal((await cache.save('octo/demo', key, workspace)).saved, true);
    return { key, dir: join(root, 'octo__demo', key) };
  }

  async function assertMissRemoved(key: string, dir: string, reason: RegExp): Promise<void> {
    const workspace = await freshClone();
    const result = await cache.restore('octo/demo', key, workspace);
    assert.equal(result.hit, false);
    assert.match('reason' in result ? result.reason : '', reason);
    assert.equal(existsSync(dir), false, 'the bad entry is removed');
    assert.equal(existsSync(join(workspace, 'node_modules')), false, 'nothing was extracted');
  }

  test('a corrupted archive (same size, one byte changed)', async () => {
    const { key, dir } = await savedEntry('corrupt');
    const archive = archiveIn(dir);
    writeFileSync(archive, flipByte(readFileSync(archive), 0.5));
    await assertMissRemoved(key, dir, /sha256/);
  });

  test('a truncated archive', async () => {
    const { key, dir } = await savedEntry('truncated');
    const archive = archiveIn(dir);
    truncateSync(archive, Math.floor(lstatSync(archive).size / 2));
    await assertMissRemoved(key, dir, /truncated/);
  });

  test('a missing manifest: skipped while it may still be written, removed once it is stale', async () => {
    const { key, dir } = await savedEntry('no-manifest');
    rmSync(join(dir, 'manifest.json'));
    const current = createSetupCache({ root, maxBytes: 64 * 1024 ** 2, logger });
    const busy = await current.restore('octo/demo', key, await freshClone());
    assert.equal(busy.hit, false);
    assert.match('reason' in busy ? busy.reason : '', /no manifest.*being written/);
    assert.equal(existsSync(dir), true, 'a save in progress elsewhere is left alone');
    await assertMissRemoved(key, dir, /no manifest/);
  });

  test('an archive entry with ../ in its path, even with a manifest that matches it', async () => {
    const scratch = join(repo.scratch, 'forge-dotdot');
    mkdirSync(join(scratch, 'inner'), { recursive: true });
    writeFileSync(join(scratch, 'escaped.txt'), 'out of the workspace\n');
    const archive = join(scratch, 'evil.tar.gz');
    await tar.c({ gzip: true, cwd: join(scratch, 'inner'), file: archive, preservePaths: true }, [
      '../escaped.txt',
    ]);
    const key = keyOf('dotdot');
    const dir = forgeEntry(root, 'octo/demo', key, archive, 1);
    await assertMissRemoved(key, dir, /leaves the workspace/);
  });

  test('a link whose target is absolute, or climbs out of the workspace', async () => {
    for (const [name, target] of [
      ['absolute', '/etc/passwd'],
      ['climbing', '../../outside'],
    ] as const) {
      const scratch = join(repo.scratch, `forge-${name}`);
      mkdirSync(join(scratch, 'tree/node_modules'), { recursive: true });
      symlinkSync(target, join(scratch, 'tree/node_modules/link'));
      const archive = join(scratch, 'evil.tar.gz');
      await tar.c({ gzip: true, cwd: join(scratch, 'tree'), file: archive, portable: true }, [
        './node_modules/link',
      ]);
      const key = keyOf(`link-${name}`);
      const dir = forgeEntry(root, 'octo/demo', key, archive, 1);
      await assertMissRemoved(key, dir, /points outside the workspace/);
    }
  });

  test('extraction never writes through a link the clone already has: the task fails, the entry goes', async () => {
    const outside = join(repo.scratch, 'outside-dir');
    mkdirSync(outside, { recursive: true });
    const linked = createThrowawayRepo({ 'README.md': '# linked\n' });
    try {
      symlinkSync(outside, join(linked.path, 'out'));
      linked.git('add', 'out');
      linked.git('commit', '--quiet', '-m', 'a tracked link to a host directory');
      const workspace = join(linked.scratch, 'workspace');
      await git.clone(linked.path, workspace, { branch: 'main' });
      const scratch = join(repo.scratch, 'forge-through');
      mkdirSync(join(scratch, 'out'), { recursive: true });
      writeFileSync(join(scratch, 'out/evil.txt'), 'written through the link\n');
      const archive = join(repo.scratch, 'through.tar.gz');
      await tar.c({ gzip: true, cwd: scratch, file: archive, portable: true }, ['./out/evil.txt']);
      const key = keyOf('through');
      const dir = forgeEntry(root, 'octo/demo', key, archive, 1);
      await assert.rejects(cache.restore('octo/demo', key, workspace), TransientError);
      assert.equal(existsSync(join(outside, 'evil.txt')), false, 'nothing written outside the workspace');
      assert.equal(existsSync(dir), false, 'the entry that does not fit this clone is removed');
    } finally {
      linked.remove();
    }
  });

  test('refusedEntry: links may point up inside the workspace; hard links, .git and escapes are refused', () => {
    const link = (path: string, linkpath: string) => refusedEntry({ path, type: 'SymbolicLink', linkpath });
    assert.equal(link('./node_modules/.bin/x', '../x/cli.js'), undefined);
    assert.equal(link('a/b/c', '../../d'), undefined);
    assert.match(link('a/b/c', '../../../d') ?? '', /outside/);
    assert.match(link('a/b', '/abs') ?? '', /outside/);
    assert.match(link('a/b', '../.git/hooks') ?? '', /outside/);
    assert.match(refusedEntry({ path: 'a', type: 'Link', linkpath: 'src/index.js' }) ?? '', /Link entry/);
    assert.match(refusedEntry({ path: '/etc/x', type: 'File' }) ?? '', /leaves/);
    assert.match(refusedEntry({ path: '.git/config', type: 'File' }) ?? '', /leaves/);
    assert.match(refusedEntry({ path: 'x/../../y', type: 'File' }) ?? '', /leaves/);
  });
});

describe('the cap, list and prune', () => {
  /** A workspace whose setup produced `size` incompressible bytes. */
  async function producing(size: number): Promise<string> {
    const workspace = await freshClone();
    mkdirSync(join(workspace, 'node_modules'), { recursive: true });
    writeFileSync(join(workspace, 'node_modules/blob.bin'), randomBytes(size));
    return workspace;
  }

  test('after a save the least recently used entries go until the total fits', async () => {
    let clock = new Date('2030-01-01T00:00:00Z');
    const tick = () => {
      clock = new Date(clock.getTime() + 60_000);
    };
    const cache = createSetupCache({
      root: cacheRoot('lru'),
      maxBytes: 250 * 1024,
      logger,
      now: () => clock,
    });
    const [one, two, three] = [keyOf('lru-1'), keyOf('lru-2'), keyOf('lru-3')];
    assert.equal((await cache.save('octo/demo', one, await producing(100 * 1024))).saved, true);
    tick();
    assert.equal((await cache.save('octo/demo', two, await producing(100 * 1024))).saved, true);
    tick();
    // The first is used again, so the second is now the least recently used.
    assert.equal((await cache.restore('octo/demo', one, await freshClone())).hit, true);
    tick();
    assert.equal((await cache.save('octo/demo', three, await producing(100 * 1024))).saved, true);
    const kept = (await cache.list()).map((entry) => entry.key).sort();
    assert.deepEqual(kept, [one, three].sort());
    const total = (await cache.list()).reduce((sum, entry) => sum + entry.bytes, 0);
    assert.ok(total <= 250 * 1024, `total ${total} within the cap`);
  });

  test("a setup whose output holds an absolute link (a venv's bin/python) is not kept, rather than kept and refused", async () => {
    const cache = createSetupCache({ root: cacheRoot('venv-link'), maxBytes: 64 * 1024 ** 2, logger });
    const workspace = await freshClone();
    fakeSetup(workspace);
    mkdirSync(join(workspace, '.venv', 'bin'), { recursive: true });
    symlinkSync('/usr/bin/python3', join(workspace, '.venv', 'bin', 'python3'));
    const saved = await cache.save('octo/demo', keyOf('venv'), workspace);
    assert.equal(saved.saved, false);
    assert.match(
      saved.reason ?? '',
      /link ".*\.venv\/bin\/python3" -> "\/usr\/bin\/python3" points outside the workspace/,
    );
    assert.deepEqual(await cache.list(), []);
  });

  test('an entry bigger than the whole cap is not kept', async () => {
    const cache = createSetupCache({ root: cacheRoot('too-big'), maxBytes: 20 * 1024, logger });
    const result = await cache.save('octo/demo', keyOf('big'), await producing(64 * 1024));
    assert.equal(result.saved, false);
    assert.match(result.reason ?? '', /more than the whole cache may hold.*CW_CACHE_MAX_MB/);
    assert.deepEqual(await cache.list(), []);
  });

  test('prune: corrupt entries without options, one repository, or all', async () => {
    const root = cacheRoot('prune');
    const cache = createSetupCache({ root, maxBytes: 64 * 1024 ** 2, logger });
    for (const [repository, name] of [
      ['octo/demo', 'good'],
      ['octo/demo', 'bad'],
      ['octo/other', 'other'],
    ] as const) {
      assert.equal((await cache.save(repository, keyOf(name), await producing(4096))).saved, true);
    }
    const bad = archiveIn(join(root, 'octo__demo', keyOf('bad')));
    writeFileSync(bad, flipByte(readFileSync(bad), 0.9));

    assert.equal((await cache.prune()).removed, 1);
    const left = (await cache.list()).map((entry) => `${entry.repository} ${entry.key}`).sort();
    assert.deepEqual(left, [`octo/demo ${keyOf('good')}`, `octo/other ${keyOf('other')}`]);
    assert.equal((await cache.prune({ repository: 'octo/other' })).removed, 1);
    assert.deepEqual(
      (await cache.list()).map((entry) => entry.repository),
      ['octo/demo'],
    );
    const all = await cache.prune({ all: true });
    assert.equal(all.removed, 1);
    assert.ok(all.bytes > 4096);
    assert.deepEqual(await cache.list(), []);
    await assert.rejects(cache.prune({ repository: '../etc' }), PermanentError);
  });

  test('two repositories never share: same key, separate entries; a key cannot name a path', async () => {
    const root = cacheRoot('apart');
    const cache = createSetupCache({ root, maxBytes: 64 * 1024 ** 2, logger });
    const key = keyOf('shared');
    const workspace = await freshClone();
    fakeSetup(workspace);
    await cache.save('octo/demo', key, workspace);
    const other = await cache.restore('octo/other', key, await freshClone());
    assert.equal(other.hit, false, 'another repository with the same key finds nothing');
    assert.deepEqual(readdirSync(root), ['octo__demo']);
    await assert.rejects(cache.restore('octo/demo', '../../etc', workspace), PermanentError);
    await assert.rejects(cache.save('octo/../x', key, workspace), PermanentError);
  });
});
