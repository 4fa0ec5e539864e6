// The setup cache's key: what decides that a workspace prepared once can be prepared again by restoring
// it. The repository, the setup commands, the sandbox image and the content of the lock files: a change
// to any of them runs setup again. Key files are repository content, so they are read with care: never
// through a symbolic link, never outside the workspace, never without a size limit.
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { PermanentError } from '../core/errors.ts';

export interface CacheKeyInput {
  /** owner/name. */
  repository: string;
  /** The setup commands, in order. */
  commands: string[];
  /** The sandbox image: its id, or its tag and recipe, so a rebuilt image does not restore stale tools. */
  image: string;
  /** The workspace (the fresh clone) the key files are read from. */
  workspace: string;
  /** Paths relative to the workspace root (`cache_key:`). Default: the usual lock files found at the root. */
  keyFiles?: string[];
}

/**
 * Bumped when what is hashed or what an entry holds changes, so entries of an older worker are never
 * mistaken for current ones.
 */
export const CACHE_FORMAT = 1;

/** A lock file bigger than this is refused rather than hashed: it is no lock file. */
export const KEY_FILE_MAX_BYTES = 64 * 1024 * 1024;

/** The lock files of npm, yarn, pnpm, pip, poetry, pipenv, uv, Go, Cargo, Bundler and Composer. */
const DEFAULT_KEY_FILES = [
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'poetry.lock',
  'Pipfile.lock',
  'uv.lock',
  'pyproject.toml',
  'go.sum',
  'Cargo.lock',
  'Gemfile.lock',
  'composer.lock',
];
const REQUIREMENTS = /^requirements.*\.txt$/;

/** sha256 over everything that decides what setup produces; `files` are the key files that were read. */
export async function cacheKey(input: CacheKeyInput): Promise<{ key: string; files: string[] }> {
  const files = input.keyFiles
    ? [...new Set(input.keyFiles.map((path) => keyFilePath(path)))].sort()
    : await defaultKeyFiles(input.workspace);
  const contents: Array<[string, string]> = [];
  for (const path of files) contents.push([path, await keyFileDigest(input.workspace, path)]);
  // One JSON document: every field is delimited, so no two different inputs hash the same text.
  const text = JSON.stringify({
    format: CACHE_FORMAT,
    repository: input.repository,
    commands: input.commands,
    image: input.image,
    files: contents,
  });
  return { key: createHash('sha256').update(text).digest('hex'), files };
}

/** The lock files present at the root, sorted; a link or a directory under such a name is refused. */
async function defaultKeyFiles(workspace: string): Promise<string[]> {
  const names = await readdir(workspace);
  const found = names.filter((name) => DEFAULT_KEY_FILES.includes(name) || REQUIREMENTS.test(name));
  return found.sort();
}

/** A key file's path as the workspace-relative POSIX path it must be: no absolute path, no `..`. */
function keyFilePath(path: string): string {
  const normal = posix.normalize(path.replaceAll('\\', '/'));
  if (
    path.includes('\0') ||
    posix.isAbsolute(normal) ||
    normal === '.' ||
    normal.split('/').some((part) => part === '..' || part === '.git')
  ) {
    throw new PermanentError(
      `cache_key names ${JSON.stringify(path)}: key files must be paths inside the repository, relative to its root`,
    );
  }
  return normal.replace(/\/$/, '');
}

/** The sha256 of a key file's content, or "missing". */
async function keyFileDigest(workspace: string, path: string): Promise<string> {
  const parts = path.split('/');
  // Every directory on the way is checked too: a link there would lead the read outside the workspace.
  for (let depth = 1; depth < parts.length; depth++) {
    const info = await lstat(join(workspace, ...parts.slice(0, depth))).catch(() => undefined);
    if (!info) return 'missing';
    if (!info.isDirectory()) throw refusedKeyFile(path, `${parts.slice(0, depth).join('/')} is no directory`);
  }
  const info = await lstat(join(workspace, path)).catch(() => undefined);
  if (!info) return 'missing';
  if (info.isSymbolicLink()) throw refusedKeyFile(path, 'it is a symbolic link');
  if (!info.isFile()) throw refusedKeyFile(path, 'it is not a regular file');
  // O_NOFOLLOW: the file read is the one just checked, even if a link took its place in between.
  const handle = await open(join(workspace, path), constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const opened = await handle.stat();
    if (opened.size > KEY_FILE_MAX_BYTES) {
      throw refusedKeyFile(path, `it has ${opened.size} bytes, more than ${KEY_FILE_MAX_BYTES}`);
    }
    const hash = createHash('sha256');
    for await (const chunk of handle.createReadStream({ autoClose: false })) hash.update(chunk as Buffer);
    return hash.digest('hex');
  } finally {
    await handle.close();
  }
}

function refusedKeyFile(path: string, why: string): PermanentError {
  return new PermanentError(
    `setup cache key file ${path} cannot be used: ${why}; name the real lock file in cache_key of .codingworker.yml`,
  );
}
