// A compact map of the repository for a prompt: one line per file, its path and its top-level
// definitions, cut to a token budget. Candidates come first, then the files beside them, then the
// rest, so a small budget still shows the neighbourhood of the likely fix.
// The agent's conservative estimate (characters a token), so the map fits the budget it is cut to.
import { INITIAL_CHARS_PER_TOKEN } from '../agent/context-budget.ts';
import type { Candidate, FileOutline, InventoryFile } from './types.ts';

const namesPerFile = 12;

export function renderRepoMap(
  files: readonly InventoryFile[],
  outlines: ReadonlyMap<string, FileOutline>,
  candidates: readonly Candidate[],
  tokens: number,
): string {
  const budget = Math.max(0, tokens) * INITIAL_CHARS_PER_TOKEN;
  const lines: string[] = [];
  let used = 0;
  for (const path of mapOrder(files, candidates)) {
    const line = mapLine(path, outlines.get(path));
    if (used + line.length + 1 > budget) break;
    lines.push(line);
    used += line.length + 1;
  }
  return lines.join('\n');
}

function mapOrder(files: readonly InventoryFile[], candidates: readonly Candidate[]): string[] {
  const first = candidates.map((candidate) => candidate.path);
  const directories = new Set(first.map(directoryOf));
  const beside = files.map((file) => file.path).filter((path) => directories.has(directoryOf(path)));
  const rest = files.map((file) => file.path).sort();
  return [...new Set([...first, ...beside.sort(), ...rest])];
}

function mapLine(path: string, outline: FileOutline | undefined): string {
  const topLevel = (outline?.symbols ?? []).filter((symbol) => !symbol.parent).map((symbol) => symbol.name);
  if (topLevel.length === 0) return path;
  const shown = topLevel.slice(0, namesPerFile).join(', ');
  const more = topLevel.length > namesPerFile ? `, … ${topLevel.length - namesPerFile} more` : '';
  return `${path}: ${shown}${more}`;
}

function directoryOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/') + 1);
}
