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

export function createPathIndex(paths: readonly string[]): PathIndex {
  const byTail = new Map<string, string[]>();
  for (const path of paths) {
    const segments = path.split('/');
    for (let start = segments.length - 1; start >= 0; start--) {
      const tail = segments.slice(start).join('/');
      const list = byTail.get(tail);
      if (list) list.push(path);
      else byTail.set(tail, [path]);
    }
  }
  return {
    match(written) {
      const segments = written
        .replace(/\\/g, '/')
        .split('/')
        .filter((segment) => segment !== '' && segment !== '.' && segment !== '..');
      for (let start = 0; start < segments.length; start++) {
        const found = byTail.get(segments.slice(start).join('/'));
        if (found) return { paths: found, segments: segments.length - start };
      }
      return { paths: [], segments: 0 };
    },
  };
}

const points = {
  /** A path that ends a file with two or more segments: the issue names this file. */
  path: 8,
  /** A bare file name: strong when only one file has it, diluted by the others that share it. */
  fileName: 5,
  module: 6,
  frame: 5,
  /** The innermost frame inside the checkout: where the error surfaced. */
  innermost: 2,
};

export function mentionSignals(clues: IssueClues, index: PathIndex): Signal[] {
  const signals: Signal[] = [];
  for (const written of clues.paths) {
    const { paths, segments } = index.match(written);
    const weight = segments >= 2 ? points.path : points.fileName / paths.length;
    for (const path of paths) signals.push({ path, points: weight, reason: `mentions ${written}` });
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
      const { paths, segments } = index.match(stem + suffix);
      if (paths.length > 0 && segments >= Math.min(end, 2)) {
        const weight = points.module / paths.length;
        return paths.map((path) => ({ path, points: weight, reason: `mentions module ${module}` }));
      }
    }
  }
  return [];
}

export function frameSignals(frames: readonly Frame[], index: PathIndex): Signal[] {
  const signals: Signal[] = [];
  let innermost: Signal | undefined;
  for (const frame of frames) {
    const { paths, segments } = index.match(frame.path);
    // A bare file name in a trace (`<stdin>`, `test.py`) says little unless it is unique.
    if (paths.length !== 1 && segments < 2) continue;
    for (const path of paths) {
      const line = frame.line ? ` line ${frame.line}` : '';
      const signal = { path, points: points.frame / paths.length, reason: `in the stack trace${line}` };
      signals.push(signal);
      innermost = signal;
    }
  }
  if (innermost) {
    signals.push({ path: innermost.path, points: points.innermost, reason: 'innermost frame' });
  }
  return signals;
}
