// Signals that spread from files already found: the files a strong candidate imports or is imported
// by (a fix often spans a module and its helper), and the source file a matching test file tests
// (an issue quoting a failing test names the test, while the fix lands in the code under test).
import type { Signal } from './path-signals.ts';
import type { FileOutline } from './types.ts';

export type ResolveImport = (fromPath: string, specifier: string) => string | undefined;

/** Import edges both ways, resolved once to files of the inventory. */
export interface ImportGraph {
  neighbours(path: string): ReadonlySet<string>;
}

export function createImportGraph(
  outlines: ReadonlyMap<string, FileOutline>,
  resolve: ResolveImport,
): ImportGraph {
  const edges = new Map<string, Set<string>>();
  const link = (from: string, to: string) => {
    const set = edges.get(from);
    if (set) set.add(to);
    else edges.set(from, new Set([to]));
  };
  for (const [path, outline] of outlines) {
    for (const specifier of outline.imports) {
      const target = resolve(path, specifier);
      if (!target || target === path) continue;
      link(path, target);
      link(target, path);
    }
  }
  const none = new Set<string>();
  return { neighbours: (path) => edges.get(path) ?? none };
}

const strongestCount = 8;
/**
 * The share of a strong file's score its import neighbours split. A fix that spans files mostly spans
 * neighbours (the module and the helper it calls); 0.4 brought more of those second files into the top
 * five on the benchmark than 0.25, and more than that let neighbours push first files out
 * (docs/benchmarks.md#localization).
 */
const spreadShare = 0.4;
const hubNeighbours = 5;

/**
 * Each of the strongest files passes a share of its score to its import neighbours; a file with many
 * neighbours (a package's `__init__`, an index re-exporting everything) passes less to each.
 */
export function importSignals(scores: ReadonlyMap<string, number>, graph: ImportGraph): Signal[] {
  const strongest = [...scores].sort((a, b) => b[1] - a[1]).slice(0, strongestCount);
  const signals: Signal[] = [];
  for (const [origin, score] of strongest) {
    const neighbours = graph.neighbours(origin);
    if (neighbours.size === 0) continue;
    const each = (score * spreadShare) / Math.sqrt(neighbours.size);
    for (const path of neighbours) {
      // Symmetrically, a hub (a package's config module, imported by everything) receives less
      // from each neighbour, or it would collect a share from every strong file.
      const receiving = Math.max(1, Math.sqrt(graph.neighbours(path).size / hubNeighbours));
      signals.push({ path, points: each / receiving, reason: `imports or imported by ${origin}` });
    }
  }
  return signals;
}

/** The source file a test file tests, by the naming conventions of the common test runners. */
export function testedFileName(testPath: string): string | undefined {
  const name = testPath.slice(testPath.lastIndexOf('/') + 1);
  const patterns: Array<[RegExp, string]> = [
    [/^test_(.+\.py)$/, '$1'],
    [/^(.+)_test\.(py|go)$/, '$1.$2'],
    [/^(.+)\.(?:test|spec)\.([cm]?[jt]sx?)$/, '$1.$2'],
    [/^(.+)Test\.(java|kt)$/, '$1.$2'],
    [/^(.+)_spec\.rb$/, '$1.rb'],
  ];
  for (const [pattern, replacement] of patterns) {
    if (pattern.test(name)) return name.replace(pattern, replacement);
  }
  return undefined;
}

/**
 * Passes half of each test file's score to the source file it tests: of the files with that name, the
 * one whose directories share most names with the test's, so `tests/core/test_merge.py` finds
 * `pkg/core/merge.py` before `pkg/other/merge.py`.
 */
export function testToSourceSignals(
  testScores: ReadonlyMap<string, number>,
  sourcesByName: ReadonlyMap<string, readonly string[]>,
): Signal[] {
  const signals: Signal[] = [];
  for (const [testPath, score] of testScores) {
    const name = testedFileName(testPath);
    const sources = name ? sourcesByName.get(name) : undefined;
    if (!sources || sources.length === 0) continue;
    const best = closest(testPath, sources);
    signals.push({ path: best, points: score / 2, reason: `tested by ${testPath}` });
  }
  return signals;
}

function closest(from: string, paths: readonly string[]): string {
  const fromDirs = new Set(from.split('/').slice(0, -1));
  const shared = (path: string) => path.split('/').filter((segment) => fromDirs.has(segment)).length;
  return paths.reduce((best, path) => (shared(path) > shared(best) ? path : best));
}
