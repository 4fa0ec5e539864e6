// What the model is told when its edit cannot be used. Small models follow short, concrete, imperative
// corrections that show the expected shape; long explanations and whole re-quoted files lose them (and
// cost prompt tokens on every later call). Each message quotes only what it must.
import type { ApplyResult, EditFailure } from './apply-edits.ts';
import type { EditProblem, EditReply } from './edit-reply.ts';

/** How the model was asked to edit: the whole file, or SEARCH/REPLACE blocks. */
export type EditFormat = 'whole' | 'replace';

export interface CorrectionOptions {
  format: EditFormat;
  /** The files the model was shown, to name a real path in the example. */
  shownPaths: string[];
}

type InvalidReply = Extract<EditReply, { kind: 'invalid' }>;

/** Failures after the first few are left for the next round: one message must stay short. */
const MAX_FAILURES = 3;

/** The correction for a reply that could not be read, or for edits that did not apply (undefined: none). */
export function correctionFor(
  issue: InvalidReply | ApplyResult,
  options: CorrectionOptions,
): string | undefined {
  if ('problem' in issue) return problemMessage(issue.problem, issue.detail, options);
  if (issue.failures.length === 0) return undefined;
  const shown = issue.failures.slice(0, MAX_FAILURES).map((failure) => failureMessage(failure, options));
  const more = issue.failures.length - shown.length;
  if (more > 0) shown.push(`${more} more block${more === 1 ? '' : 's'} failed too; fix these first.`);
  const retried = issue.failures.some((failure) => failure.kind !== 'no-change');
  if (issue.applied > 0 && retried)
    shown.push('Your other changes were applied: send only the blocks named above, corrected.');
  return shown.join('\n\n');
}

function problemMessage(problem: EditProblem, detail: string, options: CorrectionOptions): string {
  const how = expectedShape(options);
  switch (problem) {
    case 'empty':
      return `Your reply was empty. ${how}`;
    case 'no-fence':
      return `Your reply has no code block, so nothing was changed. ${how}`;
    case 'tool-call':
      return `There are no tools to call: do not write JSON. ${how}`;
    case 'diff':
      return `Do not send a diff. ${how}`;
    case 'no-path':
      return `Your code block does not say which file it is for${filesShown(options)}. ${how}`;
    case 'bad-path':
      return `Not allowed: ${detail}. Use the path relative to the repository root, as shown to you${filesShown(options)}.`;
    case 'several-fences':
      return options.format === 'whole'
        ? `You sent ${detail} more than once. Send it once: one code block with the complete new file.`
        : `You sent ${detail} in conflicting blocks. Send its changes once, as SEARCH/REPLACE blocks only.`;
    case 'elided':
      return options.format === 'whole'
        ? `Your file leaves out code: this line stands for lines you did not write.\n${fenced(detail)}\nSend the complete file, every line of it, with no placeholder comments.`
        : `Your REPLACE leaves out code: this line stands for lines you did not write.\n${fenced(detail)}\nWrite every line of the REPLACE part in full, or make the SEARCH smaller.`;
    case 'truncated':
      return options.format === 'whole'
        ? `Your reply was cut off (${detail}). Send the file again, complete, with no explanation before or after it.`
        : `Your reply was cut off (${detail}). Send shorter SEARCH/REPLACE blocks: only the lines that change and one or two lines around them, no explanation.`;
    case 'malformed-markers':
      // In whole-file mode the way out is the whole file, not repaired markers.
      return `Your SEARCH/REPLACE markers are wrong: ${detail}. ${how}`;
  }
}

function failureMessage(failure: EditFailure, options: CorrectionOptions): string {
  switch (failure.kind) {
    case 'no-match': {
      const which = `The SEARCH block ${failure.block}${startingWith(failure.search)} for ${failure.path}`;
      if (failure.closest === undefined) {
        return `${which} does not match the file. Copy the SEARCH lines exactly from the file shown to you, spaces included.`;
      }
      return `${which} does not match the file. Did you mean these lines?\n${fenced(failure.closest)}\nCopy the SEARCH lines exactly from the file, spaces included.`;
    }
    case 'ambiguous':
      return `The SEARCH block ${failure.block}${startingWith(failure.search)} for ${failure.path} matches ${failure.count} places in the file. Add the lines just before or after it, so that it matches one place only.`;
    case 'missing-file':
      return `${failure.path} does not exist. Use the path of a file shown to you${filesShown(options)}; to create a new file, leave its SEARCH empty.`;
    case 'empty-search':
      return `The SEARCH block ${failure.block} for ${failure.path} is empty, but the file exists. Copy into SEARCH the lines you want to change.`;
    case 'no-change':
      return `Your edit of ${failure.path} changes nothing: the new code is the same as the old. Change the code so that it fixes the issue.`;
  }
}

/** The shape to send, with a real path from the files shown. */
function expectedShape(options: CorrectionOptions): string {
  const path = options.shownPaths[0] ?? 'path/to/file';
  return options.format === 'whole'
    ? `Reply with the file's path alone on one line, then one code block with the complete new file:\n${path}\n\`\`\`\nevery line of the new file\n\`\`\``
    : `Reply with the file's path alone on one line, then a code block of SEARCH/REPLACE blocks:\n${path}\n\`\`\`\n<<<<<<< SEARCH\nlines copied exactly from the file\n=======\nthe new lines\n>>>>>>> REPLACE\n\`\`\``;
}

function filesShown(options: CorrectionOptions): string {
  if (options.shownPaths.length === 0) return '';
  const listed = options.shownPaths.slice(0, 5).join(', ');
  return ` (${listed}${options.shownPaths.length > 5 ? ', ...' : ''})`;
}

/** ` (starting "def total(self):")`, to tell the blocks apart; empty for a blank first line. */
function startingWith(search: string): string {
  const first = search
    .split('\n')
    .find((line) => line.trim() !== '')
    ?.trim();
  if (first === undefined) return '';
  return ` (starting "${first.length > 60 ? `${first.slice(0, 57)}...` : first}")`;
}

/** A fenced block longer than any run of backticks in the text, so quoted Markdown cannot end it. */
function fenced(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((run) => run[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}\n${text}\n${fence}`;
}
