// The signal from identifiers the issue names: a file that defines `parse_url` is likely where a bug
// in `parse_url` lives. A name defined in many files (`__init__`, `run`) says little, so each name's
// points are shared among the files that define it, and a qualified name (`Dataset.merge`) that
// matches a method of that class counts more than the bare name.
import type { NamedIdentifier } from './issue-clues.ts';
import type { Signal } from './path-signals.ts';
import type { CodeSymbol, FileOutline } from './types.ts';

/** Where each name is defined: bare names, and `Class.method` for methods. */
export interface DefinitionIndex {
  files(name: string): readonly string[];
  /** Whether `name` is defined only as a class: the type a user's example starts from. */
  isClass(name: string): boolean;
}

export function createDefinitionIndex(outlines: ReadonlyMap<string, FileOutline>): DefinitionIndex {
  const byName = new Map<string, string[]>();
  const kinds = new Map<string, Set<string>>();
  const add = (name: string, path: string) => {
    const list = byName.get(name);
    if (!list) byName.set(name, [path]);
    else if (list[list.length - 1] !== path) list.push(path);
  };
  for (const [path, outline] of outlines) {
    for (const symbol of outline.symbols) {
      add(symbol.name, path);
      if (!symbol.parent) add(`${topLevel}${symbol.name}`, path);
      kinds.set(symbol.name, (kinds.get(symbol.name) ?? new Set()).add(symbol.kind));
      if (symbol.parent) add(`${symbol.parent}.${symbol.name}`, path);
    }
  }
  return {
    files: (name) => byName.get(name) ?? [],
    isClass: (name) => {
      const found = kinds.get(name);
      return found?.size === 1 && found.has('class');
    },
  };
}

/** The key prefix for module-level definitions (functions and classes outside any class). */
const topLevel = '::';

/** Names defined in more files than this are too common to point anywhere. */
const maxDefiningFiles = 12;
const qualifiedBonus = 2;
const classShare = 0.5;

export function definitionSignals(
  identifiers: readonly NamedIdentifier[],
  index: DefinitionIndex,
  rarity: (name: string) => number = () => 1,
): Signal[] {
  const signals: Signal[] = [];
  for (const identifier of identifiers) {
    // `xr.where(...)` with `import xarray as xr` calls a module's function, not any class's method.
    const qualifiedKey = identifier.ofModule
      ? `${topLevel}${identifier.name}`
      : `${identifier.qualifier}.${identifier.name}`;
    const qualified = identifier.qualifier ? index.files(qualifiedKey) : [];
    const found = qualified.length > 0 ? qualified : index.files(identifier.name);
    if (found.length === 0 || found.length > maxDefiningFiles) continue;
    const label = qualified.length > 0 ? `${identifier.qualifier}.${identifier.name}` : identifier.name;
    // A class named bare is usually the type the example starts from (`Dataset(...)`), rarely the
    // place of the bug, which its method or the code it calls holds.
    const bonus = qualified.length > 0 ? qualifiedBonus : index.isClass(identifier.name) ? classShare : 1;
    const weight = (identifier.weight * bonus * rarity(identifier.name)) / Math.sqrt(found.length);
    for (const path of found) signals.push({ path, points: weight, reason: `defines ${label}` });
  }
  return diminished(signals);
}

/** Each further name a file defines counts less: a large module defines many names of any issue. */
const furtherNameShare = 0.7;

function diminished(signals: Signal[]): Signal[] {
  const seen = new Map<string, number>();
  return [...signals]
    .sort((a, b) => b.points - a.points)
    .map((signal) => {
      const count = seen.get(signal.path) ?? 0;
      seen.set(signal.path, count + 1);
      return { ...signal, points: signal.points * furtherNameShare ** count };
    });
}

/**
 * The definitions in a file that the issue is about: named by it, holding a line of a stack-trace
 * frame, or sharing words with it. Ranked, so the agent can show the first few.
 */
export function relatedSymbols(
  symbols: readonly CodeSymbol[],
  names: ReadonlySet<string>,
  frameLines: readonly number[],
  words: ReadonlySet<string>,
  limit: number,
): CodeSymbol[] {
  const scored = symbols.map((symbol) => ({ symbol, score: symbolScore(symbol, names, frameLines, words) }));
  return scored
    .filter((entry) => entry.score > 0)
    .sort((a, b) => b.score - a.score || a.symbol.startLine - b.symbol.startLine)
    .slice(0, limit)
    .map((entry) => entry.symbol);
}

function symbolScore(
  symbol: CodeSymbol,
  names: ReadonlySet<string>,
  frameLines: readonly number[],
  words: ReadonlySet<string>,
): number {
  let score = 0;
  if (names.has(symbol.name)) score += 4;
  if (symbol.parent && names.has(`${symbol.parent}.${symbol.name}`)) score += 4;
  const innermost = frameLines.some((line) => line >= symbol.startLine && line <= symbol.endLine);
  if (innermost) score += symbol.kind === 'class' ? 1 : 3;
  for (const part of symbol.name.split(/_|(?<=[a-z])(?=[A-Z])/)) {
    if (part.length > 2 && words.has(part.toLowerCase())) score += 0.5;
  }
  return score;
}
