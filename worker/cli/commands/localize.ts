// `codingworker localize --repo-path DIR (--issue-file FILE | --message TASK.json) [--top N] [--json]`:
// the files an issue is most likely about, without a model — the same ranking the agent starts from.
// With --json, exactly one JSON object on stdout: {"candidates":[…],"skipped":{…},"ms":N}. Without it,
// a table. Exit 0 when it ran (even with no candidates), 1 with a one-line reason otherwise.
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { isRevision, parseTaskMessage } from '../../../action/task-message.ts';
import { stripHiddenText } from '../../agent/untrusted-text.ts';
import { localizeInThread } from '../../context/localize-thread.ts';
import type { LocalizeResult } from '../../context/types.ts';
import { errorMessage } from '../../core/errors.ts';

interface LocalizeOptions {
  repoPath: string;
  issueFile?: string;
  message?: string;
  top: number;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('localize')
    .description('rank the files of a checkout that an issue is most likely about (no model involved)')
    .requiredOption('--repo-path <dir>', 'a git checkout of the repository')
    .option('--issue-file <file>', 'the issue text (title and body) as a plain text file')
    .option('--message <file>', 'a task message as JSON (docs/task-message.schema.json): its title and body')
    .option('--top <n>', 'how many candidates to show', positiveInteger, 10)
    .option('--json', 'print one JSON object instead of a table')
    // A bad argument is one line on stderr, as the contract says, not the line and then the usage.
    .showHelpAfterError(false)
    .action(async (options: LocalizeOptions) => {
      const issueText = await readIssue(options);
      const repoPath = resolve(options.repoPath);
      if (!(await stat(repoPath).catch(() => undefined))?.isDirectory()) {
        throw new Error(`--repo-path ${repoPath} is not a directory: pass a git checkout`);
      }
      const result = await localizeInThread({ repoPath, issueText, top: options.top });
      const { candidates, skipped, ms } = result;
      process.stdout.write(options.json ? `${JSON.stringify({ candidates, skipped, ms })}\n` : table(result));
    });
}

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1)
    throw new InvalidArgumentError('expected a whole number of 1 or more');
  return number;
}

async function readIssue(options: LocalizeOptions): Promise<string> {
  if ((options.issueFile === undefined) === (options.message === undefined)) {
    throw new Error('pass exactly one of --issue-file FILE or --message TASK.json');
  }
  const file = options.issueFile ?? options.message ?? '';
  const flag = options.issueFile !== undefined ? '--issue-file' : '--message';
  const text = await readFile(file, 'utf8').catch((error: unknown) => {
    throw new Error(`${flag} ${file}: cannot read it (${errorMessage(error)})`);
  });
  if (options.issueFile !== undefined) return stripHiddenText(text);
  const parsed = parseTaskMessage(text);
  if (!parsed.ok) throw new Error(`--message ${file}: ${parsed.reason}`);
  const { task } = parsed;
  // A revision's text is its trigger's: the comment or review that asks for the change.
  const body = isRevision(task) ? task.trigger.body : task.body;
  return `${task.title}\n\n${stripHiddenText(body)}`;
}

function table(result: LocalizeResult): string {
  const lines = result.candidates.map((candidate, index) => {
    const symbols = candidate.symbols.map((symbol) => `${symbol.name} ${symbol.startLine}-${symbol.endLine}`);
    return [
      `${String(index + 1).padStart(2)}. ${candidate.path}  (score ${candidate.score})`,
      `    why: ${candidate.reasons.join('; ')}`,
      ...(symbols.length > 0 ? [`    symbols: ${symbols.join(', ')}`] : []),
    ].join('\n');
  });
  if (lines.length === 0) lines.push('no candidates: nothing in the checkout matches the issue');
  const skipped = Object.entries(result.skipped.reasons).map(([reason, count]) => `${reason} ${count}`);
  lines.push(
    `${result.candidates.length} candidates in ${result.ms} ms; skipped ${result.skipped.files} files${
      skipped.length > 0 ? ` (${skipped.join(', ')})` : ''
    }`,
  );
  return `${lines.join('\n')}\n`;
}
