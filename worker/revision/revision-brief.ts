// What the agent is told for a revision, in the shape of an issue: the pipeline strategy and the shell
// loop take it as they take an issue, so revisions need no strategy of their own. The brief names the
// files of the review comments and of the pull request's diff, so the localizer's mention signal starts
// there. All of it is untrusted text (comments, the diff, a check's log): the runner quotes it as data.
import { type RevisionMessage, SCHEMA_VERSION, type TaskMessage } from '../../action/task-message.ts';
import type { ReviewNote, RevisionContext } from '../forge/forge.ts';

/** Caps, in characters: a 1.5B model's context is small, and the diff and log are the first to go. */
const MAX_DIFF = 6_000;
const MAX_LOG = 3_000;
const MAX_HUNK_LINES = 8;
const MAX_NOTES = 20;

/** An issue-shaped task carrying the revision's brief; it is never sent anywhere. */
export function revisionAsIssue(task: RevisionMessage, context: RevisionContext): TaskMessage {
  return {
    schema_version: SCHEMA_VERSION,
    kind: 'issue',
    issue_number: task.issue_number,
    repository: task.repository,
    title: `Revise pull request #${task.pull_number}: ${context.title}`.slice(0, 1_024),
    body: revisionBrief(task, context),
    body_truncated: false,
    labels: [],
    assignees: [],
    created_at: task.enqueued_at,
    updated_at: task.enqueued_at,
    html_url: task.html_url,
    sender: task.sender,
    event: 'manual',
    trigger_label: 'auto-code',
    enqueued_at: task.enqueued_at,
  };
}

export function revisionBrief(task: RevisionMessage, context: RevisionContext): string {
  const parts = [
    `Pull request #${task.pull_number} (for issue #${task.issue_number}) needs a change. ` +
      'Change the code so the request below is met, and keep the rest of the pull request as it is.',
    '## The request',
    context.request.trim() || '(no text)',
  ];
  const notes = context.notes.slice(-MAX_NOTES);
  if (notes.length > 0) parts.push('## Review comments', ...notes.map(noteText));
  if (context.failingCheck) {
    parts.push(
      `## Failing check: ${context.failingCheck.name}`,
      fenced('text', tail(context.failingCheck.log, MAX_LOG)),
    );
  }
  if (context.diff.trim()) {
    parts.push("## The pull request's change so far", fenced('diff', head(context.diff, MAX_DIFF)));
  }
  return parts.join('\n\n');
}

function noteText(note: ReviewNote): string {
  const where = note.path ? `\`${note.path}\`${note.line ? ` line ${note.line}` : ''}` : 'the pull request';
  const lines = [`- On ${where}, ${note.author} wrote:`, quote(note.body)];
  if (note.diffHunk) {
    const hunk = note.diffHunk.split('\n').slice(-MAX_HUNK_LINES).join('\n');
    lines.push(fenced('diff', hunk));
  }
  return lines.join('\n');
}

function quote(text: string): string {
  return text
    .trim()
    .split('\n')
    .map((line) => `  > ${line}`)
    .join('\n');
}

/** A code fence longer than any run of backticks inside, so the text cannot close it. */
function fenced(info: string, text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((run) => run[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${info}\n${text.replace(/\n+$/, '')}\n${fence}`;
}

function head(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}\n… (cut: ${text.length - max} more characters)`;
}

function tail(text: string, max: number): string {
  return text.length <= max
    ? text
    : `… (cut: the first ${text.length - max} characters)\n${text.slice(-max)}`;
}
