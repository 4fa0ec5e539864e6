// The signal from hyphenated names an issue quotes: a command-line option (`--ignore-paths`), a
// message id (`unused-import`), a configuration key (`max-line-length`). A program holds such a name
// verbatim as a string where it defines or handles it, and text relevance cannot see it: it splits
// the name into common words ("ignore", "paths") that every other file holds too.
import { escapeRegExp } from '../core/reg-exp.ts';
import { append, type Signal } from './path-signals.ts';
import type { InventoryFile } from './types.ts';

/** A name held by more files than this is the project's vocabulary, not a pointer. */
const maxHoldingFiles = 6;
/** Small beside text relevance (6): a rare name confirms a file, it does not outvote the words. */
const literalPoints = 1;
// The head of a file is searched: more of it than the text index reads (60,000 characters), since an
// option's or a message's definition can sit far down a large module; bounded, as a scan of every
// byte of a large repository would cost seconds.
const maxScanChars = 200_000;

export function literalSignals(literals: readonly string[], files: readonly InventoryFile[]): Signal[] {
  if (literals.length === 0) return [];
  // Whole names only: `ignore-paths` is not held by `ignore-paths-re`.
  const pattern = new RegExp(`(?<![\\w-])(?:${literals.map(escapeRegExp).join('|')})(?![\\w-])`, 'g');
  const holders = new Map<string, string[]>();
  for (const file of files) {
    const held = new Set(file.text.slice(0, maxScanChars).match(pattern) ?? []);
    for (const literal of held) append(holders, literal, file.path);
  }
  const signals: Signal[] = [];
  for (const [literal, paths] of holders) {
    if (paths.length > maxHoldingFiles) continue;
    const points = literalPoints / Math.sqrt(paths.length);
    for (const path of paths) signals.push({ path, points, reason: `holds "${literal}"` });
  }
  return signals;
}
