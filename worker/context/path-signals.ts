// Signals from paths the issue names: a path or file name it mentions, a dotted module name, a frame
// of a stack trace. A path written in an issue is rarely the repository-relative one — it is absolute
// on the reporter's machine, inside site-packages, or in a GitHub URL — so each is matched by its
// longest tail of path segments that ends a file in the checkout. Nothing outside the inventory can
// ever match, so an issue cannot point the localizer outside the checkout.
import type { Frame, IssueClues } from './issue-clues.ts';

export interface Signal {
  path: string;
  points: number;
  reason: string;
}

/** Finds files by the tail of their path: `core/dataset.py` finds `pkg/core/dataset.py`. */
export interface PathIndex {
  /** Files whose path ends with the longest matching tail of `written`, and how many segments matched. */
  match(written: string): { paths: string[]; segments: number };
}

export function createPathIndex(
  paths: readonly string[],
  packages: ReadonlyMap<string, string> = new Map(),
): PathIndex {
  // By file name only: the tails are compared when matching, so a large repository costs one entry
  // a file rather than one a path segment.
  const byName = new Map<string, string[]>();
  for (const path of paths) append(byName, path.slice(path.lastIndexOf('/') + 1), path);
  const all = new Set(paths);
  return {
    match(written) {
      const installed = installedSource(written, packages, (path) => all.has(path));
      if (installed) return { paths: [installed], segments: installed.split('/').length };
      const segments = written
        .replace(/\\/g, '/')
        .split('/')
        .filter((segment) => segment !== '' && segment !== '.' && segment !== '..');
      const found = byName.get(segments[segments.length - 1] ?? '') ?? [];
      let best = 0;
      let matches: string[] = [];
      for (const path of found) {
        const shared = sharedTail(segments, path.split('/'));
        if (shared > best) [best, matches] = [shared, [path]];
        else if (shared === best) matches.push(path);
      }
      return best === 0 ? { paths: [], segments: 0 } : { paths: matches, segments: best };
    },
  };
}

/** How many trailing segments two paths share: `a/core/x.py` and `pkg/core/x.py` share two. */
function sharedTail(written: readonly string[], path: readonly string[]): number {
  let shared = 0;
  while (
    shared < written.length &&
    shared < path.length &&
    written[written.length - 1 - shared] === path[path.length - 1 - shared]
  ) {
    shared++;
  }
  return shared;
}

/**
 * A frame inside an installed copy of one of the checkout's own packages
 * (`node_modules/@scope/core/lib/transform.js`) names that package's source: `<dir>/src/transform.ts`
 * in a monorepo, where `lib/` is the build of `src/`.
 */
function installedSource(
  written: string,
  packages: ReadonlyMap<string, string>,
  exists: (path: string) => boolean,
): string | undefined {
  const at = written.lastIndexOf('node_modules/');
  if (at < 0 || packages.size === 0) return undefined;
  const parts = written.slice(at + 'node_modules/'.length).split('/');
  const nameLength = parts[0]?.startsWith('@') ? 2 : 1;
  const directory = packages.get(parts.slice(0, nameLength).join('/'));
  if (directory === undefined) return undefined;
  const rest = parts.slice(nameLength).join('/');
  const prefix = directory === '' ? '' : `${directory}/`;
  const stems = [rest, rest.replace(/^(?:lib|dist|build|cjs|esm)\//, 'src/')].map((path) =>
    path.replace(/\.[cm]?js$/, ''),
  );
  for (const stem of stems) {
    for (const extension of ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.jsx']) {
      if (exists(`${prefix}${stem}${extension}`)) return `${prefix}${stem}${extension}`;
    }
  }
  return undefined;
}

const points = {
  /** A path that ends a file with two or more segments: the issue names this file. */
  path: 8,
  /** A bare file name: strong when only one file has it, diluted by the others that share it. */
  fileName: 5,
  module: 6,
  frame: 5,
  /** Each further frame in the same file: a deep trace through one file is still one file. */
  sameFileFrame: 1,
  maxFramePoints: 8,
  /** The innermost frame inside the checkout: where the error surfaced. */
  innermost: 3,
};

export function mentionSignals(clues: IssueClues, index: PathIndex): Signal[] {
  const signals: Signal[] = [];
  // A path inside a stack trace is the frame's evidence (frameSignals), not a second mention.
  const inFrames = clues.frames.map((frame) => frame.path);
  for (const written of clues.paths) {
    if (inFrames.some((path) => path.endsWith(written))) continue;
    const { paths, segments } = index.match(written);
    const weight = segments >= 2 ? points.path : points.fileName / paths.length;
    // The part that matched, not what was written around it (a URL, someone's home directory).
    const shown = written.split(/[\\/]/).slice(-Math.max(1, segments)).join('/');
    for (const path of paths) signals.push({ path, points: weight, reason: `mentions ${shown}` });
  }
  for (const module of clues.modules) signals.push(...moduleSignals(module, index));
  return signals;
}

/** `pkg.core.merge` may name `pkg/core/merge.py` or, with an attribute after it, `pkg/core.py`. */
function moduleSignals(module: string, index: PathIndex): Signal[] {
  const parts = module.split('.');
  for (let end = parts.length; end >= 2; end--) {
    const stem = parts.slice(0, end).join('/');
    for (const suffix of ['.py', '/__init__.py', '.js', '.ts']) {
      const written = stem + suffix;
      const { paths, segments } = index.match(written);
      // The whole dotted name must match, so `tool.pkg.basic` (a TOML section) is not `pkg/__init__.py`.
      if (paths.length > 0 && segments >= written.split('/').length) {
        const weight = points.module / paths.length;
        return paths.map((path) => ({ path, points: weight, reason: `mentions module ${module}` }));
      }
    }
  }
  return [];
}

export function frameSignals(frames: readonly Frame[], index: PathIndex): Signal[] {
  const byFile = new Map<string, { points: number; lines: number[] }>();
  let innermost: string | undefined;
  for (const frame of frames) {
    const { paths, segments } = index.match(frame.path);
    // A bare file name in a trace (`<stdin>`, `test.py`) says little unless it is unique.
    if (paths.length !== 1 && segments < 2) continue;
    for (const path of paths) {
      const seen = byFile.get(path);
      const add = (seen ? points.sameFileFrame : points.frame) / paths.length;
      const entry = seen ?? { points: 0, lines: [] };
      entry.points = Math.min(points.maxFramePoints, entry.points + add);
      if (frame.line) entry.lines.push(frame.line);
      byFile.set(path, entry);
      innermost = path;
    }
  }
  const signals = [...byFile].map(([path, entry]) => ({
    path,
    points: entry.points,
    reason: `in the stack trace${entry.lines.length > 0 ? ` (line ${entry.lines.join(', ')})` : ''}`,
  }));
  if (innermost) signals.push({ path: innermost, points: points.innermost, reason: 'innermost frame' });
  return signals;
}

const nameWordPoints = { title: 3, body: 1.2, directory: 2 };
// File names that say nothing about what a file does: every package has them.
const genericStems = new Set([
  'index',
  '__init__',
  'init',
  'main',
  'mod',
  'lib',
  'setup',
  'conftest',
  '__main__',
]);
const genericDirectories = new Set([
  'src',
  'lib',
  'libs',
  'packages',
  'pkg',
  'core',
  'app',
  'source',
  'internal',
]);
const maxDirectoryFiles = 30;

/**
 * A file whose name is a word of the issue (`auth.py` for "Digest Auth", `weighted.py` for "weighted
 * mean"), most of all a word of its title; and, less, the files of a small directory the issue names.
 */
export function nameWordSignals(
  paths: readonly string[],
  titleWords: ReadonlySet<string>,
  bodyWords: ReadonlySet<string>,
  nameWords: (name: string) => string[],
  rarity: (word: string) => number,
): Signal[] {
  const byStem = new Map<string, string[]>();
  const byDirectory = new Map<string, string[]>();
  for (const path of paths) {
    const segments = path.split('/');
    const stem = (segments.pop() ?? '').replace(/\.[^.]*$/, '');
    if (!genericStems.has(stem)) append(byStem, stem, path);
    const directory = segments.pop();
    if (directory && !genericDirectories.has(directory)) {
      append(byDirectory, directory, path);
    }
  }
  const seenIn = (name: string): number => {
    const words = nameWords(name);
    if (words.length === 0) return 0;
    const inTitle = words.every((word) => titleWords.has(word));
    if (!inTitle && !words.every((word) => bodyWords.has(word))) return 0;
    // A name made of common words ("python" in a Python project) is weak, as for definitions.
    const telling = Math.min(...words.map(rarity));
    return (inTitle ? nameWordPoints.title : nameWordPoints.body) * telling;
  };
  const signals: Signal[] = [];
  for (const [stem, files] of byStem) {
    const points = seenIn(stem) / Math.sqrt(files.length);
    for (const path of files) signals.push({ path, points, reason: `the issue names "${stem}"` });
  }
  for (const [directory, files] of byDirectory) {
    if (files.length > maxDirectoryFiles) continue;
    const points = (seenIn(directory) * nameWordPoints.directory) / nameWordPoints.title;
    for (const path of files)
      signals.push({ path, points, reason: `in ${directory}/, which the issue names` });
  }
  return signals;
}

/** Adds to a list in a map in place: a copy per path would be quadratic on a folder of fixtures. */
export function append<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
