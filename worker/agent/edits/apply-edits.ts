// Applies parsed edits to file contents, leniently: small models copy SEARCH text with the wrong
// indentation, trailing spaces, a stray blank line or a few wrong characters. Turning lenient application
// off gave aider 9x more editing errors in its unified-diff study. Each rule is tried in order and the first that
// finds exactly one place wins; a failure says what the model should send instead (edit-feedback.ts).
import { distance } from 'fastest-levenshtein';
import type { Edit } from './edit-reply.ts';

export type EditFailure =
  | { kind: 'no-match'; path: string; block: number; search: string; closest?: string }
  | { kind: 'ambiguous'; path: string; block: number; search: string; count: number }
  | { kind: 'missing-file'; path: string; block: number; search: string }
  | { kind: 'empty-search'; path: string; block: number }
  | { kind: 'no-change'; path: string };

export interface ApplyResult {
  /** Path -> new full content, for the files whose content changed. */
  changed: Map<string, string>;
  failures: EditFailure[];
  /** Whole files and SEARCH/REPLACE blocks applied (in edits that changed their file), so a correction can say the rest went in. */
  applied: number;
}

/** Below this a fuzzy window is not the searched code, however alone it is (a ratio of edit distance). */
export const FUZZY_THRESHOLD = 0.9;
/** The best window must beat every window apart from it by this much: otherwise the place is a guess. */
const FUZZY_MARGIN = 0.05;
/** Below this the closest lines are no help as "did you mean". */
const CLOSEST_THRESHOLD = 0.5;
const CLOSEST_MAX_LINES = 12;

/** A file as lines, with what must come back unchanged: its line ending and its final newlines. */
interface Text {
  lines: string[];
  eol: '\n' | '\r\n';
  /** The newlines at the end of the file ("" when the last line has none). */
  tail: string;
}

export function applyEdits(edits: Edit[], read: (path: string) => string | undefined): ApplyResult {
  const changed = new Map<string, string>();
  const failures: EditFailure[] = [];
  let applied = 0;
  const current = (path: string) => changed.get(path) ?? read(path);
  for (const edit of edits) {
    const original = current(edit.path);
    const result = edit.kind === 'whole' ? applyWhole(edit, original) : applyBlocks(edit, original);
    failures.push(...result.failures);
    if (result.content === undefined || result.applied === 0) continue;
    if (result.content === original) {
      failures.push({ kind: 'no-change', path: edit.path });
    } else {
      changed.set(edit.path, result.content);
      applied += result.applied;
    }
  }
  return { changed, failures, applied };
}

interface EditOutcome {
  content?: string;
  failures: EditFailure[];
  applied: number;
}

function applyWhole(edit: Extract<Edit, { kind: 'whole' }>, original: string | undefined): EditOutcome {
  const lines = toLines(edit.content.replace(/\n+$/, ''));
  const text =
    original === undefined ? { lines, eol: '\n' as const, tail: '\n' } : { ...toText(original), lines };
  return { content: fromText(text), failures: [], applied: 1 };
}

function applyBlocks(edit: Extract<Edit, { kind: 'replace' }>, original: string | undefined): EditOutcome {
  const failures: EditFailure[] = [];
  let applied = 0;
  let text: Text | undefined = original === undefined ? undefined : toText(original);
  edit.blocks.forEach((block, index) => {
    const number = index + 1;
    const search = toLines(block.search);
    const replace = toLines(block.replace);
    if (search.length === 0) {
      if (text === undefined || text.lines.every((line) => line.trim() === '')) {
        // An empty SEARCH creates the file (or fills an empty one) with the REPLACE.
        text = { lines: replace, eol: text?.eol ?? '\n', tail: '\n' };
        applied++;
      } else {
        failures.push({ kind: 'empty-search', path: edit.path, block: number });
      }
      return;
    }
    if (text === undefined) {
      failures.push({ kind: 'missing-file', path: edit.path, block: number, search: block.search });
      return;
    }
    const found = locate(text.lines, search, replace);
    if (found.kind === 'match') {
      text = {
        ...text,
        lines: [
          ...text.lines.slice(0, found.at),
          ...found.lines,
          ...text.lines.slice(found.at + found.length),
        ],
      };
      applied++;
    } else if (found.kind === 'ambiguous') {
      failures.push({
        kind: 'ambiguous',
        path: edit.path,
        block: number,
        search: block.search,
        count: found.count,
      });
    } else if (alreadyApplied(text.lines, search, replace)) {
      // The model re-sent a block that went in with an earlier reply: nothing to do, nothing to correct.
      applied++;
    } else {
      failures.push({
        kind: 'no-match',
        path: edit.path,
        block: number,
        search: block.search,
        closest: found.closest,
      });
    }
  });
  return { content: text === undefined ? undefined : fromText(text), failures, applied };
}

/** The SEARCH is gone and its REPLACE stands in the file exactly once: the block was applied before. */
function alreadyApplied(lines: string[], search: string[], replace: string[]): boolean {
  if (replace.length === 0 || replace.join('\n') === search.join('\n')) return false;
  let count = 0;
  for (let at = 0; at + replace.length <= lines.length; at++) {
    if (replace.every((line, index) => lines[at + index]!.trimEnd() === line.trimEnd())) count++;
  }
  return count === 1;
}

// ---------------------------------------------------------------------------------------------------
// Finding the SEARCH in the file

type Located =
  | { kind: 'match'; at: number; length: number; lines: string[] }
  | { kind: 'ambiguous'; count: number }
  | { kind: 'none'; closest?: string };

/** Compares a file line with a SEARCH line. */
type Same = (fileLine: string, searchLine: string) => boolean;

const LEVELS: Array<{ same: Same; rebase: boolean }> = [
  { same: (a, b) => a === b, rebase: false },
  { same: (a, b) => a.trimEnd() === b.trimEnd(), rebase: false },
  { same: (a, b) => a.trim() === b.trim(), rebase: true },
];

function locate(file: string[], search: string[], replace: string[]): Located {
  for (const level of LEVELS) {
    const found = matchAt(file, search, replace, level);
    if (found) return found;
  }
  // A blank line the model added at either end of the SEARCH (and of the REPLACE, when it has one too).
  const trimmed = dropBlankEnds(search, replace);
  if (trimmed.search.length > 0 && trimmed.search.length < search.length) {
    for (const level of LEVELS) {
      const found = matchAt(file, trimmed.search, trimmed.replace, level);
      if (found) return found;
    }
  }
  return fuzzy(file, trimmed.search.length > 0 ? trimmed.search : search, trimmed.replace);
}

function matchAt(
  file: string[],
  search: string[],
  replace: string[],
  level: { same: Same; rebase: boolean },
) {
  const at: number[] = [];
  for (let i = 0; i + search.length <= file.length; i++) {
    if (search.every((line, k) => level.same(file[i + k]!, line))) at.push(i);
  }
  if (at.length > 1) return { kind: 'ambiguous' as const, count: at.length };
  if (at.length === 0) return undefined;
  const lines = level.rebase ? rebase(replace, search, file.slice(at[0]!, at[0]! + search.length)) : replace;
  return { kind: 'match' as const, at: at[0]!, length: search.length, lines };
}

/** Drops the blank lines at both ends of the SEARCH, and as many at the ends of the REPLACE. */
function dropBlankEnds(search: string[], replace: string[]) {
  let [s, r] = [search, replace];
  while (s.length > 0 && s[0]!.trim() === '') [s, r] = [s.slice(1), r[0]?.trim() === '' ? r.slice(1) : r];
  while (s.length > 0 && s.at(-1)!.trim() === '') {
    [s, r] = [s.slice(0, -1), r.at(-1)?.trim() === '' ? r.slice(0, -1) : r];
  }
  return { search: s, replace: r };
}

/**
 * The same-length window of the file most like the SEARCH, indentation aside. It is used only above the
 * threshold and when clearly better than every window apart from it (two near-copies of a function must
 * not be guessed between); otherwise its lines become the "did you mean".
 */
function fuzzy(file: string[], search: string[], replace: string[]): Located {
  const n = search.length;
  if (file.length < n) return { kind: 'none' };
  const wanted = search.map((line) => line.trim());
  const trimmed = file.map((line) => line.trim());
  const scores: number[] = [];
  let best = 0;
  for (let i = 0; i + n <= file.length; i++) {
    scores.push(similarity(wanted, trimmed, i));
    if (scores[i]! > scores[best]!) best = i;
  }
  const score = scores[best]!;
  // The rival: any window that does not overlap the best one, or an overlapping one just as good.
  let rival = 0;
  scores.forEach((other, i) => {
    if (i !== best && (Math.abs(i - best) >= n || other >= score)) rival = Math.max(rival, other);
  });
  if (score >= FUZZY_THRESHOLD && score - rival >= FUZZY_MARGIN) {
    return { kind: 'match', at: best, length: n, lines: rebase(replace, search, file.slice(best, best + n)) };
  }
  if (score < CLOSEST_THRESHOLD) return { kind: 'none' };
  return { kind: 'none', closest: file.slice(best, best + Math.min(n, CLOSEST_MAX_LINES)).join('\n') };
}

/**
 * 1 for equal lines, 0 for nothing in common: 1 - the edit distance of the lines side by side / their
 * longer lengths. Line by line rather than the joined text: nearly the same ratio for a same-length window,
 * several times faster on a long file (short strings are where the distance is fastest).
 */
function similarity(wanted: string[], file: string[], at: number): number {
  let edits = 0;
  let longer = 0;
  wanted.forEach((line, k) => {
    const other = file[at + k]!;
    edits += line === other ? 0 : distance(line, other);
    longer += Math.max(line.length, other.length);
  });
  return longer === 0 ? 1 : 1 - edits / longer;
}

/**
 * Moves the REPLACE by the difference between the SEARCH's indentation and the file's, measured on the
 * first non-blank line: a SEARCH written at column 0 for a method body gets the method's indentation back.
 */
function rebase(replace: string[], search: string[], window: string[]): string[] {
  const k = search.findIndex((line) => line.trim() !== '');
  if (k === -1) return replace;
  const from = indentOf(search[k]!);
  const to = indentOf(window[k]!);
  if (from === to) return replace;
  return replace.map((line) => {
    if (line.trim() === '') return line;
    if (to.startsWith(from)) return to.slice(from.length) + line;
    if (from.startsWith(to)) return line.slice(Math.min(from.length - to.length, indentOf(line).length));
    return line.startsWith(from) ? to + line.slice(from.length) : line;
  });
}

function indentOf(line: string): string {
  return /^[ \t]*/.exec(line)![0];
}

// ---------------------------------------------------------------------------------------------------
// Line endings

function toLines(text: string): string[] {
  return text === '' ? [] : text.split('\n');
}

function toText(content: string): Text {
  const crlf = content.split('\r\n').length - 1;
  const lf = content.split('\n').length - 1 - crlf;
  const normal = content.replace(/\r\n/g, '\n');
  const tail = /\n*$/.exec(normal)![0];
  return {
    lines: toLines(normal.slice(0, normal.length - tail.length)),
    eol: crlf > lf ? '\r\n' : '\n',
    tail,
  };
}

function fromText(text: Text): string {
  const tail = text.lines.length === 0 ? '' : text.tail;
  const content = text.lines.join('\n') + tail;
  return text.eol === '\r\n' ? content.replace(/\n/g, '\r\n') : content;
}
