// Symbolic links in the agent's change. A link is shown as what it is (a link and its target), and one
// that points outside the repository is refused: merged, it would make whoever builds or serves the
// repository read a file of their own machine (an absolute path, or ../ past the root).
import { lstat, readlink } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { Verdict } from '../agent/runner.ts';
import { type ChangedFile, pathBytes } from './git.ts';

type Check = Verdict['checks'][number];

/** The changed files that are symbolic links, with their targets as written. */
export async function changedLinks(workspace: string, files: ChangedFile[]): Promise<Map<string, string>> {
  const links = new Map<string, string>();
  for (const file of files) {
    if (file.status === 'deleted') continue;
    // The name's bytes: a link whose name is not UTF-8 must not slip past the check under its shown name.
    const path = Buffer.concat([Buffer.from(`${workspace}/`), pathBytes(file)]);
    const info = await lstat(path).catch(() => undefined);
    if (info?.isSymbolicLink()) links.set(file.path, await readlink(path));
  }
  return links;
}

/** Does the link's target leave the repository (resolved from the link's own folder, as the OS does)? */
export function pointsOutside(workspace: string, linkPath: string, target: string): boolean {
  if (isAbsolute(target)) return true;
  const root = resolve(workspace);
  const resolved = relative(root, resolve(root, dirname(linkPath), target));
  return resolved === '..' || resolved.startsWith(`..${sep}`) || isAbsolute(resolved);
}

/** The "links" check: undefined when the change has no link. */
export function linkCheck(workspace: string, links: Map<string, string>): Check | undefined {
  if (links.size === 0) return undefined;
  const shown = (entries: Array<[string, string]>) =>
    entries
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([path, target]) => `${path} -> ${target}`)
      .join(', ');
  const outside = [...links].filter(([path, target]) => pointsOutside(workspace, path, target));
  if (outside.length > 0) {
    return {
      name: 'links',
      ok: false,
      detail: `symbolic links that point outside the repository: ${shown(outside)}: remove them, or link to a file inside the repository`,
    };
  }
  return { name: 'links', ok: true, detail: `symbolic links inside the repository: ${shown([...links])}` };
}
