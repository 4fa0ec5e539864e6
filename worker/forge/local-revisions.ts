// Revisions against a local repository (`codingworker run --message <revision.json> --repo-path <repo>
// [--comments <file>]`): the "pull request" is the branch auto-code/issue-N in that repository, its base
// the branch checked out there, and its review comments a JSON file the user writes. A user can so try a
// revision without GitHub. The same rules as the GitHub forge where they apply: the branch must hold
// CodingWorker's own commit, a trigger already addressed (its trailer on the branch) is not done twice,
// the caps hold, the push is fast-forward only, and each comment's thread gets one reply — appended to the
// comments file. The repository and the file are the operator's own, so every comment counts as permitted;
// hidden text is still stripped, as the model must not be told what the user cannot see.
import { readFile, writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { RevisionMessage } from '../../action/task-message.ts';
import { stripHiddenText } from '../agent/untrusted-text.ts';
import { PermanentError, TransientError } from '../core/errors.ts';
import { addressesTrigger, isWorkerCommitMessage, revisionCapReached } from '../job/commit-message.ts';
import type { ReviewNote, RevisionChange, RevisionForge, RevisionPreparation } from './forge.ts';

/** The reply's author in the comments file, and how a reply is told from a comment. */
const REPLY_AUTHOR = 'codingworker';

const commentSchema = z
  .object({
    id: z.number().int().positive(),
    author: z.string().min(1),
    body: z.string(),
    path: z.string().min(1).optional(),
    line: z.number().int().positive().optional(),
    in_reply_to: z.number().int().positive().optional(),
  })
  .strict();
const commentsFileSchema = z.array(commentSchema);
export type LocalComment = z.infer<typeof commentSchema>;

export interface LocalRevisionsOptions {
  repoPath: string;
  /** The review comments as a JSON array (docs/pipeline.md#revisions-without-github); optional. */
  commentsFile?: string | undefined;
  logger: Logger;
  /** Runs git in the repository (the local forge's hardened git). */
  git: (args: string[]) => Promise<string>;
  limits: { maxRevisions: number; maxCheckFixes: number };
}

export function createLocalRevisions(options: LocalRevisionsOptions): RevisionForge {
  return {
    prepare: (task) => prepare(options, task),
    async report(_task, progress) {
      const { stage, message, ...details } = progress;
      options.logger.info({ stage, ...details, revision: true }, `progress: ${message}`);
    },
    publish: (task, change) => publish(options, task, change),
  };
}

async function prepare(options: LocalRevisionsOptions, task: RevisionMessage): Promise<RevisionPreparation> {
  const { git, repoPath } = options;
  const branch = task.head_branch;
  const headSha = await git(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`]).catch(
    () => {
      throw new PermanentError(
        `${repoPath} has no branch ${branch}: run the issue first (codingworker run --message <issue.json> --repo-path ${repoPath})`,
      );
    },
  );
  const base = (await git(['symbolic-ref', '--quiet', '--short', 'HEAD']).catch(() => '')).trim();
  if (!base || base === branch) {
    throw new PermanentError(
      `${repoPath} must have its base branch checked out (not ${branch}): git -C ${repoPath} switch <default branch>`,
    );
  }
  const messages = (await git(['log', '--format=%B%x00', `${base}..${branch}`])).split('\0');
  if (!messages.some((message) => isWorkerCommitMessage(message, task.issue_number))) {
    return {
      action: 'skip',
      reason: `${branch} holds no CodingWorker commit for issue #${task.issue_number}`,
    };
  }
  if (messages.some((message) => addressesTrigger(message, task.trigger))) {
    return {
      action: 'already-done',
      url: locationOf(repoPath, branch),
      detail: `${branch} already has a commit for ${task.trigger.type} ${task.trigger.id}`,
    };
  }
  const capped = revisionCapReached(messages, task.trigger, options.limits, branch);
  if (capped) return { action: 'skip', reason: capped, tell: true };
  const comments = await readComments(options.commentsFile);
  const diff = await git(['diff', `${base}...${branch}`]);
  return {
    action: 'run',
    repository: { cloneUrl: repoPath, branch, baseBranch: base, headSha: headSha.trim() },
    context: {
      title: task.title,
      request: stripHiddenText(task.trigger.body),
      notes: notesOf(comments),
      diff,
    },
  };
}

/**
 * The comments still to address: not CodingWorker's replies, and written after its last reply in their
 * thread (the file is a to-do list, as the GitHub forge takes the comments since its last commit). A
 * thread is named by its first comment.
 */
function notesOf(comments: LocalComment[]): ReviewNote[] {
  const lastReply = new Map<number, number>();
  for (const comment of comments) {
    if (comment.author !== REPLY_AUTHOR || comment.in_reply_to === undefined) continue;
    lastReply.set(comment.in_reply_to, Math.max(comment.id, lastReply.get(comment.in_reply_to) ?? 0));
  }
  return comments
    .filter((comment) => comment.author !== REPLY_AUTHOR)
    .filter((comment) => comment.id > (lastReply.get(comment.in_reply_to ?? comment.id) ?? 0))
    .map((comment) => ({
      id: comment.id,
      author: comment.author,
      body: stripHiddenText(comment.body),
      ...(comment.path ? { path: comment.path } : {}),
      ...(comment.line ? { line: comment.line } : {}),
      threadId: comment.in_reply_to ?? comment.id,
    }));
}

async function readComments(file: string | undefined): Promise<LocalComment[]> {
  if (!file) return [];
  const text = await readFile(file, 'utf8').catch((error: unknown) => {
    throw new PermanentError(`--comments ${file}: cannot read it (${(error as Error).message})`);
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PermanentError(`--comments ${file}: not JSON (${(error as Error).message})`);
  }
  const parsed = commentsFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PermanentError(
      `--comments ${file}: ${issue?.path.join('.') || 'the file'}: ${issue?.message}; expected an array of {"id", "author", "body", "path"?, "line"?, "in_reply_to"?}`,
    );
  }
  return parsed.data;
}

async function publish(
  options: LocalRevisionsOptions,
  task: RevisionMessage,
  change: RevisionChange,
): Promise<{ url: string; replies: number }> {
  // A plain push: git refuses a non-fast-forward one, so a commit made on the branch meanwhile survives.
  await change.repo.push(options.repoPath, change.branch).catch((error: unknown) => {
    throw new TransientError(
      `the push to ${change.branch} was refused (${(error as Error).message.split('\n')[0]}): the branch moved while the revision ran; run it again to start from the new head`,
      { cause: error },
    );
  });
  const replies = await reply(options, task, change);
  return { url: locationOf(options.repoPath, change.branch), replies };
}

/** One reply per thread the change addresses, appended to the comments file (none without a file). */
async function reply(options: LocalRevisionsOptions, task: RevisionMessage, change: RevisionChange) {
  if (!options.commentsFile) return 0;
  const comments = await readComments(options.commentsFile);
  const threads = [...new Set(change.notes.map((note) => note.threadId ?? note.id))];
  const tag = `(${task.trigger.type} ${task.trigger.id})`;
  const answered = new Set(
    comments
      .filter((comment) => comment.author === REPLY_AUTHOR && comment.body.includes(tag))
      .map((comment) => comment.in_reply_to),
  );
  let nextId = Math.max(0, ...comments.map((comment) => comment.id)) + 1;
  const summary = change.summary.map((line) => `- ${line}`).join('\n');
  for (const thread of threads.filter((id) => !answered.has(id))) {
    comments.push({
      id: nextId++,
      author: REPLY_AUTHOR,
      body: `Addressed in ${change.commitSha.slice(0, 7)} ${tag}.${summary ? `\n\n${summary}` : ''}`,
      in_reply_to: thread,
    });
  }
  await writeFile(options.commentsFile, `${JSON.stringify(comments, null, 2)}\n`);
  return threads.length;
}

function locationOf(repoPath: string, branch: string): string {
  return `${pathToFileURL(repoPath).href}#${branch}`;
}
