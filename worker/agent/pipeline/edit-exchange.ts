// One exchange that should end with an edit applied: ask the model, parse its reply, apply the edits
// leniently, and when something is wrong tell it exactly what and ask again — a bounded number of times,
// and never with the same wrong reply twice. The edits of a reply that apply are written (as aider does),
// and the correction asks only for the rest; a whole-file reply never replaces code the model did not see.
import { applyEdits } from '../edits/apply-edits.ts';
import { correctionFor, type EditFormat } from '../edits/edit-feedback.ts';
import { parseEditReply } from '../edits/edit-reply.ts';
import type { Conversation } from './conversation.ts';
import type { WorkspaceFiles } from './workspace-files.ts';

/** Corrections after the first reply of an exchange, before the attempt is given up. */
export const MAX_CORRECTIONS = 3;

export interface ExchangeInput {
  conversation: Conversation;
  files: WorkspaceFiles;
  shownPaths: string[];
  /** The format the model was asked for: whole files when every file was shown whole. */
  format: EditFormat;
  /** Files shown in excerpts only: a whole-file reply for one would drop every part not shown. */
  partialPaths: ReadonlySet<string>;
  /** Sampling for this attempt. */
  sampling: { temperature: number; seed: number };
  /** num_predict for an edit reply: room for the whole file shown, and more. */
  maxTokens: number;
  /** A line per step, for the run's steps and the progress comment. */
  note(action: string): void;
}

export type ExchangeResult = { applied: string[] } | { gaveUp: string };

export async function editExchange(input: ExchangeInput): Promise<ExchangeResult> {
  const { conversation, files, sampling } = input;
  const wrongReplies = new Set<string>();
  for (let corrections = 0; ; corrections += 1) {
    const stage = corrections === 0 ? 'edit' : 'correct';
    const reply = await conversation.ask(stage, { ...sampling, maxTokens: input.maxTokens });
    const key = reply.trim();
    if (wrongReplies.has(key)) {
      input.note('the model sent the same wrong reply again');
      return { gaveUp: 'the model repeated a reply that could not be applied' };
    }
    const problem = await applyReply(reply, input);
    if (!problem) return { applied: files.written() };
    wrongReplies.add(key);
    input.note(`reply not applied: ${problem.summary}`);
    if (corrections >= MAX_CORRECTIONS) {
      return {
        gaveUp: `no reply could be applied after ${MAX_CORRECTIONS} corrections (last: ${problem.summary})`,
      };
    }
    conversation.add({ role: 'user', content: problem.correction });
  }
}

/** Applies a reply; on a problem, what went wrong in a few words and the correction to send. */
async function applyReply(
  reply: string,
  input: ExchangeInput,
): Promise<{ summary: string; correction: string } | undefined> {
  const shownFiles = new Map<string, string | undefined>();
  for (const path of input.shownPaths) shownFiles.set(path, await input.files.read(path));
  const options = { format: input.format, shownPaths: input.shownPaths };
  const parsed = parseEditReply(reply, {
    shownPaths: input.shownPaths,
    read: (path) => shownFiles.get(path),
  });
  if (parsed.kind === 'invalid') {
    return { summary: parsed.problem, correction: correctionFor(parsed, options) ?? parsed.detail };
  }
  const current = new Map(shownFiles);
  for (const edit of parsed.edits) {
    if (!current.has(edit.path)) current.set(edit.path, await input.files.read(edit.path));
  }
  const blind = parsed.edits.find(
    (edit) => edit.kind === 'whole' && wouldDropUnseen(edit.path, input, current),
  );
  if (blind)
    return { summary: 'whole file for a file not shown whole', correction: wholeRefused(blind.path, input) };
  const result = applyEdits(parsed.edits, (path) => current.get(path));
  // What applied is kept, as aider does: the correction then asks only for the blocks that failed.
  for (const [path, content] of result.changed) {
    try {
      await input.files.write(path, content);
      input.note(`edited ${path}`);
    } catch (error) {
      const detail = (error as Error).message;
      return {
        summary: 'bad-path',
        correction: correctionFor({ kind: 'invalid', problem: 'bad-path', detail }, options) ?? detail,
      };
    }
  }
  if (result.failures.length === 0) return undefined;
  const kinds = [...new Set(result.failures.map((failure) => failure.kind))].join(', ');
  return { summary: kinds, correction: correctionFor(result, options) ?? kinds };
}

/** A whole-file reply replaces what the model never saw: a file shown in parts, or one not shown at all. */
function wouldDropUnseen(
  path: string,
  input: ExchangeInput,
  current: Map<string, string | undefined>,
): boolean {
  if (input.partialPaths.has(path)) return true;
  return !input.shownPaths.includes(path) && current.get(path) !== undefined;
}

function wholeRefused(path: string, input: ExchangeInput): string {
  const why = input.partialPaths.has(path)
    ? `${path} is large and you saw only parts of it`
    : `${path} exists and you were not shown it`;
  return `${why}, so a whole-file answer would delete what you did not see. Answer with SEARCH/REPLACE blocks for the lines to change, in a file you were shown:\n${input.shownPaths[0] ?? path}\n\`\`\`\n<<<<<<< SEARCH\nlines copied exactly from the file\n=======\nthe new lines\n>>>>>>> REPLACE\n\`\`\``;
}
