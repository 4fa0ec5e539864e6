// The files the pipeline reads and writes in the task's checkout, on the host: the model never runs a
// command here, the harness applies its edits. Model output is untrusted, so every path is checked to stay
// inside the checkout (no `..`, no absolute path, no symbolic link on the way, nothing under .git/), and
// the original content of every file touched is kept so a new attempt can start from the clean checkout.
import { lstat, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';

/** Files larger than this are not read for the model or replaced by an edit. */
const MAX_FILE_BYTES = 1_048_576;

export interface WorkspaceFiles {
  /** The file's text, or undefined when it does not exist (or is not a regular file inside the checkout). */
  read(path: string): Promise<string | undefined>;
  /** Writes the file, creating its directories; throws when the path is not allowed. */
  write(path: string, content: string): Promise<void>;
  /** Puts every file written back as it was (deleting the ones that did not exist). */
  restore(): Promise<void>;
  /** Repository-relative paths written since the last restore. */
  written(): string[];
  /** How many writes so far: tells whether anything changed since a check. */
  writes(): number;
}

/** Why a path from the model cannot be used, or undefined when it can. */
export function pathProblem(path: string): string | undefined {
  if (path.length === 0 || path.length > 400) return 'the path is empty or too long';
  if (path.includes('\0') || path.includes('\\')) return 'the path has a NUL or a backslash';
  if (isAbsolute(path)) return 'the path is absolute; give it relative to the repository root';
  const parts = path.split('/');
  if (parts.some((part) => part === '..' || part === '')) return 'the path leaves the repository';
  if (parts[0] === '.git') return 'files under .git/ cannot be edited';
  return undefined;
}

export function createWorkspaceFiles(root: string): WorkspaceFiles {
  /** Each file written, as it was: its bytes, or undefined when it did not exist. */
  const originals = new Map<string, Buffer | undefined>();
  let writes = 0;

  async function resolveInside(path: string): Promise<string> {
    const problem = pathProblem(path);
    if (problem) throw new Error(`${path}: ${problem}`);
    const full = join(root, ...path.split('/'));
    const back = relative(root, full);
    if (back.startsWith('..') || isAbsolute(back)) throw new Error(`${path}: the path leaves the repository`);
    // A link anywhere on the way could point out of the checkout: refuse it rather than follow it.
    let current = root;
    for (const part of back.split(sep)) {
      current = join(current, part);
      const info = await lstat(current).catch(() => undefined);
      if (!info) break;
      if (info.isSymbolicLink()) throw new Error(`${path}: the path goes through a symbolic link`);
    }
    return full;
  }

  async function readInside(path: string): Promise<string | undefined> {
    const full = await resolveInside(path);
    const info = await lstat(full).catch(() => undefined);
    if (!info?.isFile() || info.size > MAX_FILE_BYTES) return undefined;
    return readFile(full, 'utf8');
  }

  return {
    read: (path) => readInside(path).catch(() => undefined),
    async write(path, content) {
      if (Buffer.byteLength(content) > MAX_FILE_BYTES)
        throw new Error(`${path}: the new content is over 1 MiB`);
      const full = await resolveInside(path);
      const info = await lstat(full).catch(() => undefined);
      // A file too large to show, or not a regular file, is never replaced by content the model wrote blind.
      if (info && (!info.isFile() || info.size > MAX_FILE_BYTES)) {
        throw new Error(`${path}: not a regular file of at most 1 MiB, so it cannot be edited here`);
      }
      if (!originals.has(path)) originals.set(path, info ? await readFile(full) : undefined);
      await mkdir(dirname(full), { recursive: true });
      await writeFile(full, content);
      writes += 1;
    },
    async restore() {
      for (const [path, content] of originals) {
        const full = await resolveInside(path);
        if (content === undefined) await rm(full, { force: true });
        else await writeFile(full, content);
      }
      originals.clear();
    },
    written: () => [...originals.keys()],
    writes: () => writes,
  };
}
