// Which file(s) the model is asked to change. When the ranking is decisive — the issue names one of the
// candidates, a stack trace points into one, or the first clearly leads — no model call is spent; else the
// model picks from the top candidates with a short question, and its reply is only ever matched against
// those candidates (it cannot name another path).
import type { Candidate } from '../../context/types.ts';
import { escapeRegExp } from '../../core/reg-exp.ts';

/** Candidates the model may pick from. */
export const CHOICES = 5;
/** The first candidate leads decisively when it scores at least this multiple of the second. */
const LEAD = 2;
/** Files the model may be asked to change at once: more does not fit a small model's attention. */
const MAX_CHOSEN = 2;

export interface Choice {
  paths: string[];
  /** Why these, for the trajectory and the log. */
  why: string;
}

/** The choice made without the model, or undefined when the model should pick. */
export function decisiveChoice(candidates: Candidate[]): Choice | undefined {
  const [first, second] = candidates;
  if (!first) return undefined;
  if (!second) return { paths: [first.path], why: 'the only candidate' };
  const named = candidates.slice(0, CHOICES).filter((candidate) => candidate.reasons.some(isDirectReason));
  if (named.length === 1 && named[0] === first) {
    return { paths: [first.path], why: `the issue points at it (${first.reasons.find(isDirectReason)})` };
  }
  if (first.score >= LEAD * second.score) {
    return {
      paths: [first.path],
      why: `it leads the ranking (${first.score.toFixed(1)} against ${second.score.toFixed(1)})`,
    };
  }
  return undefined;
}

/** A reason that names the file itself, rather than words it shares with the issue. */
function isDirectReason(reason: string): boolean {
  return /^mentions (?!module )/.test(reason) || reason.startsWith('in the stack trace');
}

/**
 * The candidates the model's reply names, in the order it names them (paths, or a file name that only one
 * candidate has, or a candidate's number); the first candidate when it names none.
 */
export function parseChoice(reply: string, candidates: Candidate[]): Choice {
  const shown = candidates.slice(0, CHOICES);
  const found: Array<{ at: number; path: string }> = [];
  for (const [index, candidate] of shown.entries()) {
    const at = firstMention(reply, candidate.path, shown, index);
    if (at >= 0) found.push({ at, path: candidate.path });
  }
  found.sort((a, b) => a.at - b.at);
  const paths = found.slice(0, MAX_CHOSEN).map((entry) => entry.path);
  if (paths.length === 0 && shown[0])
    return { paths: [shown[0].path], why: 'the model named no candidate: the first' };
  return { paths, why: 'the model picked it' };
}

function firstMention(reply: string, path: string, shown: Candidate[], index: number): number {
  // The whole path, not a tail of a longer one (`a.py` is not in `src/data.py`).
  const direct = reply.search(new RegExp(`(^|[^\\w./-])${escapeRegExp(path)}(?![\\w/-])`));
  if (direct >= 0) return direct;
  const name = path.slice(path.lastIndexOf('/') + 1);
  const sameName = shown.filter(
    (candidate) => candidate.path.endsWith(`/${name}`) || candidate.path === name,
  );
  if (sameName.length === 1) {
    const at = reply.search(new RegExp(`(^|[^\\w./-])${escapeRegExp(name)}(?![\\w-])`));
    if (at >= 0) return at;
  }
  // "2" or "2." alone on a line: the candidate list is numbered. Blanks, not \s: across newlines a
  // reply of blank lines was scanned from each line to its end (seconds for 100,000).
  const numbered = reply.search(new RegExp(`^[ \\t]*\\[?${index + 1}[.)\\]]?[ \\t]*$`, 'm'));
  return numbered;
}
