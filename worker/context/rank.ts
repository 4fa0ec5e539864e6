// Combines the signals into one score per file, keeping the reasons, and picks the candidates.
// Direct evidence (a path, a frame, a defined name, the words) comes first; then it spreads to the
// code a matching test tests and to import neighbours of the strongest files. Test files compete only
// when the issue is about tests; otherwise they hand their evidence to the code they test.
import { createDefinitionIndex, definitionSignals, relatedSymbols } from './definition-signals.ts';
import {
  createImportGraph,
  importSignals,
  type ResolveImport,
  testToSourceSignals,
} from './graph-signals.ts';
import type { IssueClues } from './issue-clues.ts';
import { literalSignals } from './literal-signals.ts';
import { isToolConfigPath } from './path-kinds.ts';
import {
  append,
  createPathIndex,
  frameSignals,
  mentionSignals,
  nameWordSignals,
  type Signal,
} from './path-signals.ts';
import { createTextIndex, indexTerms, nameTerms, splitWords, type TextIndex } from './text-rank.ts';
import type { Candidate, CodeSymbol, FileOutline, InventoryFile } from './types.ts';

export interface RankInput {
  /** The files read, with their text. */
  files: readonly InventoryFile[];
  /** Every listed path, read or not (a test file the issue names is found by its path alone). */
  paths: readonly string[];
  outlines: ReadonlyMap<string, FileOutline>;
  clues: IssueClues;
  resolveImport: ResolveImport;
  isTest: (path: string) => boolean;
  isDoc: (path: string) => boolean;
  /** The checkout's own JavaScript packages, name -> directory, for frames in their installed copies. */
  packages?: ReadonlyMap<string, string>;
}

/** The most points text relevance alone can give: the best-matching file gets all of them. */
const textPoints = 6;
/** The title alone, again: it is the densest statement of the problem, free of logs and examples. */
const titlePoints = 3;
/** In the title, a longer word also finds the words it begins: "serialization" stems to "serial",
 * which then finds `serializable`. Only there: across a whole issue it would match too much. */
const titlePrefixFrom = 6;
/** Files without definitions (configuration, data) and tool configuration written as code match an
 * issue's words easily; the fix is rarely there unless the issue names them. Prose (changelogs, docs) even less: it repeats every issue's words. */
const nonCodeTextShare = 0.3;
const proseTextShare = 0.05;
const reasonsShown = 4;
const symbolsShown = 5;

export function rankFiles(input: RankInput, top: number): Candidate[] {
  const { clues } = input;
  const { paths } = input;
  const pathIndex = createPathIndex(paths, input.packages);
  const text = createTextIndex(
    input.files.map((file) => ({
      path: file.path,
      names: (input.outlines.get(file.path)?.symbols ?? []).map((symbol) => symbol.name).join(' '),
      content: file.text,
    })),
  );
  const tally = new Tally();
  tally.add(mentionSignals(clues, pathIndex));
  tally.add(frameSignals(clues.frames, pathIndex));
  tally.add(
    definitionSignals(clues.identifiers, createDefinitionIndex(input.outlines), (name) => rarity(text, name)),
  );
  tally.add(textSignals(input, text));
  if (clues.literals.length > 0) tally.add(literalSignals(clues.literals, sourceFiles(input)));
  tally.add(
    nameWordSignals(
      paths,
      new Set(indexTerms(clues.title)),
      new Set(indexTerms(clues.text)),
      nameTerms,
      (word) => rarity(text, word),
    ),
  );
  if (!clues.aboutTests) {
    const tests = tally.take((path) => input.isTest(path));
    tally.add(testToSourceSignals(tests, sourcesByName(paths, input.isTest)));
  }
  tally.add(importSignals(tally.scores(), createImportGraph(input.outlines, input.resolveImport)));
  // A listed file that was not read (binary, too large) may carry a path mention, never a candidacy.
  const read = new Set(input.files.map((file) => file.path));
  const symbolsFor = relatedSymbolsOf(input);
  return tally
    .ranked()
    .filter(([path]) => read.has(path))
    .slice(0, top)
    .map(([path, score, reasons]) => ({
      path,
      score: Math.round(score * 100) / 100,
      reasons,
      symbols: symbolsFor(path),
    }));
}

/**
 * How telling a name is, 0.1–1: one that appears in most files (the project's central class, which
 * every example in its issues uses) says little about where a bug is; one in a few files says much.
 */
function rarity(text: TextIndex, name: string): number {
  const share = text.share(name);
  if (share <= 0) return 1;
  return Math.min(1, Math.max(0.1, Math.log(1 / share) / Math.log(20)));
}

function textSignals(input: RankInput, text: TextIndex): Signal[] {
  return [
    ...scaledText(input, text.scores(input.clues.text), textPoints, 'shares words with the issue'),
    ...scaledText(
      input,
      text.scores(input.clues.title, titlePrefixFrom),
      titlePoints,
      'shares words with the title',
    ),
  ];
}

function scaledText(
  input: RankInput,
  scores: ReadonlyMap<string, number>,
  most: number,
  why: string,
): Signal[] {
  const best = Math.max(0, ...scores.values());
  if (best === 0) return [];
  return [...scores].map(([path, score]) => {
    const share = input.isDoc(path) ? proseTextShare : isProgramSource(input, path) ? 1 : nonCodeTextShare;
    const points = (most * share * score) / best;
    return { path, points, reason: `${why} (${(score / best).toFixed(2)})` };
  });
}

/** A file with definitions that is not prose or tool configuration: the program's own code. */
function isProgramSource(input: RankInput, path: string): boolean {
  return !input.isDoc(path) && !isToolConfigPath(path) && (input.outlines.get(path)?.symbols.length ?? 0) > 0;
}

/** Where a program holds its own names. */
function sourceFiles(input: RankInput): InventoryFile[] {
  return input.files.filter((file) => isProgramSource(input, file.path));
}

function sourcesByName(paths: readonly string[], isTest: (path: string) => boolean): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const path of paths) {
    if (isTest(path)) continue;
    const name = path.slice(path.lastIndexOf('/') + 1);
    append(byName, name, path);
  }
  return byName;
}

/** The related definitions of a candidate; what they are matched against is read from the issue once. */
function relatedSymbolsOf(input: RankInput): (path: string) => CodeSymbol[] {
  const names = new Set<string>();
  for (const identifier of input.clues.identifiers) {
    names.add(identifier.name);
    if (identifier.qualifier) names.add(`${identifier.qualifier}.${identifier.name}`);
  }
  const words = new Set(splitWords(input.clues.text).map((word) => word.toLowerCase()));
  return (path) => {
    const outline = input.outlines.get(path);
    if (!outline) return [];
    const frameLines = input.clues.frames
      .filter((frame) => frame.line !== undefined && path.endsWith(frame.path.split('/').slice(-2).join('/')))
      .map((frame) => frame.line as number);
    return relatedSymbols(outline.symbols, names, frameLines, words, symbolsShown);
  };
}

/** Points per file, with the reasons that gave them, strongest reason first. */
class Tally {
  private readonly entries = new Map<string, Map<string, number>>();

  add(signals: readonly Signal[]): void {
    for (const signal of signals) {
      if (!(signal.points > 0)) continue;
      const reasons = this.entries.get(signal.path) ?? new Map<string, number>();
      reasons.set(signal.reason, (reasons.get(signal.reason) ?? 0) + signal.points);
      this.entries.set(signal.path, reasons);
    }
  }

  /** Removes the files `which` selects and returns their scores. */
  take(which: (path: string) => boolean): Map<string, number> {
    const taken = new Map<string, number>();
    for (const [path, score] of this.scores()) {
      if (!which(path)) continue;
      taken.set(path, score);
      this.entries.delete(path);
    }
    return taken;
  }

  scores(): Map<string, number> {
    const scores = new Map<string, number>();
    for (const [path, reasons] of this.entries) scores.set(path, sum(reasons.values()));
    return scores;
  }

  ranked(): Array<[string, number, string[]]> {
    return [...this.entries]
      .map(([path, reasons]): [string, number, string[]] => [path, sum(reasons.values()), strongest(reasons)])
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  }
}

function strongest(reasons: ReadonlyMap<string, number>): string[] {
  return [...reasons]
    .sort((a, b) => b[1] - a[1])
    .slice(0, reasonsShown)
    .map(([reason]) => reason);
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}
