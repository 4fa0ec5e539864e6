// The text of CodingWorker's single progress comment on an issue (the action writes its "queued" version)
// and the one-line summary used for commit statuses and check runs. Everything that did not come from
// this code — the pipeline's message, the agent's last action, a failure reason — may carry issue or model
// text, so it is shown only inside code spans (no mentions, links, HTML or Markdown), on one line, capped,
// and redacted so that a token can never be posted.
import { PROGRESS_MARKER } from '../../action/progress-marker.ts';
import { redactText } from '../core/redact.ts';
import type { Progress } from './forge.ts';

const STAGE_LABEL: Record<Progress['stage'], string> = {
  queued: '⏳ queued',
  started: '🚀 started',
  working: '🛠️ working',
  verifying: '🔍 verifying',
  publishing: '📤 publishing',
  done: '✅ pull request opened',
  failed: '❌ failed',
  skipped: '⏭️ not done',
};

const MAX_TEXT = 300;

/** Untrusted text as one inert Markdown code span. */
export function inertText(text: string, limit = MAX_TEXT): string {
  let line = redactText(text)
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/`/g, 'ˋ')
    .replace(/\p{Cc}/gu, '')
    .trim();
  if (line.length > limit) line = `${line.slice(0, limit - 1)}…`;
  return line ? `\`${line}\`` : '';
}

/** HH:MM UTC (and the date), as the maintainer reads it on the issue. */
export function utcTime(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(11, 16)} UTC (${iso.slice(0, 10)})`;
}

/** Only our own http(s) links are ever rendered as links. */
function safeUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? redactText(parsed.href) : undefined;
  } catch {
    return undefined;
  }
}

/** On a pull request's own progress comment, a revision's outcome is not "pull request opened". */
const REVISION_DONE = '✅ revision pushed';

export function progressCommentBody(
  progress: Progress,
  facts: { workerId: string; now: Date; revision?: boolean },
): string {
  const label = facts.revision && progress.stage === 'done' ? REVISION_DONE : STAGE_LABEL[progress.stage];
  const header =
    progress.stage === 'working' && progress.step !== undefined
      ? `**CodingWorker** · ${STAGE_LABEL.working} — step ${progress.step}`
      : `**CodingWorker** · ${label}`;
  const lines = [PROGRESS_MARKER, header, ''];
  const message = inertText(progress.message);
  if (message) lines.push(message);
  if (progress.lastAction) lines.push('', `Last action: ${inertText(progress.lastAction)}`);
  const url = safeUrl(progress.url);
  if (url) lines.push('', `${facts.revision ? 'Commit' : 'Pull request'}: ${url}`);
  if (progress.stage === 'failed') {
    if (progress.retryAt) {
      lines.push('', `Next: an automatic retry at ${utcTime(progress.retryAt)}.`);
    } else if (progress.deadLetter) {
      lines.push(
        '',
        'Next: no more automatic retries — the task is in the dead-letter queue. Fix the cause, then remove and add the trigger label again to retry.',
      );
    }
  }
  lines.push('', `<sub>worker ${inertText(facts.workerId, 80)} · updated ${utcTime(facts.now)}</sub>`);
  return lines.join('\n');
}

/** One line (GitHub caps commit status descriptions at 140 characters). */
export function progressSummary(progress: Progress, limit = 140): string {
  const label = STAGE_LABEL[progress.stage].replace(/^\S+\s/, '');
  const next = progress.retryAt
    ? ` (retry at ${utcTime(progress.retryAt)})`
    : progress.deadLetter
      ? ' (dead-lettered)'
      : '';
  const line = redactText(`${label}: ${progress.message}${next}`).replace(/\s+/g, ' ').trim();
  return line.length > limit ? `${line.slice(0, limit - 1)}…` : line;
}
