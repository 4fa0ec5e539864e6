// The setup cache's archives: what setup left in a workspace (its untracked and ignored files) packed as
// one gzip tar, checked entry by entry before anything of it is extracted, and extracted so that it can
// only add files inside the workspace. The tar library is isaacs' `tar` (npm's own): it keeps symbolic
// links as links, refuses to extract through a link, and its entries can be vetted before extraction.
import { lstat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import * as tar from 'tar';
import { metadataDirOf } from './git.ts';
import { gitEnvironment, hardeningConfig, runGitBytes } from './git-process.ts';

/**
 * The files setup produced: untracked and ignored ones, never tracked files or .git. Without exclude
 * options `ls-files --others` lists both kinds (untracked ones and those .gitignore hides). Run with
 * the worker's own git directory when the workspace has one: setup ran the repository's commands, which
 * could have planted settings in the workspace's .git.
 */
export async function producedFiles(workspace: string): Promise<string[]> {
  const own = metadataDirOf(workspace);
  const gitDir = (await isDirectory(own)) ? own : join(workspace, '.git');
  const env = {
    ...gitEnvironment([...hardeningConfig(false), ['safe.directory', workspace]]),
    GIT_DIR: gitDir,
    GIT_WORK_TREE: workspace,
  };
  const out = await runGitBytes(['ls-files', '--others', '-z'], { cwd: workspace, env });
  return (
    out
      .toString('utf8')
      .split('\0')
      // A directory with its own .git is listed as "dir/": another repository, not setup's output.
      .filter((path) => path !== '' && !path.endsWith('/') && !path.split('/').includes('.git'))
      .sort()
  );
}

async function isDirectory(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined))?.isDirectory() ?? false;
}

/** Packs `files` (relative to workspace) into `archive`; links are stored as links, never followed. */
export async function packFiles(workspace: string, files: string[], archive: string): Promise<void> {
  // "./": tar reads a name that starts with @ as another archive to append.
  const names = files.map((path) => `./${path}`);
  await tar.c(
    {
      gzip: true,
      cwd: workspace,
      file: archive,
      portable: true,
      noDirRecurse: true,
      follow: false,
      strict: true,
      linkCache: new NoHardLinks(),
    },
    names,
  );
}

/**
 * Hard-linked files (pnpm's store, some venvs) are stored as separate files: a hard link entry could
 * alias a tracked file on extraction, so restore refuses them, and pack must never write one.
 */
class NoHardLinks extends Map<`${number}:${number}`, string> {
  override get(): undefined {
    return undefined;
  }

  override set(): this {
    return this;
  }
}

/** Why an archive entry may not be extracted, or undefined when it may. */
export function refusedEntry(entry: { path: string; type: string; linkpath?: string }): string | undefined {
  const path = entry.path.replace(/^(\.\/)+/, '');
  if (!['File', 'OldFile', 'ContiguousFile', 'Directory', 'SymbolicLink'].includes(entry.type)) {
    return `${entry.type} entry ${JSON.stringify(entry.path)}`;
  }
  if (escapes(path, '')) return `entry ${JSON.stringify(entry.path)} leaves the workspace`;
  if (entry.type !== 'SymbolicLink') return undefined;
  const target = entry.linkpath ?? '';
  // A link may point up (node_modules/.bin/x -> ../x/cli.js) but never out of the workspace.
  if (target === '' || posix.isAbsolute(target) || escapes(target, posix.dirname(path))) {
    return `link ${JSON.stringify(entry.path)} -> ${JSON.stringify(target)} points outside the workspace`;
  }
  return undefined;
}

/** Whether `path`, read from directory `from` (both workspace-relative), names something outside it, or .git. */
function escapes(path: string, from: string): boolean {
  if (path === '' || path.includes('\0') || posix.isAbsolute(path) || path.includes('\\')) return true;
  if (from === '' && path.split('/').includes('..')) return true;
  const resolved = posix.normalize(posix.join(from === '.' ? '' : from, path));
  return resolved === '..' || resolved.startsWith('../') || resolved.split('/').includes('.git');
}

/**
 * Reads the whole archive and vets every entry. Returns the number of entries, or the reason the archive
 * must not be extracted (a refused entry, or one it could not read: a truncated or corrupt archive).
 */
export async function checkArchive(archive: string): Promise<{ entries: number } | { refused: string }> {
  let entries = 0;
  let refused: string | undefined;
  try {
    await tar.t({
      file: archive,
      strict: true,
      onReadEntry: (entry) => {
        entries++;
        refused ??= refusedEntry(entry);
      },
    });
  } catch (error) {
    return { refused: `the archive cannot be read (${(error as Error).message})` };
  }
  return refused ? { refused } : { entries };
}

/**
 * Extracts a checked archive into the workspace. It only adds: a file that is already there (a tracked
 * one) is kept, and nothing is written through a link. Owners are the worker's, as for the clone.
 */
export async function unpackArchive(archive: string, workspace: string): Promise<void> {
  await tar.x({
    file: archive,
    cwd: workspace,
    strict: true,
    keep: true,
    preservePaths: false,
    preserveOwner: false,
    // Vetted already; checked again so an archive swapped in between cannot slip an entry through.
    filter: (_path, entry) => refusedEntry(entry as tar.ReadEntry) === undefined,
  });
}
