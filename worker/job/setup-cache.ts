// The setup cache: what a repository's `setup:` commands produced in a workspace, kept once so the next
// task with the same key restores it instead of installing everything again. It is only files under
// <workDir>/cache, so it survives restarts:
//
//   <root>/<owner>__<name>/<key>/manifest.json        written last: an entry without one is incomplete
//   <root>/<owner>__<name>/<key>/archive-<nonce>.tar.gz the files, named by the manifest
//
// Every write goes to a temporary name in the same directory, is synced, then renamed, so a reader sees
// an old entry or a new one, never half of one; two workers saving one key at once each write their own
// archive and the last manifest renamed wins. Whatever is wrong with an entry (no manifest, a size or
// sha256 that does not match, an entry that would leave the workspace) is found before anything of it is
// extracted: the entry is removed and setup runs again. The cache is bounded: after a save the least
// recently used entries go until the total fits the cap.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  rmdir,
  stat,
  unlink,
} from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { PermanentError, ResourceError, TransientError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { diskNearlyFull } from './git-process.ts';
import {
  checkArchive,
  packFiles,
  producedFiles,
  refusedEntry,
  unpackArchive,
} from './setup-cache-archive.ts';
import { CACHE_FORMAT } from './setup-cache-key.ts';

export { type CacheKeyInput, cacheKey } from './setup-cache-key.ts';

export interface CacheEntry {
  repository: string;
  key: string;
  /** Bytes on disk (the archive, compressed). */
  bytes: number;
  /** Files and links in the archive. */
  files: number;
  createdAt: string;
  lastUsedAt: string;
  /** Set when the entry cannot be restored: why. prune removes it. */
  problem?: string;
}

export type RestoreResult = { hit: true; bytes: number; ms: number } | { hit: false; reason: string };

export interface SetupCache {
  /** Extracts the entry into the workspace (a fresh clone). A bad entry is removed and reported as a miss. */
  restore(repository: string, key: string, workspace: string): Promise<RestoreResult>;
  /** Keeps the untracked and ignored files of the workspace under the key, then evicts down to the cap. */
  save(
    repository: string,
    key: string,
    workspace: string,
  ): Promise<{ saved: boolean; bytes: number; reason?: string }>;
  list(): Promise<CacheEntry[]>;
  /**
   * No options: removes entries that are corrupt, then the least recently used ones over the cap.
   * `repository`: every entry of that repository. `all`: everything.
   */
  prune(options?: { repository?: string; all?: boolean }): Promise<{ removed: number; bytes: number }>;
}

export interface SetupCacheOptions {
  /** <workDir>/cache. */
  root: string;
  /** The cap on the total size (CW_CACHE_MAX_MB). */
  maxBytes: number;
  logger: Logger;
  now?: () => Date;
}

const MANIFEST = 'manifest.json';
/**
 * An entry without a valid manifest whose files changed this recently may be a save still running in
 * another worker: it is skipped, not removed. Packing keeps a file growing, so this only needs to outlast
 * the moment between the archive's rename and the manifest's.
 */
const SETTLE_MS = 15 * 60 * 1000;
const REPOSITORY = /^([A-Za-z0-9-]{1,39})\/([A-Za-z0-9._-]{1,100})$/;
const KEY = /^[0-9a-f]{64}$/;
const ARCHIVE = /^archive-[0-9a-f]{16}\.tar\.gz$/;

const ManifestSchema = z.object({
  version: z.literal(CACHE_FORMAT),
  repository: z.string(),
  key: z.string(),
  archive: z.string().regex(ARCHIVE),
  sha256: z.string().regex(KEY),
  bytes: z.number().int().nonnegative(),
  files: z.number().int().positive(),
  createdAt: z.iso.datetime(),
  lastUsedAt: z.iso.datetime(),
});
type Manifest = z.infer<typeof ManifestSchema>;

/** One entry directory as found on disk. */
interface Found {
  dir: string;
  repository: string;
  key: string;
  /** Every file in the directory, temporary and orphaned ones included: what it takes on disk. */
  bytes: number;
  /** The newest modification time of its files. */
  changedAt: Date;
  manifest?: Manifest;
  problem?: string;
}

/** The first link among `files` that restore would refuse (absolute, or leaving the workspace). */
async function firstRefusedLink(workspace: string, files: string[]): Promise<string | undefined> {
  for (const path of files) {
    const full = join(workspace, path);
    if (!(await lstat(full)).isSymbolicLink()) continue;
    const refused = refusedEntry({ path, type: 'SymbolicLink', linkpath: await readlink(full) });
    if (refused) return refused;
  }
  return undefined;
}

export function createSetupCache(options: SetupCacheOptions): SetupCache {
  const now = options.now ?? (() => new Date());
  const { root, logger, maxBytes } = options;
  /** Not restorable and not (any more) being written by anyone. */
  const stale = (found: Found) =>
    found.problem !== undefined && now().getTime() - found.changedAt.getTime() > SETTLE_MS;

  async function remove(found: Found, reason: string): Promise<number> {
    logger.warn({ repository: found.repository, key: found.key, reason }, 'Setup cache entry removed');
    await rm(found.dir, { recursive: true, force: true });
    await rmdir(join(found.dir, '..')).catch(() => undefined);
    return found.bytes;
  }

  /** Removes what is stale, then the least recently used entries until the total fits (keeping `keep`). */
  async function evict(keep?: string): Promise<{ removed: number; bytes: number }> {
    const entries = await scan(root);
    let total = entries.reduce((sum, found) => sum + found.bytes, 0);
    const order = [
      ...entries.filter(stale),
      ...entries
        .filter((found) => found.manifest && !found.problem && found.dir !== keep)
        .sort((a, b) => a.manifest!.lastUsedAt.localeCompare(b.manifest!.lastUsedAt)),
    ];
    const freed = { removed: 0, bytes: 0 };
    for (const found of order) {
      if (total <= maxBytes && !stale(found)) break;
      const bytes = await remove(found, found.problem ?? 'least recently used, over the cap');
      total -= bytes;
      freed.removed++;
      freed.bytes += bytes;
    }
    return freed;
  }

  return {
    async restore(repository, key, workspace) {
      const started = performance.now();
      const found = await inspect(entryDir(root, repository, key), repository, key);
      if (!found) return { hit: false, reason: 'no cache entry for this key' };
      if (found.problem) {
        if (!stale(found)) return { hit: false, reason: `${found.problem}, perhaps being written now` };
        await remove(found, found.problem);
        return { hit: false, reason: `corrupt entry removed: ${found.problem}` };
      }
      const manifest = found.manifest!;
      const archive = join(found.dir, manifest.archive);
      const problem = await verify(archive, manifest);
      if (problem === 'gone') return { hit: false, reason: 'the entry was replaced while being read' };
      if (problem) {
        await remove(found, problem);
        return { hit: false, reason: `corrupt entry removed: ${problem}` };
      }
      try {
        await unpackArchive(archive, workspace);
      } catch (error) {
        // Checked, yet it does not fit this clone: the workspace is part-written, so this task cannot
        // go on with it; the retry starts from a fresh clone and runs setup.
        await remove(found, `extraction failed: ${(error as Error).message}`);
        const message = `restoring the setup cache of ${repository} failed (${(error as Error).message}); the entry was removed, so the retry runs setup`;
        if (await diskNearlyFull(workspace)) throw new ResourceError(message, { cause: error });
        throw new TransientError(message, { cause: error });
      }
      await touch(found.dir, manifest, now());
      const ms = Math.round(performance.now() - started);
      logger.info({ repository, key, bytes: manifest.bytes, ms }, 'Setup cache restored');
      return { hit: true, bytes: manifest.bytes, ms };
    },

    async save(repository, key, workspace) {
      const dir = entryDir(root, repository, key);
      const temp = join(dir, `.tmp-${nonce()}`);
      try {
        const files = await producedFiles(workspace);
        if (files.length === 0) {
          return { saved: false, bytes: 0, reason: 'setup left no untracked or ignored files to keep' };
        }
        // What restore would refuse is not kept at all: an entry saved only to be thrown away churns.
        const refused = await firstRefusedLink(workspace, files);
        if (refused) {
          logger.warn({ repository, key, reason: refused }, 'Setup cache entry not kept');
          return { saved: false, bytes: 0, reason: refused };
        }
        await mkdir(dir, { recursive: true });
        await packFiles(workspace, files, temp);
        await syncFile(temp);
        const bytes = (await stat(temp)).size;
        if (bytes > maxBytes) {
          await unlink(temp);
          await rmdir(dir).catch(() => undefined);
          const reason = `the archive has ${megabytes(bytes)}, more than the whole cache may hold (${megabytes(maxBytes)}, CW_CACHE_MAX_MB)`;
          logger.warn({ repository, key, bytes, reason }, 'Setup cache entry not kept');
          return { saved: false, bytes, reason };
        }
        const archive = `archive-${nonce()}.tar.gz`;
        const at = now().toISOString();
        const manifest: Manifest = {
          version: CACHE_FORMAT,
          repository,
          key,
          archive,
          sha256: await sha256Of(temp),
          bytes,
          files: files.length,
          createdAt: at,
          lastUsedAt: at,
        };
        await rename(temp, join(dir, archive));
        await writeAtomically(dir, MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`);
        await removeOrphans(dir, archive, now());
        await evict(dir);
        logger.info({ repository, key, bytes, files: files.length }, 'Setup cache saved');
        return { saved: true, bytes };
      } catch (error) {
        await unlink(temp).catch(() => undefined);
        // A cache that cannot be written costs the next task time, not this task its result.
        const reason = `the entry could not be written: ${(error as Error).message}`;
        logger.warn({ repository, key, reason }, 'Setup cache entry not kept');
        return { saved: false, bytes: 0, reason };
      }
    },

    async list() {
      const entries = await scan(root);
      return entries.map((found) => ({
        repository: found.repository,
        key: found.key,
        bytes: found.bytes,
        files: found.manifest?.files ?? 0,
        createdAt: found.manifest?.createdAt ?? found.changedAt.toISOString(),
        lastUsedAt: found.manifest?.lastUsedAt ?? found.changedAt.toISOString(),
        ...(found.problem ? { problem: found.problem } : {}),
      }));
    },

    async prune(choice = {}) {
      if (choice.repository !== undefined) repositorySlug(choice.repository);
      const freed = { removed: 0, bytes: 0 };
      for (const found of await scan(root)) {
        let reason: string | undefined;
        if (choice.all) reason = 'pruned: all';
        else if (choice.repository !== undefined) {
          if (found.repository === choice.repository) reason = `pruned: ${choice.repository}`;
        } else if (stale(found)) reason = found.problem;
        else if (found.manifest && !found.problem) {
          const problem = await verify(join(found.dir, found.manifest.archive), found.manifest);
          if (problem && problem !== 'gone') reason = problem;
        }
        if (reason === undefined) continue;
        freed.bytes += await remove(found, reason);
        freed.removed++;
      }
      if (choice.all || choice.repository !== undefined) return freed;
      const evicted = await evict();
      return { removed: freed.removed + evicted.removed, bytes: freed.bytes + evicted.bytes };
    },
  };
}

/** The directory of one entry. Repository and key become path parts, so both are checked strictly. */
function entryDir(root: string, repository: string, key: string): string {
  if (!KEY.test(key)) throw new PermanentError(`setup cache key ${JSON.stringify(key)} is not a sha256`);
  return join(root, repositorySlug(repository), key);
}

/** owner__name: an owner has no "_", so the slug names one repository and reads back to it. */
function repositorySlug(repository: string): string {
  const match = REPOSITORY.exec(repository);
  if (!match) throw new PermanentError(`${JSON.stringify(repository)} is not a repository owner/name`);
  return `${match[1]}__${match[2]}`;
}

function repositoryOfSlug(slug: string): string | undefined {
  const at = slug.indexOf('__');
  const repository = at > 0 ? `${slug.slice(0, at)}/${slug.slice(at + 2)}` : '';
  return REPOSITORY.test(repository) ? repository : undefined;
}

/** Every entry directory under root; anything else there is left alone. */
async function scan(root: string): Promise<Found[]> {
  const found: Found[] = [];
  for (const slug of await names(root)) {
    const repository = repositoryOfSlug(slug);
    if (!repository) continue;
    for (const key of await names(join(root, slug))) {
      if (!KEY.test(key)) continue;
      const entry = await inspect(join(root, slug, key), repository, key);
      if (entry) found.push(entry);
    }
  }
  return found;
}

async function names(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
}

/** An entry as the cheap checks find it: the manifest and the archive's size. Undefined: no such entry. */
async function inspect(dir: string, repository: string, key: string): Promise<Found | undefined> {
  const entries = await readdir(dir).catch(() => undefined);
  if (!entries) return undefined;
  let bytes = 0;
  let changedAt = new Date(0);
  for (const name of entries) {
    const info = await lstat(join(dir, name)).catch(() => undefined);
    if (!info) continue;
    bytes += info.size;
    if (info.mtime > changedAt) changedAt = info.mtime;
  }
  const found: Found = { dir, repository, key, bytes, changedAt };
  const text = await readFile(join(dir, MANIFEST), 'utf8').catch(() => undefined);
  if (text === undefined) return { ...found, problem: 'no manifest (a half-written entry)' };
  const parsed = ManifestSchema.safeParse(parseJson(text));
  if (!parsed.success) return { ...found, problem: 'the manifest is unreadable or of another format' };
  const manifest = parsed.data;
  if (manifest.repository !== repository || manifest.key !== key) {
    return { ...found, manifest, problem: 'the manifest belongs to another entry' };
  }
  const archive = await lstat(join(dir, manifest.archive)).catch(() => undefined);
  if (!archive?.isFile()) return { ...found, manifest, problem: 'the archive is missing' };
  if (archive.size !== manifest.bytes) {
    return {
      ...found,
      manifest,
      problem: `the archive has ${archive.size} bytes, the manifest says ${manifest.bytes} (truncated)`,
    };
  }
  return { ...found, manifest };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The full check before extraction: the archive is byte for byte what was saved, and each of its
 * entries stays inside the workspace. Returns the problem; 'gone' when the archive vanished meanwhile.
 */
async function verify(archive: string, manifest: Manifest): Promise<string | undefined> {
  const sha256 = await sha256Of(archive).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return 'gone';
    throw error;
  });
  if (sha256 === 'gone') return 'gone';
  if (sha256 !== manifest.sha256) return 'the archive does not match its sha256 (corrupt)';
  const checked = await checkArchive(archive);
  if ('refused' in checked) return `refused: ${checked.refused}`;
  if (checked.entries !== manifest.files) {
    return `the archive holds ${checked.entries} entries, the manifest says ${manifest.files}`;
  }
  return undefined;
}

/** Records the use, unless another worker replaced the entry meanwhile (its manifest is then newer). */
async function touch(dir: string, used: Manifest, at: Date): Promise<void> {
  const current = await readFile(join(dir, MANIFEST), 'utf8').catch(() => undefined);
  const parsed = ManifestSchema.safeParse(parseJson(current ?? ''));
  if (!parsed.success || parsed.data.archive !== used.archive) return;
  const manifest = { ...parsed.data, lastUsedAt: at.toISOString() };
  await writeAtomically(dir, MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`).catch(() => undefined);
}

/** Archives and temporary files the manifest does not name, left by a crash or a concurrent save. */
async function removeOrphans(dir: string, keep: string, at: Date): Promise<void> {
  for (const name of await readdir(dir)) {
    if (name === MANIFEST || name === keep) continue;
    const info = await lstat(join(dir, name)).catch(() => undefined);
    if (info && at.getTime() - info.mtime.getTime() > SETTLE_MS) await rm(join(dir, name), { force: true });
  }
}

async function writeAtomically(dir: string, name: string, text: string): Promise<void> {
  const temp = join(dir, `.tmp-${nonce()}`);
  const handle = await open(temp, 'wx');
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, join(dir, name)).catch(async (error: unknown) => {
    await unlink(temp).catch(() => undefined);
    throw error;
  });
  await syncFile(dir);
}

/** fsync of a file, or of a directory so that a rename in it is on disk. */
async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function nonce(): string {
  return randomBytes(8).toString('hex');
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
}
